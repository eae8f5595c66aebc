import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { BmcAddressError, BmcUnsupportedError } from '../errors.ts';
import { parseBmcAddress } from './address.ts';

describe('parseBmcAddress', () => {
  it.each([
    // case, address, expected subset
    { case: 'bare IPv4 → ipmi, default port', address: '192.0.2.1', want: { type: 'ipmi', protocol: 'ipmi', host: '192.0.2.1', port: undefined, hostPort: '192.0.2.1', privilegeLevel: 'ADMINISTRATOR' } },
    { case: 'bare host:port → ipmi', address: 'bmc-1.example.com:6230', want: { type: 'ipmi', host: 'bmc-1.example.com', port: 6230 } },
    { case: 'bare IPv6 literal → ipmi', address: '2001:db8::1', want: { type: 'ipmi', host: '2001:db8::1', hostPort: '[2001:db8::1]' } },
    { case: 'bracketed IPv6 with port', address: '[2001:db8::1]:623', want: { type: 'ipmi', host: '2001:db8::1', port: 623, hostPort: '[2001:db8::1]:623' } },
    { case: 'ipmi:// with privilege level', address: 'ipmi://10.1.1.1:623?privilegelevel=operator', want: { scheme: 'ipmi', host: '10.1.1.1', port: 623, privilegeLevel: 'OPERATOR' } },
    { case: 'ipmi opaque form, as upstream', address: 'ipmi:10.1.1.1', want: { type: 'ipmi', host: '10.1.1.1' } },
    { case: 'upper-case scheme', address: 'IPMI://10.1.1.1', want: { scheme: 'ipmi', type: 'ipmi' } },
    { case: 'libvirt needs a MAC', address: 'libvirt://192.168.122.1:6233/', want: { type: 'libvirt', protocol: 'ipmi', needsMAC: true, port: 6233 } },
    { case: 'redfish with system path', address: 'redfish://10.0.0.5/redfish/v1/Systems/1', want: { type: 'redfish', protocol: 'redfish', baseUrl: 'https://10.0.0.5', systemPath: '/redfish/v1/Systems/1', transport: 'https', supportsVirtualMedia: false, requiresProvisioningNetwork: true } },
    { case: 'redfish+http with port', address: 'redfish+http://127.0.0.1:8000/redfish/v1/Systems/abc', want: { baseUrl: 'http://127.0.0.1:8000', transport: 'http', port: 8000 } },
    { case: 'redfish service root path is no system', address: 'redfish://h.example/redfish/v1/', want: { systemPath: undefined } },
    { case: 'redfish without path', address: 'redfish://h.example', want: { systemPath: undefined, baseUrl: 'https://h.example' } },
    { case: 'redfish-virtualmedia IPv6', address: 'redfish-virtualmedia+https://[2001:db8::5]:8443/redfish/v1/Systems/1', want: { type: 'redfish-virtualmedia', baseUrl: 'https://[2001:db8::5]:8443', host: '2001:db8::5', supportsVirtualMedia: true, requiresProvisioningNetwork: false } },
    { case: 'redfish-uefihttp', address: 'redfish-uefihttp://h/redfish/v1/Systems/1', want: { type: 'redfish-uefihttp', supportsVirtualMedia: false, supportsIsoPreprovisioningImage: true } },
    { case: 'ilo5-redfish alias', address: 'ilo5-redfish://h/redfish/v1/Systems/1', want: { scheme: 'ilo5-redfish', type: 'redfish' } },
    { case: 'ilo5-virtualmedia alias', address: 'ilo5-virtualmedia+http://h/redfish/v1/Systems/1', want: { type: 'redfish-virtualmedia', transport: 'http' } },
    { case: 'idrac-redfish', address: 'idrac-redfish://h/redfish/v1/Systems/System.Embedded.1', want: { type: 'idrac-redfish', protocol: 'redfish', systemPath: '/redfish/v1/Systems/System.Embedded.1' } },
    { case: 'idrac-virtualmedia', address: 'idrac-virtualmedia://h/redfish/v1/Systems/System.Embedded.1', want: { type: 'idrac-virtualmedia', supportsVirtualMedia: true, supportsSecureBoot: true } },
    { case: '%-escaped system path is decoded', address: 'redfish://h/redfish/v1/Systems/a%20b', want: { systemPath: '/redfish/v1/Systems/a b' } },
  ])('parses $case', ({ address, want }) => {
    // Act
    const parsed = parseBmcAddress(address);
    // Assess
    expect(parsed).toMatchObject(want);
  });

  it('accepts fake:// only when allowed', () => {
    // Act + Assess
    expect(() => parseBmcAddress('fake://host-1')).toThrow(BmcUnsupportedError);
    expect(parseBmcAddress('fake://host-1', { allowFake: true })).toMatchObject({ type: 'fake', protocol: 'fake', host: 'host-1' });
  });

  it.each([
    ['idrac://h', /"idrac".*removed upstream in v0\.6\.0/],
    ['idrac+http://h', /"idrac\+http".*removed/],
    ['ibmc://h', /"ibmc".*removed/],
    ['ilo4://h', /"ilo4".*v0\.12\.0/],
    ['ilo4-virtualmedia://h', /"ilo4-virtualmedia".*removed/],
    ['ilo5://h', /"ilo5".*removed/],
    ['irmc://h:443', /"irmc".*v0\.13\.0/],
    ['vnc://h', /"vnc" is unknown; supported: ipmi, libvirt, redfish/],
    ['host:abc', /"host" is unknown/],
    ['ipmi+https://h', /"ipmi\+https" takes no \+https suffix/],
    ['redfish+ftp://h', /"redfish\+ftp" has an unknown suffix/],
  ])('refuses %s with BmcUnsupportedError naming the scheme', (address, message) => {
    // Act + Assess
    expect(() => parseBmcAddress(address)).toThrow(BmcUnsupportedError);
    expect(() => parseBmcAddress(address)).toThrow(message);
  });

  it.each([
    ['', /empty/],
    ['ipmi://', /no host/],
    ['redfish:///redfish/v1/Systems/1', /no host/],
    ['ipmi://h:0', /port "0"/],
    ['ipmi://h:70000', /port "70000"/],
    ['ipmi://h:12ab', /port "12ab"/],
    ['ipmi://[fe80::1', /closed with "]"/],
    ['ipmi://[fe80::1]x', /only ":port"/],
    ['ipmi://[not-v6]:623', /not an IPv6 address/],
    ['ipmi://fe80::1', /must be written in brackets/],
    ['ipmi://[fe80::1%25eth0]', /not an IPv6 address/],
    ['redfish://bad_host/redfish/v1', /neither an IP address nor a DNS name/],
    ['redfish://-bad.example/', /neither an IP address nor a DNS name/],
    ['ipmi://h ', /whitespace/],
    ['ipmi://h?privilegelevel=root', /privilegelevel "root"/],
    ['redfish://h/%zz', /malformed %-escape/],
    ['1http://h', /not a URL scheme/],
  ])('refuses malformed %j with BmcAddressError', (address, message) => {
    // Act + Assess
    expect(() => parseBmcAddress(address)).toThrow(BmcAddressError);
    expect(() => parseBmcAddress(address)).toThrow(message);
  });

  it('never repeats URL user info in its message', () => {
    // Prepare
    const secret = 'S3cr3t-Passw0rd';
    for (const address of [`redfish://root:${secret}@h/redfish/v1`, `admin:${secret}@10.0.0.1`, `foo://u:${secret}@h`]) {
      // Act
      let message = '';
      try {
        parseBmcAddress(address);
      } catch (e) {
        message = (e as Error).message;
      }
      // Assess
      expect(message).toMatch(/user info/);
      expect(message).not.toContain(secret);
    }
  });

  it('throws only BmcAddressError or BmcUnsupportedError for arbitrary input', () => {
    // Prepare: random text, and random text shaped like BMC URLs
    const scheme = fc.constantFrom('ipmi', 'redfish', 'redfish-virtualmedia+http', 'idrac-virtualmedia', 'libvirt', 'fake', 'x', '');
    const urlish = fc.tuple(scheme, fc.string(), fc.string()).map(([s, a, b]) => `${s}://${a}${b.length % 2 ? `:${b}` : `/${b}`}`);
    const anyText = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), urlish);
    // Act + Assess
    fc.assert(
      fc.property(anyText, fc.boolean(), (address, allowFake) => {
        try {
          const parsed = parseBmcAddress(address, { allowFake });
          expect(typeof parsed.host).toBe('string');
        } catch (e) {
          if (!(e instanceof BmcAddressError) && !(e instanceof BmcUnsupportedError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });
});
