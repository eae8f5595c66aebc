/**
 * @module power/direct: when power goes straight to the BMC instead of Ironic.
 * Only for hosts Ironic does not manage, so the two never fight over a host.
 */
import type { FunctionConfig } from '../../../shared/src/handler/config.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';

/** `MANAGEMENT_MODE=direct`: no Ironic at all; power and inventory through the BMC only. */
export const isDirectMode = (config: Pick<FunctionConfig, 'MANAGEMENT_MODE'>): boolean => config.MANAGEMENT_MODE === 'direct';

/**
 * Why direct BMC power is allowed for a host that has no Ironic node, or
 * undefined when it is not (a managed host whose node is missing is an error,
 * not something to paper over by talking to its BMC).
 */
export function directPowerReason(_host: StoredHost, config: Pick<FunctionConfig, 'MANAGEMENT_MODE'>): 'direct mode' | undefined {
  // a detached host is never powered, not even through its BMC: nothing is due for it (state-machine/guard.ts)
  return isDirectMode(config) ? 'direct mode' : undefined;
}
