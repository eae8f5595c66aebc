/**
 * @module handler/retry: telling a fresh Ironic failure from the one already recorded.
 */
import { ERROR_CONDITION } from '../state-machine/guard.ts';
import type { HostView } from '../state-machine/host-view.ts';
import type { IronicNode } from '../ironic/types.ts';

interface ConditionLike { type?: string; status?: string; lastTransitionTime?: string }

/** When the host's current error was recorded (epoch ms), if it is in error. */
export function errorRecordedAt(host: HostView): number | undefined {
  if (host.status?.operationalStatus !== 'error') return undefined;
  const conditions = (host.status as { conditions?: ConditionLike[] }).conditions ?? [];
  const c = conditions.find((x) => x.type === ERROR_CONDITION && x.status === 'True');
  const t = Date.parse(c?.lastTransitionTime ?? host.status?.lastUpdated ?? '');
  return Number.isNaN(t) ? undefined : t;
}

/**
 * True when the node's failure is the one we already recorded: the backoff has
 * expired and the operation should be started again. False when the node
 * changed after we recorded the error (a new failure of a new attempt).
 */
export function isRetryOfRecordedFailure(host: HostView, node: IronicNode): boolean {
  const recorded = errorRecordedAt(host);
  if (recorded === undefined) return false;
  const changed = Date.parse(node.updated_at ?? '');
  return Number.isNaN(changed) || changed <= recorded;
}
