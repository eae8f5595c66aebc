import { describe, expect, it } from '@jest/globals';
import { BmcUnsupportedError } from '../errors.ts';
import { ironicDriverFor, toNodeInterfaceFields, type IronicDriverConfig } from './access-details.ts';

const creds = { username: 'admin', password: 'pw-123456' };
const IDRAC = 'idrac-redfish';

describe('ironicDriverFor', () => {
  it.each([
    {
      case: 'bare host → ipmi, port 623, ADMINISTRATOR',
      address: '192.0.2.1',
      driver: 'ipmi',
      driverInfo: { ipmi_address: '192.0.2.1', ipmi_port: 623, ipmi_username: 'admin', ipmi_password: 'pw-123456', ipmi_priv_level: 'ADMINISTRATOR' },
      interfaces: { boot: 'ipxe', raid: 'no-raid', inspect: 'agent', deploy: undefined, management: undefined, power: undefined, vendor: undefined, bios: undefined, firmware: undefined },
    },
    {
      case: 'ipmi:// with port and privilege level',
      address: 'ipmi://[fd00::7]:6230?privilegelevel=OPERATOR',
      driver: 'ipmi',
      driverInfo: { ipmi_address: 'fd00::7', ipmi_port: 6230, ipmi_priv_level: 'OPERATOR' },
      interfaces: { boot: 'ipxe', raid: 'no-raid' },
    },
    {
      case: 'libvirt → ipmi driver',
      address: 'libvirt://192.168.122.1:6233',
      driver: 'ipmi',
      driverInfo: { ipmi_address: '192.168.122.1', ipmi_port: 6233 },
      interfaces: { boot: 'ipxe', raid: 'no-raid' },
    },
    {
      case: 'redfish → ipxe boot, redfish raid and firmware',
      address: 'redfish://10.0.0.5/redfish/v1/Systems/1',
      driver: 'redfish',
      driverInfo: { redfish_address: 'https://10.0.0.5', redfish_system_id: '/redfish/v1/Systems/1', redfish_username: 'admin', redfish_password: 'pw-123456' },
      interfaces: { boot: 'ipxe', raid: 'redfish', firmware: 'redfish', inspect: 'agent', management: undefined, power: undefined, vendor: undefined, bios: undefined },
    },
    {
      case: 'ilo5-redfish alias, service root only: no system id',
      address: 'ilo5-redfish+http://h:8080/redfish/v1',
      driver: 'redfish',
      driverInfo: { redfish_address: 'http://h:8080' },
      interfaces: { boot: 'ipxe', raid: 'redfish' },
    },
    {
      case: 'redfish-virtualmedia → redfish-virtual-media boot',
      address: 'redfish-virtualmedia://[2001:db8::5]:8443/redfish/v1/Systems/1',
      driver: 'redfish',
      driverInfo: { redfish_address: 'https://[2001:db8::5]:8443', redfish_system_id: '/redfish/v1/Systems/1' },
      interfaces: { boot: 'redfish-virtual-media', raid: 'redfish', firmware: 'redfish' },
    },
    {
      case: 'ilo5-virtualmedia alias',
      address: 'ilo5-virtualmedia://h/redfish/v1/Systems/1',
      driver: 'redfish',
      driverInfo: { redfish_address: 'https://h' },
      interfaces: { boot: 'redfish-virtual-media' },
    },
    {
      case: 'redfish-uefihttp → redfish-https boot',
      address: 'redfish-uefihttp+http://h/redfish/v1/Systems/2',
      driver: 'redfish',
      driverInfo: { redfish_address: 'http://h', redfish_system_id: '/redfish/v1/Systems/2' },
      interfaces: { boot: 'redfish-https', raid: 'redfish' },
    },
    {
      case: 'idrac-redfish → idrac driver, idrac-redfish interfaces',
      address: 'idrac-redfish://h/redfish/v1/Systems/System.Embedded.1',
      driver: 'idrac',
      driverInfo: { redfish_address: 'https://h', redfish_system_id: '/redfish/v1/Systems/System.Embedded.1' },
      interfaces: { boot: 'ipxe', management: IDRAC, power: IDRAC, raid: IDRAC, vendor: IDRAC, bios: IDRAC, firmware: 'redfish', inspect: 'agent' },
    },
    {
      case: 'idrac-virtualmedia → idrac-redfish-virtual-media boot',
      address: 'idrac-virtualmedia://h/redfish/v1/Systems/System.Embedded.1',
      driver: 'idrac',
      driverInfo: { redfish_address: 'https://h' },
      interfaces: { boot: 'idrac-redfish-virtual-media', management: IDRAC, power: IDRAC, raid: IDRAC, vendor: IDRAC, bios: IDRAC },
    },
  ])('maps $case', ({ address, driver, driverInfo, interfaces }) => {
    // Act
    const result = ironicDriverFor(address, creds);
    // Assess
    expect(result.driver).toBe(driver);
    expect(result.driverInfo).toMatchObject(driverInfo);
    expect(result.interfaces).toMatchObject(interfaces);
  });

  it('sends no verify_ca, system id or cipher suite unless asked', () => {
    // Act
    const ipmi = ironicDriverFor('ipmi://h', creds).driverInfo;
    const redfish = ironicDriverFor('redfish://h', creds).driverInfo;
    // Assess
    expect(Object.keys(ipmi).sort()).toEqual(['ipmi_address', 'ipmi_password', 'ipmi_port', 'ipmi_priv_level', 'ipmi_username']);
    expect(Object.keys(redfish).sort()).toEqual(['redfish_address', 'redfish_password', 'redfish_username']);
  });

  it.each([
    ['ipmi://h', 'ipmi_verify_ca'],
    ['redfish://h/redfish/v1/Systems/1', 'redfish_verify_ca'],
    ['idrac-virtualmedia://h/redfish/v1/Systems/1', 'redfish_verify_ca'],
  ])('maps disableCertificateVerification to %s → %s=false', (address, key) => {
    // Act
    const { driverInfo } = ironicDriverFor(address, creds, { disableCertificateVerification: true });
    // Assess
    expect(driverInfo[key]).toBe(false);
  });

  it('passes a configured CA bundle as redfish_verify_ca when verification is on', () => {
    // Prepare
    const config: IronicDriverConfig = { redfishCaBundlePath: '/etc/ironic/bmc-ca.pem' };
    // Act
    const verified = ironicDriverFor('redfish://h', creds, { config }).driverInfo;
    const insecure = ironicDriverFor('redfish://h', creds, { config, disableCertificateVerification: true }).driverInfo;
    // Assess
    expect(verified.redfish_verify_ca).toBe('/etc/ironic/bmc-ca.pem');
    expect(insecure.redfish_verify_ca).toBe(false);
  });

  it('adds ipmi_cipher_suite for IPMI drivers only when configured', () => {
    // Prepare
    const config: IronicDriverConfig = { ipmiCipherSuite: 3 };
    // Act + Assess
    expect(ironicDriverFor('ipmi://127.0.0.1:9001', creds, { config }).driverInfo.ipmi_cipher_suite).toBe(3);
    expect(ironicDriverFor('redfish://h', creds, { config }).driverInfo).not.toHaveProperty('ipmi_cipher_suite');
  });

  it.each([
    { case: 'live-iso image → ramdisk deploy', options: { image: { format: 'live-iso' } }, deploy: 'ramdisk' },
    { case: 'qcow2 image → Ironic default deploy', options: { image: { format: 'qcow2' } }, deploy: undefined },
    { case: 'customDeploy → custom-agent deploy', options: { customDeploy: { method: 'install_coreos' } }, deploy: 'custom-agent' },
    { case: 'customDeploy wins over live-iso', options: { customDeploy: { method: 'm' }, image: { format: 'live-iso' } }, deploy: 'custom-agent' },
  ])('chooses deploy interface: $case', ({ options, deploy }) => {
    // Act
    const { interfaces } = ironicDriverFor('redfish-virtualmedia://h/redfish/v1/Systems/1', creds, options);
    // Assess
    expect(interfaces.deploy).toBe(deploy);
  });

  it('uses the redfish inspect interface for fast inspection, and refuses it for IPMI', () => {
    // Act + Assess
    expect(ironicDriverFor('redfish://h', creds, { inspectionMode: 'fast' }).interfaces.inspect).toBe('redfish');
    expect(() => ironicDriverFor('ipmi://h', creds, { inspectionMode: 'fast' })).toThrow(BmcUnsupportedError);
    expect(() => ironicDriverFor('ipmi://h', creds, { inspectionMode: 'fast' })).toThrow(/"fast" needs a Redfish-based BMC; "ipmi"/);
  });

  it('applies site overrides: all types first, then per type; null leaves an interface to Ironic', () => {
    // Prepare: the test bed's choice, where no deploy agent can boot and Ironic has no firmware interface
    const config: IronicDriverConfig = {
      all: { firmware: null, deploy: 'direct' },
      byType: { ipmi: { boot: 'pxe', deploy: 'ramdisk' }, 'redfish-virtualmedia': { deploy: 'ramdisk' } },
    };
    // Act
    const ipmi = ironicDriverFor('ipmi://h', creds, { config }).interfaces;
    const vmedia = ironicDriverFor('redfish-virtualmedia://h/redfish/v1/Systems/1', creds, { config }).interfaces;
    const redfish = ironicDriverFor('redfish://h', creds, { config }).interfaces;
    // Assess
    expect(ipmi).toMatchObject({ boot: 'pxe', deploy: 'ramdisk', raid: 'no-raid' });
    expect(vmedia).toMatchObject({ boot: 'redfish-virtual-media', deploy: 'ramdisk', firmware: undefined });
    expect(redfish).toMatchObject({ boot: 'ipxe', deploy: 'direct', firmware: undefined });
  });

  it('maps fake:// to fake-hardware with all-fake interfaces when enabled, and refuses it otherwise', () => {
    // Act
    const fake = ironicDriverFor('fake://host-1', creds, { config: { allowFake: true }, image: { format: 'live-iso' } });
    // Assess
    expect(fake.driver).toBe('fake-hardware');
    expect(fake.driverInfo).toEqual({});
    expect(toNodeInterfaceFields(fake.interfaces)).toEqual({
      boot_interface: 'fake', deploy_interface: 'fake', inspect_interface: 'fake', management_interface: 'fake',
      power_interface: 'fake', raid_interface: 'fake', vendor_interface: 'fake', bios_interface: 'fake',
    });
    expect(() => ironicDriverFor('fake://host-1', creds)).toThrow(BmcUnsupportedError);
  });

  it('lists only chosen interfaces as Ironic node fields', () => {
    // Act
    const fields = toNodeInterfaceFields(ironicDriverFor('ipmi://h', creds).interfaces);
    // Assess
    expect(fields).toEqual({ boot_interface: 'ipxe', inspect_interface: 'agent', raid_interface: 'no-raid' });
  });
});
