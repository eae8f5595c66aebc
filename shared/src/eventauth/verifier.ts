/**
 * @module eventauth/verifier: who sent this request? Two answers behind one
 * interface: a Kubernetes TokenReview (deployed: Knative's OIDC tokens are
 * ServiceAccount tokens, so the API server that signed them says whether one
 * is valid for our audience), and the in-process broker's own signed tokens.
 */
import type { KeyObject } from 'node:crypto';
import { KubeUnavailableError } from '../errors.ts';
import type { KubeRest } from '../k8s/kube-rest.ts';
import { verifyToken } from './jwt.ts';

/** `identity`: the Kubernetes user name, `groups` its groups where the verifier knows them (TokenReview); `reason`: why the token was refused (never the token). */
export type Verification = { ok: true; identity: string; groups?: readonly string[] | undefined } | { ok: false; reason: string };

export interface TokenVerifier {
  /** Resolves for valid and invalid tokens alike; throws only when the verdict could not be had (retry). */
  verify(token: string, audience: string): Promise<Verification>;
}

interface TokenReviewStatus { authenticated?: boolean; user?: { username?: string; groups?: unknown }; audiences?: string[]; error?: string }

/**
 * `POST /apis/authentication.k8s.io/v1/tokenreviews` with `spec.audiences = [audience]`: the API
 * server checks signature, expiry, audience and that the ServiceAccount (and bound pod) still exist.
 * Needs `create` on `tokenreviews` (the `system:auth-delegator` ClusterRole).
 */
export function createTokenReviewVerifier(kube: KubeRest): TokenVerifier {
  return {
    verify: async function verifyWithTokenReview(token, audience) {
      const res = await kube.request<{ status?: TokenReviewStatus }>({
        method: 'POST',
        path: '/apis/authentication.k8s.io/v1/tokenreviews',
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences: [audience] } },
        what: 'create tokenreview',
      });
      const status = res.body?.status;
      if (status === undefined) throw new KubeUnavailableError('create tokenreview: answer has no status');
      if (status.authenticated !== true || !status.user?.username) return { ok: false, reason: `token not accepted for audience ${audience}${status.error ? `: ${status.error.slice(0, 200)}` : ''}` };
      // an API server that ignores spec.audiences (none configured) must not turn any token into a pass
      if (!(status.audiences ?? []).includes(audience)) return { ok: false, reason: `token is not valid for audience ${audience}` };
      const groups = Array.isArray(status.user.groups) ? status.user.groups.filter((g): g is string => typeof g === 'string') : [];
      return { ok: true, identity: status.user.username, groups };
    },
  };
}

/** The in-process broker's tokens: Ed25519 JWTs from its issuer. */
export function createJwtVerifier({ publicKey, issuer, now }: { publicKey: KeyObject; issuer: string; now?: () => number }): TokenVerifier {
  return {
    verify: async function verifyJwt(token, audience) {
      const r = verifyToken(token, { publicKey, issuer, audience, ...(now ? { now } : {}) });
      return r.ok ? { ok: true, identity: r.claims.sub } : { ok: false, reason: r.reason };
    },
  };
}
