/** @module deprovision/transition: undeploy and clean, power off, delete (→ available or removed). */
import type { TransitionFunction } from '../../../shared/src/handler/types.ts';
import { decideDeprovision } from './decide.ts';
import { observeDeprovision } from './observe.ts';
import type { DeprovisionObserved } from './observe.ts';

export const deprovision: TransitionFunction<DeprovisionObserved> = {
  name: 'deprovision',
  observe: observeDeprovision,
  decide: decideDeprovision,
};
