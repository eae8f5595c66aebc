import { describe, expect, it } from '@jest/globals';
import { enabledInterfaces, ironicConfigSections, mergeSections, renderIni } from './ironic-config.ts';

const input = { dir: '/tmp/x', port: 16385, hardwareTypes: ['fake-hardware', 'ipmi'] as const };

describe('ironicConfigSections', () => {
  it('keeps Ironic standalone on loopback with every path inside dir when given the defaults', () => {
    // Act
    const c = ironicConfigSections(input);
    // Assess
    expect(c.DEFAULT).toMatchObject({ auth_strategy: 'noauth', rpc_transport: 'none', state_path: '/tmp/x/state', enabled_hardware_types: 'fake-hardware,ipmi' });
    expect(c.api).toMatchObject({ host_ip: '127.0.0.1', port: 16385 });
    expect(c.database?.connection).toBe('sqlite:////tmp/x/ironic.sqlite');
    expect(c.dhcp?.dhcp_provider).toBe('none');
    for (const [section, key] of [['pxe', 'tftp_root'], ['pxe', 'tftp_master_path'], ['pxe', 'images_path'], ['pxe', 'instance_master_path'], ['deploy', 'http_root'], ['oslo_concurrency', 'lock_path']] as const) {
      expect(String(c[section]?.[key])).toMatch(/^\/tmp\/x\//);
    }
  });

  it('publishes no notifications unless asked; asked, info and above go to the named bus without retrying forever', () => {
    // Act
    const quiet = ironicConfigSections(input);
    const loud = ironicConfigSections({ ...input, notifications: { transportUrl: 'rabbit://u:p@127.0.0.1:5672/' } });
    const fromEnv = ironicConfigSections({ ...input, notifications: {} });
    // Assess
    expect(quiet.oslo_messaging_notifications).toBeUndefined();
    expect(quiet.DEFAULT?.notification_level).toBeUndefined();
    expect(loud.DEFAULT).toMatchObject({ notification_level: 'info', auth_strategy: 'noauth' });
    expect(loud.oslo_messaging_notifications).toEqual({ driver: 'messagingv2', retry: 2, transport_url: 'rabbit://u:p@127.0.0.1:5672/' });
    expect(fromEnv.oslo_messaging_notifications).toEqual({ driver: 'messagingv2', retry: 2 });
  });

  it('sets the IPMI and power-sync values ipmi_sim needs when ipmi is enabled', () => {
    // Act
    const c = ironicConfigSections(input);
    // Assess: interval 1 (never 0, Ironic divides by it); out-of-band changes adopted
    expect(c.ipmi?.min_command_interval).toBe(1);
    expect(c.conductor).toMatchObject({ force_power_state_during_sync: false, sync_power_state_interval: 10 });
  });

  it('writes integer fake delays and rejects fractions when fakeDelays is given', () => {
    // Act + Assess
    expect(ironicConfigSections({ ...input, fakeDelays: { deploy: 2, power: 0 } }).fake).toEqual({ deploy_delay: 2, power_delay: 0 });
    expect(() => ironicConfigSections({ ...input, fakeDelays: { power: 0.5 } })).toThrow(/whole number/);
  });

  it('lets extraConfig override single keys and add sections without dropping the rest', () => {
    // Act
    const c = ironicConfigSections({ ...input, extraConfig: { conductor: { deploy_callback_timeout: 60 }, json_rpc: { port: 1 } } });
    // Assess
    expect(c.conductor).toMatchObject({ deploy_callback_timeout: 60, force_power_state_during_sync: false });
    expect(c.json_rpc).toEqual({ port: 1 });
  });

  it('refuses an empty hardware type list', () => {
    expect(() => ironicConfigSections({ ...input, hardwareTypes: [] })).toThrow(TypeError);
  });
});

describe('enabledInterfaces', () => {
  it.each([
    { case: 'fake-hardware only', types: ['fake-hardware'] as const, power: ['fake'], boot: ['fake', 'pxe', 'ipxe'], absent: 'ipmitool' },
    { case: 'ipmi only', types: ['ipmi'] as const, power: ['ipmitool'], boot: ['pxe', 'ipxe'], absent: 'fake' },
    { case: 'all three', types: ['fake-hardware', 'ipmi', 'redfish'] as const, power: ['fake', 'ipmitool', 'redfish'], boot: ['fake', 'redfish-virtual-media', 'redfish-https', 'pxe', 'ipxe'], absent: 'none' },
  ])('enables only the interfaces of the chosen types when $case', ({ types, power, boot, absent }) => {
    // Act
    const ifaces = enabledInterfaces(types);
    // Assess
    expect(ifaces.power).toEqual(power);
    expect(ifaces.boot).toEqual(boot);
    expect(ifaces.network).toEqual(['noop']);
    expect(Object.values(ifaces).flat()).not.toContain(absent);
  });
});

describe('enabledInterfaces per Ironic build', () => {
  it('enables agent inspection, the firmware family and Redfish HTTPS boot only for the PyPI build', () => {
    // Act
    const pypi = enabledInterfaces(['fake-hardware', 'ipmi', 'redfish'], 'pypi');
    const debian = enabledInterfaces(['fake-hardware', 'ipmi', 'redfish'], 'debian');
    // Assess
    expect(pypi.inspect).toEqual(['fake', 'redfish', 'no-inspect', 'agent']);
    expect(pypi.firmware).toEqual(['fake', 'redfish', 'no-firmware']);
    expect(debian.inspect).toEqual(['fake', 'redfish', 'no-inspect']);
    expect(debian.firmware).toBeUndefined();
    expect(debian.boot).not.toContain('redfish-https');
  });

  it('writes no enabled_firmware_interfaces option for Debian 21.4, which has no such family', () => {
    // Act
    const sections = ironicConfigSections({ dir: '/tmp/x', port: 6385, hardwareTypes: ['fake-hardware'], build: 'debian' });
    // Assess
    expect(sections.DEFAULT).not.toHaveProperty('enabled_firmware_interfaces');
    expect(sections.DEFAULT?.enabled_inspect_interfaces).toBe('fake,no-inspect');
  });
});

describe('renderIni', () => {
  it('writes sections with key = value lines and no trailing comments', () => {
    // Act
    const text = renderIni(mergeSections({ a: { x: 1, y: true } }, { b: { z: 'q' }, empty: {} }));
    // Assess
    expect(text).toBe('[a]\nx = 1\ny = true\n\n[b]\nz = q\n');
  });

  it('rejects a multi-line value that would inject another option', () => {
    expect(() => renderIni({ a: { x: '1\n[b]' } })).toThrow(/single line/);
  });
});

describe('connectOrStartIronic', () => {
  it('uses IRONIC_URL without starting or stopping anything when it is set', async () => {
    // Prepare
    const { connectOrStartIronic } = await import('./ironic.ts');
    // Act
    const ironic = await connectOrStartIronic({}, { IRONIC_URL: 'http://ironic.example:6385/' });
    await ironic.stop();
    // Assess
    expect(ironic).toMatchObject({ url: 'http://ironic.example:6385', external: true });
  });
});
