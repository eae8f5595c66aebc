/**
 * @module chaos/function-pool: the five functions as child processes
 * (function-process.ts), each behind a small loopback tap that the broker
 * delivers to. The tap forwards to whichever process is current (restarts
 * get a new port), and shows every CloudEvent in and every reply out to an
 * inspector (the secret-leak check). A process that dies is restarted;
 * kills we sent, crash points and any other exit are counted apart.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TransitionName } from '../../shared/src/state-machine/states.ts';
import { TRANSITION_NAMES } from '../../shared/src/state-machine/states.ts';
import { freeTcpPort } from '../bed/ports.ts';

const ENTRY = fileURLToPath(new URL('./function-process.ts', import.meta.url));

export interface PoolOptions {
  /** environment per function (config, KUBECONFIG with its own token, IRONIC_URL) */
  envFor(name: TransitionName): Record<string, string>;
  /** crash-point probability (0 = off) and the base seed for their draws */
  crashRate?: number;
  seed?: number;
  restartDelayMs?: number;
  /** every log line of every process */
  onLine?(name: TransitionName, line: string): void;
  /** every CloudEvent exchanged through a tap: request and reply, headers and body as text */
  onExchange?(name: TransitionName, text: string): void;
}

export interface UnexpectedExit { name: TransitionName; code: number | null; signal: string | null; tail: string }

export interface PoolStats { starts: number; restarts: number; kills: number; crashPoints: number; unexpectedExits: UnexpectedExit[] }

export interface FunctionPool {
  /** the tap URL per function: give these to the broker */
  readonly urls: Readonly<Record<TransitionName, string>>;
  readonly stats: PoolStats;
  /** true when every function has a ready process */
  allReady(): boolean;
  /** SIGKILL the function's current process (it is restarted) */
  kill(name: TransitionName): boolean;
  /** Resident set size of the function's current process, KiB (soak) */
  rssKiB(name: TransitionName): Promise<number>;
  /** Open file descriptors of the current process (soak) */
  openFds(name: TransitionName): Promise<number>;
  stop(): Promise<void>;
}

interface Slot {
  name: TransitionName;
  child?: ChildProcess | undefined;
  port: number;
  ready: boolean;
  everReady: boolean;
  killedByUs: boolean;
  tail: string;
  tap: Server;
}

const all = new Set<ChildProcess>();
process.once('exit', () => { for (const c of all) c.kill('SIGKILL'); });

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const headerText = (h: Record<string, unknown>): string => Object.entries(h).filter(([k]) => k.startsWith('ce-') || k === 'content-type').map(([k, v]) => `${k}: ${String(v)}`).join('\n');

