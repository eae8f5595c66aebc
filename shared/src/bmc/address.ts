/**
 * @module bmc/address: parses a BareMetalHost `spec.bmc.address` the way
 * upstream's baremetal-operator does (`pkg/hardwareutils/bmc`), into what the
 * Ironic driver mapping and our own BMC clients need.
 *
 * Never throws anything but BmcAddressError (malformed) or BmcUnsupportedError
 * (unknown, removed or disabled scheme). Messages never repeat URL user info.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { BmcAddressError, BmcUnsupportedError } from '../errors.ts';
import { deniedReason, processAddressPolicy, type AddressPolicy } from './address-policy.ts';

/** Canonical BMC types: one per upstream access-details family (aliases folded in). */
export type BmcType =
  | 'ipmi'
  | 'libvirt'
  | 'redfish'
  | 'redfish-virtualmedia'
  | 'redfish-uefihttp'
  | 'idrac-redfish'
  | 'idrac-virtualmedia'
  | 'fake';

export type BmcProtocol = 'ipmi' | 'redfish' | 'fake';

/** Ironic's IPMI privilege levels (`ipmi_priv_level`). */
export const IPMI_PRIVILEGE_LEVELS = ['ADMINISTRATOR', 'OPERATOR', 'USER', 'CALLBACK'] as const;
export type IpmiPrivilegeLevel = (typeof IPMI_PRIVILEGE_LEVELS)[number];

export interface BmcAddress {
  /** Scheme as written, lower-cased; `ipmi` for a bare host[:port]. */
  scheme: string;
  /** Canonical type: `ilo5-redfish` → `redfish`, `redfish+http` → `redfish`. */
  type: BmcType;
  protocol: BmcProtocol;
  /** Host name or IP; IPv6 without brackets. */
  host: string;
  /** Port as written; undefined = the protocol's default (623 for IPMI, 443/80 for Redfish). */
  port: number | undefined;
  /** host[:port] as in a URL (IPv6 in brackets). */
  hostPort: string;
  /** Redfish only: transport from the `+http`/`+https` suffix (default https). */
  transport: 'http' | 'https' | undefined;
  /** Redfish only: `https://host[:port]` (Ironic `redfish_address`). */
  baseUrl: string | undefined;
  /** Redfish only: the System resource path when the address names one (Ironic `redfish_system_id`). */
  systemPath: string | undefined;
  /** IPMI only: `?privilegelevel=`, default ADMINISTRATOR. */
  privilegeLevel: IpmiPrivilegeLevel | undefined;
  /** The driver cannot discover the boot NIC: bootMACAddress is required (libvirt only). */
  needsMAC: boolean;
  /** Boots the deploy image by virtual media (no provisioning network needed). */
  supportsVirtualMedia: boolean;
  /** Can turn UEFI secure boot on (bootMode UEFISecureBoot). */
  supportsSecureBoot: boolean;
  /** Can boot an ISO preprovisioning image. */
  supportsIsoPreprovisioningImage: boolean;
  /** Needs a provisioning network (PXE/iPXE). */
  requiresProvisioningNetwork: boolean;
  /** Can configure hardware RAID (false = Ironic `no-raid`). */
  supportsRaid: boolean;
}

export interface ParseBmcAddressOptions {
  /** Accept the test-only `fake://` scheme (Ironic `fake-hardware`). */
  allowFake?: boolean;
  /** Hosts a BMC address may not name; default: the process's policy (link-local, the API server, ADDRESS_DENY_LIST). */
  policy?: AddressPolicy;
}

interface SchemeInfo {
  type: BmcType;
  protocol: BmcProtocol;
  /** accepts `+http` / `+https` */
  transports: boolean;
}

const REDFISH: Omit<SchemeInfo, 'type'> = { protocol: 'redfish', transports: true };

