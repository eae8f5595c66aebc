/**
 * @module eventauth/policy: THE table of who may send which event types.
 *
 * One table, read three ways: the EventPolicy manifests that admit senders to
 * the Broker (manifests/event-policy.ts), the in-process broker's ingress
 * check (broker/broker.ts), and each function's check of the Trigger that
 * delivers to it (eventauth/authorize.ts). Identities are Kubernetes user
 * names (`system:serviceaccount:<ns>:<sa>`), the `sub` of Knative's OIDC
 * tokens, which are ServiceAccount tokens.
 */
import { ALL_EVENT_TYPES, CATALOGUE_EVENT_TYPES, ClaimEventType, EventType } from '../../../events/src/types.ts';
import type { CatalogueEventType } from '../../../events/src/types.ts';
import { BROKER, FUNCTIONS, NAMESPACE as FUNCTION_NAMESPACE_DEFAULT, WATCHER, serviceNameOf } from '../manifests/names.ts';
import type { FunctionName } from '../manifests/names.ts';

/** A Kubernetes object Knative gives an OIDC identity (its `status.auth.serviceAccountName`). */
export interface IdentityOwner { apiVersion: string; kind: string; name: string }

/** A ServiceAccount outside our own components allowed to send events, with the types it may send. */
export interface ExternalSender { namespace: string; serviceAccount: string; types: readonly CatalogueEventType[] }

export interface Sender {
  /** short name for policy objects and logs: `watcher`, `replies-enroll`, `external-<ns>-<sa>` */
  id: string;
  /** the Kubernetes user name its tokens carry */
  identity: string;
  /** set for Knative-owned identities: an EventPolicy names the owner, Knative resolves its ServiceAccount */
  owner?: IdentityOwner | undefined;
  /** the event types it may send */
  types: readonly CatalogueEventType[];
  why: string;
}

export const serviceAccountUser = (namespace: string, serviceAccount: string): string => `system:serviceaccount:${namespace}:${serviceAccount}`;

/**
 * The ServiceAccount Knative Eventing creates for a resource's OIDC identity:
 * `<name>-oidc-<group>-<kind>`, lower case (knative.dev/eventing `pkg/auth`,
 * `GetOIDCServiceAccountNameForResource`). Releases before 1.15 named it
 * `oidc-<group>-<kind>-<name>`; the functions' EVENT_SENDERS setting overrides
 * the derived names when a cluster differs.
 */
export function oidcServiceAccountOf(owner: IdentityOwner): string {
  const group = owner.apiVersion.includes('/') ? owner.apiVersion.split('/')[0]! : '';
  return `${owner.name}-oidc-${group}-${owner.kind}`.toLowerCase();
}

export const watcherOwner = (): IdentityOwner => ({ apiVersion: 'sources.knative.dev/v1', kind: 'ContainerSource', name: WATCHER });
/** The Trigger subscribing function `fn` (one per function, named like its Service). */
export const triggerOwner = (fn: FunctionName): IdentityOwner => ({ apiVersion: 'eventing.knative.dev/v1', kind: 'Trigger', name: serviceNameOf(fn) });

const identityOf = (namespace: string, owner: IdentityOwner): string => serviceAccountUser(namespace, oidcServiceAccountOf(owner));

/** The functions the Broker delivers to (every one but `external`, which outside senders call directly). */
export type SubscribedFunction = Exclude<FunctionName, 'external'>;
export const isSubscribed = (fn: FunctionName): fn is SubscribedFunction => fn !== 'external';

/** The one event type function `fn` is subscribed to. */
export const eventTypeOf = (fn: SubscribedFunction): CatalogueEventType => (fn === 'claim' ? ClaimEventType.claim : EventType[fn]);

/**
 * A host function may hand the next step on to any other host function, never to itself (no reply
 * loops); the claim function writes Kubernetes only and replies with nothing.
 */
export const replyTypesOf = (fn: FunctionName): readonly CatalogueEventType[] => (fn === 'claim' || fn === 'external' ? [] : ALL_EVENT_TYPES.filter((t) => t !== EventType[fn]));

/**
 * Who may send to the Broker, and what. Everything else is refused: a sender
 * unknown to the table gets 403, a known one sending another type gets 403.
 */
export function brokerSenders(namespace: string = FUNCTION_NAMESPACE_DEFAULT, external: readonly ExternalSender[] = []): Sender[] {
  return [
    // the watcher asks for every transition: it is the only source of host changes and Ironic progress
    { id: 'watcher', identity: identityOf(namespace, watcherOwner()), owner: watcherOwner(), types: CATALOGUE_EVENT_TYPES, why: 'host and claim changes, Ironic progress' },
    // a function's reply comes back through its Trigger (the Trigger's identity sends it); never the function's own type
    ...FUNCTIONS.filter((fn) => replyTypesOf(fn).length > 0).map((fn): Sender => ({
      id: `replies-${fn}`, identity: identityOf(namespace, triggerOwner(fn)), owner: triggerOwner(fn), types: replyTypesOf(fn), why: `${fn} hands the next step on`,
    })),
    // named ServiceAccounts a deployment lets in (default none), each with its own types
    ...external.map((e): Sender => ({
      id: `external-${e.namespace}-${e.serviceAccount}`, identity: serviceAccountUser(e.namespace, e.serviceAccount), types: [...e.types], why: 'external sender named in the deployment options',
    })),
  ];
}

/**
 * Who may deliver to function `fn`: only its own Trigger, and only the type that Trigger filters on.
 * None for `external`: it has no Trigger; any sender with a valid token for its audience may call it,
 * and the cluster's RBAC (a SubjectAccessReview per request) decides what that sender may change.
 */
export function functionSenders(fn: FunctionName, namespace: string = FUNCTION_NAMESPACE_DEFAULT): Sender[] {
  if (!isSubscribed(fn)) return [];
  return [{ id: `trigger-${fn}`, identity: identityOf(namespace, triggerOwner(fn)), owner: triggerOwner(fn), types: [eventTypeOf(fn)], why: `the Broker delivers ${fn}'s type through its Trigger` }];
}

/** Identity → types, the shape the checks use. */
export function allowedTypes(senders: readonly Sender[]): ReadonlyMap<string, ReadonlySet<string>> {
  const out = new Map<string, Set<string>>();
  for (const s of senders) {
    const set = out.get(s.identity) ?? new Set<string>();
    for (const t of s.types) set.add(t);
    out.set(s.identity, set);
  }
  return out;
}

/**
 * The OIDC audience of an addressable, in Knative's format `<group>/<kind>/<namespace>/<name>`
 * (lower case). The Broker announces its own; our Triggers name the functions' explicitly.
 */
export const audienceOf = (owner: IdentityOwner, namespace: string): string =>
  `${owner.apiVersion.split('/')[0]}/${owner.kind}/${namespace}/${owner.name}`.toLowerCase();
export const brokerAudience = (namespace: string = FUNCTION_NAMESPACE_DEFAULT): string => audienceOf({ apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: BROKER }, namespace);
export const functionAudience = (fn: FunctionName, namespace: string = FUNCTION_NAMESPACE_DEFAULT): string => audienceOf({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: serviceNameOf(fn) }, namespace);
