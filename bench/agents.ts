/**
 * @module bench/agents: hosts that are simulated machines running a real ironic-python-agent,
 * through the shipped all-in-one runner (watcher, broker, functions) on the embedded bed: the demo's
 * lifecycle (register + in-band inspection + cleaning → available → agent deploy of a real qcow2 →
 * power off → on → deprovision with metadata cleaning → delete) for N machines at once.
 *
 * Measured: each step's time per host; each machine's memory while its agent runs (RSS and PSS of
 * every process in its network namespace, sampled); Ironic's and our process's CPU. How many machines
 * fit on this host is computed from the measured PSS and labelled so (`bench/results/agents.json`,
 * rendered into the README by scripts/generate-docs.ts).
 */
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { freemem, loadavg } from 'node:os';
import { createLogger } from '../shared/src/log.ts';
import { startAllInOne } from '../shared/src/runner/all-in-one.ts';
import { digest, makeTestImage } from '../test/bed/agent-machine/disk-images.ts';
import { IPA_VERSION } from '../test/bed/agent-machine/index.ts';
import { startBed } from '../test/bed/stack.ts';
import { PHASES, runLifecycleScenario } from '../test/e2e/scenario.ts';
import type { Phase, ScenarioHost } from '../test/e2e/scenario.ts';
import { machineInfo, sampleProcess, sampleProcessTree } from './machine.ts';
import type { MachineInfo } from './machine.ts';
import { round, summarize } from './stats.ts';
import type { Summary } from './stats.ts';

/** One step of the lifecycle: from the previous step's end (the host's creation for the first) to this one's. */
export type AgentStep = Phase;

export interface AgentRun {
  machines: number;
  /** hosts that finished every step */
  completed: number;
  /** why the others did not (first line each) */
  failures: string[];
  wallS: number;
  /** seconds per step over the completed hosts */
  steps: Partial<Record<AgentStep, Summary>>;
  /** the whole lifecycle per completed host, seconds */
  lifecycle: Summary;
  /** each machine's peak while its agent ran, MiB (machines whose agent was never seen are left out) */
  memory: { rssMiB: Summary; pssMiB: Summary; peakTotalPssMiB: number; samples: number };
  cpuSeconds: { ironic: number; ours: number };
  ironicVersion: string;
}

export interface AgentBenchResults {
  at: string;
  machine: MachineInfo;
  ipaVersion: string;
  runs: AgentRun[];
  /** computed, not run: the memory this host can give the machines, divided by the largest run's PSS p95 */
  fit?: { byMemory: number; memAvailableMiB: number; pssPerMachineMiB: number; fromRun: number };
  wallS: number;
}

/** The inode of a named network namespace (/run/netns/<name>), as /proc/<pid>/ns/net names it. */
function netnsInode(name: string): string | undefined {
  try { return `net:[${statSync(`/run/netns/${name}`).ino}]`; } catch { return undefined; }
}

/** RSS and PSS (KiB) of every process in each namespace, in one pass over /proc. */
function memoryByNamespace(inodes: ReadonlyMap<string, string>): Map<string, { rssKiB: number; pssKiB: number }> {
  const byInode = new Map<string, string>([...inodes].map(([name, inode]) => [inode, name]));
  const out = new Map<string, { rssKiB: number; pssKiB: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let name: string | undefined;
    try { name = byInode.get(readlinkSync(`/proc/${entry}/ns/net`)); } catch { continue; }
    if (!name) continue;
    try {
      const rollup = readFileSync(`/proc/${entry}/smaps_rollup`, 'utf8');
      const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? 0);
      const m = out.get(name) ?? { rssKiB: 0, pssKiB: 0 };
      out.set(name, { rssKiB: m.rssKiB + kib('Rss'), pssKiB: m.pssKiB + kib('Pss') });
    } catch { /* exited between the two reads */ }
  }
  return out;
}

