/**
 * @module state-machine/guard: what is due for a host right now, from the
 * host alone. Pure; called by the watcher (to decide what to emit) and by the
 * shared handler shell before any side effect (a function for which nothing is
 * due has received a stale or duplicate event: a no-op success).
 */
import { backoffDelayMs } from './backoff.ts';
import { Conditions, detachAnnotation, isDetached } from './conditions.ts';
import type { GuardFacts } from './conditions.ts';
import type { HostView } from './host-view.ts';
import { Annotation, ALL_STATES, ProvisioningState } from './states.ts';
import type { TransitionName } from './states.ts';
import { DETACHABLE, Edges, StateTable } from './transitions.ts';
import type { Edge } from './transitions.ts';

/** Our status condition carrying when (and at which generation) the last error was recorded. */
export const ERROR_CONDITION = 'Error';

export type Due =
  /** a spec/metadata intent: the state changes at once (by `edge.by`) */
  | { kind: 'intent'; by: TransitionName; edge: Edge }
  /** the owner's work in a transient state */
  | { kind: 'work'; by: TransitionName; state: ProvisioningState }
  /** work that keeps a stable state (power) */
  | { kind: 'maintain'; by: TransitionName; edge: Edge }
  /** nothing now; `retryAt` (epoch ms) when a backoff will expire */
  | { kind: 'none'; reason: 'paused' | 'detached' | 'stable' | 'backoff' | 'unknown-state'; retryAt?: number };

export interface GuardOptions {
  now: number;
  backoffBaseMs?: number | undefined;
  facts?: GuardFacts | undefined;
}

export function currentState(host: HostView): ProvisioningState | undefined {
  const s = host.status?.provisioning?.state ?? '';
  return (ALL_STATES as readonly string[]).includes(s) ? (s as ProvisioningState) : undefined;
}

interface ConditionLike { type?: string; status?: string; observedGeneration?: number; lastTransitionTime?: string }

/** Epoch ms at which a recorded error may be retried; undefined when none is pending. */
export function backoffUntil(host: HostView, backoffBaseMs?: number, facts: GuardFacts = {}): number | undefined {
  const count = host.status?.errorCount ?? 0;
  if (count <= 0 || host.status?.operationalStatus !== 'error') return undefined;
  // the BMC credentials changed since they were last tried: retry at once (BMO reconciles on Secret events)
  const tried = (host.status as { triedCredentials?: { credentialsVersion?: string } }).triedCredentials?.credentialsVersion;
  if (facts.credentialsVersion !== undefined && tried !== undefined && facts.credentialsVersion !== tried) return undefined;
  const conditions = (host.status as { conditions?: ConditionLike[] } | undefined)?.conditions ?? [];
  const err = conditions.find((c) => c.type === ERROR_CONDITION && c.status === 'True');
  // the user changed the spec since the failure: retry at once (BMO reconciles on spec edits)
  if (err?.observedGeneration !== undefined && err.observedGeneration !== host.metadata.generation) return undefined;
  const at = Date.parse(err?.lastTransitionTime ?? host.status?.lastUpdated ?? '');
  if (Number.isNaN(at)) return undefined;
  return at + backoffDelayMs(count, host.metadata.uid ?? host.metadata.name, backoffBaseMs);
}

export const edgesFrom = (state: ProvisioningState): readonly Edge[] => Edges.filter((e) => e.from === state);

export function dueFor(host: HostView, { now, backoffBaseMs, facts = {} }: GuardOptions): Due {
  if (host.metadata.annotations?.[Annotation.Paused] !== undefined) return { kind: 'none', reason: 'paused' };
  const state = currentState(host);
  if (state === undefined) return { kind: 'none', reason: 'unknown-state' };
  const edges = edgesFrom(state);
  const retryAt = backoffUntil(host, backoffBaseMs, facts);
  const blocked = retryAt !== undefined && now < retryAt;
  const maintain = (when: Edge['when']): Due | undefined => {
    const edge = edges.find((e) => e.on === 'maintain' && e.when === when && Conditions[e.when](host, facts));
    if (!edge) return undefined;
    return blocked ? { kind: 'none', reason: 'backoff', retryAt } : { kind: 'maintain', by: edge.by, edge };
  };

  // a status to restore (clusterctl move) comes before anything that would register the host afresh
  if (state === ProvisioningState.None && host.metadata.annotations?.[Annotation.Status] !== undefined) {
    return blocked ? { kind: 'none', reason: 'backoff', retryAt } : { kind: 'work', by: 'enroll', state };
  }

  // detached: Ironic has let go; only a delete (finalizer only, or held for deleteAction delay) or a re-attach act
  if (isDetached(host)) {
    const remove = edges.find((e) => e.on === 'intent' && e.when === 'deletingDetached' && Conditions[e.when](host, facts));
    if (remove) return { kind: 'intent', by: remove.by, edge: remove };
    return maintain('registrationLost') ?? { kind: 'none', reason: 'detached' };
  }
  // asked to detach: that comes first, even before a delete, so a detached host is never deprovisioned
  if (detachAnnotation(host) !== undefined && DETACHABLE.includes(state)) {
    return maintain('detachRequested') ?? { kind: 'none', reason: 'detached' };
  }

  // deletion is never held back by a backoff; then a lost registration (as upstream's ensureRegistered) before spec intents
  // intents first: deletion and spec changes are never held back by a backoff
  const intent = edges.find((e) => e.on === 'intent' && Conditions[e.when](host, facts));
  if (intent) return { kind: 'intent', by: intent.by, edge: intent };

  const owner = StateTable[state].owner;
  if (owner !== null) return blocked ? { kind: 'none', reason: 'backoff', retryAt } : { kind: 'work', by: owner, state };

  const steady = edges.find((e) => e.on === 'maintain' && Conditions[e.when](host, facts));
  if (steady) return blocked ? { kind: 'none', reason: 'backoff', retryAt } : { kind: 'maintain', by: steady.by, edge: steady };
  return { kind: 'none', reason: 'stable' };
}

/** The edge the owner takes when its work in `state` ends with `on`; undefined when none applies. */
export function exitEdge(host: HostView, state: ProvisioningState, by: TransitionName, on: 'complete' | 'fail'): Edge | undefined {
  return edgesFrom(state).find((e) => e.by === by && e.on === on && Conditions[e.when](host));
}

export const isDueFor = (due: Due, t: TransitionName): boolean => due.kind !== 'none' && due.by === t;

export { ProvisioningState };
