/**
 * @module api/claim-rules: the pure rules of HostClaim binding: label selectors, what a
 * HostDeployPolicy allows, which hosts may be bound, and what a tenant may see of one.
 */
import type { StoredHost } from '../k8s/host-store.ts';
import type { HardwareSummary, HostAddress, HostClaimNamespaces, HostSelector, StoredClaim, StoredPolicy } from './hostclaim.ts';

/** The claim a host is bound to, as the host's consumerRef names it. */
export const HOST_CLAIM_KIND = 'HostClaim';

/**
 * The host spec changes that hand a host back: no consumer, no image or custom deploy (the deprovision path
 * cleans it back to available), no data references, powered off as an idle host is.
 */
export const RELEASE_CHANGES: Readonly<Record<string, unknown>> = Object.freeze({
  consumerRef: undefined, image: undefined, customDeploy: undefined, userData: undefined, networkData: undefined, metaData: undefined, online: false,
});

/** The HostClaim (namespace, name, uid) a host's consumerRef names; undefined when it names none. */
export function claimRefOf(host: StoredHost): { namespace: string; name: string; uid: string } | undefined {
  const ref = (host.spec as { consumerRef?: { kind?: string; name?: string; namespace?: string; uid?: string } }).consumerRef;
  if (ref?.kind !== HOST_CLAIM_KIND || !ref.name || !ref.uid) return undefined;
  return { namespace: ref.namespace ?? host.metadata.namespace ?? 'default', name: ref.name, uid: ref.uid };
}

/** True when `labels` satisfy every matchLabels entry and every matchExpressions requirement. */
export function matchesSelector(labels: Readonly<Record<string, string>> | undefined, selector: HostSelector | undefined): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector?.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const r of selector?.matchExpressions ?? []) {
    const has = Object.hasOwn(l, r.key);
    const values = r.values ?? [];
    switch (r.operator) {
      case 'In': if (!has || !values.includes(l[r.key]!)) return false; break;
      case 'NotIn': if (has && values.includes(l[r.key]!)) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
    }
  }
  return true;
}

/** The selector as a Kubernetes `labelSelector` query string (the API server filters the list for us). */
export function toLabelSelector(selector: HostSelector | undefined): string {
  const parts = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const r of selector?.matchExpressions ?? []) {
    const values = (r.values ?? []).join(',');
    if (r.operator === 'In') parts.push(`${r.key} in (${values})`);
    else if (r.operator === 'NotIn') parts.push(`${r.key} notin (${values})`);
    else if (r.operator === 'Exists') parts.push(r.key);
    else parts.push(`!${r.key}`);
  }
  return parts.join(',');
}

/**
 * True when `constraints` admit claims of `namespace` (with `labels`): unset admits none, `{}` admits
 * all, and every constraint given must hold (names, a regular expression searched in the name, labels).
 */
export function namespaceAllowed(constraints: HostClaimNamespaces | undefined, namespace: string, labels: Readonly<Record<string, string>>): boolean {
  if (constraints === undefined) return false;
  if (constraints.names && constraints.names.length > 0 && !constraints.names.includes(namespace)) return false;
  if (constraints.nameMatches) {
    let re: RegExp;
    try {
      re = new RegExp(constraints.nameMatches);
    } catch {
      return false; // an invalid expression admits nobody
    }
    if (!re.test(namespace)) return false;
  }
  for (const { name, value } of constraints.hasLabels ?? []) {
    if (!Object.hasOwn(labels, name)) return false;
    if (value !== undefined && value !== '' && labels[name] !== value) return false;
  }
  return true;
}

/** True when some policy of the host's namespace admits the claim's namespace. */
export function policyAllows(policies: readonly StoredPolicy[], hostNamespace: string, claimNamespace: string, claimNamespaceLabels: Readonly<Record<string, string>>): boolean {
  return policies.some((p) => (p.metadata.namespace ?? 'default') === hostNamespace && namespaceAllowed(p.spec?.hostClaimNamespaces, claimNamespace, claimNamespaceLabels));
}

/** True when the host's consumerRef names this claim (by uid: a re-created claim of the same name is another claim). */
export function isBoundTo(host: StoredHost, claim: StoredClaim): boolean {
  const ref = (host.spec as { consumerRef?: { kind?: string; uid?: string } }).consumerRef;
  return ref?.kind === HOST_CLAIM_KIND && ref.uid !== undefined && ref.uid === claim.metadata.uid;
}

export type Ineligible = 'not available' | 'consumed' | 'deleting' | 'has an image' | 'paused' | 'selector' | 'policy';

