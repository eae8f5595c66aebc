/**
 * @module handler/external-runtime: the `external` function as a faas-js-runtime module (the same
 * surface as the other functions'): outside systems send it authenticated CloudEvents of the
 * external catalogue (events/src/external.ts), and it turns each into the one Kubernetes write it
 * stands for, made only if the cluster's RBAC lets the sender make that write itself:
 *
 *   who sent it (TokenReview for this function's audience; else 401) → the request is valid
 *   (else 400) → decide the write (pure, functions/external/src/decide.ts) → may the sender make it?
 *   (SubjectAccessReview with the sender's user and groups; else 403) → write (an API request the
 *   audit log records) → a Kubernetes Event naming the sender on the object → 200.
 *
 * Nothing is read or written before the sender is known, and nothing is written for a refused or
 * malformed request. The functions that own hosts and claims then act on the write as on any user's.
 */
import type { HostClaimSpec } from '../api/hostclaim.ts';
import { parseExternalEvent } from '../../../events/src/external.ts';
import type { ParsedExternalEvent } from '../../../events/src/external.ts';
import { authenticateRequest } from '../eventauth/authorize.ts';
import type { EventAuth } from '../eventauth/authorize.ts';
import { functionAudience } from '../eventauth/policy.ts';
import { createTokenReviewVerifier } from '../eventauth/verifier.ts';
import { HostNotFoundError, KubeRequestError, dispositionOf, isEventValidationError, messageOf } from '../errors.ts';
import type { RetryableError } from '../errors.ts';
import { createSubjectAccessReviewer } from '../k8s/access-review.ts';
import type { AccessReviewer, ResourceAccess } from '../k8s/access-review.ts';
import { HOST_CLAIMS, createRestClaimStore } from '../k8s/claim-store.ts';
import type { ClaimStore } from '../k8s/claim-store.ts';
import { GROUP, HOSTS, VERSION } from '../k8s/host-store.ts';
import type { StoredHost } from '../k8s/host-store.ts';
import { loadKubeConnection } from '../k8s/kube-connection.ts';
import { MERGE_PATCH, createKubeRest } from '../k8s/kube-rest.ts';
import type { KubeRest } from '../k8s/kube-rest.ts';
import { createLogger } from '../log.ts';
import type { Logger } from '../log.ts';
import { defaultMetrics } from '../metrics/metrics.ts';
import type { EventOutcome } from '../metrics/metrics.ts';
import { loadFunctionConfig } from './config.ts';
import type { HandlerResult } from './reply.ts';
import { toReply } from './reply.ts';
import { decodingProblemOf, moduleAround } from './runtime.ts';
import type { FunctionModule } from './runtime.ts';

export const EXTERNAL_FUNCTION = 'external';

/** The one write an external request stands for (see functions/external/src/decide.ts). */
export type ExternalWrite =
  | { do: 'annotateHost'; annotation: string; value: string }
  | { do: 'setHostOnline'; online: boolean }
  | { do: 'createClaim'; spec: HostClaimSpec }
  | { do: 'deleteClaim' };

export interface ExternalChange {
  target: { namespace: string; name: string };
  /** what the sender must be allowed: the attributes the API server would check for the write */
  access: ResourceAccess;
  write: ExternalWrite;
  /** for the reply, the log and the Kubernetes Event */
  summary: string;
}

export interface ExternalFunction {
  name: typeof EXTERNAL_FUNCTION;
  decide(e: ParsedExternalEvent): ExternalChange;
}

export interface ExternalDeps {
  kube: KubeRest;
  reviewer: AccessReviewer;
  log: Logger;
  /** reportingInstance of the Events it records */
  instance?: string;
}

/** Who may call: a verifier and this function's audience. No sender table: RBAC decides per request. */
export type ExternalAuth = Pick<EventAuth, 'verifier' | 'audience'>;

/** The field manager of every write, so the audit log and managedFields name the path it came by. */
export const EXTERNAL_FIELD_MANAGER = 'metal3-external';

/** The reason of the Kubernetes Event recorded on the object an external request changed. */
export const EXTERNAL_EVENT_REASON = 'ExternalTrigger';

interface RequestContext { headers?: Record<string, string | string[] | undefined> }

