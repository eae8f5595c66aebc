/**
 * @module ironic: start and stop a real, standalone OpenStack Ironic (its all-in-one `ironic`
 * program) on 127.0.0.1 for tests, the demo and benchmarks. The build is the pinned PyPI
 * release by default, Debian's 21.4 with IRONIC_BED=debian (see install.ts, docs/test-bed.md).
 *
 * One process (API + conductor), noauth, SQLite, no message bus unless notifications are asked for; all state in one dir.
 * Fails loud: missing package, port in use, or no answer by the deadline → a typed error
 * quoting the cause, with the process already stopped.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { BedSetupError, NotReadyError, PortInUseError } from './errors.ts';
import { ensureIronicInstalled, ironicBuildFromEnv, type IronicBuild, type IronicInstallation } from './install.ts';
import { ironicConfigSections, renderIni, type FakeDelayName, type HardwareType, type IniSections } from './ironic-config.ts';
import { freeTcpPort, isTcpPortInUse } from './ports.ts';
import { logTail, onExitCleanup, pidListensOnTcp, reapPidFile, spawnManaged } from './processes.ts';

export { ensureIronicInstalled, ironicBuildFromEnv, IRONIC_PYPI_VERSION, type IronicBuild, type IronicInstallation } from './install.ts';
export type { HardwareType, FakeDelayName, IniSections } from './ironic-config.ts';

const run = promisify(execFile);
/**
 * Send on every raw request: without it Ironic speaks microversion 1.1 (notes gotcha 2).
 * 1.82 is served by both bed builds; the functions' client negotiates its own (microversion.ts).
 */
export const IRONIC_API_VERSION = '1.82';

export interface StartIronicOptions {
  /** API port on 127.0.0.1; default a free one. A port in use is rejected before starting. */
  port?: number;
  /** Default: fake-hardware and ipmi, plus redfish when python3-sushy is importable. */
  hardwareTypes?: readonly HardwareType[];
  /** `[fake] <name>_delay` in whole seconds, to open realistic async windows. */
  fakeDelays?: Partial<Record<FakeDelayName, number>>;
  /** ini sections merged over the defaults. */
  extraConfig?: IniSections;
  /** Publish Ironic's versioned notifications to this bus (`rabbit://user:pass@host:port/`; see rabbitmq.ts). */
  notificationsTransportUrl?: string;
  /** State dir. Reusing one keeps the SQLite DB across restarts; it is never deleted by stop(). */
  dir?: string;
  /** Deadline for `GET /` to answer 200. */
  readyTimeoutMs?: number;
  /** Install the chosen build when missing (the Debian packages: root only). */
  install?: boolean;
  /** Default: IRONIC_BED (`pypi` unless set to `debian`). */
  build?: IronicBuild;
}

export interface IronicInstance {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  readonly pid: number;
  readonly logPath: string;
  readonly hardwareTypes: readonly HardwareType[];
  /** Which Ironic runs, and from where. */
  readonly installation: IronicInstallation;
  /** Measured: schema creation (0 when the DB existed) and spawn → `GET /` 200. */
  readonly timings: { schemaMs: number; readyMs: number };
  /** SIGTERM, SIGKILL after a bound, wait for exit; removes the dir only if we created it. */
  stop(): Promise<void>;
}

const sushyProbes = new Map<IronicBuild, Promise<boolean>>();

/** True when the chosen build's Python can import sushy (the redfish hardware type needs it). */
export function isSushyAvailable(build: IronicBuild = ironicBuildFromEnv()): Promise<boolean> {
  let probe = sushyProbes.get(build);
  if (!probe) {
    probe = ensureIronicInstalled({ build }).then(
      (inst) => run(inst.python, ['-c', 'import sushy'], { timeout: 20_000 }).then(() => true, () => false),
      () => false,
    );
    sushyProbes.set(build, probe);
  }
  return probe;
}

async function defaultHardwareTypes(build: IronicBuild): Promise<HardwareType[]> {
  return (await isSushyAvailable(build)) ? ['fake-hardware', 'ipmi', 'redfish'] : ['fake-hardware', 'ipmi'];
}

