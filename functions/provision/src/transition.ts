/**
 * @module provision/transition: deploy the image (provisioning → provisioned), and service a
 * provisioned host (firmware changes its HostUpdatePolicy allows, while it reboots).
 */
import type { TransitionFunction } from '../../../shared/src/handler/types.ts';
import { ProvisioningState as S } from '../../../shared/src/state-machine/states.ts';
import { decideProvision } from './decide.ts';
import { observeProvision } from './observe.ts';
import type { ProvisionObserved } from './observe.ts';
import { decideServicing, observeServicing } from './servicing.ts';
import type { ServicingObserved } from './servicing.ts';

/** What the provision function looked at: the deploy, or (provisioned hosts) servicing. */
export type ProvisionFunctionObserved = { provisioning: ProvisionObserved } | { servicing: ServicingObserved };

export const provision: TransitionFunction<ProvisionFunctionObserved> = {
  name: 'provision',
  observe: async (host, deps) =>
    host.status?.provisioning?.state === S.Provisioned ? { servicing: await observeServicing(host, deps) } : { provisioning: await observeProvision(host, deps) },
  decide: (host, observed, ctx) =>
    'servicing' in observed ? decideServicing(host, observed.servicing, ctx) : decideProvision(host, observed.provisioning, ctx),
};
