/** @module enroll/transition: register the host's BMC in Ironic (registering → inspecting). */
import type { TransitionFunction } from '../../../shared/src/handler/types.ts';
import { decideEnroll } from './decide.ts';
import { observeEnroll } from './observe.ts';
import type { EnrollObserved } from './observe.ts';

export const enroll: TransitionFunction<EnrollObserved> = {
  name: 'enroll',
  observe: observeEnroll,
  decide: decideEnroll,
};