const memAvailableMiB = (): number => {
  try {
    return Number(/^MemAvailable:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return freemem() / 2 ** 20;
  }
};

export async function runAgentRun({ machines, log, phaseTimeoutMs = 1_800_000 }: { machines: number; log: (line: string) => void; phaseTimeoutMs?: number }): Promise<AgentRun> {
  const image = await makeTestImage();
  const bed = await startBed({ agentMachines: Array.from({ length: machines }, () => ({})), files: { '/images/agent-disk.qcow2': image.qcow2 } });
  const agents = bed.agents!;
  const app = await startAllInOne({
    kubeConfig: bed.kube.kubeConfig(), ironicUrl: bed.ironic.url, namespace: 'metal3',
    log: createLogger({ level: 'silent' }), env: bed.functionEnv,
  });
  const inodes = new Map(agents.machines.map((m) => [m.netns, netnsInode(m.netns) ?? '']).filter(([, i]) => i !== '') as [string, string][]);
  const peak = new Map<string, { rssKiB: number; pssKiB: number }>();
  let peakTotalPssKiB = 0;
  let samples = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const now = memoryByNamespace(inodes);
      samples++;
      let total = 0;
      for (const [name, m] of now) {
        const p = peak.get(name) ?? { rssKiB: 0, pssKiB: 0 };
        peak.set(name, { rssKiB: Math.max(p.rssKiB, m.rssKiB), pssKiB: Math.max(p.pssKiB, m.pssKiB) });
        total += m.pssKiB;
      }
      peakTotalPssKiB = Math.max(peakTotalPssKiB, total);
      await new Promise((r) => setTimeout(r, 2_000));
    }
  })();
  const cpu0 = { ironic: sampleProcessTree(bed.ironic.pid)?.cpuSeconds ?? 0, ours: sampleProcess(process.pid)?.cpuSeconds ?? 0 };
  const hosts = agents.machines.map((m, i): ScenarioHost => ({
    name: `agent-${i}`, address: agents.bmcAddress(i), username: agents.username, password: agents.password, bootMACAddress: m.mac,
    image: { url: agents.imageUrl('/images/agent-disk.qcow2'), checksum: digest('sha256', image.qcow2), checksumType: 'sha256', format: 'qcow2' },
  }));
  let lastReport = 0;
  try {
    const result = await runLifecycleScenario({
      kubeConfig: bed.kube.kubeConfig(), namespace: 'metal3', hosts, image: hosts[0]!.image!, phaseTimeoutMs, tickMs: 5_000,
      onTick: (rows) => {
        if (Date.now() - lastReport < 30_000) return;
        lastReport = Date.now();
        const by = new Map<string, number>();
        for (const r of rows) by.set(r.state, (by.get(r.state) ?? 0) + 1);
        log(`  ${[...by].map(([s, n]) => `${s} ${n}`).join(', ')}`);
      },
    });
    const cpu = { ironic: (sampleProcessTree(bed.ironic.pid)?.cpuSeconds ?? 0) - cpu0.ironic, ours: (sampleProcess(process.pid)?.cpuSeconds ?? 0) - cpu0.ours };
    const done = result.results.filter((r) => r.ok);
    const steps: AgentRun['steps'] = {};
    for (const [i, phase] of PHASES.entries()) {
      const durations = done.map((r) => r.reached[phase]! - (i === 0 ? 0 : r.reached[PHASES[i - 1]!]!));
      steps[phase] = roundSummary(summarize(durations));
    }
    const seen = [...peak.values()].filter((p) => p.pssKiB > 0);
    return {
      machines,
      completed: done.length,
      failures: result.results.filter((r) => !r.ok).map((r) => `${r.name}: ${(r.failed ?? '').split('\n')[0]}`),
      wallS: result.seconds,
      steps,
      lifecycle: roundSummary(summarize(done.map((r) => r.reached.deleted!))),
      memory: {
        rssMiB: roundSummary(summarize(seen.map((p) => p.rssKiB / 1024))),
        pssMiB: roundSummary(summarize(seen.map((p) => p.pssKiB / 1024))),
        peakTotalPssMiB: round(peakTotalPssKiB / 1024, 0),
        samples,
      },
      cpuSeconds: { ironic: round(cpu.ironic, 1), ours: round(cpu.ours, 1) },
      ironicVersion: bed.ironic.installation.version,
    };
  } finally {
    sampling = false;
    await sampler;
    await app.stop();
    await bed.stop();
  }
}

const roundSummary = (s: Summary): Summary => ({ n: s.n, p50: round(s.p50, 1), p95: round(s.p95, 1), min: round(s.min, 1), max: round(s.max, 1), mean: round(s.mean, 1) });

