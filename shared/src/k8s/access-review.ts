/**
 * @module k8s/access-review: "may this identity do this?", asked of the API server with a
 * SubjectAccessReview (`authorization.k8s.io/v1`), so the cluster's own RBAC decides (needs
 * `create` on `subjectaccessreviews`, in the built-in `system:auth-delegator` ClusterRole).
 */
import { KubeUnavailableError } from '../errors.ts';
import type { KubeRest } from './kube-rest.ts';

/** The attributes of one API request, as the authorizer sees them. */
export interface ResourceAccess {
  verb: 'get' | 'patch' | 'create' | 'delete';
  group: string;
  resource: string;
  subresource?: string | undefined;
  namespace: string;
  /** '' for `create`: the authorizer never sees the name of an object being created */
  name: string;
}

/** Who asks: the user name and groups a TokenReview reported. */
export interface Requester { user: string; groups?: readonly string[] | undefined }

export type AccessVerdict = { allowed: true; reason: string } | { allowed: false; reason: string };

export interface AccessReviewer {
  /** Resolves for allowed and refused alike; throws only when the API server could not answer (retry). */
  review(who: Requester, access: ResourceAccess): Promise<AccessVerdict>;
}

interface ReviewStatus { allowed?: boolean; denied?: boolean; reason?: string; evaluationError?: string }

export function createSubjectAccessReviewer(kube: KubeRest): AccessReviewer {
  return {
    review: async function reviewAccess(who, access) {
      const res = await kube.request<{ status?: ReviewStatus }>({
        method: 'POST',
        path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
        body: {
          apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
          spec: {
            user: who.user, ...(who.groups && who.groups.length > 0 ? { groups: [...who.groups] } : {}),
            resourceAttributes: {
              verb: access.verb, group: access.group, resource: access.resource, namespace: access.namespace,
              ...(access.subresource ? { subresource: access.subresource } : {}), ...(access.name ? { name: access.name } : {}),
            },
          },
        },
        what: 'create subjectaccessreview',
      });
      const status = res.body?.status;
      if (status === undefined) throw new KubeUnavailableError('create subjectaccessreview: answer has no status');
      if (status.allowed === true && status.denied !== true) return { allowed: true, reason: status.reason ?? '' };
      return { allowed: false, reason: [status.reason, status.evaluationError].filter((s) => s).join('; ') };
    },
  };
}
