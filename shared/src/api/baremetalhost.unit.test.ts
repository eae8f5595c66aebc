import { describe, expect, it } from '@jest/globals';
import * as z from 'zod';
import { BareMetalHostSchema, BareMetalHostSpecSchema, BareMetalHostStatusSchema, type BareMetalHostInput } from './baremetalhost.ts';
import { HardwareDataSchema } from './hardwaredata.ts';

const host = (spec: Record<string, unknown> = {}, status?: Record<string, unknown>): BareMetalHostInput =>
  ({
    apiVersion: 'metal3.io/v1alpha1',
    kind: 'BareMetalHost',
    metadata: { name: 'worker-0', namespace: 'metal3' },
    spec: { online: true, ...spec },
    ...(status ? { status } : {}),
  }) as BareMetalHostInput;

/** A full upstream-style status (notes metal3-api §1.5). */
const upstreamStatus = {
  operationalStatus: 'OK',
  errorType: '',
  errorMessage: '',
  errorCount: 0,
  provisioningFailCount: 0,
  poweredOn: true,
  lastUpdated: '2026-08-20T10:00:00Z',
  goodCredentials: { credentials: { name: 'worker-0-bmc', namespace: 'metal3' }, credentialsVersion: '1775' },
  triedCredentials: { credentials: { name: 'worker-0-bmc', namespace: 'metal3' }, credentialsVersion: '1775' },
  lastAttemptedImage: { url: 'http://images/ubuntu.qcow2', checksum: 'http://images/SHA256SUMS', checksumType: 'auto', format: 'qcow2' },
  provisioning: {
    state: 'provisioned',
    ID: 'e09032ea-1b7d-4c50-bfcd-b94ff7e8d431',
    bootMode: 'UEFI',
    image: { url: 'http://images/ubuntu.qcow2', checksum: 'http://images/SHA256SUMS', checksumType: 'auto', format: 'qcow2' },
    rootDeviceHints: { deviceName: '/dev/sda' },
    raid: { hardwareRAIDVolumes: null, softwareRAIDVolumes: null },
  },
  hardware: {
    cpu: { arch: 'x86_64', model: 'Xeon', count: 32, clockMegahertz: 2600.5, flags: ['vmx'] },
    ramMebibytes: 131072,
    nics: [{ name: 'eno1', mac: '52:54:00:AA:bb:01', ip: '192.0.2.7', speedGbps: 25, pxe: true, vlanId: 0, vlans: [{ id: 100, name: 'prov' }], lldp: { switchID: 'aa:bb', portID: 'Eth1/1' } }],
    storage: [{ name: '/dev/disk/by-path/pci-0000:18:00.0-scsi-0:2:0:0', alternateNames: ['/dev/sda'], type: 'SSD', sizeBytes: 480103981056, rotational: false }],
    systemVendor: { manufacturer: 'Dell Inc.', productName: 'PowerEdge R650', serialNumber: 'ABC123' },
    firmware: { bios: { date: '01/01/2026', vendor: 'Dell', version: '1.2.3' } },
    hostname: 'worker-0',
  },
  operationHistory: { register: { start: '2026-08-20T09:00:00Z', end: '2026-08-20T09:01:00Z' }, deprovision: { start: null, end: null } },
  conditions: [{ type: 'Ready', status: 'True', reason: 'Provisioned', message: '', lastTransitionTime: '2026-08-20T10:00:00Z', observedGeneration: 3 }],
};

