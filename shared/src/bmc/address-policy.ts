/**
 * @module bmc/address-policy: which hosts a BMC address or an image URL may name.
 *
 * A host spec is written by anyone allowed to create BareMetalHosts, and the functions
 * (and Ironic) then connect to what it names: without a policy a spec could aim them at
 * the cloud metadata service or the Kubernetes API. Denied by default: link-local
 * addresses (169.254.0.0/16, fe80::/10, also as IPv4-mapped IPv6) and the API server's
 * service name in every form. ADDRESS_DENY_LIST adds CIDRs and host names
 * (comma-separated; a name starting with "." denies every name under it).
 * Loopback and private ranges stay allowed: labs and test beds run BMCs there.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

export interface AddressPolicy {
  /** CIDRs (v4 or v6) no address may fall in. */
  denyCidrs: readonly string[];
  /** Host names denied exactly (lower-case, no trailing dot); ".suffix" denies every name under it. */
  denyHosts: readonly string[];
}

export const DEFAULT_DENY_CIDRS: readonly string[] = ['169.254.0.0/16', 'fe80::/10'];
/** The API server's service name as a pod can resolve it (search domains make the short forms work). */
export const DEFAULT_DENY_HOSTS: readonly string[] = [
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
  '.kubernetes.default.svc',
];

export const DEFAULT_ADDRESS_POLICY: AddressPolicy = { denyCidrs: DEFAULT_DENY_CIDRS, denyHosts: DEFAULT_DENY_HOSTS };

export class AddressPolicyError extends Error {
  override readonly name = 'AddressPolicyError';
}

/** The defaults plus a comma-separated list of CIDRs and host names (ADDRESS_DENY_LIST). */
export function addressPolicyFrom(denyList: string | undefined): AddressPolicy {
  const denyCidrs = [...DEFAULT_DENY_CIDRS];
  const denyHosts = [...DEFAULT_DENY_HOSTS];
  for (const raw of (denyList ?? '').split(',')) {
    const entry = raw.trim().toLowerCase().replace(/\.$/, '');
    if (entry === '') continue;
    const slash = entry.indexOf('/');
    const ip = slash < 0 ? entry : entry.slice(0, slash);
    if (isIPv4(ip) || isIPv6(ip)) {
      const bits = slash < 0 ? (isIPv4(ip) ? 32 : 128) : Number(entry.slice(slash + 1));
      if (!Number.isInteger(bits) || bits < 0 || bits > (isIPv4(ip) ? 32 : 128)) throw new AddressPolicyError(`address deny list: "${raw.trim()}" is not a CIDR`);
      denyCidrs.push(`${ip}/${bits}`);
    } else if (/^\.?[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(entry)) {
      denyHosts.push(entry);
    } else {
      throw new AddressPolicyError(`address deny list: "${raw.trim()}" is neither a CIDR nor a host name`);
    }
  }
  return { denyCidrs, denyHosts };
}

let fromEnvironment: AddressPolicy | undefined;
/** The policy configured for this process (read once). */
export function processAddressPolicy(): AddressPolicy {
  fromEnvironment ??= addressPolicyFrom(process.env.ADDRESS_DENY_LIST);
  return fromEnvironment;
}

const blockLists = new WeakMap<AddressPolicy, BlockList>();
function blockListOf(policy: AddressPolicy): BlockList {
  let list = blockLists.get(policy);
  if (list === undefined) {
    list = new BlockList();
    for (const cidr of policy.denyCidrs) {
      const [ip, bits] = cidr.split('/') as [string, string];
      list.addSubnet(ip, Number(bits), isIPv4(ip) ? 'ipv4' : 'ipv6');
    }
    blockLists.set(policy, list);
  }
  return list;
}

/** ::ffff:a.b.c.d (and its hex form) is the IPv4 address a.b.c.d on the wire. */
function mappedIPv4(host: string): string | undefined {
  const m = /^::ffff:(?:0:)?(.+)$/i.exec(host);
  if (m === null) return undefined;
  if (isIPv4(m[1]!)) return m[1];
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(m[1]!);
  if (hex === null) return undefined;
  const hi = parseInt(hex[1]!, 16);
  const lo = parseInt(hex[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** Why `host` (a name or an IP, IPv6 without brackets) is denied, or undefined when it is allowed. */
export function deniedReason(host: string, policy: AddressPolicy = processAddressPolicy()): string | undefined {
  const name = host.toLowerCase().replace(/\.$/, '');
  const list = blockListOf(policy);
  if (isIPv4(name)) return list.check(name, 'ipv4') ? 'it is in a denied address range' : undefined;
  if (isIPv6(name)) {
    const v4 = mappedIPv4(name);
    if (v4 !== undefined && list.check(v4, 'ipv4')) return 'it is in a denied address range';
    return list.check(name, 'ipv6') ? 'it is in a denied address range' : undefined;
  }
  for (const denied of policy.denyHosts) {
    if (denied.startsWith('.') ? name.endsWith(denied) || name === denied.slice(1) : name === denied) return 'its host name is denied';
  }
  return undefined;
}

/** Schemes an image URL may use: what Ironic and the BMC fetch from the network (oci:// for registries). */
const IMAGE_SCHEMES = new Set(['http:', 'https:', 'oci:']);

/** Why an image URL may not be used, or undefined. Never repeats the URL (it may carry credentials). */
export function imageUrlProblem(url: string, policy: AddressPolicy = processAddressPolicy()): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined; // malformed URLs are reported by the URL check
  }
  if (!IMAGE_SCHEMES.has(parsed.protocol)) return `scheme "${parsed.protocol.slice(0, 20)}//" is not allowed; use http, https or oci`;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const why = host === '' ? 'it has no host' : deniedReason(host, policy);
  return why === undefined ? undefined : `image host is not allowed: ${why}`;
}
