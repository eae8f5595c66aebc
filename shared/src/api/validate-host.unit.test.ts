import { describe, expect, it } from '@jest/globals';
import type { BareMetalHostSpecInput } from './baremetalhost.ts';
import { validateHostSpec, type ValidateHostOptions } from './validate-host.ts';

const bmc = (address: string) => ({ address, credentialsName: 'bmc-secret' });
const spec = (fields: Partial<BareMetalHostSpecInput> = {}): BareMetalHostSpecInput => ({ online: true, ...fields });
const image = { url: 'http://images.example.com/os.qcow2', checksum: 'abc123', format: 'qcow2' as const };

describe('validateHostSpec', () => {
  it.each<{ case: string; spec: BareMetalHostSpecInput; options?: ValidateHostOptions }>([
    { case: 'a host without BMC', spec: spec({ online: false }) },
    { case: 'spec.firmware (mapped onto the BIOS registry while preparing)', spec: spec({ bmc: bmc('redfish://h/redfish/v1/Systems/1'), firmware: { sriovEnabled: true } }) },
    { case: 'an ipmi host with an image and checksum', spec: spec({ bmc: bmc('ipmi://10.0.0.1'), image }) },
    { case: 'a live-iso image without checksum', spec: spec({ bmc: bmc('redfish-virtualmedia://h/redfish/v1/Systems/1'), image: { url: 'http://x/live.iso', format: 'live-iso' } }) },
    { case: 'a live-iso image with a checksum (upstream ignores it)', spec: spec({ image: { url: 'http://x/live.iso', format: 'live-iso', checksum: 'abc' } }) },
    { case: 'an oci:// image without checksum, with pull secret', spec: spec({ image: { url: 'oci://registry.example.com/os:1', ociAuthSecretName: 'pull' } }) },
    { case: 'externally provisioned with an image', spec: spec({ externallyProvisioned: true, image }) },
    { case: 'a by-path root device hint', spec: spec({ rootDeviceHints: { deviceName: '/dev/disk/by-path/pci-0000:00:1f.2-ata-1' } }) },
    { case: 'libvirt with a MAC', spec: spec({ bmc: bmc('libvirt://192.168.122.1:6233'), bootMACAddress: '52:54:00:00:00:01' }) },
    { case: 'secure boot on redfish', spec: spec({ bmc: bmc('redfish://h/redfish/v1/Systems/1'), bootMode: 'UEFISecureBoot' }) },
    { case: 'fast inspection on idrac-virtualmedia', spec: spec({ bmc: bmc('idrac-virtualmedia://h/redfish/v1/Systems/1'), inspectionMode: 'fast' }) },
    { case: 'same-namespace Secret references', spec: spec({ userData: { name: 'u', namespace: 'metal3' } }), options: { namespace: 'metal3', name: 'worker-0' } },
    { case: 'disablePowerOff with online true', spec: spec({ disablePowerOff: true }) },
    { case: 'fake:// when allowed', spec: spec({ bmc: bmc('fake://h') }), options: { allowFakeBmc: true } },
    { case: 'two software RAID volumes, first RAID-1', spec: spec({ raid: { softwareRAIDVolumes: [{ level: '1' }, { level: '0' }] } }) },
  ])('accepts $case', ({ spec: s, options }) => {
    // Act + Assess
    expect(validateHostSpec(s, options)).toEqual({ ok: true });
  });

  it.each<{ case: string; spec: BareMetalHostSpecInput; options?: ValidateHostOptions; path: string; message: RegExp }>([
    { case: 'a removed BMC scheme', spec: spec({ bmc: bmc('ilo4://h') }), path: 'spec.bmc.address', message: /"ilo4".*removed upstream/ },
    { case: 'an unknown BMC scheme', spec: spec({ bmc: bmc('vnc://h') }), path: 'spec.bmc.address', message: /"vnc" is unknown/ },
    { case: 'a malformed BMC address', spec: spec({ bmc: bmc('ipmi://bad_host') }), path: 'spec.bmc.address', message: /neither an IP address nor a DNS name/ },
    { case: 'fake:// when not allowed', spec: spec({ bmc: bmc('fake://h') }), path: 'spec.bmc.address', message: /tests only/ },
    { case: 'libvirt without a MAC', spec: spec({ bmc: bmc('libvirt://h') }), path: 'spec.bootMACAddress', message: /required for BMC type "libvirt"/ },
    { case: 'inspection disabled without a MAC', spec: spec({ bmc: bmc('redfish://h'), inspectionMode: 'disabled' }), path: 'spec.bootMACAddress', message: /required when inspection is disabled/ },
    { case: 'inspect annotation disabled without a MAC', spec: spec({ bmc: bmc('redfish://h') }), options: { inspectAnnotation: 'disabled' }, path: 'spec.bootMACAddress', message: /inspection is disabled/ },
    { case: 'secure boot on ipmi', spec: spec({ bmc: bmc('ipmi://h'), bootMode: 'UEFISecureBoot' }), path: 'spec.bootMode', message: /UEFISecureBoot is not supported by BMC type "ipmi"/ },
    { case: 'hardware RAID on ipmi', spec: spec({ bmc: bmc('ipmi://h'), raid: { hardwareRAIDVolumes: [{ level: '1' }] } }), path: 'spec.raid.hardwareRAIDVolumes', message: /"ipmi" does not support configuring hardware RAID/ },
    { case: 'fast inspection on ipmi', spec: spec({ bmc: bmc('ipmi://h'), inspectionMode: 'fast' }), path: 'spec.inspectionMode', message: /needs a Redfish-based BMC; "ipmi"/ },
    { case: 'fast inspection without a BMC', spec: spec({ inspectionMode: 'fast' }), path: 'spec.inspectionMode', message: /needs spec.bmc/ },
    { case: 'a qcow2 image without checksum', spec: spec({ image: { url: 'http://x/os.qcow2', format: 'qcow2' } }), path: 'spec.image.checksum', message: /required for format "qcow2"/ },
    { case: 'an image without format or checksum', spec: spec({ image: { url: 'http://x/os.img' } }), path: 'spec.image.checksum', message: /required for format "unset"/ },
    { case: 'an oci:// image with a checksum', spec: spec({ image: { url: 'oci://r/os:1', checksum: 'abc' } }), path: 'spec.image.checksum', message: /must be empty for oci/ },
    { case: 'a pull secret for an http image', spec: spec({ image: { ...image, ociAuthSecretName: 'pull' } }), path: 'spec.image.ociAuthSecretName', message: /only to oci/ },
    { case: 'an empty image URL', spec: spec({ image: { url: '' } }), path: 'spec.image.url', message: /must not be empty/ },
    { case: 'an image URL that is no URL', spec: spec({ image: { url: 'not a url', checksum: 'x' } }), path: 'spec.image.url', message: /"not a url" is not a valid URL/ },
    { case: 'a device name outside /dev', spec: spec({ rootDeviceHints: { deviceName: 'sda' } }), path: 'spec.rootDeviceHints.deviceName', message: /"sda" must be a \/dev\/ path/ },
    { case: 'a device name in a /dev subdirectory', spec: spec({ rootDeviceHints: { deviceName: '/dev/disk/by-id/wwn-0x5' } }), path: 'spec.rootDeviceHints.deviceName', message: /\/dev\/ or \/dev\/disk\/by-path\// },
    { case: 'hardware and software RAID together', spec: spec({ raid: { hardwareRAIDVolumes: [{ level: '1' }], softwareRAIDVolumes: [{ level: '1' }] } }), path: 'spec.raid', message: /cannot both be set/ },
    { case: 'physicalDisks without controller', spec: spec({ raid: { hardwareRAIDVolumes: [{ level: '1', physicalDisks: ['a', 'b'] }] } }), path: 'spec.raid.hardwareRAIDVolumes[0].controller', message: /names physicalDisks but no controller/ },
    { case: 'disk count mismatch', spec: spec({ raid: { hardwareRAIDVolumes: [{ level: '1', controller: 'c', physicalDisks: ['a', 'b'], numberOfPhysicalDisks: 3 }] } }), path: 'spec.raid.hardwareRAIDVolumes[0].numberOfPhysicalDisks', message: /is 3 but 2 physicalDisks/ },
    { case: 'two software RAID root volumes', spec: spec({ raid: { softwareRAIDVolumes: [{ level: '1', rootVolume: true }, { level: '0', rootVolume: true }] } }), path: 'spec.raid.softwareRAIDVolumes', message: /rootVolume may be true for one/ },
    { case: 'a first software RAID volume that is not RAID-1', spec: spec({ raid: { softwareRAIDVolumes: [{ level: '0' }] } }), path: 'spec.raid.softwareRAIDVolumes[0].level', message: /must be level "1", not "0"/ },
    { case: 'a cross-namespace userData Secret', spec: spec({ userData: { name: 'u', namespace: 'other' } }), options: { namespace: 'metal3' }, path: 'spec.userData.namespace', message: /"other".*cross-namespace/ },
    { case: 'a cross-namespace networkData Secret', spec: spec({ networkData: { name: 'n', namespace: 'other' } }), options: { namespace: 'metal3' }, path: 'spec.networkData.namespace', message: /cross-namespace/ },
    { case: 'disablePowerOff with online false', spec: spec({ online: false, disablePowerOff: true }), path: 'spec.disablePowerOff', message: /cannot be true while spec.online is false/ },
    { case: 'a UUID name', spec: spec(), options: { name: '6f1c2a4e-0b9d-4c4e-9a43-2b8f0e5d7c11' }, path: 'metadata.name', message: /must not be a UUID/ },
    { case: 'a name with other characters', spec: spec(), options: { name: 'worker:0' }, path: 'metadata.name', message: /only the characters/ },
  ])('refuses $case at $path', ({ spec: s, options, path, message }) => {
    // Act
    const result = validateHostSpec(s, options);
    // Assess
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('reports every problem at once', () => {
    // Act
    const result = validateHostSpec(spec({ online: false, disablePowerOff: true, bmc: bmc('ipmi://h'), bootMode: 'UEFISecureBoot', image: { url: 'http://x/a.raw' } }));
    // Assess
    expect(result.ok ? [] : result.problems.map((p) => p.path).sort()).toEqual(['spec.bootMode', 'spec.disablePowerOff', 'spec.image.checksum']);
  });
});
