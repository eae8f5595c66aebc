/**
 * @module bmc/cli: `metal3-bmc`, the operator's BMC check before writing a BareMetalHost.
 *
 *   metal3-bmc <bmc-address> power status|on|off|cycle|reset|soft
 *   metal3-bmc <bmc-address> bootdev [pxe|disk|cdrom|bios] [--persistent] [--uefi]
 *   metal3-bmc <bmc-address> info | inventory
 *
 * The password comes only from BMC_PASSWORD or --password-file: a flag value would show in
 * `ps` and shell history. Exit codes: 0 ok, 1 other BMC error, 2 usage, 3 auth failure,
 * 4 unreachable, 5 unsupported.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { BmcAddressError, BmcAuthError, BmcUnreachableError, BmcUnsupportedError } from '../errors.ts';
import { redact } from '../log.ts';
import { parseBmcAddress, type BmcAddress } from './address.ts';
import { createIpmiClient } from './ipmi/client.ts';
import type { PrivilegeName } from './ipmi/constants.ts';
import { createRedfishClient } from './redfish/index.ts';
import type { BmcClient, BootDevice, PowerAction } from './types.ts';

export const ExitCode = { Ok: 0, BmcError: 1, Usage: 2, Auth: 3, Unreachable: 4, Unsupported: 5 } as const;

export const USAGE = `usage: metal3-bmc <bmc-address> <command> [options]

commands:
  power status|on|off|cycle|reset|soft
  bootdev [pxe|disk|cdrom|bios] [--persistent] [--uefi]   (no device: show the current one)
  info
  inventory

options:
  --username <name>       or BMC_USERNAME
  --password-file <path>  or BMC_PASSWORD (a --password flag is refused)
  --json                  machine-readable output
  --timeout <ms>          per-attempt timeout (default: IPMI 1000, Redfish 20000)
  --retries <n>           IPMI: resends of idempotent requests (default 3)
  --ca-file <path>        Redfish: CA certificate (PEM) to trust for this BMC only
  --insecure              Redfish: skip certificate verification for this BMC only

exit codes: 0 ok, 1 BMC error, 2 usage, 3 authentication failed, 4 BMC unreachable, 5 unsupported`;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export interface ClientSettings {
  address: BmcAddress;
  username: string;
  password: string;
  /** undefined: the protocol's default (IPMI 1 s per attempt, Redfish 20 s per request) */
  timeoutMs: number | undefined;
  retries: number;
  /** Redfish: PEM of the CA to trust for this BMC only */
  caPem?: string;
  /** Redfish: trust any certificate of this BMC (bmc.disableCertificateVerification) */
  insecure?: boolean;
}

export type ClientFactory = (settings: ClientSettings) => BmcClient;

/** Scheme → client: IPMI (our RMCP+ client) or Redfish (every redfish-family scheme). */
export const createCliClient: ClientFactory = function createCliClient({ address, username, password, timeoutMs, retries, caPem, insecure }) {
  if (address.protocol === 'ipmi') {
    return createIpmiClient({
      host: address.host, port: address.port ?? 623, username, password, timeoutMs, retries,
      privilege: (address.privilegeLevel?.toLowerCase() ?? 'administrator') as PrivilegeName,
    });
  }
  if (address.protocol === 'redfish' && address.baseUrl !== undefined) {
    return createRedfishClient({
      baseUrl: address.baseUrl, systemPath: address.systemPath, username, password, timeoutMs,
      tls: { caPem, disableCertificateVerification: insecure === true },
    });
  }
  throw new BmcUnsupportedError(`${address.scheme}:// addresses are not supported by metal3-bmc`);
};

const POWER_ACTIONS: Readonly<Record<string, PowerAction>> = { on: 'on', off: 'off', cycle: 'cycle', reset: 'reset', soft: 'soft-off' };
const BOOT_DEVICES: readonly BootDevice[] = ['pxe', 'disk', 'cdrom', 'bios'];

function positiveInt(name: string, value: string | undefined, fallback: number): number;
function positiveInt(name: string, value: string | undefined, fallback: undefined): number | undefined;
function positiveInt(name: string, value: string | undefined, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer`);
  return n;
}

async function readPassword(env: NodeJS.ProcessEnv, passwordFile: string | undefined): Promise<string> {
  if (passwordFile !== undefined) {
    try {
      return (await readFile(passwordFile, 'utf8')).replace(/\r?\n$/, '');
    } catch (e) {
      throw new UsageError(`cannot read --password-file ${passwordFile}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
  const fromEnv = env.BMC_PASSWORD;
  if (fromEnv === undefined || fromEnv === '') throw new UsageError('no password: set BMC_PASSWORD or pass --password-file <path>');
  return fromEnv;
}

const is = (e: unknown, type: abstract new (...args: never[]) => Error): boolean =>
  e instanceof type || (e instanceof Error && e.name === type.name);

function exitCodeOf(e: unknown): number {
  if (is(e, UsageError) || is(e, BmcAddressError)) return ExitCode.Usage;
  if (is(e, BmcAuthError)) return ExitCode.Auth;
  if (is(e, BmcUnreachableError)) return ExitCode.Unreachable;
  if (is(e, BmcUnsupportedError)) return ExitCode.Unsupported;
  return ExitCode.BmcError;
}

