/**
 * @module state-machine/claim-guard: what is due for a HostClaim right now, from
 * the claim alone (the claim table in transitions.ts). Pure; the watcher and the
 * claim shell both call it, so a stale or duplicate claim event is a no-op.
 */
import { HOST_CLAIM_FINALIZER } from '../api/hostclaim.ts';
import { ALL_CLAIM_PHASES, CLAIM_TRANSITION, ClaimConditions, ClaimEdges, ClaimPhase, ClaimPhaseTable } from './transitions.ts';
import type { ClaimEdge, ClaimFacts, ClaimView } from './transitions.ts';

export type ClaimDue =
  | { kind: 'intent'; edge: ClaimEdge }
  | { kind: 'work'; phase: ClaimPhase }
  | { kind: 'maintain'; phase: ClaimPhase }
  | { kind: 'none'; reason: 'unknown-phase' | 'gone' | 'stable' };

export function claimPhaseOf(claim: ClaimView): ClaimPhase | undefined {
  const p = claim.status?.phase ?? '';
  return (ALL_CLAIM_PHASES as readonly string[]).includes(p) ? (p as ClaimPhase) : undefined;
}

export function claimDueFor(claim: ClaimView): ClaimDue {
  const phase = claimPhaseOf(claim);
  if (phase === undefined) return { kind: 'none', reason: 'unknown-phase' };
  // deleted with our finalizer gone (or never set): the API server removes it; nothing of ours is bound
  if (claim.metadata.deletionTimestamp !== undefined && !(claim.metadata.finalizers ?? []).includes(HOST_CLAIM_FINALIZER)) {
    return { kind: 'none', reason: 'gone' };
  }
  const intent = ClaimEdges.find((e) => e.from === phase && e.on === 'intent' && ClaimConditions[e.when](claim, {}));
  if (intent) return { kind: 'intent', edge: intent };
  const work = ClaimPhaseTable[phase].work;
  if (work === 'work') return { kind: 'work', phase };
  if (work === 'maintain') return { kind: 'maintain', phase };
  return { kind: 'none', reason: 'stable' };
}

/** The edge taken when the work in `phase` completes, given what the claim function observed. */
export function claimExitEdge(claim: ClaimView, phase: ClaimPhase, facts: ClaimFacts): ClaimEdge | undefined {
  return ClaimEdges.find((e) => e.from === phase && e.on === 'complete' && e.by === CLAIM_TRANSITION && ClaimConditions[e.when](claim, facts));
}

export { ClaimPhase };
