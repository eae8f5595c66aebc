/**
 * @module external: the Knative function entry point (wiring only). faas-js-runtime loads this
 * module; the requests it accepts are the table in ./decide.ts, the shell is
 * shared/src/handler/external-runtime.ts.
 */
import { createExternalFunctionModule } from '../../../shared/src/handler/external-runtime.ts';
import { serveFunction } from '../../../shared/src/handler/serve.ts';
import { external } from './transition.ts';

const fn = createExternalFunctionModule(external);

export const init = fn.init;
export const handle = fn.handle;
export const shutdown = fn.shutdown;
export const liveness = fn.liveness;
export const readiness = fn.readiness;

/** `node dist/main.cjs` (the image's command) calls this: faas-js-runtime with our request limits */
export const serve = () => serveFunction(fn);
