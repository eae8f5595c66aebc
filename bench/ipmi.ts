/**
 * @module bench/ipmi: our RMCP+ client against `ipmitool` on the same BMC.
 *
 * - power status latency: our client with a reused session vs spawning
 *   `ipmitool -I lanplus -C 3 … power status` (a new process and session
 *   each time, as Ironic's ipmitool driver does), against one ipmi_sim;
 *   medians, p95 and their ratio
 * - memory per open session: heap and RSS growth over `sessions` open
 *   clients (against the in-process IPMI double, since ipmi_sim caps its
 *   sessions; the double's own per-session state is included, so this is an
 *   upper bound)
 * - BMCs polled per second: every client polled concurrently for a while
 *   (ipmi_sims when `sims` > 0, each a real process)
 */
import { createIpmiClient } from '../shared/src/bmc/ipmi/client.ts';
import { startIpmiDouble } from '../test/bed/ipmi-double/bmc-double.ts';
import { runIpmitool, startIpmiSims, stopIpmiSims } from '../test/bed/ipmi-sim.ts';
import type { SimulatedBmc } from '../test/bed/ipmi-sim.ts';
import { ratio, round, summarize } from './stats.ts';
import type { Summary } from './stats.ts';

export interface IpmiBenchOptions {
  oursRuns?: number;
  ipmitoolRuns?: number;
  sessions?: number;
  sims?: number;
  pollForMs?: number;
}

export interface IpmiBenchResult {
  powerStatusMs: { ours: Summary; ipmitool: Summary; ratioP50: number };
  perSession: { sessions: number; heapKiB: number; rssKiB: number };
  pollRate: { bmcs: number; kind: string; pollsPerSecond: number; bmcsPolledPerSecond: number };
}

const time = async (f: () => Promise<unknown>): Promise<number> => {
  const t = performance.now();
  await f();
  return performance.now() - t;
};

export async function runIpmiBench({ oursRuns = 100, ipmitoolRuns = 15, sessions = 200, sims = 8, pollForMs = 3_000 }: IpmiBenchOptions = {}): Promise<IpmiBenchResult> {
  let bmcs: SimulatedBmc[] = [];
  try {
    bmcs = await startIpmiSims(Math.max(1, sims));
    const sim = bmcs[0]!;
    const client = createIpmiClient({ host: sim.host, port: sim.port, username: sim.username, password: sim.password, cipherSuite: 3 });
    let ours: number[] = [];
    let theirs: number[] = [];
    try {
      await client.powerState(); // opens the session: reuse is what is measured
      for (let i = 0; i < oursRuns; i++) ours.push(await time(() => client.powerState()));
      for (let i = 0; i < ipmitoolRuns; i++) {
        theirs.push(await time(async () => {
          const r = await runIpmitool(sim, ['power', 'status']);
          if (!r.ok) throw new Error(`ipmitool power status failed: ${r.stderr}`);
        }));
      }
    } finally {
      await client.close();
    }
    ours = ours.map((x) => round(x, 3));
    theirs = theirs.map((x) => round(x, 2));

    // polling many BMCs: one reused session per BMC, all polled concurrently
    const clients = bmcs.map((b) => createIpmiClient({ host: b.host, port: b.port, username: b.username, password: b.password, cipherSuite: 3 }));
    let polls = 0;
    let elapsed = 0;
    try {
      await Promise.all(clients.map((c) => c.powerState()));
      const t0 = performance.now();
      while (performance.now() - t0 < pollForMs) {
        await Promise.all(clients.map((c) => c.powerState()));
        polls += clients.length;
      }
      elapsed = performance.now() - t0;
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }

    const perSession = await measureSessions(sessions);
    const o = summarize(ours);
    const t = summarize(theirs);
    return {
      powerStatusMs: { ours: o, ipmitool: t, ratioP50: round(ratio(t.p50, o.p50), 1) },
      perSession,
      pollRate: { bmcs: clients.length, kind: 'ipmi_sim processes, cipher suite 3', pollsPerSecond: round(polls / (elapsed / 1000), 0), bmcsPolledPerSecond: round(polls / (elapsed / 1000), 0) },
    };
  } finally {
    await stopIpmiSims(bmcs);
  }
}

async function measureSessions(sessions: number): Promise<IpmiBenchResult['perSession']> {
  const double = await startIpmiDouble({});
  const gc = (globalThis as { gc?: () => void }).gc;
  const clients: ReturnType<typeof createIpmiClient>[] = [];
  try {
    gc?.();
    const before = process.memoryUsage();
    for (let i = 0; i < sessions; i++) clients.push(createIpmiClient({ host: double.host, port: double.port, username: double.username, password: double.password }));
    await Promise.all(clients.map((c) => c.powerState()));
    gc?.();
    const after = process.memoryUsage();
    return { sessions, heapKiB: round((after.heapUsed - before.heapUsed) / sessions / 1024, 1), rssKiB: round((after.rss - before.rss) / sessions / 1024, 1) };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await double.stop();
  }
}
