/**
 * @module rabbitmq: start and stop a real RabbitMQ (Debian's rabbitmq-server) on 127.0.0.1 for
 * tests, the demo and benchmarks: the bus OpenStack Ironic publishes its notifications to.
 *
 * One node per call, all state in a temp dir, its own node name, a random password for a
 * non-guest user, and both the AMQP listener and the Erlang distribution port on loopback.
 * epmd (port 4369) is shared by every Erlang node on the machine and outlives the bed.
 * Ready means our password completes an AMQP handshake, so a foreign server on the port never
 * passes for ours.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { probeAmqp } from '../../shared/src/amqp/consumer.ts';
import { isAmqpError } from '../../shared/src/amqp/errors.ts';
import { BedSetupError, NotReadyError, PortInUseError } from './errors.ts';
import { freeTcpPort, isTcpPortInUse } from './ports.ts';
import { isPidAlive, logTail, onExitCleanup, spawnManaged, stopPid } from './processes.ts';

/** Debian's rabbitmq-server package (3.10 on bookworm, on Erlang 25). */
export const RABBITMQ_SERVER_BIN = '/usr/lib/rabbitmq/bin/rabbitmq-server';
/** The user the bed creates; Ironic's transport URL and our consumer log in as it. */
export const RABBITMQ_BED_USER = 'ironic';

export interface StartRabbitMqOptions {
  /** AMQP port on 127.0.0.1; default a free one. A port in use is rejected before starting. */
  port?: number;
  /** Deadline for an AMQP handshake to succeed, from spawn. */
  readyTimeoutMs?: number;
}

export interface RabbitMqInstance {
  /** amqp://user:pass@127.0.0.1:port/ (default vhost "/"); carries the password. */
  readonly url: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** The process group leader (the rabbitmq-server script; beam.smp runs under it). */
  readonly pid: number;
  readonly logPath: string;
  readonly dir: string;
  /** Erlang node name, unique per bed (`rabbitMqNodePids` finds its processes by it). */
  readonly nodeName: string;
  /** Erlang distribution port, bound to 127.0.0.1. */
  readonly distPort: number;
  /** Spawn → first successful AMQP handshake. */
  readonly readyMs: number;
  /** SIGTERM the process group (the broker closes its connections with 320), SIGKILL after a bound, remove the dir. Idempotent. */
  stop(): Promise<void>;
}

export function isRabbitMqInstalled(): boolean {
  return existsSync(RABBITMQ_SERVER_BIN);
}

/** The oslo.messaging transport URL for this bed (`[oslo_messaging_notifications] transport_url`). */
export function rabbitTransportUrl(bus: Pick<RabbitMqInstance, 'user' | 'password' | 'port'>): string {
  return `rabbit://${encodeURIComponent(bus.user)}:${encodeURIComponent(bus.password)}@127.0.0.1:${bus.port}/`;
}

/** Start RabbitMQ and resolve once it accepts an AMQP login; the caller must `stop()` it. */
export async function startRabbitMq({ port: wantedPort, readyTimeoutMs = 60_000 }: StartRabbitMqOptions = {}): Promise<RabbitMqInstance> {
  if (!isRabbitMqInstalled()) throw new BedSetupError(`cannot start RabbitMQ: ${RABBITMQ_SERVER_BIN} is missing (apt-get install rabbitmq-server)`);
  if (wantedPort !== undefined && (await isTcpPortInUse(wantedPort))) {
    throw new PortInUseError(`cannot start RabbitMQ: port ${wantedPort} on 127.0.0.1 is already in use`, wantedPort);
  }
  // mkdtemp makes the dir 0700: it holds the password (rabbitmq.conf) and the Erlang cookie
  const dir = await mkdtemp(join(tmpdir(), 'bed-rabbitmq-'));
  const forgetDir = onExitCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const removeDir = async (): Promise<void> => {
    forgetDir();
    await rm(dir, { recursive: true, force: true });
  };
  const user = RABBITMQ_BED_USER;
  const password = randomBytes(18).toString('base64url');
  const nodeName = `m3f-${process.pid}-${randomBytes(4).toString('hex')}@localhost`;
  const logPath = join(dir, 'rabbitmq.log');

  let port = wantedPort ?? (await freeTcpPort());
  for (let attempt = 1; ; attempt++) {
    const distPort = await freeTcpPort();
    try {
      await writeNodeFiles(dir, { port, user, password });
    } catch (err) {
      await removeDir();
      throw new BedSetupError(`cannot prepare RabbitMQ dir ${dir}: ${(err as Error).message}`, { cause: err });
    }
    const spawnedAt = Date.now();
    const proc = await spawnManaged({
      name: `rabbitmq :${port}`,
      command: RABBITMQ_SERVER_BIN,
      logPath,
      cwd: dir,
      env: nodeEnv(dir, nodeName, distPort),
    });
    const url = `amqp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/`;
    const stopNode = async (): Promise<void> => {
      await proc.stop({ graceMs: 15_000 });
      await killLeftovers(nodeName);
    };
    try {
      await waitUntilReady(url, readyTimeoutMs, () => !proc.isRunning());
    } catch (err) {
      const exited = !proc.isRunning();
      await stopNode();
      const tail = await logTail(logPath, 40);
      // a port free a moment ago may have been taken since (ours or the distribution port): pick others
      if (exited && wantedPort === undefined && attempt < 3 && /eaddrinuse|address already in use/i.test(tail)) {
        port = await freeTcpPort();
        continue;
      }
      await removeDir();
      const what = exited ? 'exited before accepting an AMQP login' : `did not accept an AMQP login within ${readyTimeoutMs} ms`;
      throw new NotReadyError(`RabbitMQ ${nodeName} on 127.0.0.1:${port} ${what} (${(err as Error).message})\n--- tail of ${logPath} ---\n${tail}`,
        { cause: err, context: { pid: proc.pid, port } });
    }
    const readyMs = Date.now() - spawnedAt;
    let stopping: Promise<void> | undefined;
    return {
      url, port, user, password, pid: proc.pid, logPath, dir, nodeName, distPort, readyMs,
      stop: function stopRabbitMq() {
        stopping ??= (async () => {
          await stopNode();
          await removeDir();
        })();
        return stopping;
      },
    };
  }
}

