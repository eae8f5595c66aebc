/** @module inspect/transition: inventory the hardware, then prepare it (inspecting → preparing → available). */
import type { TransitionFunction } from '../../../shared/src/handler/types.ts';
import { decideInspect } from './decide.ts';
import { observeInspect } from './observe.ts';
import type { InspectObserved } from './observe.ts';

export const inspect: TransitionFunction<InspectObserved> = {
  name: 'inspect',
  observe: observeInspect,
  decide: decideInspect,
};