/** Every scheme upstream registers, plus our test-only `fake`. */
const SCHEMES: Readonly<Record<string, SchemeInfo>> = {
  ipmi: { type: 'ipmi', protocol: 'ipmi', transports: false },
  libvirt: { type: 'libvirt', protocol: 'ipmi', transports: false },
  redfish: { type: 'redfish', ...REDFISH },
  'ilo5-redfish': { type: 'redfish', ...REDFISH },
  'redfish-virtualmedia': { type: 'redfish-virtualmedia', ...REDFISH },
  'ilo5-virtualmedia': { type: 'redfish-virtualmedia', ...REDFISH },
  'redfish-uefihttp': { type: 'redfish-uefihttp', ...REDFISH },
  'idrac-redfish': { type: 'idrac-redfish', ...REDFISH },
  'idrac-virtualmedia': { type: 'idrac-virtualmedia', ...REDFISH },
  fake: { type: 'fake', protocol: 'fake', transports: false },
};

/** Schemes upstream once had and removed; a host using them cannot register. */
const REMOVED_SCHEMES: Readonly<Record<string, string>> = {
  idrac: 'removed upstream in v0.6.0 (WS-Man); use idrac-redfish:// or idrac-virtualmedia://',
  ibmc: 'removed upstream in v0.6.0; use redfish:// or redfish-virtualmedia://',
  ilo4: 'removed upstream in v0.12.0; use redfish:// or redfish-virtualmedia://',
  'ilo4-virtualmedia': 'removed upstream in v0.12.0; use redfish-virtualmedia://',
  ilo5: 'removed upstream in v0.12.0; use ilo5-redfish:// or ilo5-virtualmedia://',
  irmc: 'removed upstream in v0.13.0; use redfish:// or redfish-virtualmedia://',
};

const CAPABILITIES: Readonly<
  Record<BmcType, Pick<BmcAddress, 'needsMAC' | 'supportsVirtualMedia' | 'supportsSecureBoot' | 'supportsIsoPreprovisioningImage' | 'requiresProvisioningNetwork' | 'supportsRaid'>>
> = {
  ipmi: { needsMAC: false, supportsVirtualMedia: false, supportsSecureBoot: false, supportsIsoPreprovisioningImage: false, requiresProvisioningNetwork: true, supportsRaid: false },
  libvirt: { needsMAC: true, supportsVirtualMedia: false, supportsSecureBoot: false, supportsIsoPreprovisioningImage: false, requiresProvisioningNetwork: true, supportsRaid: false },
  redfish: { needsMAC: false, supportsVirtualMedia: false, supportsSecureBoot: true, supportsIsoPreprovisioningImage: false, requiresProvisioningNetwork: true, supportsRaid: true },
  'redfish-virtualmedia': { needsMAC: false, supportsVirtualMedia: true, supportsSecureBoot: true, supportsIsoPreprovisioningImage: true, requiresProvisioningNetwork: false, supportsRaid: true },
  'redfish-uefihttp': { needsMAC: false, supportsVirtualMedia: false, supportsSecureBoot: true, supportsIsoPreprovisioningImage: true, requiresProvisioningNetwork: false, supportsRaid: true },
  'idrac-redfish': { needsMAC: false, supportsVirtualMedia: false, supportsSecureBoot: true, supportsIsoPreprovisioningImage: false, requiresProvisioningNetwork: true, supportsRaid: true },
  'idrac-virtualmedia': { needsMAC: false, supportsVirtualMedia: true, supportsSecureBoot: true, supportsIsoPreprovisioningImage: true, requiresProvisioningNetwork: false, supportsRaid: true },
  fake: { needsMAC: false, supportsVirtualMedia: true, supportsSecureBoot: true, supportsIsoPreprovisioningImage: true, requiresProvisioningNetwork: false, supportsRaid: true },
};

// upstream's checkDNSValid: dot-separated labels of letters, digits and inner hyphens
const DNS_NAME = /^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9])\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]{0,61}[A-Za-z0-9])$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;
const MAX_ADDRESS_LENGTH = 2048;

