import { describe, expect, it } from '@jest/globals';
import { claimDueFor, claimExitEdge } from './claim-guard.ts';
import { ALL_CLAIM_PHASES, ClaimEdges, ClaimPhase, ClaimPhaseTable } from './transitions.ts';
import type { ClaimView } from './transitions.ts';

const FINALIZER = 'metal3.io/hostclaim';
const aClaim = (phase: string, o: { deleting?: boolean; finalizer?: boolean } = {}): ClaimView => ({
  metadata: { name: 'c', namespace: 't', uid: 'u', ...(o.deleting ? { deletionTimestamp: '2026-12-05T00:00:00Z' } : {}), finalizers: (o.finalizer ?? phase !== '') ? [FINALIZER] : [] },
  status: { phase },
});

describe('claim table', () => {
  it('gives every phase that works a complete edge, and every edge a known phase', () => {
    for (const p of ALL_CLAIM_PHASES) {
      if (ClaimPhaseTable[p].work === 'work') expect(ClaimEdges.some((e) => e.from === p && e.on === 'complete')).toBe(true);
    }
    for (const e of ClaimEdges) {
      expect(ALL_CLAIM_PHASES).toContain(e.from);
      if (e.to !== 'removed') expect(ALL_CLAIM_PHASES).toContain(e.to);
    }
  });

  it('removes a claim only from Releasing (the host is handed back first)', () => {
    expect(ClaimEdges.filter((e) => e.to === 'removed').map((e) => e.from)).toEqual([ClaimPhase.Releasing]);
  });
});

describe('claimDueFor', () => {
  it.each([
    { case: 'new claim → take it on (finalizer, Pending)', claim: aClaim(''), due: { kind: 'intent', edge: expect.objectContaining({ to: 'Pending' }) } },
    { case: 'new claim deleted before it was taken on → nothing (no finalizer of ours)', claim: aClaim('', { deleting: true }), due: { kind: 'none', reason: 'gone' } },
    { case: 'Pending → look for a host', claim: aClaim('Pending'), due: { kind: 'work', phase: 'Pending' } },
    { case: 'Pending, deleted → release first', claim: aClaim('Pending', { deleting: true }), due: { kind: 'intent', edge: expect.objectContaining({ to: 'Releasing' }) } },
    { case: 'Bound → keep the host in line and mirror it', claim: aClaim('Bound'), due: { kind: 'maintain', phase: 'Bound' } },
    { case: 'Bound, deleted → release', claim: aClaim('Bound', { deleting: true }), due: { kind: 'intent', edge: expect.objectContaining({ to: 'Releasing' }) } },
    { case: 'Releasing, deleted → hand the host back', claim: aClaim('Releasing', { deleting: true }), due: { kind: 'work', phase: 'Releasing' } },
    { case: 'deleted with our finalizer already gone → nothing', claim: aClaim('Releasing', { deleting: true, finalizer: false }), due: { kind: 'none', reason: 'gone' } },
    { case: 'a phase we do not know → nothing', claim: aClaim('Lost'), due: { kind: 'none', reason: 'unknown-phase' } },
  ])('$case', ({ claim, due }) => {
    expect(claimDueFor(claim)).toEqual(due);
  });
});

describe('claimExitEdge', () => {
  it.each([
    { case: 'Pending done → Bound', phase: ClaimPhase.Pending, claim: aClaim('Pending'), facts: {}, to: 'Bound' },
    { case: 'Bound, selector no longer matches → Releasing', phase: ClaimPhase.Bound, claim: aClaim('Bound'), facts: { selectorMismatch: true }, to: 'Releasing' },
    { case: 'Bound, host gone → Pending', phase: ClaimPhase.Bound, claim: aClaim('Bound'), facts: { hostLost: true }, to: 'Pending' },
    { case: 'Releasing a deleted claim → removed', phase: ClaimPhase.Releasing, claim: aClaim('Releasing', { deleting: true }), facts: {}, to: 'removed' },
    { case: 'Releasing a live claim → Pending again', phase: ClaimPhase.Releasing, claim: aClaim('Releasing'), facts: {}, to: 'Pending' },
  ])('$case', ({ phase, claim, facts, to }) => {
    expect(claimExitEdge(claim, phase, facts)?.to).toBe(to);
  });
});
