/**
 * @module ipmi-sim: real IPMI 2.0 BMCs for tests: OpenIPMI `ipmi_sim` on 127.0.0.1 at a free
 * UDP port, with a user, whose power and boot device live in plain files.
 *
 * Drive them with `ipmitool -I lanplus -C 3` (cipher suite 3: ipmi_sim has no SHA-256, and
 * without `-C` ipmitool stalls 10 s probing). Ironic's `ipmi` driver needs
 * `driver_info.ipmi_cipher_suite = 3` for the same reason.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { redact } from '../../shared/src/log.ts';
import { NotReadyError, PortInUseError } from './errors.ts';
import { ensureOpenIpmiInstalled } from './install.ts';
import { CHASSIS_SCRIPT, SIM_EMU, lanConf } from './ipmi-sim-files.ts';
import { freeUdpPort } from './ports.ts';
import { logTail, onExitCleanup, spawnManaged } from './processes.ts';

export { ensureOpenIpmiInstalled } from './install.ts';

const IPMI_SIM_BIN = '/usr/bin/ipmi_sim';
const IPMITOOL_BIN = '/usr/bin/ipmitool';

export type PowerState = 'on' | 'off';

export interface StartIpmiSimOptions {
  username?: string;
  /** Default: a random one (read it back from the returned BMC). */
  password?: string;
  /** UDP port on 127.0.0.1; default a free one. A port in use is rejected before starting. */
  port?: number;
  /** Unique label; default `bmc-<port>`. */
  name?: string;
  /** Deadline for `ipmitool … power status` to succeed. */
  readyTimeoutMs?: number;
  install?: boolean;
}

export interface SimulatedBmc {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly name: string;
  readonly dir: string;
  readonly pid: number;
  /** `ipmi://127.0.0.1:<port>`, the BareMetalHost `bmc.address` form. */
  readonly address: string;
  /** Milliseconds from spawn to the first successful `power status`. */
  readonly readyMs: number;
  /** The power state the "hardware" is in (the chassis state file). */
  power(): Promise<PowerState>;
  /** Flip power out of band, as if someone pressed the button. */
  setPower(on: boolean): Promise<void>;
  /** The boot device last set over IPMI: `none`, `pxe`, `default` (disk), `cdrom` or `bios`. */
  bootDevice(): Promise<string>;
  /** Every chassis_control call so far, e.g. `['get power', 'set power 1', …]`. */
  calls(): Promise<string[]>;
  stop(): Promise<void>;
}

export interface IpmitoolResult {
  ok: boolean;
  code: number;
  stdout: string;
  stderr: string;
}

export interface IpmitoolOptions {
  /** Override the BMC's password (e.g. to prove a wrong one fails). */
  password?: string;
  timeoutMs?: number;
  /** ipmitool's own per-try timeout (-N, seconds) and retries (-R). */
  perTrySeconds?: number;
  retries?: number;
}

/** Run `ipmitool -I lanplus -C 3` against a BMC; never throws for a non-zero exit. */
export function runIpmitool(
  bmc: Pick<SimulatedBmc, 'host' | 'port' | 'username' | 'password'>,
  args: readonly string[],
  { password = bmc.password, timeoutMs = 15_000, perTrySeconds = 1, retries = 2 }: IpmitoolOptions = {},
): Promise<IpmitoolResult> {
  // -E reads the password from IPMI_PASSWORD, keeping it out of argv (visible in ps)
  const argv = ['-I', 'lanplus', '-C', '3', '-H', bmc.host, '-p', String(bmc.port), '-U', bmc.username, '-E',
    '-N', String(perTrySeconds), '-R', String(retries), ...args];
  return new Promise((resolve) => {
    execFile(IPMITOOL_BIN, argv, { timeout: timeoutMs, env: { ...process.env, IPMI_PASSWORD: password } }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ ok: err === null, code, stdout, stderr: err !== null && err.killed ? `${stderr}(killed after ${timeoutMs} ms)` : stderr });
    });
  });
}

/** True when a UDP port on 127.0.0.1 cannot be bound (someone holds it). */
export function isUdpPortInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    sock.unref();
    sock.once('error', () => resolve(true));
    sock.bind(port, host, () => sock.close(() => resolve(false)));
  });
}

