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

describe('README: which suites run where', () => {
  it('names every suite that reaches Kubernetes, each as run on the real kube-apiserver too or on the fixture only', async () => {
    // Prepare
    const { REAL_KUBE_SUITES, FIXTURE_ONLY_SUITES } = await import('../bed/real-kube/jest.config.js');
    const text = readFileSync(README, 'utf8');
    const section = text.slice(text.indexOf('Which suites run where.'), text.indexOf('CI requires exactly that one.'));
    const reachesKubernetes = /connectCluster|openKubectlSession|startKubeApi|startBed\b|startFunctionsBed|startBmcBed|startAgentBed|startClaimBed|startChaosStack|runChaos|startRealKube|'scripts', 'demo\.ts'/;
    const suites = listIntegrationSuites(new URL('../../', import.meta.url)).filter((f) => reachesKubernetes.test(readFileSync(new URL(`../../${f}`, import.meta.url), 'utf8')));
    // Assess: each is in exactly one list, and the README names it in its folder's run
    expect(suites.length).toBe(REAL_KUBE_SUITES.length + Object.keys(FIXTURE_ONLY_SUITES).length);
    expect(suites.filter((f) => REAL_KUBE_SUITES.includes(f) === Object.hasOwn(FIXTURE_ONLY_SUITES, f))).toEqual([]);
    for (const f of [...REAL_KUBE_SUITES, ...Object.keys(FIXTURE_ONLY_SUITES)]) {
      const name = f.split('/').at(-1)!.replace('.int.test.ts', '');
      expect({ f, named: section.includes(`\`${name}\``) || section.includes(`/${name}\``) }).toEqual({ f, named: true });
    }
  });
});

function listIntegrationSuites(root: URL): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(new URL(dir, root), { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      const rel = `${dir}${e.name}`;
      if (e.isDirectory()) walk(`${rel}/`);
      else if (e.name.endsWith('.int.test.ts')) out.push(rel);
    }
  };
  for (const top of ['shared/', 'test/', 'functions/', 'events/']) walk(top);
  return out.sort();
}
