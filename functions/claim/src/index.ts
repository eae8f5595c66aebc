/**
 * @module claim: the Knative function entry point (wiring only). faas-js-runtime
 * loads this module; the behaviour lives in ./decide.ts and the claim table.
 */
import { createClaimFunctionModule } from '../../../shared/src/handler/claim-runtime.ts';
import { serveFunction } from '../../../shared/src/handler/serve.ts';
import { claim } from './transition.ts';

const fn = createClaimFunctionModule(claim);

export const init = fn.init;
export const handle = fn.handle;
export const shutdown = fn.shutdown;
export const liveness = fn.liveness;
export const readiness = fn.readiness;

/** `node dist/main.cjs` (the image's command) calls this: faas-js-runtime with our request limits */
export const serve = () => serveFunction(fn);