/** Start Ironic and resolve once its API answers; the caller must `stop()` it. */
export async function startIronic({
  port: wantedPort,
  hardwareTypes,
  fakeDelays,
  extraConfig,
  notificationsTransportUrl,
  dir: wantedDir,
  readyTimeoutMs = 60_000,
  install = true,
  build = ironicBuildFromEnv(),
}: StartIronicOptions = {}): Promise<IronicInstance> {
  if (wantedPort !== undefined && (await isTcpPortInUse(wantedPort))) {
    throw new PortInUseError(`cannot start Ironic: port ${wantedPort} on 127.0.0.1 is already in use`, wantedPort);
  }
  const installation = await ensureIronicInstalled({ install, build });
  const types = hardwareTypes ?? (await defaultHardwareTypes(build));
  const ownsDir = wantedDir === undefined;
  const dir = wantedDir ?? (await mkdtemp(join(tmpdir(), 'bed-ironic-')));
  // a temp dir of ours also goes if the test process dies before stop()
  const forgetDir = ownsDir ? onExitCleanup(() => rmSync(dir, { recursive: true, force: true })) : () => undefined;
  const removeOwnedDir = async (): Promise<void> => {
    forgetDir();
    if (ownsDir) await rm(dir, { recursive: true, force: true });
  };
  const confPath = join(dir, 'ironic.conf');
  const logPath = join(dir, 'ironic.log');
  const pidFile = join(dir, 'ironic.pid');
  const writeConfig = (port: number): Promise<void> =>
    writeFile(confPath, renderIni(ironicConfigSections({ dir, port, hardwareTypes: types, fakeDelays, extraConfig, build, ...(notificationsTransportUrl ? { notifications: { transportUrl: notificationsTransportUrl } } : {}) })));

  let port = wantedPort ?? (await freeTcpPort());
  let schemaMs = 0;
  try {
    // a previous run on this dir that died hard may have left its Ironic behind
    await reapPidFile(pidFile, installation.ironicBin);
    for (const sub of ['state', 'lock', 'tftpboot/master_images', 'httpboot', 'images', 'master_images']) {
      await mkdir(join(dir, sub), { recursive: true });
    }
    await writeConfig(port);
    if (!existsSync(join(dir, 'ironic.sqlite'))) schemaMs = await createSchema(installation.dbsyncBin, confPath, join(dir, 'dbsync.log'));
  } catch (err) {
    await removeOwnedDir();
    throw err;
  }

  // a free port can be taken by a parallel test between our probe and Ironic's bind: pick another
  for (let attempt = 1; ; attempt++) {
    const spawnedAt = Date.now();
    const proc = await spawnManaged({ name: `ironic :${port}`, command: installation.ironicBin, args: ['--config-file', confPath], logPath, pidFile });
    const url = `http://127.0.0.1:${port}`;
    // the PyPI build's `ironic` is a supervisor that forks the service and, when the service dies,
    // forks it again: a crashed child counts as an exit
    const serviceDied = (): boolean => !proc.isRunning() || childExitedWithError(logPath);
    try {
      await waitUntilReady(url, readyTimeoutMs, serviceDied, () => treeListensOnTcp(proc.pid, port));
    } catch (err) {
      const exited = serviceDied();
      await proc.stop({ graceMs: 3_000 });
      const tail = await logTail(logPath);
      if (exited && wantedPort === undefined && attempt < 3 && tail.includes('Address already in use')) {
        port = await freeTcpPort();
        await writeConfig(port);
        continue;
      }
      await removeOwnedDir();
      const what = exited ? 'exited before answering GET /' : `did not answer GET / within ${readyTimeoutMs} ms`;
      throw new NotReadyError(`Ironic on ${url} ${what} (${(err as Error).message})\n--- tail of ${logPath} ---\n${tail}`,
        { cause: err, context: { pid: proc.pid, port } });
    }
    const readyMs = Date.now() - spawnedAt;
    return makeInstance({ url, port, dir, pid: proc.pid, logPath, hardwareTypes: types, installation, timings: { schemaMs, readyMs } }, async () => {
      await proc.stop({ graceMs: 5_000 });
      await removeOwnedDir();
    });
  }
}