export function createExternalHandler(fn: ExternalFunction, deps: ExternalDeps, auth: ExternalAuth | undefined) {
  const log = deps.log.child({ function: fn.name });
  const claims: ClaimStore = createRestClaimStore({ kube: deps.kube, instance: deps.instance ?? fn.name, log });
  const metrics = defaultMetrics();

  async function processRequest(context: unknown, ev: Record<string, unknown> | undefined): Promise<HandlerResult> {
    // an external trigger is only ever made for a known sender: without a verifier nothing is accepted
    if (!auth) return { kind: 'unauthenticated', message: 'sender authentication is off (EVENT_AUTH is not tokenreview): external triggers are refused' };
    let who;
    try {
      who = await authenticateRequest(auth, (context as RequestContext | undefined)?.headers?.authorization);
    } catch (e) {
      return { kind: 'retry', reason: `could not verify the caller: ${messageOf(e)}`, retryAfterMs: 3_000 };
    }
    if (!who.ok) return { kind: 'unauthenticated', message: who.reason };
    const problem = decodingProblemOf(ev);
    if (problem !== undefined) return { kind: 'invalid', message: problem, issues: [{ path: '', message: problem }] };
    let parsed: ParsedExternalEvent;
    try {
      parsed = parseExternalEvent(ev);
    } catch (e) {
      if (isEventValidationError(e)) return { kind: 'invalid', message: e.message, issues: e.issues };
      throw e;
    }
    const change = fn.decide(parsed);
    const reqLog = log.child({ event: parsed.id, type: parsed.type, identity: who.identity, target: `${change.target.namespace}/${change.target.name}` });
    let verdict;
    try {
      verdict = await deps.reviewer.review({ user: who.identity, groups: who.groups }, change.access);
    } catch (e) {
      reqLog.warn('could not review the sender\'s access; the request may be sent again', { error: messageOf(e) });
      return { kind: 'retry', reason: `could not review the sender's access: ${messageOf(e)}`, retryAfterMs: 3_000 };
    }
    if (!verdict.allowed) {
      reqLog.warn('external request refused by RBAC', { access: describeAccess(change.access) });
      return { kind: 'unauthorized', message: `${who.identity} may not ${describeAccess(change.access)}${verdict.reason ? ` (${verdict.reason.slice(0, 300)})` : ''}: ${parsed.type} refused, nothing changed` };
    }
    try {
      const result = await perform(change, `${change.summary}, requested by ${who.identity} (event ${parsed.id.slice(0, 100)} from ${parsed.source.slice(0, 200)})`);
      reqLog.info(result.kind === 'progressed' ? 'external request written' : 'external request changed nothing', { change: change.summary, ...(result.kind === 'noop' ? { reason: result.reason } : {}) });
      return result;
    } catch (e) {
      if (e instanceof HostNotFoundError) return { kind: 'notFound', message: messageOf(e) };
      // the API server refused the write itself (its validation, admission): the sender's request cannot be made
      if (e instanceof KubeRequestError && (e.statusCode === 400 || e.statusCode === 422)) return { kind: 'invalid', message: messageOf(e), issues: [{ path: 'data', message: messageOf(e) }] };
      if (dispositionOf(e) === 'retry') {
        reqLog.warn('transient failure; the request may be sent again', { error: messageOf(e) });
        return { kind: 'retry', reason: messageOf(e), retryAfterMs: (e as RetryableError).retryAfterMs ?? 1_000 };
      }
      reqLog.error('unexpected failure', { error: messageOf(e) });
      return { kind: 'crashed', message: messageOf(e) };
    }
  }

  async function perform(change: ExternalChange, note: string): Promise<HandlerResult> {
    const { namespace, name } = change.target;
    const hostPath = `/apis/${GROUP}/${VERSION}/namespaces/${seg(namespace)}/${HOSTS}/${seg(name)}?fieldManager=${EXTERNAL_FIELD_MANAGER}`;
    const claimsPath = `/apis/${GROUP}/${VERSION}/namespaces/${seg(namespace)}/${HOST_CLAIMS}`;
    const done = (reason: string): HandlerResult => ({ kind: 'progressed', state: 'written', reason });
    const w = change.write;
    switch (w.do) {
      case 'annotateHost': {
        const host = await claims.hosts.get(namespace, name);
        const current = host.metadata.annotations?.[w.annotation];
        if (current === 'disabled' && w.annotation === 'inspect.metal3.io') return { kind: 'noop', reason: `inspection is disabled on ${namespace}/${name} (${w.annotation}: disabled); nothing changed` };
        if (current === w.value) return { kind: 'noop', reason: `${namespace}/${name} already has ${w.annotation}=${JSON.stringify(w.value)}; nothing changed` };
        const patched = await patchHost(hostPath, { metadata: { annotations: { [w.annotation]: w.value } } }, `annotate baremetalhost ${namespace}/${name}`);
        await claims.hosts.recordEvent(patched, { type: 'Normal', reason: EXTERNAL_EVENT_REASON, action: EXTERNAL_FUNCTION, note });
        return done(change.summary);
      }
      case 'setHostOnline': {
        const host = await claims.hosts.get(namespace, name);
        if ((host.spec as { online?: boolean } | undefined)?.online === w.online) return { kind: 'noop', reason: `${namespace}/${name} already has spec.online=${w.online}; nothing changed` };
        const patched = await patchHost(hostPath, { spec: { online: w.online } }, `patch baremetalhost ${namespace}/${name} spec.online`);
        await claims.hosts.recordEvent(patched, { type: 'Normal', reason: EXTERNAL_EVENT_REASON, action: EXTERNAL_FUNCTION, note });
        return done(change.summary);
      }
      case 'createClaim': {
        const body = { apiVersion: `${GROUP}/${VERSION}`, kind: 'HostClaim', metadata: { name, namespace }, spec: w.spec };
        const res = await deps.kube.request<{ metadata?: { uid?: string } }>({ method: 'POST', path: `${claimsPath}?fieldManager=${EXTERNAL_FIELD_MANAGER}`, body, what: `create hostclaim ${namespace}/${name}`, allow: [409] });
        if (res.status === 409) return { kind: 'noop', reason: `hostclaim ${namespace}/${name} already exists; not changed` };
        await claims.recordClaimEvent({ metadata: { name, namespace, ...(res.body.metadata?.uid ? { uid: res.body.metadata.uid } : {}) } } as never, { type: 'Normal', reason: EXTERNAL_EVENT_REASON, action: EXTERNAL_FUNCTION, note });
        return done(change.summary);
      }
      case 'deleteClaim': {
        const claim = await claims.getClaim(namespace, name);
        if (claim.metadata.deletionTimestamp) return { kind: 'noop', reason: `hostclaim ${namespace}/${name} is already being released` };
        // only the claim read (the uid precondition): a claim re-created meanwhile under the same name is not deleted
        await deps.kube.request({
          method: 'DELETE', path: `${claimsPath}/${seg(name)}`, what: `delete hostclaim ${namespace}/${name}`,
          body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: claim.metadata.uid } },
        });
        await claims.recordClaimEvent(claim, { type: 'Normal', reason: EXTERNAL_EVENT_REASON, action: EXTERNAL_FUNCTION, note });
        return done(change.summary);
      }
    }
  }

  async function patchHost(path: string, body: unknown, what: string): Promise<StoredHost> {
    return (await deps.kube.request<StoredHost>({ method: 'PATCH', path, body, contentType: MERGE_PATCH, what })).body;
  }

  /** faas-js-runtime entry point: `handle(context, cloudevent)`. */
  async function handle(context: unknown, cloudevent?: unknown) {
    const ev = cloudevent as Record<string, unknown> | undefined;
    let result: HandlerResult;
    try {
      result = await processRequest(context, ev);
    } catch (e) {
      log.error('unexpected failure', { error: messageOf(e) });
      result = { kind: 'crashed', message: messageOf(e) };
    }
    metrics.eventHandled(fn.name, typeof ev?.type === 'string' && ev.type.startsWith('io.metal3.external.') ? ev.type.slice(0, 100) : 'other', outcomeOf(result));
    return toReply(result);
  }

  return { handle, processRequest };
}

