/** The generated docs: the state diagram and the event catalogue match the table and events/src. */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { DOCS_DIR, renderDocs } from '../../../scripts/generate-docs.ts';
import { renderEventCatalogue, statesOf } from '../../../events/src/catalogue.ts';
import { ALL_EVENT_TYPES } from '../../../events/src/types.ts';
import { renderStateDiagram, stateId } from './diagram.ts';
import { ALL_STATES } from './states.ts';
import { Edges } from './transitions.ts';

describe('generated docs', () => {
  it.each(Object.keys(renderDocs()).map((name) => ({ case: `docs/${name}`, name })))(
    '$case is up to date (run `node scripts/generate-docs.ts` after changing the table or events/src)',
    ({ name }) => {
      // Act
      const committed = readFileSync(new URL(name, DOCS_DIR), 'utf8');
      // Assess
      expect(committed).toBe(renderDocs()[name]);
    },
  );
});

describe('renderStateDiagram', () => {
  const diagram = renderStateDiagram();

  it('is a Mermaid stateDiagram-v2 declaring every state once', () => {
    expect(diagram.startsWith('stateDiagram-v2\n')).toBe(true);
    for (const s of ALL_STATES) expect(diagram.match(new RegExp(` as ${stateId(s)}\\n`, 'g'))).toHaveLength(1);
  });

  it('draws every edge of the table, and nothing else', () => {
    const arrows = diagram.split('\n').filter((l) => l.includes('-->') && !l.includes('[*] --> none'));
    expect(arrows).toHaveLength(Edges.length);
    for (const e of Edges) {
      const to = e.to === 'removed' ? '[*]' : stateId(e.to);
      expect(arrows.some((l) => l.startsWith(`    ${stateId(e.from)} --> ${to}: ${e.by}`) && l.endsWith(`: ${e.when}`))).toBe(true);
    }
  });

  it('uses ids Mermaid accepts (no spaces)', () => {
    for (const s of ALL_STATES) expect(stateId(s)).toMatch(/^[a-z_]+$/);
  });
});

describe('renderEventCatalogue', () => {
  const catalogue = renderEventCatalogue();

  it('has one row per event type', () => {
    for (const type of ALL_EVENT_TYPES) expect(catalogue.split('\n').filter((l) => l.startsWith(`| \`${type}\``))).toHaveLength(1);
  });

  it('lists the states each function acts in', () => {
    expect(statesOf('provision')).toEqual(['available', 'provisioning', 'provisioned', 'externally provisioned']);
    expect(statesOf('power')).toEqual(['available', 'provisioned', 'externally provisioned']);
    expect(statesOf('deprovision')).toEqual([...ALL_STATES]);
  });

  it('names every data field and no secret-looking one', () => {
    expect(catalogue).toContain('`host.uid: string`');
    expect(catalogue).toContain('`observed.ironic.lastError: string (nullable)`');
    // credentialsVersion is the Secret's resourceVersion, and credentials-changed a reason: names of versions, not contents
    expect(catalogue.replace(/credentialsVersion|credentials-changed/g, '')).not.toMatch(/password|userData|credentials/i);
  });
});
