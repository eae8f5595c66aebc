import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { README, fillReadme } from '../../scripts/generate-docs.ts';

describe('README', () => {
  it('embeds the state diagram and event catalogue exactly as generated from the code', () => {
    // Prepare
    const committed = readFileSync(README, 'utf8');
    // Act
    const regenerated = fillReadme(committed);
    // Assess: `npm run docs` rewrites the README when this fails
    expect(committed).toBe(regenerated);
  });

  it('names the two commands a fresh machine runs', () => {
    const text = readFileSync(README, 'utf8');
    expect(text).toContain('npm ci && npm run demo');
    expect(text).toMatch(/^npm test\b/m);
  });

  it('has a code map row for every folder and top-level file under shared/src/', () => {
    // Prepare
    const text = readFileSync(README, 'utf8');
    const map = text.slice(text.indexOf('### Code map'), text.indexOf('### Key terms'));
    const root = new URL('shared/src/', README);
    const entries = readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isDirectory() || (e.name.endsWith('.ts') && !e.name.includes('.test.')))
      .map((e) => `shared/src/${e.name}${e.isDirectory() ? '/' : ''}`);
    // Assess
    expect(entries.length).toBeGreaterThan(10);
    expect(entries.filter((e) => !map.includes(`\`${e}`))).toEqual([]);
  });
});
