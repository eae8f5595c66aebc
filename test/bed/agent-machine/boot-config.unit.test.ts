import { describe, expect, it } from '@jest/globals';
import { agentOptionsFromParams, bootConfigPaths, kernelCommandLine, parseBootConfig, parseKernelParams } from './boot-config.ts';

// shaped like Ironic 39.0.0's pxe_config.template and ipxe_config.template output
const PXE_DEPLOY = `default deploy

label deploy
kernel /tftpboot/abc/deploy_kernel
append initrd=/tftpboot/abc/deploy_ramdisk selinux=0 troubleshoot=0 text ipa-api-url=http://10.254.3.1:6385 ipa-global-request-id=req-1
ipappend 2

label boot_whole_disk
COM32 chain.c32
append mbr:{{ DISK_IDENTIFIER }}
`;
const IPXE_DEPLOY = `#!ipxe

set attempts:int32 10
set i:int32 0

goto deploy

:deploy
imgfree
kernel http://10.254.3.1:8089/abc/deploy_kernel selinux=0 troubleshoot=0 text ipa-api-url=http://10.254.3.1:6385 ipa-inspection-callback-url=http://10.254.3.1:6385/v1/continue_inspection BOOTIF=\${mac} initrd=deploy_ramdisk || goto retry
initrd http://10.254.3.1:8089/abc/deploy_ramdisk || goto retry
boot
`;

describe('boot-config', () => {
  it('names the PXE and iPXE config files Ironic links for a MAC', () => {
    expect(bootConfigPaths('02:4D:33:00:01:0A')).toEqual({
      pxe: 'tftpboot/pxelinux.cfg/01-02-4d-33-00-01-0a',
      ipxe: ['httpboot/pxelinux.cfg/02-4d-33-00-01-0a', 'httpboot/pxelinux.cfg/02:4d:33:00:01:0a'],
    });
  });

  it('reads the deploy ramdisk\'s kernel parameters from a PXE config', () => {
    expect(parseBootConfig(PXE_DEPLOY)).toEqual({
      kind: 'agent',
      params: { initrd: '/tftpboot/abc/deploy_ramdisk', selinux: '0', troubleshoot: '0', 'ipa-api-url': 'http://10.254.3.1:6385', 'ipa-global-request-id': 'req-1' },
    });
  });

  it('reads them from an iPXE config', () => {
    const choice = parseBootConfig(IPXE_DEPLOY);
    expect(choice.kind).toBe('agent');
    expect(choice.kind === 'agent' && agentOptionsFromParams(choice.params)).toEqual({
      api_url: 'http://10.254.3.1:6385', inspection_callback_url: 'http://10.254.3.1:6385/v1/continue_inspection',
    });
  });

  it('starts no agent for anything but the deploy label', () => {
    expect(parseBootConfig(PXE_DEPLOY.replace('default deploy', 'default boot_whole_disk'))).toEqual({ kind: 'other', label: 'boot_whole_disk' });
    expect(parseBootConfig(IPXE_DEPLOY.replace('goto deploy\n', 'goto boot_ramdisk\n'))).toEqual({ kind: 'other', label: 'boot_ramdisk' });
    expect(parseBootConfig('')).toEqual({ kind: 'other', label: '' });
  });

  it('keeps key=value tokens only and maps just the ipa-* options IPA takes', () => {
    expect(parseKernelParams(' text a=1  b=x=y ')).toEqual({ a: '1', b: 'x=y' });
    expect(agentOptionsFromParams({ 'ipa-api-url': '', 'ipa-debug': '1', 'ipa-inspection-collectors': 'default' })).toEqual({ inspection_collectors: 'default' });
  });
});

describe('kernelCommandLine', () => {
  it('adds BOOTIF with the MAC as pxelinux does, and keeps one the boot loader set', () => {
    expect(kernelCommandLine({ 'ipa-api-url': 'http://10.254.3.1:6385' }, '02:4D:33:00:01:0A')).toBe('ipa-api-url=http://10.254.3.1:6385 BOOTIF=01-02-4d-33-00-01-0a');
    expect(kernelCommandLine({ BOOTIF: '02:4d:33:00:01:0a' }, '02:4d:33:00:01:0a')).toBe('BOOTIF=02:4d:33:00:01:0a');
  });
});
