/**
 * @module power/direct: when power goes straight to the BMC instead of Ironic.
 * Only for hosts Ironic does not manage, so the two never fight over a host.
 */
import type { FunctionConfig } from '../../../shared/src/handler/config.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import { Annotation } from '../../../shared/src/state-machine/states.ts';

/** `baremetalhost.metal3.io/detached` (any value): Ironic no longer manages the host (upstream). */
export const isDetached = (host: StoredHost): boolean => host.metadata.annotations?.[Annotation.Detached] !== undefined;

/** `MANAGEMENT_MODE=direct`: no Ironic at all; power and inventory through the BMC only. */
export const isDirectMode = (config: Pick<FunctionConfig, 'MANAGEMENT_MODE'>): boolean => config.MANAGEMENT_MODE === 'direct';

/**
 * Why direct BMC power is allowed for a host that has no Ironic node, or
 * undefined when it is not (a managed host whose node is missing is an error,
 * not something to paper over by talking to its BMC).
 */
export function directPowerReason(host: StoredHost, config: Pick<FunctionConfig, 'MANAGEMENT_MODE'>): 'detached' | 'direct mode' | undefined {
  if (isDirectMode(config)) return 'direct mode';
  if (isDetached(host)) return 'detached';
  return undefined;
}
