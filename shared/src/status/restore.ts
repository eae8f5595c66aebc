/**
 * @module status/restore: a status carried over in `baremetalhost.metal3.io/status`
 * (clusterctl move copies status there, because a created object starts without one).
 * Pure. The status keeps what the host is (state, image, hardware, power) and drops
 * what belonged to the old cluster: the Ironic node's UUID, the Secret versions, the
 * recorded deploy request. A host whose state needs an Ironic node is marked
 * `detached` until it is registered again in this cluster's Ironic, so it is adopted,
 * never deployed afresh.
 */
import * as z from 'zod';
import { BareMetalHostStatusSchema } from '../api/baremetalhost.ts';
import { DETACHABLE } from '../state-machine/transitions.ts';
import type { ProvisioningState } from '../state-machine/states.ts';

export type Restored = { ok: true; status: Record<string, unknown> } | { ok: false; message: string };

export function restoreStatus(raw: string): Restored {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    return { ok: false, message: `baremetalhost.metal3.io/status is not JSON: ${(e as Error).message.slice(0, 200)}` };
  }
  const parsed = BareMetalHostStatusSchema.safeParse(json);
  if (!parsed.success) return { ok: false, message: `baremetalhost.metal3.io/status is not a BareMetalHost status: ${z.prettifyError(parsed.error).replace(/\n/g, '; ').slice(0, 500)}` };
  const status: Record<string, unknown> = { ...parsed.data };
  const state = parsed.data.provisioning.state as ProvisioningState;
  if (state === '') return { ok: false, message: 'baremetalhost.metal3.io/status has no provisioning state to restore' };
  delete status.goodCredentials;
  delete status.triedCredentials;
  delete status.deployRequest;
  status.provisioning = { ...parsed.data.provisioning, ID: '' };
  if (DETACHABLE.includes(state)) status.operationalStatus = 'detached';
  return { ok: true, status };
}