/** Runs one command; returns the exit code. Everything printed is scrubbed of the password. */
export async function runCli(
  argv: readonly string[],
  { env = process.env, io = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }, createClient = createCliClient }:
  { env?: NodeJS.ProcessEnv; io?: CliIo; createClient?: ClientFactory } = {},
): Promise<number> {
  let json = argv.includes('--json');
  const out = (text: string): void => io.stdout(redact.scrub(text) + '\n');
  const fail = (e: unknown): number => {
    const code = exitCodeOf(e);
    const message = redact.scrub(e instanceof Error ? e.message : String(e));
    const name = e instanceof Error ? e.name : 'Error';
    if (json) io.stdout(JSON.stringify({ ok: false, error: { name, message }, exitCode: code }) + '\n');
    io.stderr(`metal3-bmc: ${message}\n${code === ExitCode.Usage && e instanceof UsageError ? `\n${USAGE}\n` : ''}`);
    return code;
  };

  let client: BmcClient | undefined;
  try {
    if (argv.some((a) => a === '--password' || a.startsWith('--password='))) {
      throw new UsageError('--password is refused: a password on the command line shows in ps and shell history; use BMC_PASSWORD or --password-file');
    }
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        username: { type: 'string' },
        'password-file': { type: 'string' },
        json: { type: 'boolean' },
        persistent: { type: 'boolean' },
        uefi: { type: 'boolean' },
        timeout: { type: 'string' },
        'ca-file': { type: 'string' },
        insecure: { type: 'boolean' },
        retries: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    json = values.json === true;
    if (values.help) {
      io.stdout(USAGE + '\n');
      return ExitCode.Ok;
    }
    const [addressText, command, arg, ...extra] = positionals;
    if (addressText === undefined || command === undefined) throw new UsageError('missing <bmc-address> or <command>');
    if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);

    // validate the command before touching credentials or the network
    let act: (c: BmcClient) => Promise<unknown>;
    let show: (result: unknown) => string;
    if (command === 'power') {
      if (arg === 'status') {
        act = (c) => c.powerState();
        show = (p) => `power ${String(p)}`;
      } else {
        const action = arg === undefined ? undefined : POWER_ACTIONS[arg];
        if (action === undefined) throw new UsageError(`power needs one of: status ${Object.keys(POWER_ACTIONS).join(' ')}`);
        act = async (c) => (await c.setPower(action), { power: arg });
        show = () => `power ${arg}: ok`;
      }
    } else if (command === 'bootdev') {
      if (arg === undefined) {
        act = (c) => c.bootDevice();
        show = (b) => {
          const s = b as { device: string; persistent: boolean; uefi: boolean };
          return `bootdev ${s.device} (${s.persistent ? 'persistent' : 'next boot only'}, ${s.uefi ? 'UEFI' : 'legacy'})`;
        };
      } else {
        if (!BOOT_DEVICES.includes(arg as BootDevice)) throw new UsageError(`bootdev needs one of: ${BOOT_DEVICES.join(' ')}`);
        const options = { persistent: values.persistent === true, uefi: values.uefi === true };
        act = async (c) => (await c.setBootDevice(arg as BootDevice, options), { device: arg, ...options });
        show = () => `bootdev ${arg}${options.persistent ? ' persistent' : ''}${options.uefi ? ' uefi' : ''}: ok`;
      }
    } else if (command === 'info' || command === 'inventory') {
      if (arg !== undefined) throw new UsageError(`${command} takes no argument`);
      act = (c) => (command === 'info' ? c.info() : c.inventory());
      show = (r) => Object.entries(r as Record<string, unknown>).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join('\n');
    } else {
      throw new UsageError(`unknown command ${command}`);
    }

    const address = parseBmcAddress(addressText);
    const username = values.username ?? env.BMC_USERNAME;
    if (username === undefined || username === '') throw new UsageError('no username: pass --username or set BMC_USERNAME');
    const password = await readPassword(env, values['password-file']);
    redact.add(password);
    const caFile = values['ca-file'];
    const caPem = caFile === undefined ? undefined : await readFile(caFile, 'utf8').catch(() => {
      throw new UsageError(`cannot read --ca-file ${caFile}`);
    });
    client = createClient({
      address, username, password, caPem, insecure: values.insecure === true,
      timeoutMs: positiveInt('timeout', values.timeout, undefined),
      retries: positiveInt('retries', values.retries, 3),
    });
    const result = await act(client);
    out(json ? JSON.stringify({ ok: true, result }) : show(result));
    return ExitCode.Ok;
  } catch (e) {
    // by code, not instanceof TypeError: errors from node:util may come from another realm
    const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return fail(new UsageError((e as Error).message));
    return fail(e);
  } finally {
    await client?.close().catch(() => undefined);
  }
}

/** Entry point of bin/metal3-bmc.js. */
export async function main(): Promise<void> {
  process.exitCode = await runCli(process.argv.slice(2));
}
