/**
 * @module processes: spawn long-running helper processes (Ironic, ipmi_sim, emulators) that
 * log to a file, stop by PID (SIGTERM, then SIGKILL after a bound), and never outlive us.
 *
 * Every child runs in its own process group, so a stop also reaches anything it forked.
 * A process-wide registry kills still-running children when this process exits or gets
 * SIGINT/SIGTERM. Only a SIGKILL of the parent can orphan a child; callers that keep a
 * state dir also write a PID file and reap it on the next start (`reapPidFile`).
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, readdir, readlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { BedSetupError } from './errors.ts';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** Resolves once the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  isRunning(): boolean;
  /** SIGTERM the process group, SIGKILL it after `graceMs`, resolve when it is gone. Idempotent. */
  stop(options?: StopOptions): Promise<ExitInfo>;
}

export interface StopOptions {
  /** How long SIGTERM gets before SIGKILL. */
  graceMs?: number;
}

export interface SpawnOptions {
  /** A short label for messages ("ironic", "ipmi_sim bmc-3"). */
  name: string;
  command: string;
  args?: readonly string[];
  /** stdout and stderr are appended here. */
  logPath: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Also write the PID here (removed again on exit), so a later run can reap a leftover. */
  pidFile?: string;
}

const running = new Map<number, string>();

/** PIDs of children this process started and that have not exited yet. */
export function runningChildren(): ReadonlyMap<number, string> {
  return running;
}

/** Start `command` detached into its own process group, output to `logPath`. */
export async function spawnManaged({ name, command, args = [], logPath, cwd, env, pidFile }: SpawnOptions): Promise<ManagedProcess> {
  installExitHooks();
  const fd = openSync(logPath, 'a');
  let child;
  try {
    child = spawn(command, args, { cwd, env: env ?? process.env, stdio: ['ignore', fd, fd], detached: true });
  } finally {
    closeSync(fd);
  }
  // ENOENT/EACCES arrive as an 'error' event instead of 'spawn'
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) => {
      releaseExitHooksIfIdle();
      reject(new BedSetupError(`cannot start ${name} (${command}): ${err.message}`, { cause: err }));
    });
  });
  const pid = child.pid;
  if (pid === undefined) throw new BedSetupError(`cannot start ${name} (${command}): no PID`);
  running.set(pid, name);
  if (pidFile !== undefined) writeFileSync(pidFile, `${pid}\n`);

  let done = false;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      running.delete(pid);
      releaseExitHooksIfIdle();
      if (pidFile !== undefined) rmSync(pidFile, { force: true });
      resolve({ code, signal });
    });
  });

  let stopping: Promise<ExitInfo> | undefined;
  return {
    name,
    pid,
    logPath,
    exited,
    isRunning: function isRunning() { return !done; },
    stop: function stop({ graceMs = 5_000 }: StopOptions = {}) {
      stopping ??= (async () => {
        if (done) return exited;
        signalGroup(pid, 'SIGTERM');
        const timer = sleep(graceMs, 'timeout' as const, { ref: false });
        if ((await Promise.race([exited, timer])) === 'timeout') signalGroup(pid, 'SIGKILL');
        const info = await exited;
        // stragglers forked by the child (same group) go too
        signalGroup(pid, 'SIGKILL');
        return info;
      })();
      return stopping;
    },
  };
}

/** True when a process with this PID exists (zombies included). */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Stop a process we did not spawn in this run (e.g. found in a PID file): SIGTERM, then SIGKILL. */
export async function stopPid(pid: number, { graceMs = 5_000 }: StopOptions = {}): Promise<void> {
  const kill = (sig: NodeJS.Signals): void => { try { process.kill(pid, sig); } catch { /* already gone */ } };
  kill('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isPidAlive(pid) && Date.now() < deadline) await sleep(50);
  if (isPidAlive(pid)) kill('SIGKILL');
  while (isPidAlive(pid) && Date.now() < deadline + 2_000) await sleep(20);
}

/**
 * Kill a leftover from a previous run whose parent died hard, if the PID file names a live
 * process whose command line contains `expect` (guards against PID reuse). Removes the file.
 */
export async function reapPidFile(pidFile: string, expect: string): Promise<boolean> {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
  } catch {
    return false;
  }
  rmSync(pidFile, { force: true });
  if (!Number.isInteger(pid) || pid <= 1 || !isPidAlive(pid)) return false;
  let cmdline = '';
  try { cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '); } catch { return false; }
  if (!cmdline.includes(expect)) return false;
  await stopPid(pid);
  return true;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // group gone already; fall back to the leader alone in case it left its group
    try { process.kill(pid, signal); } catch { /* gone */ }
  }
}

let hooksInstalled = false;

const exitCleanups = new Set<() => void>();

/**
 * Run `fn` (synchronous, e.g. `rmSync` of a temp dir) if this process exits or is signalled
 * before the returned `unregister` is called; runs after the children are killed.
 */
export function onExitCleanup(fn: () => void): () => void {
  installExitHooks();
  exitCleanups.add(fn);
  return function unregister() {
    exitCleanups.delete(fn);
    releaseExitHooksIfIdle();
  };
}

/** Kill every still-running child synchronously (the only thing possible inside 'exit'), then clean up. */
function killAllChildren(): void {
  for (const pid of running.keys()) signalGroup(pid, 'SIGKILL');
  running.clear();
  for (const fn of exitCleanups) {
    try { fn(); } catch { /* best effort on the way out */ }
  }
  exitCleanups.clear();
}

const signalHandlers = new Map<NodeJS.Signals, () => void>();

// Hooks live only while something needs them, so many module instances (one per Jest test
// file) never pile up listeners on the shared process.
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllChildren);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAllChildren();
      releaseExitHooks();
      // keep the default behaviour (die by that signal) unless someone else handles it
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    signalHandlers.set(sig, onSignal);
    process.on(sig, onSignal);
  }
}

function releaseExitHooks(): void {
  if (!hooksInstalled) return;
  hooksInstalled = false;
  process.removeListener('exit', killAllChildren);
  for (const [sig, handler] of signalHandlers) process.removeListener(sig, handler);
  signalHandlers.clear();
}

function releaseExitHooksIfIdle(): void {
  if (running.size === 0 && exitCleanups.size === 0) releaseExitHooks();
}

/** The last `maxLines` lines of a log file (or a note that it is missing). */
export async function logTail(path: string, maxLines = 25): Promise<string> {
  try {
    const text = await readFile(path, 'utf8');
    return text.trimEnd().split('\n').slice(-maxLines).join('\n').slice(-4000);
  } catch {
    return `(no log at ${path})`;
  }
}

/**
 * True when process `pid` holds a TCP socket listening on `port` (any local address).
 * Proves a readiness answer came from our child, not from whoever else grabbed the port.
 */
export async function pidListensOnTcp(pid: number, port: number): Promise<boolean> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try { text = await readFile(table, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // cols: sl local_address rem_address st ... inode (10th)
      if (cols.length > 9 && cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A' && cols[9] !== undefined) inodes.add(cols[9]);
    }
  }
  if (inodes.size === 0) return false;
  let fds: string[];
  try { fds = await readdir(`/proc/${pid}/fd`); } catch { return false; }
  for (const fd of fds) {
    try {
      const link = await readlink(`/proc/${pid}/fd/${fd}`);
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m?.[1] !== undefined && inodes.has(m[1])) return true;
    } catch { /* fd closed meanwhile */ }
  }
  return false;
}
