/**
 * @module bench/system-child: the system under test in its own process —
 * either the event-driven all-in-one runner or the polling baseline — so its
 * CPU and memory are its own (`/proc/<pid>`), and `--cpu-prof` profiles only
 * it. The parent talks to it over the IPC channel:
 *
 *   child → { type: 'ready' } once started
 *   parent → { type: 'report' } → child → { type: 'report', counts, broker?, deliveries? }
 *   parent → { type: 'trace', on } → child starts (clears) or stops timing each Ironic request;
 *            reports carry the trace while one was taken
 *   parent → { type: 'stop' } → child stops the system, sends a last report, exits
 */
import { KubeConfig } from '@kubernetes/client-node';
import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrokerStats } from '../shared/src/broker/broker.ts';
import { createLogger } from '../shared/src/log.ts';
import { countRequest, emptyCounts } from './request-counter.ts';
import type { RequestCounts, TracedRequest } from './request-counter.ts';

export type Mode = 'event-driven' | 'polling';
export const MODES: readonly Mode[] = ['event-driven', 'polling'];

export interface SystemChildConfig {
  mode: Mode;
  kubeconfigPath: string;
  ironicUrl: string;
  env: Record<string, string>;
  pollActiveMs?: number;
  pollIdleMs?: number;
  /** the bus Ironic publishes its notifications to: ours follows it (the shipped default); the baseline has no use for it */
  ironicNotificationsUrl?: string;
  brokerConcurrency?: number;
  /** time every delivery to a function (ce-time → 2xx) */
  trackDeliveries?: boolean;
}

export interface SystemReport {
  counts: RequestCounts;
  broker?: BrokerStats & { deadLetters: number };
  /** ms from each delivered event's ce-time to its 2xx answer */
  deliveries?: number[];
  watcher?: { emitted: number; suppressed: number; polls: number; notifications?: number; notificationPolls?: number };
  /** each Ironic request while tracing was on (steady-rate estimates, bench/request-counter.ts) */
  trace?: TracedRequest[];
}

export interface SystemChild {
  pid: number;
  report(): Promise<SystemReport>;
  /** starts (afresh) or stops recording each Ironic request's time, method and path */
  trace(on: boolean): void;
  /** stops the system; resolves with the last report once the process exited */
  stop(): Promise<SystemReport>;
}

const SELF = fileURLToPath(import.meta.url);

export async function startSystemChild(config: SystemChildConfig, { cpuProfDir, timeoutMs = 60_000 }: { cpuProfDir?: string; timeoutMs?: number } = {}): Promise<SystemChild> {
  const execArgv = ['--experimental-strip-types', '--no-warnings', ...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [])];
  const child = fork(SELF, [JSON.stringify(config)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((r) => child.once('exit', () => { process.removeListener('exit', killOnExit); r(); }));
  const next = (type: string, ms: number) => new Promise<Record<string, unknown>>((res, rej) => {
    const t = setTimeout(() => { child.off('message', on); rej(new Error(`system child (${config.mode}): no '${type}' in ${ms} ms`)); }, ms);
    const on = (m: unknown) => {
      const msg = m as Record<string, unknown>;
      if (msg.type === type) { clearTimeout(t); child.off('message', on); res(msg); }
      if (msg.type === 'failed') { clearTimeout(t); child.off('message', on); rej(new Error(`system child (${config.mode}) failed: ${String(msg.error)}`)); }
    };
    child.on('message', on);
  });
  try {
    await next('ready', timeoutMs);
  } catch (e) {
    child.kill('SIGKILL');
    await exited;
    throw e;
  }
  return {
    pid: child.pid!,
    report: async () => {
      const r = next('report', timeoutMs);
      child.send({ type: 'report' });
      return (await r).report as SystemReport;
    },
    trace: (on: boolean) => { child.send({ type: 'trace', on }); },
    stop: async () => {
      const r = next('report', timeoutMs);
      child.send({ type: 'stop' });
      const last = (await r).report as SystemReport;
      const hard = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(hard);
      return last;
    },
  };
}

async function main(config: SystemChildConfig): Promise<void> {
  // BENCH_LOG_LEVEL=info shows the system's own log (stderr) when a figure needs explaining
  const log = createLogger({ level: (process.env.BENCH_LOG_LEVEL as 'info' | undefined) ?? 'error' });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(config.kubeconfigPath);
  const counts = emptyCounts();
  let trace: TracedRequest[] | undefined;
  const onIronicRequest = (i: Parameters<typeof countRequest>[1]) => {
    countRequest(counts, i);
    trace?.push({ at: Date.now(), method: i.method, path: i.path });
  };
  const deliveries: number[] = [];
  if (config.trackDeliveries) {
    const realFetch = globalThis.fetch;
    globalThis.fetch = async function timedFetch(input, init) {
      const res = await realFetch(input, init);
      const ceTime = (init?.headers as Record<string, string> | undefined)?.['ce-time'];
      if (ceTime && res.status >= 200 && res.status < 300) deliveries.push(Date.now() - Date.parse(ceTime));
      return res;
    } as typeof fetch;
  }
  let report: () => SystemReport;
  let stop: () => Promise<void>;
  if (config.mode === 'event-driven') {
    const { startAllInOne } = await import('../shared/src/runner/all-in-one.ts');
    const app = await startAllInOne({
      kubeConfig, ironicUrl: config.ironicUrl, log, env: config.env, onIronicRequest,
      ...(config.pollActiveMs ? { pollActiveMs: config.pollActiveMs } : {}),
      ...(config.pollIdleMs ? { pollIdleMs: config.pollIdleMs } : {}),
      ...(config.ironicNotificationsUrl ? { ironicNotificationsUrl: config.ironicNotificationsUrl } : {}),
      ...(config.brokerConcurrency ? { brokerConcurrency: config.brokerConcurrency } : {}),
    });
    report = () => ({
      counts, deliveries: [...deliveries],
      broker: { ...app.broker.stats, deadLetters: app.broker.deadLetters.length },
      watcher: { emitted: app.watcher.stats.emitted, suppressed: app.watcher.stats.suppressed, polls: app.watcher.stats.polls, notifications: app.watcher.stats.notifications, notificationPolls: app.watcher.stats.notificationPolls },
    });
    stop = () => app.stop();
  } else {
    const { startPollingDriver } = await import('./baseline/polling-driver.ts');
    const driver = await startPollingDriver({ kubeConfig, ironicUrl: config.ironicUrl, log, env: config.env, onIronicRequest });
    report = () => ({ counts });
    stop = () => driver.stop();
  }
  // the trace being taken, or the last one taken
  let traced: TracedRequest[] | undefined;
  const withTrace = (): SystemReport => ({ ...report(), ...(trace ?? traced ? { trace: [...(trace ?? traced)!] } : {}) });
  process.on('message', (m: { type?: string; on?: boolean }) => {
    if (m.type === 'trace') {
      if (m.on) { trace = []; traced = undefined; } else { traced = trace; trace = undefined; }
    }
    if (m.type === 'report') process.send?.({ type: 'report', report: withTrace() });
    if (m.type === 'stop') {
      void stop().catch(() => undefined).then(() => {
        process.send?.({ type: 'report', report: withTrace() }, () => { process.disconnect?.(); process.exit(0); });
      });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready' });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === SELF) {
  try {
    await main(JSON.parse(process.argv[2]!) as SystemChildConfig);
  } catch (e) {
    process.send?.({ type: 'failed', error: (e as Error).stack ?? String(e) });
    process.exit(1);
  }
}
