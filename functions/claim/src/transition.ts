/** @module claim/transition: bind HostClaims to BareMetalHosts, mirror them, release them. */
import type { ClaimFunction } from '../../../shared/src/handler/claim-types.ts';
import { decideClaim } from './decide.ts';
import { observeClaim } from './observe.ts';
import type { ClaimObserved } from './observe.ts';

export const claim: ClaimFunction<ClaimObserved> = {
  name: 'claim',
  observe: observeClaim,
  decide: decideClaim,
};
