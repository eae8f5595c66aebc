/**
 * @module handler/runtime: a transition function as a faas-js-runtime module
 * (`init`, `handle`, `shutdown`, `liveness`, `readiness`).
 *
 * The runtime decodes and validates CloudEvents itself before `handle` runs,
 * and answers a failed check with 500, which Knative would retry forever. We
 * make its decoder lenient (never throws, never rejects), so every request
 * reaches `handle`, where `parseEvent` answers 400 with the reason.
 */
import { createRequire } from 'node:module';
import { createBmcRegistry } from '../bmc/registry.ts';
import type { BmcClientFactory } from '../bmc/factory.ts';
import { createIronicClient } from '../ironic/client.ts';
import { loadKubeConnection } from '../k8s/kube-connection.ts';
import { createKubeRest } from '../k8s/kube-rest.ts';
import { createRestHostStore } from '../k8s/rest-host-store.ts';
import { createLogger } from '../log.ts';
import { defaultMetrics } from '../metrics/metrics.ts';
import type { Logger } from '../log.ts';
import { ironicConnectionOf, loadFunctionConfig } from './config.ts';
import type { FunctionConfig } from './config.ts';
import { createHandler, eventTypeLabel } from './create-handler.ts';
import { toReply } from './reply.ts';
import type { HandlerDeps, TransitionFunction } from './types.ts';
import { authenticateRequest, refusalOf } from '../eventauth/authorize.ts';
import type { EventAuth } from '../eventauth/authorize.ts';
import { functionEventAuth } from '../eventauth/function-auth.ts';
import { createTokenReviewVerifier } from '../eventauth/verifier.ts';
import { messageOf } from '../errors.ts';
import type { FunctionName } from '../manifests/names.ts';

interface RuntimeHttp { toEvent(msg: unknown): unknown }
/** The CloudEvents SDK module faas-js-runtime decodes requests with. */
export interface RuntimeCloudEvents { HTTP: RuntimeHttp }

/** Marker the lenient decoder leaves when the request was not a valid CloudEvent. */
const INVALID = '__metal3InvalidEvent';

/** Why the lenient decoder found no CloudEvent in the request, or undefined when it did. */
export const decodingProblemOf = (ev: Record<string, unknown> | undefined): string | undefined => (ev && typeof ev[INVALID] === 'string' ? ev[INVALID] as string : undefined);

let lenientInstalled = false;

/**
 * Patches faas-js-runtime's own copy of the CloudEvents SDK (idempotent): the one given (the
 * bundled runtime's), else the one the installed runtime resolves.
 */
export function installLenientEventDecoding(given?: RuntimeCloudEvents): void {
  if (lenientInstalled) return;
  let runtimeCloudEvents: RuntimeCloudEvents;
  if (given) runtimeCloudEvents = given;
  else {
    try {
      const runtimeEntry = createRequire(import.meta.url).resolve('faas-js-runtime');
      runtimeCloudEvents = createRequire(runtimeEntry)('cloudevents') as RuntimeCloudEvents;
    } catch {
      return; // not running under faas-js-runtime: nothing to patch
    }
  }
  const original = runtimeCloudEvents.HTTP.toEvent.bind(runtimeCloudEvents.HTTP);
  runtimeCloudEvents.HTTP.toEvent = function lenientToEvent(msg: unknown) {
    const { headers = {}, body } = (msg ?? {}) as { headers?: Record<string, string | undefined>; body?: unknown };
    const contentType = String(headers['content-type'] ?? '');
    // structured mode arrives as a string: say plainly when it is not JSON at all
    if (contentType.startsWith('application/cloudevents+json') && typeof body === 'string') {
      try {
        JSON.parse(body);
      } catch (e) {
        return { [INVALID]: `structured-mode body is not valid JSON: ${(e as Error).message.slice(0, 200)}`, validate: () => true };
      }
    }
    try {
      const ev = original(msg);
      if (Array.isArray(ev)) return { [INVALID]: 'batch mode is not supported', validate: () => true };
      // a plain copy whose validate() always passes: our parseEvent is the judge
      return { ...(ev as object), validate: () => true };
    } catch (e) {
      return { [INVALID]: `not a CloudEvent: ${(e as Error).message.slice(0, 300)}`, validate: () => true };
    }
  };
  lenientInstalled = true;
}

