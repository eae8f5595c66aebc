/** @module kube-api/auth: bearer tokens → users; RBAC enforcement against stored roles and bindings. */
import { randomBytes } from 'node:crypto';
import { ADMIN_USER, ANONYMOUS, type RbacObjects, type RequestAttributes, type UserInfo, authorize, forbiddenMessage, serviceAccountUser } from './rbac.ts';
import type { ObjectStore } from './store.ts';
import { forbidden, unauthorized } from './status-error.ts';
import { BoundTokens } from './tokens.ts';
import { reviewAccess } from './access-review.ts';

export interface RbacOptions {
  /** When false (default), every request is allowed and tokens only label the request log. */
  enforce: boolean;
  /** Extra token → user name (`system:serviceaccount:<ns>:<name>` gets the ServiceAccount groups). */
  tokens?: Record<string, string>;
}

const RBAC = 'rbac.authorization.k8s.io';

function userFromName(name: string): UserInfo {
  const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(name);
  return m ? serviceAccountUser(m[1]!, m[2]!) : { name, groups: ['system:authenticated'] };
}

export class Authenticator {
  readonly adminToken = `admin-${randomBytes(12).toString('hex')}`;
  readonly #tokens = new Map<string, UserInfo>();
  readonly #enforce: boolean;
  readonly #rbacObjects: RbacObjects;
  /** TokenRequest / TokenReview (kube-api/tokens.ts) */
  readonly bound = new BoundTokens();

  constructor(options: RbacOptions, store: ObjectStore) {
    this.#enforce = options.enforce;
    for (const [token, name] of Object.entries(options.tokens ?? {})) this.#tokens.set(token, userFromName(name));
    this.#rbacObjects = {
      clusterRoleBindings: () => store.list(`${RBAC}/clusterrolebindings`),
      roleBindings: (ns) => store.list(`${RBAC}/rolebindings`, ns),
      clusterRole: (name) => store.get(`${RBAC}/clusterroles`, '', name),
      role: (ns, name) => store.get(`${RBAC}/roles`, ns, name),
    };
  }

  get enforcing(): boolean {
    return this.#enforce;
  }

  /** A bearer token that authenticates as the ServiceAccount (stable per identity). */
  tokenFor(namespace: string, serviceAccount: string): string {
    const name = `system:serviceaccount:${namespace}:${serviceAccount}`;
    for (const [t, u] of this.#tokens) if (u.name === name) return t;
    const token = `sa-${namespace}-${serviceAccount}-${randomBytes(8).toString('hex')}`;
    this.#tokens.set(token, serviceAccountUser(namespace, serviceAccount));
    return token;
  }

  /** The request's user; throws 401 for an unknown token when enforcing. */
  authenticate(authorization: string | undefined): UserInfo {
    const m = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    if (!m) return this.#enforce ? ANONYMOUS : ADMIN_USER;
    const token = m[1]!.trim();
    if (token === this.adminToken) return ADMIN_USER;
    const user = this.#tokens.get(token) ?? this.bound.authenticate(token);
    if (user) return user;
    if (this.#enforce) throw unauthorized();
    return ADMIN_USER;
  }

  /** A static token's user (not the admin's default for unknown tokens): TokenReview's view. */
  staticUser(token: string): UserInfo | undefined {
    return token === this.adminToken ? ADMIN_USER : this.#tokens.get(token);
  }

  /** SubjectAccessReview (kube-api/access-review.ts) against the stored roles and bindings. */
  reviewAccess(body: unknown): { code: number; body: unknown } {
    return reviewAccess(body, this.#rbacObjects);
  }

  /** Throws 403 Forbidden like the RBAC authorizer when enforcing and no rule allows the request. */
  check(user: UserInfo, a: RequestAttributes, qualified: string, plural: string): void {
    if (!this.#enforce || authorize(user, a, this.#rbacObjects)) return;
    throw forbidden({ group: a.apiGroup, plural }, a.name || undefined, forbiddenMessage(user, a, qualified));
  }
}