export async function startFunctionPool({ envFor, crashRate = 0, seed = 1, restartDelayMs = 300, onLine, onExchange }: PoolOptions): Promise<FunctionPool> {
  const stats: PoolStats = { starts: 0, restarts: 0, kills: 0, crashPoints: 0, unexpectedExits: [] };
  const slots = new Map<TransitionName, Slot>();
  let stopping = false;
  const urls = {} as Record<TransitionName, string>;

  async function spawnProcess(slot: Slot): Promise<void> {
    slot.port = await freeTcpPort();
    slot.ready = false;
    slot.killedByUs = false;
    const child = spawn(process.execPath, [ENTRY], {
      env: {
        PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp',
        ...envFor(slot.name),
        FUNCTION_NAME: slot.name, FUNCTION_PORT: String(slot.port),
        CHAOS_CRASH_RATE: String(crashRate), CHAOS_SEED: String(seed + stats.starts * 7919),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    stats.starts++;
    all.add(child);
    slot.child = child;
    let partial = '';
    const take = (b: Buffer): void => {
      slot.tail = (slot.tail + b.toString()).slice(-4_000);
      const text = partial + b.toString();
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) if (l) onLine?.(slot.name, l);
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    child.once('exit', (code, signal) => {
      all.delete(child);
      if (partial) onLine?.(slot.name, partial);
      if (slot.child !== child) return;
      slot.child = undefined;
      slot.ready = false;
      if (stopping || !slot.everReady) return; // a failed first start is thrown by spawnProcess
      if (slot.killedByUs) stats.kills++;
      else if (signal === 'SIGKILL' && slot.tail.includes('"chaos":"crash"')) stats.crashPoints++;
      else stats.unexpectedExits.push({ name: slot.name, code, signal, tail: slot.tail.slice(-1_500) });
      slot.tail = '';
      void sleep(restartDelayMs).then(() => {
        if (stopping) return;
        stats.restarts++;
        return spawnProcess(slot);
      });
    });
    const deadline = Date.now() + 180_000; // a loaded 2-core machine needs this long for five cold starts
    while (Date.now() < deadline && slot.child === child && child.exitCode === null) {
      try {
        const res = await fetch(`http://127.0.0.1:${slot.port}/health/readiness`, { signal: AbortSignal.timeout(1_000) });
        await res.arrayBuffer();
        if (res.status === 200) { slot.ready = true; slot.everReady = true; return; }
      } catch { /* not listening yet */ }
      await sleep(50);
    }
    if (!slot.ready && !stopping) {
      child.kill('SIGKILL');
      throw new Error(`${slot.name} did not become ready (exit ${child.exitCode ?? child.signalCode ?? 'none'}):\n${slot.tail}`);
    }
  }

  /** Forwards one delivery to the current process; 503 while none is ready (the broker retries). */
  async function tap(slot: Slot, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readAll(req);
    onExchange?.(slot.name, `${headerText(req.headers)}\n${body.toString()}`);
    if (!slot.ready) { res.writeHead(503).end('function process restarting'); return; }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'connection' && k !== 'content-length') headers[k] = v;
    let answer: Response;
    try {
      answer = await fetch(`http://127.0.0.1:${slot.port}${req.url ?? '/'}`, { method: req.method ?? 'POST', headers, body, signal: AbortSignal.timeout(120_000) });
    } catch (e) {
      // the process died mid-request: the connection drops, as it would through Knative's queue-proxy
      res.destroy(e as Error);
      return;
    }
    const text = await answer.text().catch(() => undefined);
    if (text === undefined) { res.destroy(); return; }
    const out: Record<string, string> = {};
    answer.headers.forEach((v, k) => { if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection') out[k] = v; });
    onExchange?.(slot.name, `${headerText(out)}\n${text}`);
    res.writeHead(answer.status, out).end(text);
  }

  try {
    await Promise.all(TRANSITION_NAMES.map(async (name) => {
      const slot: Slot = { name, port: 0, ready: false, everReady: false, killedByUs: false, tail: '', tap: createServer() };
      slot.tap.on('request', (req, res) => { tap(slot, req, res).catch(() => res.destroy()); });
      slot.tap.requestTimeout = 130_000;
      await new Promise<void>((r) => slot.tap.listen(0, '127.0.0.1', r));
      const a = slot.tap.address();
      urls[name] = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/`;
      slots.set(name, slot);
      await spawnProcess(slot);
    }));
  } catch (e) {
    stopping = true;
    for (const s of slots.values()) { s.child?.kill('SIGKILL'); s.tap.close(); }
    throw e;
  }

  const procFile = async (name: TransitionName, f: (pid: number) => Promise<number>): Promise<number> => {
    const pid = slots.get(name)?.child?.pid;
    return pid === undefined ? NaN : f(pid).catch(() => NaN);
  };

  return {
    urls, stats,
    allReady: () => [...slots.values()].every((s) => s.ready),
    kill: function kill(name) {
      const slot = slots.get(name);
      if (!slot?.child || !slot.ready) return false;
      slot.killedByUs = true;
      return slot.child.kill('SIGKILL');
    },
    rssKiB: (name) => procFile(name, async (pid) => {
      const { readFile } = await import('node:fs/promises');
      return Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
    }),
    openFds: (name) => procFile(name, async (pid) => {
      const { readdir } = await import('node:fs/promises');
      return (await readdir(`/proc/${pid}/fd`)).length;
    }),
    stop: async function stop() {
      stopping = true;
      const exits: Promise<void>[] = [];
      for (const s of slots.values()) {
        const c = s.child;
        if (c && c.exitCode === null && c.signalCode === null) {
          exits.push(new Promise<void>((r) => c.once('exit', () => r())));
          c.kill('SIGKILL');
        }
      }
      await Promise.all(exits);
      await Promise.all([...slots.values()].map((s) => new Promise<void>((r) => { s.tap.closeAllConnections(); s.tap.close(() => r()); })));
    },
  };
}
