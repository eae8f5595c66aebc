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
import { authFromConfig, checkedHandle, moduleAround } from './runtime.ts';
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
  return moduleAround(async () => {
    const deps = await (makeDeps ? makeDeps() : claimDepsFromEnvironment(fn.name));
    const { auth, close } = makeAuth ? { auth: makeAuth(), close: () => undefined } : await authFromConfig(fn.name, loadFunctionConfig());
    // the same check as the host functions': caller, then the type it may send
    return { handle: checkedHandle(fn.name, auth, createClaimHandler(fn, deps), { log: deps.log, metrics: defaultMetrics() }), close };
  });
}