export interface FunctionModule {
  init(): Promise<void>;
  handle(context: unknown, cloudevent?: unknown): Promise<unknown>;
  shutdown(): Promise<void>;
  liveness(req: unknown, reply: ProbeReply): void;
  readiness(req: unknown, reply: ProbeReply): void;
}

/** The part of a Fastify reply our probes use. */
export interface ProbeReply { code(n: number): ProbeReply; header(k: string, v: string): ProbeReply; send(body: string): void }

export interface FunctionModuleOptions {
  /** builds the real dependencies; tests and the all-in-one runner inject their own */
  deps?: () => Promise<HandlerDeps> | HandlerDeps;
  /**
   * Who may call: checked on every request before anything else. Default: from the configuration
   * (EVENT_AUTH=tokenreview → a Kubernetes TokenReview per request; off → none). The all-in-one
   * runner injects its broker's verifier.
   */
  auth?: () => EventAuth | undefined;
}

/** The configured check: a TokenReview through the same Kubernetes REST client the store uses. */
export async function authFromConfig(name: FunctionName, config: FunctionConfig): Promise<{ auth?: EventAuth; close(): void }> {
  if (config.EVENT_AUTH !== 'tokenreview') return { close: () => undefined };
  const kube = createKubeRest({ connection: await loadKubeConnection() });
  try {
    return { auth: functionEventAuth(name, config, createTokenReviewVerifier(kube)), close: () => kube.close() };
  } catch (e) {
    kube.close();
    throw e;
  }
}

/** The part of faas-js-runtime's context we read. */
interface RequestContext { headers?: Record<string, string | string[] | undefined> }

/** Real dependencies from the environment: KUBECONFIG or in-cluster, IRONIC_URL. */
export async function depsFromEnvironment(name: string, config: FunctionConfig = loadFunctionConfig(), log: Logger = createLogger({ fields: { function: name } })): Promise<HandlerDeps & { bmc: BmcClientFactory }> {
  // our REST store, not client-node: its import alone costs ~50 MB and most of a second at cold start
  const hosts = createRestHostStore({ kube: createKubeRest({ connection: await loadKubeConnection() }), instance: process.env.K_REVISION ?? name, log });
  const metrics = defaultMetrics();
  const ironic = createIronicClient({ ...ironicConnectionOf(config), onRequest: (info) => metrics.ironicRequest({ component: name, ...info }) });
  // the CA Ironic verifies Redfish BMCs with is the one our direct Redfish calls trust too
  const redfishCaPem = config.REDFISH_CA_BUNDLE ? await (await import('node:fs/promises')).readFile(config.REDFISH_CA_BUNDLE, 'utf8') : undefined;
  const bmc = createBmcRegistry({ hosts, allowFake: config.ENABLE_FAKE_BMC, redfishCaPem, ...(config.IPMI_CIPHER_SUITE === 3 || config.IPMI_CIPHER_SUITE === 17 ? { ipmiCipherSuite: config.IPMI_CIPHER_SUITE } : {}) });
  return { hosts, ironic, bmc, config, log, metrics };
}

/**
 * Every function checks its caller first, then the event's type against what that caller may send:
 * an unauthenticated request learns nothing about the event it sent, a refused one changes nothing.
 * Undefined: go on; else the reply to send.
 */