/** The supervisor's line for a service child that failed (cotyledon, PyPI build). */
function childExitedWithError(logPath: string): boolean {
  try {
    return /Child \d+ exited with status [1-9]/.test(readFileSync(logPath, 'utf8'));
  } catch {
    return false;
  }
}

/** True when `pid` or one of its children holds the listening socket (the PyPI build serves from a child). */
async function treeListensOnTcp(pid: number, port: number): Promise<boolean> {
  if (await pidListensOnTcp(pid, port)) return true;
  // any thread may have forked the service: read every task's children
  const children: string[] = [];
  let tasks: string[] = [];
  try { tasks = readdirSync(`/proc/${pid}/task`); } catch { return false; }
  for (const task of tasks) {
    try {
      children.push(...readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean));
    } catch { /* thread gone */ }
  }
  for (const child of children) if (await pidListensOnTcp(Number(child), port)) return true;
  return false;
}

function makeInstance(fields: Omit<IronicInstance, 'stop'>, stop: () => Promise<void>): IronicInstance {
  return { ...fields, stop: function stopIronic() { return stop(); } };
}

async function createSchema(dbsyncBin: string, confPath: string, logPath: string): Promise<number> {
  const t0 = Date.now();
  try {
    // create_schema, never upgrade: SQLite cannot ALTER constraints (notes gotcha 1)
    const { stdout, stderr } = await run(dbsyncBin, ['--config-file', confPath, 'create_schema'], { timeout: 60_000 });
    await writeFile(logPath, stdout + stderr);
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    await writeFile(logPath, (e.stdout ?? '') + (e.stderr ?? '')).catch(() => undefined);
    // a half-built DB would be taken as ready on the next start of a kept dir
    await rm(join(dirname(confPath), 'ironic.sqlite'), { force: true });
    const tail = (e.stderr ?? e.message).trimEnd().split('\n').slice(-10).join('\n');
    throw new BedSetupError(`ironic-dbsync create_schema failed for ${confPath}:\n${tail}`, { cause: err });
  }
  return Date.now() - t0;
}

/** Poll `GET /` until 200 from our Ironic (it holds the listening socket), or throw by the deadline / when `gaveUp()` says so. */
async function waitUntilReady(url: string, timeoutMs: number, gaveUp: () => boolean, ours: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (gaveUp()) throw new Error(last);
    try {
      const left = Math.max(1, Math.min(2_000, deadline - Date.now()));
      const res = await fetch(`${url}/`, { signal: AbortSignal.timeout(left) });
      const body = await res.text();
      // someone else's server on the port would answer too; only Ironic's root names itself
      if (res.status === 200 && body.includes('OpenStack Ironic API')) {
        if (await ours()) return;
        last = 'another process answers on this port';
      } else {
        last = `GET / answered ${res.status}`;
      }
    } catch (err) {
      last = (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message;
    }
    await sleep(Math.min(100, Math.max(0, deadline - Date.now())));
  }
  throw new Error(`last: ${last}`);
}

/** An Ironic to test against: one we started, or an external one named by IRONIC_URL. */
export interface IronicEndpoint {
  readonly url: string;
  /** True when it came from IRONIC_URL: we neither started it nor will stop it. */
  readonly external: boolean;
  stop(): Promise<void>;
}

/**
 * `IRONIC_URL` set → use that Ironic (noauth, API ≥ 1.82 expected; stop() is a no-op);
 * otherwise start one with `options`. Integration suites call this so they can run
 * against a real deployment unchanged.
 */
export async function connectOrStartIronic(options: StartIronicOptions = {}, env: NodeJS.ProcessEnv = process.env): Promise<IronicEndpoint> {
  const external = env.IRONIC_URL?.trim();
  if (external) {
    const url = external.replace(/\/+$/, '');
    return { url, external: true, stop: async function stopNothing() { /* not ours */ } };
  }
  const started = await startIronic(options);
  return { url: started.url, external: false, stop: started.stop };
}
