/** @module power/transition: keep power as spec.online asks in stable states. */
import type { TransitionFunction } from '../../../shared/src/handler/types.ts';
import { decidePower } from './decide.ts';
import { observePower } from './observe.ts';
import type { PowerObserved } from './observe.ts';

export const power: TransitionFunction<PowerObserved> = {
  name: 'power',
  observe: observePower,
  decide: decidePower,
};
