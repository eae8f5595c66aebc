/**
 * Schema parity with upstream's BareMetalHost CRD where it is looser or stricter than ours had
 * been: what upstream's apiserver accepts we accept, what it refuses we refuse.
 */
import { describe, expect, it } from '@jest/globals';
import { BareMetalHostSpecSchema, BareMetalHostStatusSchema } from './baremetalhost.ts';
import { buildBareMetalHostCrd } from './crd.ts';

type Node = { properties?: Record<string, Node>; items?: Node; [k: string]: unknown };
const root = buildBareMetalHostCrd().spec.versions[0]!.schema.openAPIV3Schema as Node;
const at = (...path: string[]): Node => path.reduce<Node>((n, p) => (p === '[]' ? n.items! : n.properties![p]!), root);

const status = (extra: Record<string, unknown>) => ({
  operationalStatus: 'OK', errorMessage: '', errorCount: 0, provisioningFailCount: 0, poweredOn: true, provisioning: { state: 'available', ID: '' }, ...extra,
});
const condition = (i: number) => ({ type: `Cond${i}`, status: 'True', reason: 'Because', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' });

describe('BareMetalHost schema parity with upstream', () => {
  it.each([
    ['EUI-48', '00:1a:2b:3c:4d:5e', true],
    ['EUI-64', '00:1a:2b:ff:fe:3c:4d:5e', true],
    ['seven octets', '00:1a:2b:ff:3c:4d:5e', false],
    ['dashes', '00-1a-2b-3c-4d-5e', false],
  ])('bootMACAddress %s (%s) accepted: %s', (_what, mac, ok) => {
    expect(BareMetalHostSpecSchema.safeParse({ online: true, bootMACAddress: mac }).success).toBe(ok);
    expect(new RegExp(at('spec', 'bootMACAddress').pattern as string).test(mac)).toBe(ok);
  });

  it('accepts a VLAN without an id, as upstream', () => {
    const nics = [{ name: 'eno1', vlans: [{ name: 'untagged-only' }] }];
    expect(BareMetalHostStatusSchema.safeParse(status({ hardware: { nics } })).success).toBe(true);
    expect(at('status', 'hardware', 'nics', '[]', 'vlans', '[]').required).toBeUndefined();
  });

  it('has no minimum where upstream has none (errorCount, ramMebibytes, sizeBytes)', () => {
    expect(at('status', 'errorCount').minimum).toBeUndefined();
    expect(at('status', 'hardware', 'ramMebibytes').minimum).toBeUndefined();
    expect(at('status', 'hardware', 'storage', '[]', 'sizeBytes').minimum).toBeUndefined();
  });

  it('accepts any provisioning.state string in the CRD, as upstream', () => {
    expect(at('status', 'provisioning', 'state').enum).toBeUndefined();
  });

  it('has softwareRAIDVolumes[].rootVolume (default false) in spec and in status, as upstream', () => {
    const raid = { softwareRAIDVolumes: [{ level: '1', rootVolume: true }, { level: '0' }] };
    const parsed = BareMetalHostSpecSchema.parse({ online: true, raid });
    expect(parsed.raid?.softwareRAIDVolumes?.map((v) => v.rootVolume)).toEqual([true, false]);
    expect(at('spec', 'raid', 'softwareRAIDVolumes', '[]', 'rootVolume')).toMatchObject({ type: 'boolean', default: false });
    expect(at('status', 'provisioning', 'raid', 'softwareRAIDVolumes', '[]', 'rootVolume')).toMatchObject({ type: 'boolean', default: false });
  });

  it('has no minimum on provisioningFailCount, as upstream', () => {
    expect(at('status', 'provisioningFailCount').minimum).toBeUndefined();
  });

  it.each([
    { case: 'by name', nic: { name: 'eno1np0', hostNetworkAttachment: { name: 'tenant' } }, ok: true },
    { case: 'by MAC, with a switch port', nic: { macAddress: 'aa:bb:cc:dd:ee:01', hostNetworkAttachment: { name: 'tenant' }, switchPort: { switchID: 'aa:bb:cc:dd:ee:ff', portID: 'Eth1/3', switchSystemName: 'tor-1' } }, ok: true },
    { case: 'a name with a space', nic: { name: 'eth 0', hostNetworkAttachment: { name: 'tenant' } }, ok: false },
    { case: 'a MAC with dashes', nic: { macAddress: 'aa-bb-cc-dd-ee-01', hostNetworkAttachment: {} }, ok: false },
    { case: 'no hostNetworkAttachment', nic: { name: 'eno1' }, ok: false },
    { case: 'a switch port without portID', nic: { name: 'eno1', hostNetworkAttachment: {}, switchPort: { switchID: 'aa:bb:cc:dd:ee:ff' } }, ok: false },
    { case: 'a switchID that is not a MAC', nic: { name: 'eno1', hostNetworkAttachment: {}, switchPort: { switchID: 'tor-1', portID: 'Eth1/3' } }, ok: false },
    { case: 'a HostNetworkAttachment name over 253 characters', nic: { name: 'eno1', hostNetworkAttachment: { name: 'a'.repeat(254) } }, ok: false },
  ])('networkInterfaces as upstream checks them: $case → $ok', ({ nic, ok }) => {
    expect(BareMetalHostSpecSchema.safeParse({ online: true, networkInterfaces: [nic] }).success).toBe(ok);
  });

  it('carries upstream\'s networkInterfaces patterns and required fields into the CRD', () => {
    const nic = at('spec', 'networkInterfaces', '[]');
    expect(nic.required).toEqual(['hostNetworkAttachment']);
    expect(at('spec', 'networkInterfaces', '[]', 'name').pattern).toBe('^[a-zA-Z0-9._-]+$');
    expect(at('spec', 'networkInterfaces', '[]', 'macAddress').pattern).toBe('^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$');
    expect(at('spec', 'networkInterfaces', '[]', 'switchPort').required).toEqual(['switchID', 'portID']);
    expect(at('spec', 'networkInterfaces', '[]', 'switchPort', 'switchID').pattern).toBe('^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$');
    expect(at('spec', 'networkInterfaces', '[]', 'hostNetworkAttachment', 'name').maxLength).toBe(253);
    expect(at('spec', 'networkInterfaces', '[]', 'hostNetworkAttachment', 'namespace').maxLength).toBe(63);
  });

  it('refuses more than 32 conditions, as upstream', () => {
    expect(at('status', 'conditions').maxItems).toBe(32);
    expect(BareMetalHostStatusSchema.safeParse(status({ conditions: Array.from({ length: 32 }, (_, i) => condition(i)) })).success).toBe(true);
    expect(BareMetalHostStatusSchema.safeParse(status({ conditions: Array.from({ length: 33 }, (_, i) => condition(i)) })).success).toBe(false);
  });
});
