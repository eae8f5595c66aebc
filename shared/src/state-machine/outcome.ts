/**
 * @module state-machine/outcome: what a pure `decide()` returns. BMO's Result
 * cannot tell "poll again" from "retry after an error"; ours can.
 */

/** An action the shell performs on the decider's behalf. Each is one external call. */
export type Outcome<Action> =
  /** Work started or still running in Ironic: patch progress, wait for the next event. */
  | { kind: 'continue'; actions: readonly Action[]; reason: string; requeueAfterMs?: number }
  /** The work of this state is done: take the table's `complete` edge. */
  | { kind: 'complete'; actions: readonly Action[]; reason: string }
  /** Permanent failure: record `message` with the state's errorType, then take a `fail` edge if any. */
  | { kind: 'fail'; message: string; actions?: readonly Action[] }
  /** Transient trouble (Ironic busy, lock held): retry soon, error not recorded. */
  | { kind: 'retry'; reason: string; requeueAfterMs: number };

export const continueWith = <A>(reason: string, ...actions: A[]): Outcome<A> => ({ kind: 'continue', actions, reason });
export const completeWith = <A>(reason: string, ...actions: A[]): Outcome<A> => ({ kind: 'complete', actions, reason });
export const failWith = <A>(message: string, ...actions: A[]): Outcome<A> => ({ kind: 'fail', message, actions });
export const retryIn = <A>(requeueAfterMs: number, reason: string): Outcome<A> => ({ kind: 'retry', reason, requeueAfterMs });
