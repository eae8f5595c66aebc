/**
 * @module claim/observe: what the claim function reads before deciding: the policies, the
 * claim namespace's labels, the candidate hosts (listed with the claim's selector), the host
 * the claim names in its status, and the data Secrets (raw) on both sides.
 */
import type { StoredClaim, StoredPolicy } from '../../../shared/src/api/hostclaim.ts';
import { claimRefOf, namespaceAllowed, toLabelSelector, whyIneligible } from '../../../shared/src/api/claim-rules.ts';
import type { ClaimHandlerDeps } from '../../../shared/src/handler/claim-types.ts';
import type { RawSecretData } from '../../../shared/src/k8s/claim-store.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import { HostNotFoundError } from '../../../shared/src/errors.ts';

export const DATA_KINDS = ['userData', 'networkData', 'metaData'] as const;
export type DataKind = (typeof DATA_KINDS)[number];

/** Name of the copy of a tenant's data Secret in the host's namespace (upstream: `<host>-userdata`, …). */
export const copyNameOf = (hostName: string, kind: DataKind): string => `${hostName}-${kind.toLowerCase()}`;

export interface ClaimObserved {
  policies: StoredPolicy[];
  /** labels of the claim's namespace ({} when unreadable) */
  namespaceLabels: Record<string, string>;
  /** namespaces whose policies admit the claim's namespace */
  admittedNamespaces: string[];
  /** hosts of those namespaces the selector admits (server-side filtered), in a stable order */
  candidates: StoredHost[];
  /** the host status.bareMetalHost names; null when it is gone; undefined when none is named */
  named: StoredHost | null | undefined;
  /** candidate hosts whose consumerRef names a HostClaim that no longer exists (looked up only when no host is free) */
  orphans: StoredHost[];
  /** the claim's own data Secrets: raw data, or null when missing */
  tenantData: Partial<Record<DataKind, RawSecretData | null>>;
  /** the copies in the named host's namespace: raw data, or null when absent */
  copies: Partial<Record<DataKind, RawSecretData | null>>;
}

export async function observeClaim(claim: StoredClaim, { claims }: ClaimHandlerDeps): Promise<ClaimObserved> {
  const namespace = claim.metadata.namespace ?? 'default';
  const ref = claim.status?.bareMetalHost;
  const phase = claim.status?.phase ?? '';
  const [policies, namespaceLabels, named] = await Promise.all([
    claims.listPolicies(),
    claims.namespaceLabels(namespace).then((l) => l ?? {}),
    ref ? claims.hosts.get(ref.namespace, ref.name).catch((e: unknown) => { if (e instanceof HostNotFoundError) return null; throw e; }) : Promise.resolve(undefined),
  ]);
  // hosts are listed only where a policy admits this claim (and the function's Role reaches)
  const admittedNamespaces = [...new Set(policies
    .filter((p) => namespaceAllowed(p.spec?.hostClaimNamespaces, namespace, namespaceLabels))
    .map((p) => p.metadata.namespace ?? 'default'))].sort();
  const inNamespace = claim.spec.hostSelector?.inNamespace;
  const selector = toLabelSelector(claim.spec.hostSelector) || undefined;
  const candidates = (await Promise.all(admittedNamespaces
    .filter((n) => !inNamespace || n === inNamespace)
    .map((n) => claims.listHosts(n, selector)))).flat();
  candidates.sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  const tenantData: ClaimObserved['tenantData'] = {};
  const copies: ClaimObserved['copies'] = {};
  // the data Secrets matter only once a host is bound (copied into its namespace)
  if (phase === 'Bound' && named) {
    await Promise.all(DATA_KINDS.map(async (kind) => {
      const secretName = claim.spec[kind]?.name;
      if (secretName) tenantData[kind] = await claims.readSecretData(namespace, secretName);
      copies[kind] = await claims.readSecretData(named.metadata.namespace ?? 'default', copyNameOf(named.metadata.name, kind));
    }));
  }
  // nothing free: a host may still name a claim that vanished without handing it back
  const orphans: StoredHost[] = [];
  if (phase === 'Pending' && !candidates.some((h) => whyIneligible(h, claim, policies, namespaceLabels) === undefined)) {
    for (const h of candidates) {
      const ref = claimRefOf(h);
      if (!ref || ref.uid === claim.metadata.uid) continue;
      const owner = await claims.getClaim(ref.namespace, ref.name).catch((e: unknown) => { if (e instanceof HostNotFoundError) return null; throw e; });
      if (owner === null || owner.metadata.uid !== ref.uid) orphans.push(h);
    }
  }
  return { policies, namespaceLabels, admittedNamespaces, candidates, named, orphans, tenantData, copies };
}
