/**
 * @module kube-api/access-review: SubjectAccessReview
 * (`POST /apis/authorization.k8s.io/v1/subjectaccessreviews`, create only, nothing stored),
 * answered from the fixture's stored RBAC objects as kube-apiserver 1.32 with
 * `--authorization-mode=RBAC` answers it: 201 with `status.allowed`, a reason naming the
 * binding that allowed the request, and `allowed: false` without a reason when no rule does.
 * Evaluated whether or not the fixture enforces RBAC on its own requests: a review asks about
 * someone else, and the stored roles and bindings are what it is about.
 */
import type { RbacObjects, RequestAttributes, UserInfo } from './rbac.ts';
import { allowingBinding } from './rbac.ts';
import { KubeStatusError } from './status-error.ts';

interface ReviewSpec {
  user?: unknown;
  groups?: unknown;
  uid?: unknown;
  extra?: unknown;
  resourceAttributes?: Record<string, unknown> | null;
  nonResourceAttributes?: Record<string, unknown> | null;
}

const invalid = (field: string, value: string, message: string): KubeStatusError =>
  new KubeStatusError(422, 'Invalid', `SubjectAccessReview.authorization.k8s.io "" is invalid: ${field}: Invalid value: ${value}: ${message}`, {
    name: '', group: 'authorization.k8s.io', kind: 'SubjectAccessReview', causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ${value}: ${message}`, field }],
  });

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The review of one request by one user; `objects` are the stored roles and bindings. */
export function reviewAccess(body: unknown, objects: RbacObjects): { code: number; body: unknown } {
  const spec = (((body ?? {}) as { spec?: ReviewSpec }).spec ?? {}) as ReviewSpec;
  const resource = spec.resourceAttributes ?? undefined;
  const nonResource = spec.nonResourceAttributes ?? undefined;
  if ((resource === undefined) === (nonResource === undefined)) {
    throw invalid('spec.resourceAttributes', '"null"', 'exactly one of nonResourceAttributes or resourceAttributes must be specified');
  }
  const groups = Array.isArray(spec.groups) ? spec.groups.map(String) : [];
  const userName = text(spec.user);
  if (userName === '' && groups.length === 0) throw invalid('spec.user', '""', 'at least one of user or group must be specified');
  const user: UserInfo = { name: userName, groups };
  const a: RequestAttributes = resource
    ? {
        verb: text(resource.verb), apiGroup: text(resource.group), resource: text(resource.resource), subresource: text(resource.subresource),
        namespace: text(resource.namespace), name: text(resource.name), resourceRequest: true,
      }
    : { verb: text(nonResource?.verb), apiGroup: '', resource: '', subresource: '', namespace: '', name: text(nonResource?.path), resourceRequest: false };
  const by = allowingBinding(user, a, objects);
  const status = by === undefined ? { allowed: false } : { allowed: true, reason: by };
  const echoed: Record<string, unknown> = {
    ...(resource ? { resourceAttributes: resource } : {}), ...(nonResource ? { nonResourceAttributes: nonResource } : {}),
    ...(userName ? { user: userName } : {}), ...(groups.length > 0 ? { groups } : {}),
    ...(typeof spec.uid === 'string' && spec.uid ? { uid: spec.uid } : {}), ...(spec.extra && typeof spec.extra === 'object' ? { extra: spec.extra } : {}),
  };
  return { code: 201, body: { kind: 'SubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec: echoed, status } };
}