/** Start one simulated BMC and resolve once it answers IPMI; the caller must `stop()` it. */
export async function startIpmiSim({
  username = 'admin',
  password = `pw${randomBytes(6).toString('hex')}`,
  port: wantedPort,
  name: wantedName,
  readyTimeoutMs = 20_000,
  install = true,
}: StartIpmiSimOptions = {}): Promise<SimulatedBmc> {
  redact.add(password);
  if (wantedPort !== undefined && (await isUdpPortInUse(wantedPort))) {
    throw new PortInUseError(`cannot start ipmi_sim: UDP port ${wantedPort} on 127.0.0.1 is already in use`, wantedPort);
  }
  await ensureOpenIpmiInstalled({ install });
  let port = wantedPort ?? (await freeUdpPort());
  const name = wantedName ?? `bmc-${port}`;
  const dir = await mkdtemp(join(tmpdir(), 'bed-ipmi-'));
  const forgetDir = onExitCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const chassisDir = join(dir, 'chassis');
  const chassisScript = join(dir, 'chassis.sh');
  const logPath = join(dir, 'sim.log');
  const guid = randomBytes(16).toString('hex');
  const writeLanConf = (p: number): Promise<void> =>
    writeFile(join(dir, 'lan.conf'), lanConf({ name, port: p, guid, username, password, chassisScript, chassisDir }), { mode: 0o600 });
  const removeDir = async (): Promise<void> => {
    forgetDir();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await mkdir(join(dir, 'state'));
    await mkdir(chassisDir);
    await writeFile(chassisScript, CHASSIS_SCRIPT);
    await chmod(chassisScript, 0o755);
    await writeFile(join(dir, 'sim.emu'), SIM_EMU);
    await writeLanConf(port);
  } catch (err) {
    await removeDir();
    throw err;
  }

  for (let attempt = 1; ; attempt++) {
    const spawnedAt = Date.now();
    const proc = await spawnManaged({
      name: `ipmi_sim ${name}`, command: IPMI_SIM_BIN, logPath,
      args: ['-c', join(dir, 'lan.conf'), '-f', join(dir, 'sim.emu'), '-s', join(dir, 'state'), '-n'],
    });
    const bmcAccess = { host: '127.0.0.1' as const, port, username, password };
    const last = await waitForPowerStatus(bmcAccess, spawnedAt + readyTimeoutMs, () => proc.isRunning());
    // ipmi_sim binds with SO_REUSEADDR: a second sim on the same port starts "fine" and steals packets
    const shared = last.ok && (await udpSocketsOn(port)) > 1;
    if (last.ok && !shared) {
      return makeBmc({ ...bmcAccess, name, dir, pid: proc.pid, readyMs: Date.now() - spawnedAt, chassisDir }, async () => {
        await proc.stop({ graceMs: 3_000 });
        await removeDir();
      });
    }
    const exited = !proc.isRunning();
    await proc.stop({ graceMs: 3_000 });
    if (shared && wantedPort === undefined && attempt < 3) {
      port = await freeUdpPort();
      await writeLanConf(port);
      continue;
    }
    const tail = await logTail(logPath, 10);
    await removeDir();
    if (shared) throw new PortInUseError(`cannot start ipmi_sim: UDP port ${port} on 127.0.0.1 is already in use by another ipmi_sim`, port);
    throw new NotReadyError(
      `ipmi_sim ${name} on UDP 127.0.0.1:${port} did not answer within ${readyTimeoutMs} ms` +
      `${exited ? ' (the process exited)' : ''}; ipmitool said: ${last.stderr.trim() || 'nothing'}\n--- tail of ${logPath} ---\n${tail}`,
      { context: { pid: proc.pid, port } },
    );
  }
}

/** Poll `chassis power status` until it succeeds, the deadline passes, or the sim dies. */
async function waitForPowerStatus(
  bmc: Pick<SimulatedBmc, 'host' | 'port' | 'username' | 'password'>, deadline: number, alive: () => boolean,
): Promise<IpmitoolResult> {
  let last: IpmitoolResult = { ok: false, code: -1, stdout: '', stderr: '' };
  while (alive()) {
    last = await runIpmitool(bmc, ['chassis', 'power', 'status'], { timeoutMs: Math.max(1_000, Math.min(5_000, deadline - Date.now())) });
    if (last.ok || Date.now() >= deadline) break;
    await sleep(50);
  }
  return last;
}

/** How many UDP sockets are bound to `port` (IPv4, any address), from /proc/net/udp. */
export async function udpSocketsOn(port: number): Promise<number> {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const text = await readFile('/proc/net/udp', 'utf8');
  return text.split('\n').slice(1).filter((line) => line.trim().split(/\s+/)[1]?.endsWith(hexPort)).length;
}

interface BmcFields extends Pick<SimulatedBmc, 'host' | 'port' | 'username' | 'password' | 'name' | 'dir' | 'pid' | 'readyMs'> {
  chassisDir: string;
}

function makeBmc({ chassisDir, ...fields }: BmcFields, stop: () => Promise<void>): SimulatedBmc {
  const readState = async (file: string, fallback: string): Promise<string> => {
    try {
      return (await readFile(join(chassisDir, file), 'utf8')).trim() || fallback;
    } catch {
      return fallback;
    }
  };

  return {
    ...fields,
    address: `ipmi://127.0.0.1:${fields.port}`,
    power: async function power() {
      return (await readState('power', '0')) === '1' ? 'on' : 'off';
    },
    setPower: async function setPower(on: boolean) {
      const tmp = join(chassisDir, `power.tmp.node${process.pid}`);
      await writeFile(tmp, on ? '1\n' : '0\n');
      await rename(tmp, join(chassisDir, 'power'));
    },
    bootDevice: function bootDevice() {
      return readState('boot', 'none');
    },
    calls: async function calls() {
      const text = await readState('calls.log', '');
      return text === '' ? [] : text.split('\n').map((l) => l.trim());
    },
    stop: function stopBmc() { return stop(); },
  };
}

/**
 * Start `count` BMCs concurrently (same options, distinct ports and names `<prefix>-<i>`).
 * If any fails, the ones already started are stopped and the first error is thrown.
 */
export async function startIpmiSims(
  count: number,
  { namePrefix = 'bmc', ...options }: Omit<StartIpmiSimOptions, 'port' | 'name'> & { namePrefix?: string } = {},
): Promise<SimulatedBmc[]> {
  const results = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => startIpmiSim({ ...options, name: `${namePrefix}-${i}` })),
  );
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(started.map((b) => b.stop()));
    throw failed.reason;
  }
  return started;
}

/** Stop many BMCs at once. */
export async function stopIpmiSims(bmcs: readonly SimulatedBmc[]): Promise<void> {
  await Promise.all(bmcs.map((b) => b.stop()));
}
