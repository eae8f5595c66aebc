/**
 * @module power/direct: when power goes straight to the BMC instead of Ironic:
 * only in direct mode, so the two never fight over a host. A managed host whose
 * node is missing is an error, not something to paper over by talking to its BMC;
 * a detached host is never powered at all (nothing is due for it: state-machine/guard.ts).
 */
import type { FunctionConfig } from '../../../shared/src/handler/config.ts';

/** `MANAGEMENT_MODE=direct`: no Ironic at all; power and inventory through the BMC only. */
export const isDirectMode = (config: Pick<FunctionConfig, 'MANAGEMENT_MODE'>): boolean => config.MANAGEMENT_MODE === 'direct';