/** The part of an address between `scheme://` (if any) and the first `/`, `?` or `#`. */
function authorityBounds(address: string): { start: number; end: number } {
  const sep = address.indexOf('://');
  const start = sep < 0 ? 0 : sep + 3;
  const rel = address.slice(start).search(/[/?#]/);
  return { start, end: rel < 0 ? address.length : start + rel };
}

/** The address with any user info masked, shortened: safe to put in a message. */
function safeForMessage(address: string): string {
  const { start, end } = authorityBounds(address);
  const at = address.lastIndexOf('@', end - 1);
  const shown = at >= start ? `${address.slice(0, start)}***${address.slice(at)}` : address;
  return shown.length > 200 ? `${shown.slice(0, 200)}…` : shown;
}

export function parseBmcAddress(address: string, options: ParseBmcAddressOptions = {}): BmcAddress {
  const fail: (why: string, scheme?: string) => never = (why, scheme) => {
    throw new BmcAddressError(`BMC address "${safeForMessage(address)}" is invalid: ${why}`, { context: { scheme } });
  };
  if (typeof address !== 'string' || address === '') fail('it is empty');
  if (address.length > MAX_ADDRESS_LENGTH) fail(`it is longer than ${MAX_ADDRESS_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(address)) fail('it contains whitespace or control characters');

  const bounds = authorityBounds(address);
  // checked before anything else names a part of the address: a password may sit there
  if (address.slice(bounds.start, bounds.end).includes('@')) {
    fail('user info (user:password@) is not allowed; credentials belong in the credentials Secret');
  }

  const { scheme, rest } = splitScheme(address, fail);
  const info = resolveScheme(scheme, address, options);
  const { authority, path, query } = splitRest(rest);
  const { host, port, hostPort } = parseAuthority(authority, (why) => fail(why, scheme));
  const denied = deniedReason(host, options.policy ?? processAddressPolicy());
  if (denied !== undefined) fail(`the address policy denies it: ${denied}`, scheme);

  const transport = info.transports ? (scheme.endsWith('+http') ? 'http' : 'https') : undefined;
  const decodedPath = decodePath(path, (why) => fail(why, scheme));
  const trimmedPath = decodedPath.replace(/^\/+|\/+$/g, '');
  const isRedfish = info.protocol === 'redfish';
  return {
    scheme,
    type: info.type,
    protocol: info.protocol,
    host,
    port,
    hostPort,
    transport,
    baseUrl: isRedfish ? `${transport}://${hostPort}` : undefined,
    // as upstream: the path names the System unless it is empty or the service root
    systemPath: isRedfish && trimmedPath !== '' && trimmedPath !== 'redfish/v1' ? decodedPath : undefined,
    privilegeLevel: info.protocol === 'ipmi' ? privilegeLevelOf(query, (why) => fail(why, scheme)) : undefined,
    ...CAPABILITIES[info.type],
  };
}

/** Splits off the scheme; a bare host, host:port or [v6]:port means ipmi (as upstream). */
function splitScheme(address: string, fail: (why: string, scheme?: string) => never): { scheme: string; rest: string } {
  const sep = address.indexOf('://');
  if (sep >= 0) {
    const scheme = address.slice(0, sep);
    if (!SCHEME.test(scheme)) fail(`"${scheme.slice(0, 40)}" is not a URL scheme`);
    return { scheme: scheme.toLowerCase(), rest: address.slice(sep + 3) };
  }
  // a bare IPv6 literal is unambiguous without brackets
  if (isIPv6(address)) return { scheme: 'ipmi', rest: `[${address}]` };
  if (isIPv4(address) || address.startsWith('[')) return { scheme: 'ipmi', rest: address };
  const colon = address.indexOf(':');
  if (colon < 0) return { scheme: 'ipmi', rest: address };
  const before = address.slice(0, colon);
  const after = address.slice(colon + 1);
  // host:623 is a host and port; ipmi:10.0.0.1 is upstream's opaque-URL form of ipmi://10.0.0.1
  if (/^[0-9]*$/.test(after)) return { scheme: 'ipmi', rest: address };
  if (!SCHEME.test(before)) fail(`"${before.slice(0, 40)}" is neither a host nor a URL scheme`);
  return { scheme: before.toLowerCase(), rest: after };
}

function resolveScheme(scheme: string, address: string, options: ParseBmcAddressOptions): SchemeInfo {
  const plus = scheme.indexOf('+');
  const base = plus < 0 ? scheme : scheme.slice(0, plus);
  const suffix = plus < 0 ? undefined : scheme.slice(plus + 1);
  const unsupported: (why: string) => never = (why) => {
    throw new BmcUnsupportedError(`BMC address "${safeForMessage(address)}": scheme "${scheme}" ${why}`, { context: { scheme } });
  };
  const removed = REMOVED_SCHEMES[base];
  if (removed !== undefined) unsupported(`is not supported: ${removed}`);
  const info = SCHEMES[base];
  if (info === undefined) unsupported(`is unknown; supported: ${supportedSchemes().join(', ')}`);
  if (suffix !== undefined && !(info.transports && (suffix === 'http' || suffix === 'https'))) {
    unsupported(info.transports ? 'has an unknown suffix; use +http or +https' : `takes no +${suffix} suffix`);
  }
  if (info.type === 'fake' && options.allowFake !== true) unsupported('is for tests only and is not enabled');
  return info;
}

/** Schemes a user may write (the fake one excluded). */
export function supportedSchemes(): string[] {
  return Object.keys(SCHEMES).filter((s) => s !== 'fake');
}

function splitRest(rest: string): { authority: string; path: string; query: string } {
  const end = rest.search(/[/?#]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const tail = end < 0 ? '' : rest.slice(end);
  const hash = tail.indexOf('#');
  const noFragment = hash < 0 ? tail : tail.slice(0, hash);
  const q = noFragment.indexOf('?');
  return {
    authority,
    path: q < 0 ? noFragment : noFragment.slice(0, q),
    query: q < 0 ? '' : noFragment.slice(q + 1),
  };
}

function parseAuthority(authority: string, fail: (why: string) => never): { host: string; port: number | undefined; hostPort: string } {
  let host: string;
  let portText: string | undefined;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) fail('an IPv6 address must be closed with "]"');
    host = authority.slice(1, close);
    const after = authority.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) fail('only ":port" may follow an IPv6 address in brackets');
    portText = after === '' ? undefined : after.slice(1);
    // node accepts zone ids (fe80::1%eth0); upstream's check does not, and Ironic cannot use them
    if (host.includes('%') || !isIPv6(host)) fail(`"${host.slice(0, 60)}" is not an IPv6 address`);
  } else {
    if (isIPv6(authority)) fail('an IPv6 address must be written in brackets, e.g. [2001:db8::1]:623');
    const colon = authority.lastIndexOf(':');
    host = colon < 0 ? authority : authority.slice(0, colon);
    portText = colon < 0 ? undefined : authority.slice(colon + 1);
    if (host === '') fail('it has no host');
    if (!isIPv4(host) && !DNS_NAME.test(host)) fail(`host "${host.slice(0, 60)}" is neither an IP address nor a DNS name`);
  }
  let port: number | undefined;
  if (portText !== undefined && portText !== '') {
    if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      fail(`port "${portText.slice(0, 20)}" is not a number from 1 to 65535`);
    }
    port = Number(portText);
  }
  const bracketed = host.includes(':') ? `[${host}]` : host;
  return { host, port, hostPort: port === undefined ? bracketed : `${bracketed}:${port}` };
}

function decodePath(path: string, fail: (why: string) => never): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return fail('its path has a malformed %-escape');
  }
}

function privilegeLevelOf(query: string, fail: (why: string) => never): IpmiPrivilegeLevel {
  const value = new URLSearchParams(query).get('privilegelevel');
  if (value === null || value === '') return 'ADMINISTRATOR';
  const level = value.toUpperCase();
  if (!(IPMI_PRIVILEGE_LEVELS as readonly string[]).includes(level)) {
    fail(`privilegelevel "${value.slice(0, 20)}" is not one of ${IPMI_PRIVILEGE_LEVELS.join(', ')}`);
  }
  return level as IpmiPrivilegeLevel;
}
