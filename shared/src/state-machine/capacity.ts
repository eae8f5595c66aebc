/**
 * @module state-machine/capacity: upstream's provisioning limit (PROVISIONING_LIMIT,
 * default 20), counted from the hosts themselves. Pure.
 *
 * Upstream counts Ironic nodes in `cleaning`, `clean wait`, `inspecting`, `inspect wait`,
 * `deploying`, `wait call-back` and `deleting` (undeploy), skipping virtual-media hosts, and
 * checks the count before a host enters `inspecting`, `provisioning` or `deprovisioning`; a
 * host already counted passes. Those Ironic states are the work of our `inspecting`,
 * `preparing`, `provisioning` and `deprovisioning` hosts, so we count those hosts.
 */
import type { HostView } from './host-view.ts';
import { ProvisioningState as S } from './states.ts';
import type { ProvisioningState } from './states.ts';

/** Upstream's default `PROVISIONING_LIMIT`. */
export const DEFAULT_PROVISIONING_LIMIT = 20;

/** Host states whose Ironic work upstream counts against the limit. */
export const BUSY_STATES: readonly ProvisioningState[] = [S.Inspecting, S.Preparing, S.Provisioning, S.Deprovisioning];

/** States a host may enter only with capacity (upstream `updateHostStateFrom`). */
export const LIMITED_STATES: readonly ProvisioningState[] = [S.Inspecting, S.Provisioning, S.Deprovisioning];

/** Virtual-media hosts need no DHCP and share one image: upstream never limits or counts them. */
export const isExemptFromLimit = (h: HostView): boolean => (h.spec?.bmc?.address ?? '').split(':')[0]?.includes('virtualmedia') ?? false;

const stateOf = (h: HostView): string => h.status?.provisioning?.state ?? '';
const keyOf = (h: HostView): string => `${h.metadata.namespace ?? ''}/${h.metadata.name}`;

/** The hosts that hold one of the limited slots now. */
export const busyHosts = (hosts: readonly HostView[]): HostView[] =>
  hosts.filter((h) => BUSY_STATES.includes(stateOf(h) as ProvisioningState) && !isExemptFromLimit(h));

export type CapacityVerdict =
  | { ok: true; reason: 'not limited' | 'exempt' | 'already counted' | 'free slot'; busy: number }
  | { ok: false; busy: number; limit: number };

/**
 * May `host` enter `to` now, given every host the API lists (`hosts`, the host itself included or not)?
 * A limit of 0 disables the check.
 */
export function capacityFor(host: HostView, to: ProvisioningState, hosts: readonly HostView[], limit: number): CapacityVerdict {
  const busy = busyHosts(hosts).filter((h) => keyOf(h) !== keyOf(host)).length;
  if (!LIMITED_STATES.includes(to) || limit <= 0) return { ok: true, reason: 'not limited', busy };
  if (isExemptFromLimit(host)) return { ok: true, reason: 'exempt', busy };
  if (BUSY_STATES.includes(stateOf(host) as ProvisioningState)) return { ok: true, reason: 'already counted', busy };
  return busy < limit ? { ok: true, reason: 'free slot', busy } : { ok: false, busy, limit };
}
