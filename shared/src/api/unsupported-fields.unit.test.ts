import { describe, expect, it } from '@jest/globals';
import { UNSUPPORTED_SPEC_FIELDS, unsupportedFields } from './unsupported-fields.ts';

describe('unsupportedFields', () => {
  it('is empty for a host using only fields we act on', () => {
    // Act
    const fields = unsupportedFields({
      online: true,
      bmc: { address: 'ipmi://h', credentialsName: 'c' },
      image: { url: 'http://x/os.qcow2', checksum: 'abc' },
      rootDeviceHints: { deviceName: '/dev/sda' },
      userData: { name: 'u' },
      disablePowerOff: false,
      raid: { hardwareRAIDVolumes: [{ level: '1' }], softwareRAIDVolumes: [] },
      hardwareProfile: '',
      taints: [],
    });
    // Assess
    expect(fields).toEqual([]);
  });

  it('lists every set field we do not act on, in table order', () => {
    // Act
    const fields = unsupportedFields({
      online: true,
      taints: [{ key: 'k', effect: 'NoSchedule' }],
      raid: { softwareRAIDVolumes: [{ level: '1' }] },
      firmware: {},
      customDeploy: { method: 'm' },
      networkInterfaces: [{ name: 'eno1', hostNetworkAttachment: {} }],
      preprovisioningNetworkDataName: 'ppnd',
      hardwareProfile: 'libvirt',
      image: { url: 'oci://r/os:1', ociAuthSecretName: 'pull' },
      disablePowerOff: true,
    });
    // Assess
    expect(fields).toEqual(Object.keys(UNSUPPORTED_SPEC_FIELDS));
  });

  it('gives a reason for every field', () => {
    // Assess
    for (const reason of Object.values(UNSUPPORTED_SPEC_FIELDS)) expect(reason.length).toBeGreaterThan(10);
  });
});
