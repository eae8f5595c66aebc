/**
 * @module claims/claim-process: the claim function as its own OS process, the way a Knative
 * revision runs it: faas-js-runtime `start()` on FUNCTION_PORT, the shipped claim store on
 * KUBECONFIG. Several of these race in the binding tests.
 *
 *   FUNCTION_PORT=8081 KUBECONFIG=… node test/claims/claim-process.ts
 */
import { claim } from '../../functions/claim/src/transition.ts';
import { createClaimFunctionModule } from '../../shared/src/handler/claim-runtime.ts';
import { serveFunction } from '../../shared/src/handler/serve.ts';

const port = Number(process.env.FUNCTION_PORT);
const module = createClaimFunctionModule(claim);
await module.init();
await serveFunction(module, { FUNC_PORT: String(port), FUNC_LOG_LEVEL: 'silent', METRICS_PORT: 'off' });
process.stdout.write(`ready ${port}\n`);
