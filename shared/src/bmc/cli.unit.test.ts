import { describe, expect, it } from '@jest/globals';
import { BmcAuthError, BmcCommandError, BmcUnreachableError, BmcUnsupportedError } from '../errors.ts';
import { ExitCode, runCli, type ClientSettings } from './cli.ts';
import type { BmcClient, PowerAction } from './types.ts';

/** A BmcClient that records calls and fails with `error` when given. */
function fakeBmc(error?: Error): { client: BmcClient; calls: string[]; settings: ClientSettings[] } {
  const calls: string[] = [];
  const settings: ClientSettings[] = [];
  const step = async <T>(name: string, value: T): Promise<T> => {
    calls.push(name);
    if (error) throw error;
    return value;
  };
  const client: BmcClient = {
    protocol: 'ipmi',
    powerState: () => step('powerState', 'on' as const),
    setPower: (a: PowerAction) => step(`setPower ${a}`, undefined),
    bootDevice: () => step('bootDevice', { device: 'pxe' as const, persistent: true, uefi: false }),
    setBootDevice: (d, o) => step(`setBootDevice ${d} ${JSON.stringify(o)}`, undefined),
    info: () => step('info', { manufacturer: 'Acme' }),
    inventory: () => step('inventory', {}),
    close: async () => void calls.push('close'),
  };
  return { client, calls, settings };
}

async function run(args: string[], { error, env = { BMC_USERNAME: 'admin', BMC_PASSWORD: 'pw-secret-1' } }: { error?: Error; env?: Record<string, string> } = {}) {
  const bmc = fakeBmc(error);
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env,
    io: { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) },
    createClient: (s) => (bmc.settings.push(s), bmc.client),
  });
  return { code, stdout, stderr, ...bmc };
}

describe('metal3-bmc runCli', () => {
  it('maps `power soft` to a soft-off and closes the client', async () => {
    const r = await run(['ipmi://10.0.0.1', 'power', 'soft']);
    expect(r.code).toBe(ExitCode.Ok);
    expect(r.calls).toEqual(['setPower soft-off', 'close']);
  });

  it('passes --persistent and --uefi to the boot device setter', async () => {
    const r = await run(['ipmi://10.0.0.1', 'bootdev', 'disk', '--persistent', '--uefi']);
    expect(r.calls[0]).toBe('setBootDevice disk {"persistent":true,"uefi":true}');
  });

  it('parses the address with the shared parser (port, privilege level)', async () => {
    const r = await run(['ipmi://10.0.0.1:6230?privilegelevel=OPERATOR', 'power', 'status']);
    expect(r.settings[0]?.address).toMatchObject({ host: '10.0.0.1', port: 6230, privilegeLevel: 'OPERATOR' });
    expect(r.stdout).toBe('power on\n');
  });

  it.each([
    { case: 'auth failure', error: new BmcAuthError('authentication failed'), code: 3 },
    { case: 'unreachable', error: new BmcUnreachableError('no reply'), code: 4 },
    { case: 'unsupported', error: new BmcUnsupportedError('no inventory'), code: 5 },
    { case: 'completion code', error: new BmcCommandError('Chassis Control: 0xCC Invalid data field in request', 0xcc), code: 1 },
  ])('exits $code on $case', async ({ error, code }) => {
    const r = await run(['ipmi://10.0.0.1', 'power', 'on'], { error });
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(error.message);
  });

  it('reports errors as JSON on stdout with --json', async () => {
    const r = await run(['ipmi://10.0.0.1', 'power', 'on', '--json'], { error: new BmcAuthError('authentication failed') });
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, error: { name: 'BmcAuthError', message: 'authentication failed' }, exitCode: 3 });
  });

  it('scrubs the password from anything it prints', async () => {
    const r = await run(['ipmi://10.0.0.1', 'power', 'on'], { error: new BmcCommandError('echoed pw-secret-1 back', 0xff) });
    expect(r.stderr).not.toContain('pw-secret-1');
  });

  it.each<{ case: string; args: string[]; env: Record<string, string> }>([
    { case: 'no password', args: ['ipmi://h', 'power', 'on'], env: { BMC_USERNAME: 'a' } },
    { case: 'unknown option', args: ['ipmi://h', 'power', 'on', '--frobnicate'], env: { BMC_USERNAME: 'a', BMC_PASSWORD: 'p' } },
    { case: 'missing command', args: ['ipmi://h'], env: { BMC_USERNAME: 'a', BMC_PASSWORD: 'p' } },
    { case: 'bad timeout', args: ['ipmi://h', 'info', '--timeout', 'soon'], env: { BMC_USERNAME: 'a', BMC_PASSWORD: 'p' } },
  ])('exits 2 without contacting the BMC on $case', async ({ args, env }) => {
    const r = await run(args, { env });
    expect(r.code).toBe(ExitCode.Usage);
    expect(r.calls).toEqual([]);
  });

  it('passes Redfish TLS choices through: --insecure for this BMC only', async () => {
    const r = await run(['redfish+https://10.0.0.9:8443/redfish/v1/Systems/1', 'power', 'status', '--insecure']);
    expect(r.settings[0]).toMatchObject({ insecure: true, address: { protocol: 'redfish', baseUrl: 'https://10.0.0.9:8443', systemPath: '/redfish/v1/Systems/1' } });
  });
});
