/**
 * @module state-machine/diagram: the Mermaid state diagram of the transition
 * table, generated from `Edges` (never drawn by hand; a test compares the
 * committed docs with a fresh rendering).
 */
import { ALL_CLAIM_PHASES, ClaimEdges, ClaimPhaseTable, Edges, StateTable } from './transitions.ts';
import type { ClaimPhase, Edge } from './transitions.ts';
import { ALL_STATES } from './states.ts';
import type { ProvisioningState } from './states.ts';

/** Mermaid state ids cannot hold spaces; `''` is the new host. */
export const stateId = (s: ProvisioningState): string => (s === '' ? 'none' : s.replace(/ /g, '_'));

function label(e: Edge): string {
  const kind = e.on === 'complete' ? '' : ` (${e.on})`;
  return `${e.by}${kind}: ${e.when}`;
}

/** `stateDiagram-v2` source: one line per state, one line per edge, in table order. */
export function renderStateDiagram(): string {
  const lines = ['stateDiagram-v2'];
  for (const s of ALL_STATES) {
    const owner = StateTable[s].owner;
    lines.push(`    state "${s === '' ? '(none)' : s}${owner ? ` [${owner}]` : ''}" as ${stateId(s)}`);
  }
  lines.push('    [*] --> none');
  for (const e of Edges) {
    const to = e.to === 'removed' ? '[*]' : stateId(e.to);
    lines.push(`    ${stateId(e.from)} --> ${to}: ${label(e)}`);
  }
  return `${lines.join('\n')}\n`;
}

const phaseId = (p: ClaimPhase): string => (p === '' ? 'new' : p);

/** The HostClaim diagram (`status.phase`), from `ClaimEdges`: the claim's own machine beside the host's. */
export function renderClaimDiagram(): string {
  const lines = ['stateDiagram-v2'];
  for (const p of ALL_CLAIM_PHASES) {
    const work = ClaimPhaseTable[p].work;
    lines.push(`    state "${p === '' ? '(none)' : p}${work ? ` [claim: ${work}]` : ''}" as ${phaseId(p)}`);
  }
  lines.push('    [*] --> new');
  for (const e of ClaimEdges) {
    const to = e.to === 'removed' ? '[*]' : phaseId(e.to);
    lines.push(`    ${phaseId(e.from)} --> ${to}: ${e.by}${e.on === 'complete' ? '' : ` (${e.on})`}: ${e.when}`);
  }
  return `${lines.join('\n')}\n`;
}
