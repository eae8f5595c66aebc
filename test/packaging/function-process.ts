/**
 * @module packaging/function-process: start a bundled function the way a
 * container does (`node dist/main.cjs` in the function folder: the bundle
 * serves itself through faas-js-runtime `start()` with our request limits),
 * or through faas-js-runtime's CLI (`launcher: 'cli'`, `dist/index.js`), wait for readiness,
 * and stop it. Used by the packaging tests and bench/cold-start.ts.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { CloudEvent, HTTP } from 'cloudevents';
import { FUNCTION_MAIN } from '../../shared/src/manifests/function-files.ts';
import { freeTcpPort } from '../bed/ports.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FAAS_JS_RUNTIME_BIN = join(REPO_ROOT, 'node_modules', '.bin', 'faas-js-runtime');

export interface FunctionProcess {
  url: string;
  port: number;
  pid: number;
  /** our `/metrics` (METRICS_PORT, apart from the function port) */
  metricsUrl: string;
  /** spawn → first 200 from /health/readiness */
  readyMs: number;
  /** Resident set size now, from /proc (KiB). */
  rssKiB(): Promise<number>;
  /** stdout + stderr so far (for failure messages) */
  output(): string;
  stop(): Promise<void>;
}

export interface StartFunctionOptions {
  /** folder holding package.json (+ func.yaml); the cwd of the runtime */
  dir: string;
  /** default: dist/main.cjs for `program`, dist/index.js for `cli` */
  entry?: string;
  env?: Record<string, string>;
  readyTimeoutMs?: number;
  /** poll period of the readiness probe */
  pollMs?: number;
  /** `program` (default, the images' command): `node <entry>`; `cli`: `faas-js-runtime <entry>` (the module) */
  launcher?: 'program' | 'cli';
}

const running = new Set<ChildProcess>();
// a test that dies mid-way must not leave runtimes behind
process.once('exit', () => { for (const c of running) c.kill('SIGKILL'); });

export async function startFunctionProcess({ dir, launcher = 'program', entry = launcher === 'cli' ? 'dist/index.js' : FUNCTION_MAIN, env = {}, readyTimeoutMs = 30_000, pollMs = 5 }: StartFunctionOptions): Promise<FunctionProcess> {
  // port 0 does not work with faas-js-runtime (`opts.port || 8080`)
  const port = await freeTcpPort();
  const metricsPort = await freeTcpPort();
  const t0 = performance.now();
  const args = launcher === 'cli' ? [FAAS_JS_RUNTIME_BIN, entry, '--port', String(port)] : [entry];
  const child = spawn(process.execPath, args, {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', FUNC_LOG_LEVEL: 'warn', FUNC_PORT: String(port), METRICS_PORT: String(metricsPort), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  child.stdout!.on('data', (b: Buffer) => { out = (out + b.toString()).slice(-20_000); });
  child.stderr!.on('data', (b: Buffer) => { out = (out + b.toString()).slice(-20_000); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => { running.delete(child); resolve(); }));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const t = sleep(5_000, 'timeout' as const);
    if ((await Promise.race([exited, t])) === 'timeout') child.kill('SIGKILL');
    await exited;
  };
  const deadline = Date.now() + readyTimeoutMs;
  let readyMs = -1;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const res = await fetch(`${url}/health/readiness`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.status === 200) { readyMs = performance.now() - t0; break; }
    } catch { /* not listening yet */ }
    await sleep(pollMs);
  }
  if (readyMs < 0) {
    await stop();
    throw new Error(`${dir}/${entry} did not become ready within ${readyTimeoutMs} ms:\n${out}`);
  }
  return {
    url, port, pid: child.pid!, readyMs, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    rssKiB: async function rssKiB() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    },
    output: () => out,
    stop,
  };
}

/** The canonical fixture of an event type (events/fixtures/<type>.json). */
export async function loadEventFixture(type: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(REPO_ROOT, 'events', 'fixtures', `${type}.json`), 'utf8')) as Record<string, unknown>;
}

export type Mode = 'binary' | 'structured';

/** POSTs a CloudEvent built from `attrs` in `mode`; returns status and body text. */
export async function postEvent(url: string, attrs: Record<string, unknown>, mode: Mode): Promise<{ status: number; body: string; headers: Headers }> {
  const ev = new CloudEvent(attrs as never, false);
  const msg = mode === 'binary' ? HTTP.binary(ev) : HTTP.structured(ev);
  return postRaw(url, msg.headers as Record<string, string>, String(msg.body));
}

export async function postRaw(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(`${url}/`, { method: 'POST', headers, body, signal: AbortSignal.timeout(60_000) });
  return { status: res.status, body: await res.text(), headers: res.headers };
}
