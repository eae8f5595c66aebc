/**
 * @module external: the Knative function entry point (wiring only). faas-js-runtime loads this
 * module; the requests it accepts are the table in ./decide.ts, the shell is
 * shared/src/handler/external-runtime.ts.
 */
import { createExternalFunctionModule } from '../../../shared/src/handler/external-runtime.ts';
import { serveFunction } from '../../../shared/src/handler/serve.ts';
import type { FaasRuntime } from '../../../shared/src/handler/serve.ts';
import { external } from './transition.ts';

const fn = createExternalFunctionModule(external);

// the named exports faas-js-runtime looks for
export const { init, handle, shutdown, liveness, readiness } = fn;

/** `node dist/main.cjs` (the image's command) calls this with the bundled faas-js-runtime, to serve with our request limits */
export const serve = (runtime?: FaasRuntime) => serveFunction(fn, process.env, runtime);
