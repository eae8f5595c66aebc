/**
 * @module manifests/event-policy: who may send what to the Broker, as Knative
 * Eventing EventPolicies (`eventing.knative.dev/v1alpha1`, feature
 * `authentication-oidc`), one per sender of the policy table: the watcher's
 * ContainerSource, each Trigger (the functions' replies come back under the
 * Trigger's identity), and the ServiceAccounts named in `externalSenders`.
 * Each admits only its types (`filters`). Knative admits an event when any
 * policy for the Broker names the sender and its filters pass; with policies
 * present, everyone else is refused.
 *
 * Functions are Knative Services, which EventPolicies do not cover: each
 * checks the Trigger's token itself (a TokenReview for its audience, the same
 * table), so the Triggers name that audience and the functions may create
 * TokenReviews (`system:auth-delegator`).
 */
import { EventPolicy } from '@kubernetes-models/knative/eventing.knative.dev/v1alpha1/EventPolicy';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { brokerSenders } from '../eventauth/policy.ts';
import type { Sender } from '../eventauth/policy.ts';
import { BROKER, FUNCTIONS, PART_OF, serviceNameOf } from './names.ts';
import type { ManifestOptions } from './options.ts';

const fromOf = (s: Sender, namespace: string) => (s.owner
  ? { ref: { apiVersion: s.owner.apiVersion, kind: s.owner.kind, name: s.owner.name, namespace } }
  : { sub: s.identity });

export function buildEventPolicy(s: Sender, o: ManifestOptions): EventPolicy {
  return new EventPolicy({
    metadata: {
      name: `${BROKER}-from-${s.id}`.toLowerCase().slice(0, 63).replace(/[^a-z0-9]+$/, ''),
      namespace: o.namespace,
      labels: { ...PART_OF, 'app.kubernetes.io/component': 'event-policy' },
      annotations: { 'metal3.io/why': s.why },
    },
    spec: {
      to: [{ ref: { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: BROKER } }],
      from: [fromOf(s, o.namespace)],
      filters: [{ any: s.types.map((type) => ({ exact: { type } })) }],
    },
  });
}

export const buildAllEventPolicies = (o: ManifestOptions): EventPolicy[] => brokerSenders(o.namespace, o.externalSenders).map((s) => buildEventPolicy(s, o));

/** The functions review the tokens they receive (TokenReview `create`, cluster-wide by nature). */
export function buildTokenReviewBinding(o: ManifestOptions): ClusterRoleBinding {
  return new ClusterRoleBinding({
    metadata: { name: `metal3-functions-${o.namespace}-token-review`, labels: { ...PART_OF, 'app.kubernetes.io/component': 'event-auth' } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:auth-delegator' },
    subjects: FUNCTIONS.map((fn) => ({ kind: 'ServiceAccount', name: serviceNameOf(fn), namespace: o.namespace })),
  });
}

/** The one grant outside the permissions table, for docs/permissions.md. */
export function renderTokenReviewNote(): string {
  return [
    '## Reviewing event senders\n',
    'Besides the table above, every function may `create` `tokenreviews` (`authentication.k8s.io`), through a',
    'ClusterRoleBinding to the built-in `system:auth-delegator` ClusterRole (`manifests/base/eventing/event-policies.yaml`):',
    'with `EVENT_AUTH=tokenreview` a function asks the API server whether the bearer token of each request is valid',
    'for its audience. TokenReview is cluster-scoped by nature, so no Role can grant it. The ClusterRole also allows',
    '`create` on `subjectaccessreviews` (asking whether a user may do something); neither changes anything.',
    'The `external` function uses both: a TokenReview says who sent a request, a SubjectAccessReview whether that',
    'sender may make the write the request stands for.\n',
  ].join('\n');
}
