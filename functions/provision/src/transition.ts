/** @module provision/transition: deploy the image (provisioning → provisioned). */
import type { TransitionFunction } from '../../../shared/src/handler/types.ts';
import { decideProvision } from './decide.ts';
import { observeProvision } from './observe.ts';
import type { ProvisionObserved } from './observe.ts';

export const provision: TransitionFunction<ProvisionObserved> = {
  name: 'provision',
  observe: observeProvision,
  decide: decideProvision,
};
