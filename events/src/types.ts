/**
 * @module events/types: the CloudEvent type catalogue. Derived from the
 * transition table, so a transition without an event type cannot exist.
 */
import { TRANSITION_NAMES } from '../../shared/src/state-machine/states.ts';
import type { TransitionName } from '../../shared/src/state-machine/states.ts';
import { CLAIM_TRANSITION, ClaimTransitions, Transitions, requestedEventType } from '../../shared/src/state-machine/transitions.ts';
import type { ClaimTransitionName } from '../../shared/src/state-machine/transitions.ts';

export type RequestedEventType = ReturnType<typeof requestedEventType<TransitionName>>;

/** Every event type a function subscribes to: `io.metal3.baremetalhost.<transition>.requested`. */
export const EventType = Object.fromEntries(TRANSITION_NAMES.map((t) => [t, Transitions[t].eventType])) as {
  [T in TransitionName]: (typeof Transitions)[T]['eventType'];
};

export const ALL_EVENT_TYPES: readonly RequestedEventType[] = TRANSITION_NAMES.map((t) => Transitions[t].eventType);

export const isEventType = (t: unknown): t is RequestedEventType =>
  typeof t === 'string' && (ALL_EVENT_TYPES as readonly string[]).includes(t);

/** The transition an event type asks for. */
export function transitionOf(type: RequestedEventType): TransitionName {
  const t = TRANSITION_NAMES.find((n) => Transitions[n].eventType === type);
  if (t === undefined) throw new Error(`not a catalogue type: ${type}`);
  return t;
}

/** `source` of events the watcher emits (cluster name appended). */
export const WATCHER_SOURCE_PREFIX = '/metal3/watcher';
/** `source` of reply events a function emits (function name appended). */
export const FUNCTION_SOURCE_PREFIX = '/metal3/functions';

/** The HostClaim event type: `io.metal3.hostclaim.claim.requested` (from the claim table). */
export const ClaimEventType = { claim: ClaimTransitions.claim.eventType } as const;
export type ClaimRequestedEventType = (typeof ClaimEventType)['claim'];

/** Every type of the catalogue: the host transitions' and the claim's. */
export type CatalogueEventType = RequestedEventType | ClaimRequestedEventType;
export const CATALOGUE_EVENT_TYPES: readonly CatalogueEventType[] = [...ALL_EVENT_TYPES, ClaimEventType.claim];

/** The function a catalogue type is delivered to. */
export function consumerOf(type: CatalogueEventType): TransitionName | ClaimTransitionName {
  return type === ClaimEventType.claim ? CLAIM_TRANSITION : transitionOf(type);
}