describe('BareMetalHostSchema', () => {
  it('parses a host with every upstream spec field set', () => {
    // Prepare
    const spec = {
      bmc: { address: 'redfish-virtualmedia://10.0.0.5/redfish/v1/Systems/1', credentialsName: 'c', disableCertificateVerification: true },
      bootMACAddress: 'AA:bb:cc:DD:ee:FF',
      bootMode: 'UEFISecureBoot',
      image: { url: 'oci://registry/repo:tag', format: 'raw', checksumType: 'auto', ociAuthSecretName: 'pull' },
      customDeploy: { method: 'install_coreos' },
      userData: { name: 'ud' },
      networkData: { name: 'nd', namespace: 'metal3' },
      metaData: { name: 'md' },
      preprovisioningNetworkDataName: 'ppnd',
      rootDeviceHints: { deviceName: '/dev/sda', hctl: '0:0:0:0', model: 'm', vendor: 'v', serialNumber: 's', minSizeGigabytes: 10, wwn: 'w', wwnWithExtension: 'we', wwnVendorExtension: 'wv', rotational: false },
      raid: { hardwareRAIDVolumes: [{ level: '1+0', sizeGibibytes: 200, name: 'os', numberOfPhysicalDisks: 4, controller: 'RAID.1', physicalDisks: ['a', 'b', 'c', 'd'], rotational: true }] },
      firmware: { virtualizationEnabled: true, simultaneousMultithreadingEnabled: false, sriovEnabled: true },
      externallyProvisioned: false,
      automatedCleaningMode: 'disabled',
      consumerRef: { apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2', kind: 'Metal3Machine', name: 'm0', namespace: 'metal3' },
      hardwareProfile: 'unknown',
      description: 'rack 3',
      taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }],
      architecture: 'aarch64',
      disablePowerOff: true,
      inspectionMode: 'fast',
      networkInterfaces: [{ macAddress: 'aa:bb:cc:dd:ee:01', switchPort: { switchID: 'aa:bb:cc:dd:ee:ff', portID: 'Eth1/3' }, hostNetworkAttachment: { name: 'hna' } }],
    };
    // Act
    const parsed = BareMetalHostSchema.parse(host(spec));
    // Assess
    expect(parsed.spec).toEqual({ online: true, ...spec });
  });

  it('parses an upstream-style status', () => {
    // Act
    const parsed = BareMetalHostSchema.parse(host({}, upstreamStatus));
    // Assess
    expect(parsed.status).toEqual(upstreamStatus);
  });

  it('fills upstream defaults: automatedCleaningMode metadata, errorCount and provisioningFailCount 0', () => {
    // Act
    const spec = BareMetalHostSpecSchema.parse({ online: false });
    const status = BareMetalHostStatusSchema.parse({ operationalStatus: '', errorMessage: '', poweredOn: false, provisioning: { state: '', ID: '' } });
    // Assess
    expect(spec.automatedCleaningMode).toBe('metadata');
    expect(status).toMatchObject({ errorCount: 0, provisioningFailCount: 0 });
  });

  it.each([
    { case: 'online missing', spec: { online: undefined }, path: 'spec.online' },
    { case: 'bmc without credentialsName', spec: { bmc: { address: 'ipmi://h' } }, path: 'spec.bmc.credentialsName' },
    { case: 'MAC with dashes', spec: { bootMACAddress: 'aa-bb-cc-dd-ee-ff' }, path: 'spec.bootMACAddress' },
    { case: 'MAC too long', spec: { bootMACAddress: 'aa:bb:cc:dd:ee:ff:00' }, path: 'spec.bootMACAddress' },
    { case: 'unknown bootMode', spec: { bootMode: 'bios' }, path: 'spec.bootMode' },
    { case: 'unknown image format', spec: { image: { url: 'http://x', format: 'iso' } }, path: 'spec.image.format' },
    { case: 'image without url', spec: { image: { checksum: 'abc' } }, path: 'spec.image.url' },
    { case: 'unknown inspectionMode', spec: { inspectionMode: 'slow' }, path: 'spec.inspectionMode' },
    { case: 'RAID level 3', spec: { raid: { hardwareRAIDVolumes: [{ level: '3' }] } }, path: 'spec.raid.hardwareRAIDVolumes.0.level' },
    { case: 'three software RAID volumes', spec: { raid: { softwareRAIDVolumes: [{ level: '1' }, { level: '1' }, { level: '0' }] } }, path: 'spec.raid.softwareRAIDVolumes' },
    { case: 'negative minSizeGigabytes', spec: { rootDeviceHints: { minSizeGigabytes: -1 } }, path: 'spec.rootDeviceHints.minSizeGigabytes' },
    { case: 'RAID name over 64 characters', spec: { raid: { hardwareRAIDVolumes: [{ level: '1', name: 'x'.repeat(65) }] } }, path: 'spec.raid.hardwareRAIDVolumes.0.name' },
  ])('rejects $case at $path', ({ spec, path }) => {
    // Act
    const result = BareMetalHostSchema.safeParse(host(spec));
    // Assess
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it.each([
    { case: 'unknown operationalStatus', status: { ...upstreamStatus, operationalStatus: 'broken' } },
    { case: 'unknown errorType', status: { ...upstreamStatus, errorType: 'oops error' } },
    { case: 'unknown provisioning state', status: { ...upstreamStatus, provisioning: { state: 'flying', ID: '' } } },
    { case: 'missing poweredOn', status: { ...upstreamStatus, poweredOn: undefined } },
    { case: 'bad timestamp', status: { ...upstreamStatus, lastUpdated: 'yesterday' } },
    { case: 'condition without reason', status: { ...upstreamStatus, conditions: [{ type: 'Ready', status: 'True', message: '', lastTransitionTime: '2026-08-20T10:00:00Z' }] } },
  ])('rejects a status with $case', ({ status }) => {
    // Act + Assess
    expect(BareMetalHostStatusSchema.safeParse(status).success).toBe(false);
  });

  it('renders readable issues for users', () => {
    // Act
    const result = BareMetalHostSchema.safeParse(host({ bootMACAddress: 'nope' }));
    // Assess
    expect(z.prettifyError(result.error!)).toMatch(/must be a MAC address[\s\S]*spec\.bootMACAddress/);
  });
});

describe('HardwareDataSchema', () => {
  it('parses spec.hardware as HardwareDetails', () => {
    // Prepare
    const hd = { apiVersion: 'metal3.io/v1alpha1', kind: 'HardwareData', metadata: { name: 'worker-0' }, spec: { hardware: upstreamStatus.hardware } };
    // Act + Assess
    expect(HardwareDataSchema.parse(hd)).toEqual(hd);
    expect(HardwareDataSchema.safeParse({ ...hd, spec: { hardware: { storage: [{ type: 'TAPE' }] } } }).success).toBe(false);
  });
});
