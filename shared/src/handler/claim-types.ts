/**
 * @module handler/claim-types: what the claim function plugs into the claim shell, and the
 * side effects its decisions may ask for. Secret data in actions is never logged: only
 * `describeClaimAction()` is.
 */
import type { BoundReference, StoredClaim } from '../api/hostclaim.ts';
import type { ClaimStore, RawSecretData } from '../k8s/claim-store.ts';
import type { StoredHost } from '../k8s/host-store.ts';
import type { Logger } from '../log.ts';
import type { ClaimDue } from '../state-machine/claim-guard.ts';
import type { Outcome } from '../state-machine/outcome.ts';
import type { ClaimFacts, ClaimPhase } from '../state-machine/transitions.ts';

export type ClaimAction =
  /** claim status names the host we are about to bind (resourceVersion-checked on the claim: one choice per claim) */
  | { do: 'reserve'; host: BoundReference }
  /**
   * host spec fields set or removed (resourceVersion-checked on the host: one claimant per host).
   * With `undoIfClaimGone`, the claim is read again right after the write: if it is gone or being
   * deleted, those changes are applied at once, so no host stays bound to a vanished claim.
   */
  | { do: 'patchHost'; host: StoredHost; changes: Readonly<Record<string, unknown>>; why: string; undoIfClaimGone?: Readonly<Record<string, unknown>> }
  /** a copy of a tenant Secret in the host's namespace, owned by the host */
  | { do: 'putSecret'; namespace: string; name: string; data: RawSecretData; owner: StoredHost; claimUid: string }
  | { do: 'deleteSecret'; namespace: string; name: string };

export function describeClaimAction(a: ClaimAction): string {
  switch (a.do) {
    case 'reserve': return `reserve host ${a.host.namespace}/${a.host.name}`;
    case 'patchHost': return `patch host ${a.host.metadata.namespace}/${a.host.metadata.name} spec (${a.why})`;
    case 'putSecret': return `copy Secret to ${a.namespace}/${a.name}`;
    case 'deleteSecret': return `delete Secret ${a.namespace}/${a.name}`;
  }
}

/** A decision plus, for `complete`, what picks the table's exit edge. */
export type ClaimOutcome = Outcome<ClaimAction> & { facts?: ClaimFacts | undefined };

export interface ClaimHandlerDeps {
  claims: ClaimStore;
  config: { allowedSources: readonly string[]; MAX_STEPS: number };
  log: Logger;
  now?: () => Date;
}

export interface ClaimDecideContext {
  now: Date;
  phase: ClaimPhase;
  due: Extract<ClaimDue, { kind: 'work' | 'maintain' }>;
}

/** The claim function: `observe` reads the world (I/O), `decide` is pure. */
export interface ClaimFunction<Observed> {
  name: 'claim';
  observe(claim: StoredClaim, deps: ClaimHandlerDeps): Promise<Observed>;
  decide(claim: StoredClaim, observed: Observed, ctx: ClaimDecideContext): ClaimOutcome;
}