/** The runs, then how many machines the memory left on this host would hold at the largest run's PSS p95. */
export async function runAgentBench({ sizes, log }: { sizes: readonly number[]; log: (line: string) => void }): Promise<AgentBenchResults> {
  const t0 = Date.now();
  const at = new Date().toISOString();
  const machine = machineInfo();
  const available = memAvailableMiB();
  const runs: AgentRun[] = [];
  for (const n of sizes) {
    log(`\n== agents: ${n} simulated machines`);
    const run = await runAgentRun({ machines: n, log });
    log(`== agents: ${n} machines, ${run.completed} completed in ${run.wallS} s`);
    runs.push(run);
  }
  const largest = [...runs].filter((r) => r.memory.pssMiB.n > 0).sort((a, b) => b.machines - a.machines)[0];
  return {
    at, machine: { ...machine, loadEnd: round(loadavg()[0]!, 2) }, ipaVersion: IPA_VERSION, runs,
    ...(largest ? { fit: { byMemory: Math.floor(available / largest.memory.pssMiB.p95), memAvailableMiB: round(available, 0), pssPerMachineMiB: largest.memory.pssMiB.p95, fromRun: largest.machines } } : {}),
    wallS: round((Date.now() - t0) / 1000, 0),
  };
}

const STEP_LABEL: Record<AgentStep, string> = {
  available: 'registered → available (enroll, in-band inspection, cleaning)',
  provisioned: 'image set → provisioned (agent deploy of a qcow2)',
  'powered off': 'online false → powered off',
  'powered on': 'online true → powered on',
  deprovisioned: 'image removed → available (metadata cleaning)',
  deleted: 'deleted → gone (power off, node deleted)',
};

/** The README block: one table of step times per run size, then memory and the fit. */
export function renderAgentResults(r: AgentBenchResults): string {
  const sizes = r.runs.map((x) => x.machines);
  const lines = [
    `Agent run of ${r.at.slice(0, 10)} (\`bench/results/agents.json\`): ${r.machine.cpus} CPUs, ${Math.round(r.machine.ramGiB)} GiB, load ${r.machine.loadStart} → ${r.machine.loadEnd ?? '?'}; ironic-python-agent ${r.ipaVersion}, Ironic ${r.runs[0]?.ironicVersion ?? '?'}; our functions and watcher with shipped defaults; Ironic as the bed configures it for agents (heartbeat timeout 30 s instead of 300 s, so agents report step ends sooner: tuned, see docs/test-bed.md); all machines started at once.`,
    '',
    `| step, seconds p50 (p95) | ${sizes.map((n) => `${n} machines`).join(' | ')} |`,
    `| --- | ${sizes.map(() => '---').join(' | ')} |`,
    ...(Object.keys(STEP_LABEL) as AgentStep[]).map((s) => `| ${STEP_LABEL[s]} | ${r.runs.map((x) => cell(x.steps[s])).join(' | ')} |`),
    `| whole lifecycle per host | ${r.runs.map((x) => cell(x.lifecycle)).join(' | ')} |`,
    `| hosts completed | ${r.runs.map((x) => `${x.completed} of ${x.machines}`).join(' | ')} |`,
    `| memory per machine while its agent runs, PSS p50 (p95), MiB | ${r.runs.map((x) => cell(x.memory.pssMiB)).join(' | ')} |`,
    `| the same as RSS (shared pages counted in each), MiB | ${r.runs.map((x) => cell(x.memory.rssMiB)).join(' | ')} |`,
    `| all agents at once, peak PSS, MiB | ${r.runs.map((x) => String(x.memory.peakTotalPssMiB)).join(' | ')} |`,
    `| Ironic CPU s / our process CPU s, whole run | ${r.runs.map((x) => `${x.cpuSeconds.ironic} / ${x.cpuSeconds.ours}`).join(' | ')} |`,
  ];
  if (r.fit) lines.push('', `How many fit (computed, not run): ${r.fit.memAvailableMiB.toLocaleString('en-US')} MiB available at the start ÷ ${r.fit.pssPerMachineMiB} MiB PSS per machine (p95 of the ${r.fit.fromRun}-machine run) = ${r.fit.byMemory.toLocaleString('en-US')} machines by memory if each ran its agent at once. The largest run above is the largest measured; the CPUs are shared by every agent, Ironic and our process.`);
  const failed = r.runs.flatMap((x) => x.failures.slice(0, 3).map((f) => `${x.machines} machines: ${f}`));
  if (failed.length) lines.push('', `Failures: ${failed.join('; ')}`);
  return lines.join('\n');
}

const cell = (s: Summary | undefined): string => (!s || s.n === 0 ? '-' : `${s.p50} (${s.p95})`);
