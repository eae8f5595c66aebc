/**
 * @module state-machine/outcome: what a pure `decide()` returns. BMO's Result
 * cannot tell "poll again" from "retry after an error"; ours can.
 */

/**
 * Status changes a decision asks for, as an RFC 7386 merge patch over `status`
 * (null removes a field). The shell adds state, error and history fields itself.
 */
export type StatusChanges = Readonly<Record<string, unknown>>;

/** Every outcome may carry actions (each one external call, performed in order) and status changes. */
interface Common<Action> {
  actions: readonly Action[];
  status?: StatusChanges | undefined;
}

export type Outcome<Action> =
  /** Work started or still running in Ironic: perform `actions`, then look again (or wait for the next event when there are none). */
  | (Common<Action> & { kind: 'continue'; reason: string })
  /** The work of this state is done: take the table's `complete` edge. */
  | (Common<Action> & { kind: 'complete'; reason: string })
  /** Permanent failure: record `message` with the state's errorType, then take a `fail` edge if any. */
  | (Common<Action> & { kind: 'fail'; message: string })
  /** Transient trouble (Ironic busy, node locked): no error recorded; the event is retried after `requeueAfterMs`. */
  | (Common<Action> & { kind: 'retry'; reason: string; requeueAfterMs: number });

export const continueWith = <A>(reason: string, actions: readonly A[] = [], status?: StatusChanges): Outcome<A> => ({ kind: 'continue', reason, actions, status });
export const completeWith = <A>(reason: string, actions: readonly A[] = [], status?: StatusChanges): Outcome<A> => ({ kind: 'complete', reason, actions, status });
export const failWith = <A>(message: string, actions: readonly A[] = [], status?: StatusChanges): Outcome<A> => ({ kind: 'fail', message, actions, status });
export const retryIn = <A>(requeueAfterMs: number, reason: string): Outcome<A> => ({ kind: 'retry', reason, requeueAfterMs, actions: [] });
