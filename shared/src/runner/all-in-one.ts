/**
 * @module runner/all-in-one: the watcher and all five functions in one
 * process, joined by the in-process broker over real HTTP, with Knative-like
 * delivery (at-least-once, retries with backoff, dead-letter log); with
 * `claims`, the claim function and the watcher's HostClaim side too.
 * It takes a Kubernetes API and an Ironic; it starts neither.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { ClaimEventType, EventType } from '../../../events/src/types.ts';
import { createBmcRegistry } from '../bmc/registry.ts';
import { startBroker } from '../broker/broker.ts';
import type { Broker, DeliveryFaults } from '../broker/broker.ts';
import { loadFunctionConfig } from '../handler/config.ts';
import type { FunctionConfig } from '../handler/config.ts';
import { createFunctionModule } from '../handler/runtime.ts';
import { createClaimFunctionModule } from '../handler/claim-runtime.ts';
import { createRestClaimStore } from '../k8s/claim-store.ts';
import { claim } from '../../../functions/claim/src/transition.ts';
import { createClaimWatcher } from '../../../functions/watcher/src/claim-watcher.ts';
import { serveFunction } from '../handler/serve.ts';
import type { HandlerDeps, TransitionFunction } from '../handler/types.ts';
import { createIronicClient } from '../ironic/client.ts';
import type { IronicRequestInfo } from '../ironic/client.ts';
import { kubeconfigObjectConnection } from '../k8s/kube-connection.ts';
import { createKubeRest } from '../k8s/kube-rest.ts';
import { createRestHostStore } from '../k8s/rest-host-store.ts';
import type { Logger } from '../log.ts';
import { createMetrics } from '../metrics/metrics.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { serveMetrics } from '../metrics/server.ts';
import { TRANSITION_NAMES } from '../state-machine/states.ts';
import type { FunctionName } from '../manifests/names.ts';
import type { TransitionName } from '../state-machine/states.ts';
import { enroll } from '../../../functions/enroll/src/transition.ts';
import { inspect } from '../../../functions/inspect/src/transition.ts';
import { provision } from '../../../functions/provision/src/transition.ts';
import { power } from '../../../functions/power/src/transition.ts';
import { deprovision } from '../../../functions/deprovision/src/transition.ts';
import { startInformers } from '../../../functions/watcher/src/informer.ts';
import { createWatcher } from '../../../functions/watcher/src/watcher.ts';
import { followIronicNotifications } from '../ironic/notifications.ts';
import { freePort } from './free-port.ts';
import { createTokenIssuer } from '../eventauth/jwt.ts';
import { allowedTypes, brokerAudience, brokerSenders, functionAudience, functionSenders, oidcServiceAccountOf, serviceAccountUser, triggerOwner, watcherOwner } from '../eventauth/policy.ts';
import type { ExternalSender } from '../eventauth/policy.ts';
import { createJwtVerifier, createTokenReviewVerifier } from '../eventauth/verifier.ts';
import { EXTERNAL, NAMESPACE } from '../manifests/names.ts';
import { createExternalFunctionModule } from '../handler/external-runtime.ts';
import { createSubjectAccessReviewer } from '../k8s/access-review.ts';
import { external } from '../../../functions/external/src/transition.ts';

export const TRANSITION_FUNCTIONS: { [T in TransitionName]: TransitionFunction<never> } = {
  enroll: enroll as TransitionFunction<never>,
  inspect: inspect as TransitionFunction<never>,
  provision: provision as TransitionFunction<never>,
  power: power as TransitionFunction<never>,
  deprovision: deprovision as TransitionFunction<never>,
};

export interface AllInOneOptions {
  kubeConfig: KubeConfig;
  ironicUrl: string;
  log: Logger;
  /** function configuration (defaults from the environment) */
  env?: Record<string, string | undefined>;
  namespace?: string | undefined;
  pollActiveMs?: number;
  pollIdleMs?: number;
  /** amqp:// URL of the bus the Ironic publishes its notifications to (the watcher follows them instead of probing) */
  ironicNotificationsUrl?: string;
  resyncMs?: number;
  deadLetterFile?: string;
  /** counts every Ironic request of functions and watcher (benchmarks) */
  onIronicRequest?: (info: IronicRequestInfo & { component: string }) => void;
  faults?: DeliveryFaults;
  brokerConcurrency?: number;
  /** the runner's metrics, shared by its functions and watcher (a fresh registry when absent) */
  metrics?: Metrics;
  /** where `/metrics` is served: a port, 0 for a free one (default), or `off` */
  metricsPort?: number | 'off';
  /**
   * Authenticated events (default on): the broker signs a short-lived token per sender identity and checks
   * every publish against the policy table; each function checks the delivery token. `off` only for
   * measurements that must compare with runs made before authentication existed.
   */
  eventAuth?: 'on' | 'off';
  /** ServiceAccounts besides our own components allowed to publish to the broker (default none) */
  externalSenders?: readonly ExternalSender[];
  /** also run the claim function and watch HostClaims (the HostClaim and HostDeployPolicy CRDs must be installed) */
  claims?: boolean;
  /**
   * also run the external function: outside senders call it directly with a token the API server issued for
   * its audience (TokenReview), and the API server's RBAC decides what each may change (SubjectAccessReview)
   */
  external?: boolean;
}

