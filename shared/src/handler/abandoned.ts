/**
 * @module handler/abandoned: the one check every decide makes before waiting on Ironic. A node a
 * conductor abandoned mid-step (see `abandonedSince`) sends no progress, so waiting on it is waiting
 * for good: the host reports it as an error of its state instead, retried after the usual backoff
 * (a conductor restart may yet fail the node over, and then the normal failure path takes it on).
 */
import { abandonedNodeMessage, abandonedSince } from '../ironic/states.ts';
import type { IronicNode } from '../ironic/types.ts';
import { failWith } from '../state-machine/outcome.ts';
import type { Outcome } from '../state-machine/outcome.ts';
import type { DecideContext } from './types.ts';

/** The abandonment message when the node is abandoned, else undefined. */
export function abandonment(node: IronicNode, ctx: Pick<DecideContext, 'now' | 'config'>): string | undefined {
  const since = abandonedSince(node, ctx.now, ctx.config.IRONIC_ABANDONED_AFTER_MS);
  return since === undefined ? undefined : abandonedNodeMessage(node, since);
}

/** A failure to record instead of waiting, when the node is abandoned. */
export function failIfAbandoned<A>(node: IronicNode, ctx: Pick<DecideContext, 'now' | 'config'>): Outcome<A> | undefined {
  const message = abandonment(node, ctx);
  return message === undefined ? undefined : failWith(message);
}