const seg = encodeURIComponent;

const describeAccess = (a: ResourceAccess): string =>
  `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''}${a.name ? ` "${a.name}"` : ''} (API group ${a.group}) in namespace "${a.namespace}"`;

const outcomeOf = (r: HandlerResult): EventOutcome => r.kind;

/** Real dependencies from the environment: KUBECONFIG or in-cluster. */
export async function externalDepsFromEnvironment(name: string): Promise<ExternalDeps & { close(): void }> {
  const kube = createKubeRest({ connection: await loadKubeConnection() });
  return { kube, reviewer: createSubjectAccessReviewer(kube), log: createLogger({ fields: { function: name } }), instance: process.env.K_REVISION ?? name, close: () => kube.close() };
}

export function createExternalFunctionModule(fn: ExternalFunction, { deps: makeDeps, auth: makeAuth }: { deps?: () => Promise<ExternalDeps> | ExternalDeps; auth?: () => ExternalAuth | undefined } = {}): FunctionModule {
  return moduleAround(async () => {
    const deps: ExternalDeps & { close?: () => void } = await (makeDeps ? makeDeps() : externalDepsFromEnvironment(fn.name));
    let auth: ExternalAuth | undefined;
    if (makeAuth) auth = makeAuth();
    else {
      const config = loadFunctionConfig();
      // the same TokenReview as every function's, for this function's own audience; RBAC, not a table, decides who may do what
      if (config.EVENT_AUTH === 'tokenreview') auth = { verifier: createTokenReviewVerifier(deps.kube), audience: config.EVENT_AUDIENCE || functionAudience(EXTERNAL_FUNCTION, config.EVENT_NAMESPACE) };
    }
    const handler = createExternalHandler(fn, deps, auth);
    return { handle: handler.handle, close: () => deps.close?.() };
  });
}
