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
import { ALL_EVENT_TYPES, EventType } from '../../../events/src/types.ts';
import type { RequestedEventType } from '../../../events/src/types.ts';
import { BROKER, NAMESPACE as FUNCTION_NAMESPACE_DEFAULT, WATCHER, serviceNameOf } from '../manifests/names.ts';
import { TRANSITION_NAMES } from '../state-machine/states.ts';
import type { TransitionName } from '../state-machine/states.ts';

/** A Kubernetes object Knative gives an OIDC identity (its `status.auth.serviceAccountName`). */
export interface IdentityOwner { apiVersion: string; kind: string; name: string }

/** A ServiceAccount outside our own components allowed to send events, with the types it may send. */
export interface ExternalSender { namespace: string; serviceAccount: string; types: readonly RequestedEventType[] }

export interface Sender {
  /** short name for policy objects and logs: `watcher`, `replies-enroll`, `external-<ns>-<sa>` */
  id: string;
  /** the Kubernetes user name its tokens carry */
  identity: string;
  /** set for Knative-owned identities: an EventPolicy names the owner, Knative resolves its ServiceAccount */
  owner?: IdentityOwner | undefined;
  /** the event types it may send */
  types: readonly RequestedEventType[];
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
export const triggerOwner = (fn: TransitionName): IdentityOwner => ({ apiVersion: 'eventing.knative.dev/v1', kind: 'Trigger', name: serviceNameOf(fn) });

const identityOf = (namespace: string, owner: IdentityOwner): string => serviceAccountUser(namespace, oidcServiceAccountOf(owner));

/** A function may hand the next step on to any other function, never to itself (no reply loops). */
export const replyTypesOf = (fn: TransitionName): readonly RequestedEventType[] => ALL_EVENT_TYPES.filter((t) => t !== EventType[fn]);

/**
 * Who may send to the Broker, and what. Everything else is refused: a sender
 * unknown to the table gets 403, a known one sending another type gets 403.
 */
export function brokerSenders(namespace: string = FUNCTION_NAMESPACE_DEFAULT, external: readonly ExternalSender[] = []): Sender[] {
  return [
    // the watcher asks for every transition: it is the only source of host changes and Ironic progress
    { id: 'watcher', identity: identityOf(namespace, watcherOwner()), owner: watcherOwner(), types: ALL_EVENT_TYPES, why: 'host changes and Ironic progress' },
    // a function's reply comes back through its Trigger (the Trigger's identity sends it); never the function's own type
    ...TRANSITION_NAMES.map((fn): Sender => ({
      id: `replies-${fn}`, identity: identityOf(namespace, triggerOwner(fn)), owner: triggerOwner(fn), types: replyTypesOf(fn), why: `${fn} hands the next step on`,
    })),
    // named ServiceAccounts a deployment lets in (default none), each with its own types
    ...external.map((e): Sender => ({
      id: `external-${e.namespace}-${e.serviceAccount}`, identity: serviceAccountUser(e.namespace, e.serviceAccount), types: [...e.types], why: 'external sender named in the deployment options',
    })),
  ];
}

/** Who may deliver to function `fn`: only its own Trigger, and only the type that Trigger filters on. */
export function functionSenders(fn: TransitionName, namespace: string = FUNCTION_NAMESPACE_DEFAULT): Sender[] {
  return [{ id: `trigger-${fn}`, identity: identityOf(namespace, triggerOwner(fn)), owner: triggerOwner(fn), types: [EventType[fn]], why: `the Broker delivers ${fn}'s type through its Trigger` }];
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
export const functionAudience = (fn: TransitionName, namespace: string = FUNCTION_NAMESPACE_DEFAULT): string => audienceOf({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: serviceNameOf(fn) }, namespace);