async function writeNodeFiles(dir: string, { port, user, password }: { port: number; user: string; password: string }): Promise<void> {
  await mkdir(join(dir, 'mnesia'), { recursive: true });
  await mkdir(join(dir, 'log'), { recursive: true });
  await writeFile(join(dir, 'enabled_plugins'), '[].\n');
  await writeFile(join(dir, 'rabbitmq.conf'), [
    `listeners.tcp.1 = 127.0.0.1:${port}`,
    `default_user = ${user}`,
    `default_pass = ${password}`,
    'default_vhost = /',
    // test machines run close to full disks; the default 50 MB alarm would block publishers
    'disk_free_limit.absolute = 1MB',
    '',
  ].join('\n'), { mode: 0o600 });
}

function nodeEnv(dir: string, nodeName: string, distPort: number): NodeJS.ProcessEnv {
  // a caller's own RabbitMQ/Erlang settings must not leak into the bed's node
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(RABBITMQ_|ERL_)/.test(k)));
  return {
    ...inherited,
    HOME: dir, // the Erlang cookie goes here
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_BASE: dir,
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
    RABBITMQ_LOGS: '-', // to stdout, which is our log file
    RABBITMQ_DIST_PORT: String(distPort),
    // the distribution port accepts anyone with the cookie: keep it on loopback
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    ERL_EPMD_ADDRESS: '127.0.0.1',
  };
}

/** Retry an AMQP handshake with our credentials until it succeeds, the process exits, or the deadline. */
async function waitUntilReady(url: string, timeoutMs: number, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (exited()) throw new Error(last);
    try {
      await probeAmqp({ url, timeoutMs: Math.max(1, Math.min(5_000, deadline - Date.now())) });
      return;
    } catch (err) {
      last = isAmqpError(err) ? `${err.code}: ${err.message}` : (err as Error).message;
    }
    await sleep(Math.min(200, Math.max(0, deadline - Date.now())));
  }
  throw new Error(`last: ${last}`);
}

/** beam.smp and its helpers (erl_child_setup, inet_gethost) normally die with the group; make sure. */
async function killLeftovers(nodeName: string): Promise<void> {
  for (const pid of await rabbitMqNodePids(nodeName)) {
    if (isPidAlive(pid)) await stopPid(pid, { graceMs: 2_000 });
  }
}

/**
 * Processes started for this node: empty once the bed stopped cleanly. Found by the
 * RABBITMQ_NODENAME each of them inherits; the node name is not on beam.smp's command line
 * (RabbitMQ starts distribution at runtime), so `pgrep -f <node>` would find nothing.
 */
export async function rabbitMqNodePids(nodeName: string): Promise<number[]> {
  const marker = `RABBITMQ_NODENAME=${nodeName}`;
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let environ: string;
    try { environ = await readFile(`/proc/${entry}/environ`, 'latin1'); } catch { continue; } // gone, or not ours to read
    if (environ.split('\0').includes(marker)) pids.push(Number(entry));
  }
  return pids;
}

/** The local addresses a TCP port listens on (from /proc/net/tcp{,6}), e.g. ['127.0.0.1']. */
export async function tcpListenAddresses(port: number): Promise<string[]> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const out: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try { text = await readFile(table, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      if (local === undefined || cols[3] !== '0A' || !local.endsWith(`:${hexPort}`)) continue;
      out.push(hexToAddress(local.slice(0, -5)));
    }
  }
  return out;
}

/** /proc/net/tcp stores an IPv4 address as one little-endian 32-bit hex word; IPv6 as four. */
function hexToAddress(hex: string): string {
  if (hex.length === 8) return [6, 4, 2, 0].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)).join('.');
  const words = [0, 8, 16, 24].map((i) => hex.slice(i, i + 8).match(/../g)?.reverse().join('') ?? '');
  return words.join('').match(/.{4}/g)?.join(':') ?? hex;
}