/** The identities of the runner's components, named as Knative names them in namespace `metal3`. */
export const RUNNER_IDENTITIES = {
  watcher: serviceAccountUser(NAMESPACE, oidcServiceAccountOf(watcherOwner())),
  trigger: (fn: FunctionName) => serviceAccountUser(NAMESPACE, oidcServiceAccountOf(triggerOwner(fn))),
} as const;

export interface AllInOne {
  broker: Broker;
  functionUrls: Record<TransitionName, string>;
  watcher: ReturnType<typeof createWatcher>;
  /** with `claims`: the watcher's HostClaim side, and the claim function's URL */
  claimWatcher?: ReturnType<typeof createClaimWatcher> | undefined;
  claimUrl?: string | undefined;
  /** with `external`: the external function's URL and the audience its senders' tokens must name */
  externalUrl?: string | undefined;
  externalAudience?: string | undefined;
  config: FunctionConfig;
  metrics: Metrics;
  /** `/metrics` of the whole runner (undefined with metricsPort `off`) */
  metricsUrl?: string | undefined;
  stop(): Promise<void>;
}

export async function startAllInOne(o: AllInOneOptions): Promise<AllInOne> {
  const config = loadFunctionConfig({ ...process.env, ...o.env, IRONIC_URL: o.ironicUrl });
  const issuer = o.eventAuth === 'off' ? undefined : createTokenIssuer({ issuer: 'metal3-functions/in-process-broker' });
  const brokerAuth = issuer && { issuer, audience: brokerAudience(NAMESPACE), senders: brokerSenders(NAMESPACE, o.externalSenders ?? []) };
  const broker = await startBroker({ log: o.log.child({ component: 'broker' }), ...(brokerAuth ? { auth: brokerAuth } : {}), ...(o.deadLetterFile ? { deadLetterFile: o.deadLetterFile } : {}), ...(o.faults ? { faults: o.faults } : {}), ...(o.brokerConcurrency ? { concurrency: o.brokerConcurrency } : {}) });
  const metrics = o.metrics ?? createMetrics();
  const countRequest = (component: string) => (i: IronicRequestInfo): void => {
    metrics.ironicRequest({ ...i, component });
    o.onIronicRequest?.({ ...i, component });
  };
  const servers: Server[] = [];
  const functionUrls = {} as Record<TransitionName, string>;
  const bmcFactories: { close(): Promise<void> }[] = [];
  // the CA Ironic trusts for Redfish BMCs is the one our direct Redfish calls trust too
  const redfishCaPem = config.REDFISH_CA_BUNDLE ? await readFile(config.REDFISH_CA_BUNDLE, 'utf8') : undefined;

  // functions talk to the API as deployed ones do: the light REST store, one keep-alive client each
  // (client-node stays for the watcher's informers only)
  const connection = kubeconfigObjectConnection(JSON.parse(o.kubeConfig.exportConfig()), { source: 'the runner\'s kubeconfig' });
  const kubeClients: { close(): void }[] = [];
  for (const name of TRANSITION_NAMES) {
    const log = o.log.child({ function: name });
    const kube = createKubeRest({ connection });
    kubeClients.push(kube);
    const hosts = createRestHostStore({ kube, instance: name, log });
    const ironic = createIronicClient({ url: o.ironicUrl, onRequest: countRequest(name) });
    const bmc = createBmcRegistry({ hosts, allowFake: config.ENABLE_FAKE_BMC, redfishCaPem, ...(config.IPMI_CIPHER_SUITE === 3 || config.IPMI_CIPHER_SUITE === 17 ? { ipmiCipherSuite: config.IPMI_CIPHER_SUITE } : {}) });
    bmcFactories.push(bmc);
    const deps: HandlerDeps = { hosts, ironic, bmc, config, log, metrics };
    // the function checks the delivery token as deployed ones check Knative's: its audience, its Trigger's identity, its type
    const auth = issuer && {
      verifier: createJwtVerifier({ publicKey: issuer.publicKey, issuer: issuer.issuer }),
      audience: functionAudience(name, NAMESPACE),
      allowed: allowedTypes(functionSenders(name, NAMESPACE)),
    };
    const module = createFunctionModule(TRANSITION_FUNCTIONS[name], { deps: () => deps, auth: () => auth });
    const port = await freePort();
    // faas-js-runtime with the request limits the images have: real HTTP, the same module shape `func` deploys
    const server = await serveFunction(module, { FUNC_PORT: String(port), FUNC_LOG_LEVEL: 'silent', METRICS_PORT: 'off' });
    servers.push(server);
    functionUrls[name] = `http://127.0.0.1:${port}/`;
    broker.addTrigger({ name: `${name}-trigger`, type: EventType[name], subscriber: functionUrls[name], identity: RUNNER_IDENTITIES.trigger(name), audience: functionAudience(name, NAMESPACE), delivery: { retry: 8, backoffDelayMs: 200, backoffPolicy: 'exponential' } });
  }

  let claimUrl: string | undefined;
  if (o.claims) {
    const log = o.log.child({ function: 'claim' });
    const kube = createKubeRest({ connection });
    kubeClients.push(kube);
    const claims = createRestClaimStore({ kube, instance: 'claim', log });
    const auth = issuer && {
      verifier: createJwtVerifier({ publicKey: issuer.publicKey, issuer: issuer.issuer }),
      audience: functionAudience('claim', NAMESPACE),
      allowed: allowedTypes(functionSenders('claim', NAMESPACE)),
    };
    const module = createClaimFunctionModule(claim, { deps: () => ({ claims, config, log }), auth: () => auth });
    const port = await freePort();
    servers.push(await serveFunction(module, { FUNC_PORT: String(port), FUNC_LOG_LEVEL: 'silent', METRICS_PORT: 'off' }));
    claimUrl = `http://127.0.0.1:${port}/`;
    broker.addTrigger({ name: 'claim-trigger', type: ClaimEventType.claim, subscriber: claimUrl, identity: RUNNER_IDENTITIES.trigger('claim'), audience: functionAudience('claim', NAMESPACE), delivery: { retry: 8, backoffDelayMs: 200, backoffPolicy: 'exponential' } });
  }

  let externalUrl: string | undefined;
  const externalAudience = functionAudience(EXTERNAL, NAMESPACE);
  if (o.external) {
    const log = o.log.child({ function: EXTERNAL });
    const kube = createKubeRest({ connection });
    kubeClients.push(kube);
    // senders are Kubernetes identities: their tokens are reviewed by the API server, never by the broker's issuer
    const module = createExternalFunctionModule(external, {
      deps: () => ({ kube, reviewer: createSubjectAccessReviewer(kube), log, instance: EXTERNAL }),
      auth: () => ({ verifier: createTokenReviewVerifier(kube), audience: externalAudience }),
    });
    const port = await freePort();
    servers.push(await serveFunction(module, { FUNC_PORT: String(port), FUNC_LOG_LEVEL: 'silent', METRICS_PORT: 'off' }));
    externalUrl = `http://127.0.0.1:${port}/`;
  }

  const ironic = createIronicClient({ url: o.ironicUrl, onRequest: countRequest('watcher') });
  const watcherToken = issuer ? broker.tokenSource(RUNNER_IDENTITIES.watcher) : undefined;
  const watcher = createWatcher({
    metrics,
    ironic, log: o.log.child({ component: 'watcher' }),
    // the watcher publishes with its own short-lived token, as the ContainerSource sends with its OIDC token
    emit: async (event) => { broker.publish(event, watcherToken?.()); },
    ...(o.pollActiveMs ? { pollActiveMs: o.pollActiveMs } : {}),
    ...(o.pollIdleMs ? { pollIdleMs: o.pollIdleMs } : {}),
    ...(o.resyncMs ? { resyncMs: o.resyncMs } : {}),
    backoffBaseMs: config.BACKOFF_BASE_MS,
    abandonedAfterMs: config.IRONIC_ABANDONED_AFTER_MS,
  });
  const claimWatcher = o.claims ? createClaimWatcher({ emit: async (event) => { broker.publish(event, watcherToken?.()); }, log: o.log.child({ component: 'claim-watcher' }) }) : undefined;
  const { informer, stop: stopInformers } = await startInformers({ kubeConfig: o.kubeConfig, namespace: o.namespace, log: o.log, claimResyncMs: o.resyncMs ?? 60_000, watcher, claimWatcher });
  watcher.start();
  const feed = o.ironicNotificationsUrl ? followIronicNotifications(watcher, { url: o.ironicNotificationsUrl, log: o.log.child({ component: 'watcher' }) }) : undefined;
  const metricsServer = o.metricsPort === 'off' ? undefined : await serveMetrics({ registry: metrics.registry, port: o.metricsPort ?? 0, host: '127.0.0.1' });

  return {
    broker, functionUrls, watcher, claimWatcher, claimUrl, externalUrl, externalAudience: o.external ? externalAudience : undefined, config, metrics, metricsUrl: metricsServer?.url,
    stop: async function stop() {
      metricsServer?.close();
      await feed?.stop();
      watcher.stop();
      await stopInformers();
      await broker.close();
      await Promise.allSettled(servers.map((s) => new Promise<void>((r) => { s.closeAllConnections?.(); s.close(() => r()); })));
      await Promise.allSettled(bmcFactories.map((b) => b.close()));
      for (const k of kubeClients) k.close();
    },
  };
}
