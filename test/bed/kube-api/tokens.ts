/**
 * @module kube-api/tokens: the two authentication.k8s.io/v1 calls Knative's
 * OIDC sender identity rests on, answered as kube-apiserver 1.32 answers them:
 *
 * - TokenRequest, `POST /api/v1/namespaces/{ns}/serviceaccounts/{sa}/token`:
 *   a token bound to `spec.audiences` (default: the API server's own) for
 *   `spec.expirationSeconds` (default 3600, at least 600), 404 for a
 *   ServiceAccount that does not exist, 201 with `status.token` and
 *   `status.expirationTimestamp`.
 * - TokenReview, `POST /apis/authentication.k8s.io/v1/tokenreviews`
 *   (create only, nothing stored): 201 with `status.authenticated`,
 *   `status.user` and `status.audiences` (the requested audiences the token
 *   is valid for), or `status.error` and an empty user when the token is
 *   unknown, expired or bound to other audiences.
 *
 * Bound tokens authenticate API requests only when bound to the API server's
 * audience, as on a real server. Tokens are opaque here (a real server signs
 * JWTs with its service-account key; test/bed/real-kube runs that natively).
 */
import { randomBytes } from 'node:crypto';
import type { UserInfo } from './rbac.ts';
import { serviceAccountUser } from './rbac.ts';
import { KubeStatusError } from './status-error.ts';

/** The fixture's issuer and API audience, the real-kube bed's `--service-account-issuer`. */
export const API_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';

interface Bound { user: UserInfo; uid: string; audiences: string[]; expiresAt: number }

const invalidRequest = (kind: 'TokenRequest' | 'TokenReview', field: string, message: string, name = ''): KubeStatusError =>
  new KubeStatusError(422, 'Invalid', `${kind}.authentication.k8s.io "${name}" is invalid: ${field}: ${message}`, {
    name, group: 'authentication.k8s.io', kind, causes: [{ reason: 'FieldValueInvalid', message, field }],
  });

export class BoundTokens {
  readonly #tokens = new Map<string, Bound>();
  readonly #now: () => number;
  constructor(now: () => number = Date.now) { this.#now = now; }

  /** TokenRequest for an existing ServiceAccount; answers the TokenRequest object. */
  request(namespace: string, serviceAccount: string, saUid: string, body: unknown): { code: number; body: unknown } {
    const spec = ((body ?? {}) as { spec?: { audiences?: unknown; expirationSeconds?: unknown } }).spec ?? {};
    const audiences = Array.isArray(spec.audiences) && spec.audiences.length > 0 ? spec.audiences.map(String) : [API_AUDIENCE];
    const seconds = spec.expirationSeconds === undefined ? 3600 : Number(spec.expirationSeconds);
    if (!Number.isInteger(seconds) || seconds < 600) throw invalidRequest('TokenRequest', 'spec.expirationSeconds', `Invalid value: ${String(spec.expirationSeconds)}: may not specify a duration less than 10 minutes`, serviceAccount);
    if (seconds > 2 ** 32) throw invalidRequest('TokenRequest', 'spec.expirationSeconds', `Invalid value: ${seconds}: may not specify a duration larger than 2^32 seconds`, serviceAccount);
    const token = `bound-${randomBytes(24).toString('base64url')}`;
    const expiresAt = this.#now() + seconds * 1000;
    this.#tokens.set(token, { user: serviceAccountUser(namespace, serviceAccount), uid: saUid, audiences, expiresAt });
    return {
      code: 201,
      body: {
        kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1',
        metadata: { name: serviceAccount, namespace, creationTimestamp: null },
        spec: { audiences, expirationSeconds: seconds, boundObjectRef: null },
        status: { token, expirationTimestamp: new Date(Math.floor(expiresAt / 1000) * 1000).toISOString().replace('.000Z', 'Z') },
      },
    };
  }

  /** TokenReview: `otherTokens` resolves the fixture's static tokens (valid for the API audience only). */
  review(body: unknown, otherTokens: (token: string) => UserInfo | undefined): { code: number; body: unknown } {
    const spec = ((body ?? {}) as { spec?: { token?: unknown; audiences?: unknown } }).spec ?? {};
    if (typeof spec.token !== 'string' || spec.token === '') throw invalidRequest('TokenReview', 'spec.token', 'Required value');
    const wanted = Array.isArray(spec.audiences) && spec.audiences.length > 0 ? spec.audiences.map(String) : [API_AUDIENCE];
    const answer = (status: Record<string, unknown>) => ({
      code: 201,
      body: { kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, spec: { token: spec.token, ...(Array.isArray(spec.audiences) ? { audiences: spec.audiences } : {}) }, status },
    });
    const refused = (why: string) => answer({ user: {}, error: `[invalid bearer token, ${why}]` });
    const bound = this.#tokens.get(spec.token);
    if (bound) {
      if (bound.expiresAt <= this.#now()) return refused('service account token has expired');
      const valid = wanted.filter((a) => bound.audiences.includes(a));
      if (valid.length === 0) return refused(`token audiences ${JSON.stringify(bound.audiences)} is invalid for the target audiences ${JSON.stringify(wanted)}`);
      return answer({ authenticated: true, user: { username: bound.user.name, uid: bound.uid, groups: bound.user.groups }, audiences: valid });
    }
    const other = otherTokens(spec.token);
    // static tokens carry no audience: the API server's own is implied
    if (other && wanted.includes(API_AUDIENCE)) return answer({ authenticated: true, user: { username: other.name, groups: other.groups }, audiences: [API_AUDIENCE] });
    if (other) return refused(`token audiences ${JSON.stringify([API_AUDIENCE])} is invalid for the target audiences ${JSON.stringify(wanted)}`);
    return refused('square/go-jose: compact JWS format must have three parts');
  }

  /** A bound token used as an API credential: only when bound to the API audience and not expired. */
  authenticate(token: string): UserInfo | undefined {
    const bound = this.#tokens.get(token);
    if (!bound || bound.expiresAt <= this.#now() || !bound.audiences.includes(API_AUDIENCE)) return undefined;
    return bound.user;
  }
}