export async function checkCaller(
  auth: EventAuth | undefined, context: unknown, ev: Record<string, unknown> | undefined,
  { name, log, metrics }: { name: string; log: Logger | undefined; metrics: ReturnType<typeof defaultMetrics> },
): Promise<ReturnType<typeof toReply> | undefined> {
  let identity: string | undefined;
  if (auth) {
    let who;
    try {
      who = await authenticateRequest(auth, (context as RequestContext | undefined)?.headers?.authorization);
    } catch (e) {
      log?.warn('could not verify the caller; the event will be retried', { function: name, error: messageOf(e) });
      return toReply({ kind: 'retry', reason: `could not verify the caller: ${messageOf(e)}`, retryAfterMs: 3_000 });
    }
    if (!who.ok) {
      log?.warn('request refused: not authenticated', { function: name, reason: who.reason });
      metrics.eventHandled(name, eventTypeLabel(ev?.type), 'unauthenticated');
      return toReply({ kind: 'unauthenticated', message: who.reason });
    }
    identity = who.identity;
  }
  const problem = decodingProblemOf(ev);
  if (problem !== undefined) {
    metrics.eventHandled(name, 'other', 'invalid');
    return toReply({ kind: 'invalid', message: problem, issues: [{ path: '', message: problem }] });
  }
  // an event without a type is not an event at all: parseEvent answers 400 and nothing runs
  if (auth && identity !== undefined && typeof ev?.type === 'string') {
    const refusal = refusalOf(auth, identity, ev.type);
    if (refusal !== undefined) {
      log?.warn('request refused: sender not allowed', { function: name, identity, type: eventTypeLabel(ev.type) });
      metrics.eventHandled(name, eventTypeLabel(ev.type), 'unauthorized');
      return toReply({ kind: 'unauthorized', message: refusal });
    }
  }
  return undefined;
}

/** One initialised function: how it answers a request, and what it lets go of at shutdown. */
export interface ServedFunction {
  handle(context: unknown, cloudevent?: unknown): Promise<unknown>;
  close(): Promise<void> | void;
}

/**
 * The faas-js-runtime surface around one function, the same for all of ours: lenient CloudEvent
 * decoding, `init` building the function once, 503 from `readiness` until then, `shutdown`.
 */
export function moduleAround(build: () => Promise<ServedFunction>): FunctionModule {
  let served: ServedFunction | undefined;
  let ready = false;
  return {
    init: async function init() {
      installLenientEventDecoding();
      served = await build();
      ready = true;
    },
    handle: async function handle(context, cloudevent) {
      if (!served) return toReply({ kind: 'retry', reason: 'function not initialised', retryAfterMs: 1000 });
      return served.handle(context, cloudevent);
    },
    shutdown: async function shutdown() {
      ready = false;
      await served?.close();
    },
    // our own probes: the runtime's default trips on event-loop lag and answers 503 during boot
    liveness: function liveness(_req, reply) { reply.code(200).header('content-type', 'text/plain').send('OK'); },
    readiness: function readiness(_req, reply) { reply.code(ready ? 200 : 503).header('content-type', 'text/plain').send(ready ? 'OK' : 'starting'); },
  };
}

/** The caller check of every event-driven function, then its handler. */
export function checkedHandle(
  name: FunctionName, auth: EventAuth | undefined, handler: { handle(context: unknown, ev: never): Promise<unknown> },
  { log, metrics }: { log: Logger | undefined; metrics: ReturnType<typeof defaultMetrics> },
): ServedFunction['handle'] {
  return async function handle(context, cloudevent) {
    const ev = cloudevent as Record<string, unknown> | undefined;
    const refused = await checkCaller(auth, context, ev, { name, log, metrics });
    if (refused) return refused;
    return handler.handle({}, ev as never);
  };
}

export function createFunctionModule<O>(fn: TransitionFunction<O>, { deps: makeDeps, auth: makeAuth }: FunctionModuleOptions = {}): FunctionModule {
  return moduleAround(async () => {
    const deps = await (makeDeps ? makeDeps() : depsFromEnvironment(fn.name));
    const { auth, close } = makeAuth ? { auth: makeAuth(), close: () => undefined } : await authFromConfig(fn.name, deps.config);
    return {
      handle: checkedHandle(fn.name, auth, createHandler(fn, deps), { log: deps.log, metrics: deps.metrics ?? defaultMetrics() }),
      close: async () => {
        close();
        await deps.bmc?.close();
      },
    };
  });
}