/** Why a host cannot be bound to the claim now; undefined when it can. */
export function whyIneligible(host: StoredHost, claim: StoredClaim, policies: readonly StoredPolicy[], claimNamespaceLabels: Readonly<Record<string, string>>): Ineligible | undefined {
  if (host.metadata.deletionTimestamp) return 'deleting';
  if ((host.status?.provisioning as { state?: string } | undefined)?.state !== 'available') return 'not available';
  const ref = (host.spec as { consumerRef?: { name?: string } }).consumerRef;
  if (ref && (ref.name ?? '') !== '') return 'consumed';
  if (host.spec.image?.url || host.spec.customDeploy?.method) return 'has an image';
  if (host.metadata.annotations?.['baremetalhost.metal3.io/paused'] !== undefined) return 'paused';
  return whyNotAdmitted(host, claim, policies, claimNamespaceLabels);
}

/** Whether the selector and the policies admit the host for the claim (also checked for a bound host). */
export function whyNotAdmitted(host: StoredHost, claim: StoredClaim, policies: readonly StoredPolicy[], claimNamespaceLabels: Readonly<Record<string, string>>): 'selector' | 'policy' | undefined {
  const selector = claim.spec.hostSelector;
  const hostNamespace = host.metadata.namespace ?? 'default';
  if (selector?.inNamespace && selector.inNamespace !== hostNamespace) return 'selector';
  if (!matchesSelector((host.metadata as { labels?: Record<string, string> }).labels, selector)) return 'selector';
  if (!policyAllows(policies, hostNamespace, claim.metadata.namespace ?? 'default', claimNamespaceLabels)) return 'policy';
  return undefined;
}

/** Where a claim starts looking among `n` candidates: spread by its uid, so racing claims mostly try different hosts. */
export function startIndex(uid: string, n: number): number {
  if (n === 0) return 0;
  let h = 2166136261;
  for (let i = 0; i < uid.length; i++) h = Math.imul(h ^ uid.charCodeAt(i), 16777619) >>> 0;
  return h % n;
}

interface HardwareLike {
  cpu?: { arch?: string; count?: number };
  ramMebibytes?: number;
  storage?: { sizeBytes?: number }[];
  nics?: { ip?: string }[];
  systemVendor?: { manufacturer?: string; productName?: string };
  hostname?: string;
}

/** What a tenant may see of the bound host's inventory (no serial numbers, no MACs). */
export function hardwareSummaryOf(host: StoredHost): HardwareSummary | undefined {
  const hw = host.status?.hardware as HardwareLike | undefined;
  if (!hw) return undefined;
  const bytes = (hw.storage ?? []).reduce((sum, d) => sum + (d.sizeBytes ?? 0), 0);
  const out: HardwareSummary = {
    ...(hw.cpu?.arch ? { cpuArch: hw.cpu.arch } : {}),
    ...(hw.cpu?.count !== undefined ? { cpuCount: hw.cpu.count } : {}),
    ...(hw.ramMebibytes !== undefined ? { ramMebibytes: hw.ramMebibytes } : {}),
    ...(hw.storage ? { storageGigabytes: Math.round(bytes / 1e9) } : {}),
    ...(hw.nics ? { nicCount: hw.nics.length } : {}),
    ...(hw.systemVendor?.manufacturer ? { manufacturer: hw.systemVendor.manufacturer } : {}),
    ...(hw.systemVendor?.productName ? { productName: hw.systemVendor.productName } : {}),
  };
  return out;
}

/**
 * A message of the host's for the tenant: its BMC address (URL, then host name) replaced, since a
 * tenant never learns where the BMC is (Ironic's last_error may name it).
 */
export function forTenant(message: string, host: StoredHost): string {
  const address = host.spec.bmc?.address;
  if (!address) return message;
  let hostname: string | undefined;
  try {
    hostname = new URL(address.includes('://') ? address : `ipmi://${address}`).hostname.replace(/^\[|\]$/g, '');
  } catch {
    hostname = undefined;
  }
  let out = message.split(address).join('[BMC]');
  if (hostname) out = out.split(hostname).join('[BMC]');
  return out;
}

/** The host's addresses from its inventory: NIC IPs (InternalIP) and its hostname. */
export function addressesOf(host: StoredHost): HostAddress[] {
  const hw = host.status?.hardware as HardwareLike | undefined;
  const ips = [...new Set((hw?.nics ?? []).map((n) => n.ip).filter((ip): ip is string => typeof ip === 'string' && ip !== ''))];
  return [
    ...ips.map((address): HostAddress => ({ type: 'InternalIP', address })),
    ...(hw?.hostname ? [{ type: 'Hostname', address: hw.hostname } as HostAddress] : []),
  ];
}
