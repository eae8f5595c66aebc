/**
 * @module power: the Knative function entry point (wiring only). faas-js-runtime
 * loads this module; the behaviour lives in ./decide.ts and the transition table.
 */
import { createFunctionModule } from '../../../shared/src/handler/runtime.ts';
import { serveFunction } from '../../../shared/src/handler/serve.ts';
import type { FaasRuntime } from '../../../shared/src/handler/serve.ts';
import { power } from './transition.ts';

const fn = createFunctionModule(power);

// the named exports faas-js-runtime looks for
export const { init, handle, shutdown, liveness, readiness } = fn;

/** `node dist/main.cjs` (the image's command) calls this with the bundled faas-js-runtime, to serve with our request limits */
export const serve = (runtime?: FaasRuntime) => serveFunction(fn, process.env, runtime);
