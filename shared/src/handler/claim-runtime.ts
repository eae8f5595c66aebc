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
import { installLenientEventDecoding } from './runtime.ts';
import type { FunctionModule } from './runtime.ts';

/** Real dependencies from the environment: KUBECONFIG or in-cluster; ALLOWED_SOURCES, MAX_STEPS. */
export async function claimDepsFromEnvironment(name: string): Promise<ClaimHandlerDeps> {
  const config = loadFunctionConfig();
  const log = createLogger({ fields: { function: name } });
  const claims = createRestClaimStore({ kube: createKubeRest({ connection: await loadKubeConnection() }), instance: process.env.K_REVISION ?? name, log });
  return { claims, config, log };
}

export function createClaimFunctionModule<O>(fn: ClaimFunction<O>, { deps: makeDeps }: { deps?: () => Promise<ClaimHandlerDeps> | ClaimHandlerDeps } = {}): FunctionModule {
  let handler: ReturnType<typeof createClaimHandler<O>> | undefined;
  let ready = false;
  return {
    init: async function init() {
      installLenientEventDecoding();
      handler = createClaimHandler(fn, await (makeDeps ? makeDeps() : claimDepsFromEnvironment(fn.name)));
      ready = true;
    },
    handle: async function handle(_context, cloudevent) {
      if (!handler) return toReply({ kind: 'retry', reason: 'function not initialised', retryAfterMs: 1000 });
      const ev = cloudevent as Record<string, unknown> | undefined;
      if (ev && typeof ev.__metal3InvalidEvent === 'string') return toReply({ kind: 'invalid', message: ev.__metal3InvalidEvent, issues: [{ path: '', message: ev.__metal3InvalidEvent }] });
      return handler.handle({}, ev as never);
    },
    shutdown: async function shutdown() { ready = false; },
    liveness: function liveness(_req, reply) { reply.code(200).header('content-type', 'text/plain').send('OK'); },
    readiness: function readiness(_req, reply) { reply.code(ready ? 200 : 503).header('content-type', 'text/plain').send(ready ? 'OK' : 'starting'); },
  };
}
