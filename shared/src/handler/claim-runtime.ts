/**
 * @module handler/claim-runtime: the claim function as a faas-js-runtime module, the same
 * surface as the transition functions' (`init`, `handle`, `shutdown`, probes). It needs no
 * Ironic and no BMC: only the Kubernetes API.
 */
import { loadKubeConnection } from '../k8s/kube-connection.ts';
import { createKubeRest } from '../k8s/kube-rest.ts';
import { createRestClaimStore } from '../k8s/claim-store.ts';
import { createLogger } from '../log.ts';
import { loadFunctionConfig } from './config.ts';
import type { ClaimFunction, ClaimHandlerDeps } from './claim-types.ts';
import { createClaimHandler } from './create-claim-handler.ts';
import { toReply } from './reply.ts';
import { authFromConfig, checkCaller, installLenientEventDecoding } from './runtime.ts';
import type { EventAuth } from '../eventauth/authorize.ts';
import { defaultMetrics } from '../metrics/metrics.ts';
import type { FunctionModule } from './runtime.ts';

/** Real dependencies from the environment: KUBECONFIG or in-cluster; ALLOWED_SOURCES, MAX_STEPS. */
export async function claimDepsFromEnvironment(name: string): Promise<ClaimHandlerDeps> {
  const config = loadFunctionConfig();
  const log = createLogger({ fields: { function: name } });
  const claims = createRestClaimStore({ kube: createKubeRest({ connection: await loadKubeConnection() }), instance: process.env.K_REVISION ?? name, log });
  return { claims, config, log };
}

export function createClaimFunctionModule<O>(fn: ClaimFunction<O>, { deps: makeDeps, auth: makeAuth }: { deps?: () => Promise<ClaimHandlerDeps> | ClaimHandlerDeps; auth?: () => EventAuth | undefined } = {}): FunctionModule {
  let handler: ReturnType<typeof createClaimHandler<O>> | undefined;
  let deps: ClaimHandlerDeps | undefined;
  let auth: EventAuth | undefined;
  let closeAuth = (): void => undefined;
  let ready = false;
  return {
    init: async function init() {
      installLenientEventDecoding();
      deps = await (makeDeps ? makeDeps() : claimDepsFromEnvironment(fn.name));
      if (makeAuth) {
        auth = makeAuth();
      } else {
        const configured = await authFromConfig(fn.name, loadFunctionConfig());
        auth = configured.auth;
        closeAuth = configured.close;
      }
      handler = createClaimHandler(fn, deps);
      ready = true;
    },
    handle: async function handle(context, cloudevent) {
      if (!handler) return toReply({ kind: 'retry', reason: 'function not initialised', retryAfterMs: 1000 });
      const ev = cloudevent as Record<string, unknown> | undefined;
      // the same check as the host functions': caller, then the type it may send
      const refused = await checkCaller(auth, context, ev, { name: fn.name, log: deps?.log, metrics: defaultMetrics() });
      if (refused) return refused;
      return handler.handle({}, ev as never);
    },
    shutdown: async function shutdown() { ready = false; closeAuth(); },
    liveness: function liveness(_req, reply) { reply.code(200).header('content-type', 'text/plain').send('OK'); },
    readiness: function readiness(_req, reply) { reply.code(ready ? 200 : 503).header('content-type', 'text/plain').send(ready ? 'OK' : 'starting'); },
  };
}
