import { describe, expect, it } from '@jest/globals';
import { validateHostSpec } from '../api/validate-host.ts';
import { BmcAddressError } from '../errors.ts';
import { parseBmcAddress } from './address.ts';
import { AddressPolicyError, DEFAULT_ADDRESS_POLICY, addressPolicyFrom, deniedReason, imageUrlProblem } from './address-policy.ts';

describe('address policy', () => {
  it.each([
    'redfish://169.254.169.254',
    'redfish+http://169.254.169.254:80/redfish/v1/Systems/1',
    'ipmi://[fe80::1]:623',
    'ipmi://[febf::1]',
    'redfish://[::ffff:169.254.169.254]',
    'redfish://[::ffff:a9fe:a9fe]',
    'redfish+http://kubernetes.default.svc:443',
    'redfish://KUBERNETES.default.svc.cluster.local',
    'redfish://kubernetes',
    'ipmi://kubernetes.default:623',
  ])('denies %s by default, with a typed permanent error', (address) => {
    expect(() => parseBmcAddress(address, { policy: DEFAULT_ADDRESS_POLICY })).toThrow(BmcAddressError);
    expect(() => parseBmcAddress(address, { policy: DEFAULT_ADDRESS_POLICY })).toThrow(/address policy denies it/);
  });

  it.each(['ipmi://127.0.0.1:6230', 'redfish://10.0.0.5', 'redfish://[2001:db8::1]', 'redfish://bmc.kubernetes.example.com', 'redfish://169.255.0.1'])(
    'allows %s by default (labs run BMCs on loopback and private ranges)',
    (address) => {
      expect(parseBmcAddress(address, { policy: DEFAULT_ADDRESS_POLICY }).host).toBeTruthy();
    },
  );

  it('adds CIDRs and host names from a deny list, keeping the defaults', () => {
    const policy = addressPolicyFrom(' 10.0.0.0/8, 127.0.0.1 ,.internal.example, ironic.metal3.svc, 2001:db8::/32 ');
    expect(deniedReason('10.1.2.3', policy)).toMatch(/address range/);
    expect(deniedReason('127.0.0.1', policy)).toMatch(/address range/);
    expect(deniedReason('127.0.0.2', policy)).toBeUndefined();
    expect(deniedReason('bmc.internal.example', policy)).toMatch(/host name/);
    expect(deniedReason('internal.example', policy)).toMatch(/host name/);
    expect(deniedReason('Ironic.Metal3.svc.', policy)).toMatch(/host name/);
    expect(deniedReason('2001:db8::7', policy)).toMatch(/address range/);
    expect(deniedReason('169.254.1.1', policy)).toMatch(/address range/);
    expect(deniedReason('192.168.1.1', policy)).toBeUndefined();
    expect(() => parseBmcAddress('ipmi://10.9.9.9', { policy })).toThrow(BmcAddressError);
  });

  it('refuses a malformed deny list entry instead of ignoring it', () => {
    expect(() => addressPolicyFrom('10.0.0.0/33')).toThrow(AddressPolicyError);
    expect(() => addressPolicyFrom('not a host')).toThrow(AddressPolicyError);
  });

  it('refuses file:// and non-network image URLs and denied image hosts, never echoing the URL', () => {
    expect(imageUrlProblem('file:///etc/shadow', DEFAULT_ADDRESS_POLICY)).toMatch(/scheme "file:\/\/" is not allowed/);
    expect(imageUrlProblem('http://169.254.169.254/latest/meta-data/', DEFAULT_ADDRESS_POLICY)).toMatch(/denied address range/);
    expect(imageUrlProblem('https://user:s3cret@kubernetes.default.svc/img', DEFAULT_ADDRESS_POLICY)).not.toMatch(/s3cret/);
    expect(imageUrlProblem('https://kubernetes.default.svc/img', DEFAULT_ADDRESS_POLICY)).toMatch(/host name is denied/);
    expect(imageUrlProblem('http://[::ffff:169.254.169.254]/x', DEFAULT_ADDRESS_POLICY)).toMatch(/denied/);
    expect(imageUrlProblem('https://images.example.com/host.qcow2', DEFAULT_ADDRESS_POLICY)).toBeUndefined();
    expect(imageUrlProblem('oci://quay.io/org/image:tag', DEFAULT_ADDRESS_POLICY)).toBeUndefined();
  });

  it('makes validateHostSpec report denied BMC addresses and image URLs on the field to fix', () => {
    const spec = {
      online: true,
      bmc: { address: 'redfish://169.254.169.254', credentialsName: 'c' },
      image: { url: 'file:///var/lib/ironic/images/x.qcow2', checksum: 'abc', format: 'qcow2' as const },
    };
    const result = validateHostSpec(spec, { addressPolicy: DEFAULT_ADDRESS_POLICY });
    expect(result.ok).toBe(false);
    const paths = result.ok ? [] : result.problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['spec.bmc.address', 'spec.image.url']));
    const local = validateHostSpec({ online: true, image: { url: '/var/lib/ironic/x.qcow2', checksum: 'abc', format: 'qcow2' } });
    expect(local.ok ? [] : local.problems.map((p) => p.message)).toEqual([expect.stringMatching(/not a local path/)]);
  });
});
