/**
 * @module chaos/results: what a chaos or soak run leaves behind
 * (`bench/results/chaos.json`, `bench/results/soak.json`) and the README
 * paragraphs rendered from those files, so every reliability figure the README
 * quotes comes from a committed result (a test fails when they drift).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { MachineInfo } from '../../bench/machine.ts';
import type { ChaosCounts, ChaosReport } from './run.ts';

export const CHAOS_RESULTS = new URL('../../bench/results/chaos.json', import.meta.url);
export const SOAK_RESULTS = new URL('../../bench/results/soak.json', import.meta.url);

export interface ChaosResults {
  at: string;
  machine: MachineInfo;
  seed: number;
  plan: string;
  hosts: number;
  ipmiHosts: number;
  convergeMs: number;
  totalMs: number;
  counts: ChaosCounts;
  /** every guarantee held */
  held: boolean;
  /** the first violations (the rest are counted) */
  violations: ChaosReport['violations'];
  violationCount: number;
}

export function chaosResultsOf(report: ChaosReport, o: { plan: string; ipmiHosts: number; machine: MachineInfo; at?: Date }): ChaosResults {
  return {
    at: (o.at ?? new Date()).toISOString(),
    machine: o.machine,
    seed: report.seed,
    plan: o.plan,
    hosts: report.hosts,
    ipmiHosts: o.ipmiHosts,
    convergeMs: report.convergeMs,
    totalMs: report.totalMs,
    counts: report.counts,
    held: report.violations.length === 0,
    violations: report.violations.slice(0, 50),
    violationCount: report.violations.length,
  };
}

const n = (x: number): string => x.toLocaleString('en-US');
const day = (iso: string): string => iso.slice(0, 10);

/** The README's paragraph on the latest full chaos run. */
export function renderChaosSummary(r: ChaosResults): string {
  const c = r.counts;
  const verdict = r.held ? 'every guarantee held' : `${r.violationCount} guarantee violation(s), first: ${r.violations[0]?.check ?? '?'}`;
  return [
    `Latest full chaos run (\`bench/results/chaos.json\`, ${day(r.at)}, ${r.machine.cpus} CPUs, load ${r.machine.loadStart} → ${r.machine.loadEnd ?? '?'}):`,
    `seed ${r.seed}, ${r.hosts} hosts (${r.ipmiHosts} on \`ipmi_sim\`), plan \`${r.plan}\`; all hosts converged in ${(r.convergeMs / 1000).toFixed(0)} s, ${verdict}.`,
    `${n(c.eventsSent)} events sent, ${n(c.duplicated)} extra copies, ${n(c.dropped)} dropped, ${n(c.retried)} broker retries, ${n(c.deadLettered)} dead letters;`,
    `${c.kills} kills and ${c.crashPoints} crash points (${c.functionRestarts} function restarts); ${c.ironicRestarts} Ironic restart(s), ${c.ironicInjected409} injected 409s and ${c.ironicInjected503} 503s, ${c.ironicWhileDown} requests while it was down;`,
    `${c.kube409} API 409s and ${c.kube500} 500s that fired, ${c.watchCuts} watch cuts, ${c.historyExpired} 410 Gone; ${c.bmcOutages} BMC outage(s), ${c.badCredentialWindows} bad-credential window(s);`,
    `${c.acceptedDeploys} accepted deploys; secrets searched in ${n(c.logLinesScanned)} log lines and ${n(c.cloudEventsScanned)} CloudEvents.`,
  ].join('\n');
}

interface SoakResults {
  at: string; minutes: number; started: number; completed: number; failed: number; deliveriesPerS: number;
  deadLetters: number; unexpectedExits: number; secretHits: number;
  trend: Record<string, { measure: string; growthMiB: number; fdGrowth: number; flat: boolean }>;
}

/** The README's sentence on the latest soak. */
export function renderSoakSummary(s: SoakResults): string {
  const procs = Object.entries(s.trend);
  const flat = procs.filter(([, t]) => t.flat).map(([p]) => p);
  const notFlat = procs.filter(([, t]) => !t.flat).map(([p, t]) => `${p} (${t.measure} +${t.growthMiB} MiB)`);
  const maxGrowth = Math.max(...procs.filter(([, t]) => t.measure === 'RSS').map(([, t]) => t.growthMiB));
  return [
    `Latest soak (\`bench/results/soak.json\`, ${day(s.at)}): ${s.minutes} minutes, ${s.completed} of ${s.started} lifecycles completed, ${s.failed} failed,`,
    `${s.deliveriesPerS} deliveries/s, ${s.deadLetters} dead letters, ${s.unexpectedExits} unexpected exits, ${s.secretHits} secret hits;`,
    notFlat.length === 0
      ? `every process flat after warm-up (${flat.length} processes; RSS growth at most ${maxGrowth} MiB, the runner judged by its heap after GC).`
      : `not flat: ${notFlat.join(', ')}.`,
  ].join('\n');
}

/** README blocks from the committed results (absent file: says so, never a made-up figure). */
export function reliabilitySections(): Record<string, string> {
  const read = <T>(u: URL): T | undefined => (existsSync(u) ? JSON.parse(readFileSync(u, 'utf8')) as T : undefined);
  const chaos = read<ChaosResults>(CHAOS_RESULTS);
  const soak = read<SoakResults>(SOAK_RESULTS);
  return {
    'chaos-results': chaos ? renderChaosSummary(chaos) : 'No full chaos run recorded yet (`npm run chaos` writes `bench/results/chaos.json`).',
    'soak-results': soak ? renderSoakSummary(soak) : 'No soak recorded yet (`npm run soak -- --minutes 30 --out bench/results/soak.json`).',
  };
}
