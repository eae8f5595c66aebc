/**
 * @module bench/scenarios/lifecycle: N fake-hardware hosts through
 * register → available → provisioned → (steady window, power drift) →
 * deprovisioned → deleted on a fresh real Ironic, driven by one mode.
 *
 * Yields, per run: wall time per phase, reaction latencies (Ironic's log
 * timestamp of the node reaching a state → the harness's first watch event
 * showing it on the BareMetalHost), Ironic requests per phase, CPU seconds
 * and peak RSS of our process, Ironic and the API fixture.
 */
import { createPrng } from '../../test/chaos/prng.ts';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { createIronicClient } from '../../shared/src/ironic/client.ts';
import type { FakeDelayName } from '../../test/bed/ironic.ts';
import { startBenchBed } from '../bed.ts';
import { startHostRecorder } from '../host-recorder.ts';
import type { HostRecorder, Sighting } from '../host-recorder.ts';
import { firstIronicEvent, parseIronicLog } from '../ironic-log.ts';
import type { IronicLogEvent } from '../ironic-log.ts';
import { startCpuMeter } from '../machine.ts';
import { addCounts, diffCounts, emptyCounts } from '../request-counter.ts';
import type { RequestCounts } from '../request-counter.ts';
import { startSystemChild } from '../system-child.ts';
import type { Mode, SystemReport } from '../system-child.ts';
import { hostApi, hostName, NAMESPACE } from './hosts.ts';

export const LATENCY_KINDS = ['inspect', 'clean', 'deploy', 'deprovision', 'powerDrift'] as const;
export type LatencyKind = (typeof LATENCY_KINDS)[number];

export interface LifecycleOptions {
  mode: Mode;
  hosts: number;
  fakeDelays?: Partial<Record<FakeDelayName, number>>;
  /** measure Ironic requests while nothing changes (0 = skip) */
  steadyWindowMs?: number;
  /** hosts whose power is switched off behind our back (0 = skip) */
  powerDrifts?: number;
  /**
   * Each drift comes at a uniformly random moment in [0, spread) from a seeded stream, so it lands
   * at a random phase of the mode's poll cycle (seed 1 by default). All at once over the spread
   * (the baseline: upstream polls each host on its own 60 s timer, so one host's drift does not
   * change when another's is seen), or `oneAtATime`: each after the previous host was corrected
   * and `settleMs` passed, so every drift meets the system idle (ours: one watcher poll serves
   * every host, and a host being corrected switches it to the active rate, which would catch the
   * next drift sooner than an isolated one is caught).
   */
  drift?: { seed: number; spreadMs: number; oneAtATime?: boolean; settleMs?: number };
  /** stop after all are available (fan-out) */
  onlyToAvailable?: boolean;
  pollActiveMs?: number;
  pollIdleMs?: number;
  brokerConcurrency?: number;
  trackDeliveries?: boolean;
  cpuProfDir?: string;
  log?: (line: string) => void;
}

export interface PhaseFigures {
  wallMs: number;
  requests: RequestCounts;
  cpuSeconds: Record<string, number>;
}

export interface LifecycleResult {
  mode: Mode;
  hosts: number;
  phases: Record<string, PhaseFigures>;
  latencyMs: Record<LatencyKind, number[]>;
  /** over the lifecycle phases only (not the steady window or drift) */
  lifecycle: { wallMs: number; requests: RequestCounts; cpuSeconds: Record<string, number> };
  /** each drift's seeded moment: ms after the drift phase began, or (one at a time) after the settle that follows the previous correction */
  driftOffsetsMs?: number[];
  peakRssMiB: Record<string, number>;
  steady?: { windowMs: number; requests: RequestCounts };
  system: SystemReport;
}

export async function runLifecycle(o: LifecycleOptions): Promise<LifecycleResult> {
  const say = o.log ?? (() => undefined);
  const bed = await startBenchBed({ fakeDelays: o.fakeDelays ?? {} });
  let recorder: HostRecorder | undefined;
  let system: Awaited<ReturnType<typeof startSystemChild>> | undefined;
  try {
    const kubeConfig = bed.kube.kubeConfig();
    recorder = await startHostRecorder({ kubeConfig, namespace: NAMESPACE });
    const rec = recorder;
    system = await startSystemChild({
      mode: o.mode, kubeconfigPath: bed.kube.kubeconfigPath, ironicUrl: bed.ironic.url, env: bed.functionEnv, ironicNotificationsUrl: bed.bus.url,
      ...(o.pollActiveMs ? { pollActiveMs: o.pollActiveMs } : {}),
      ...(o.pollIdleMs ? { pollIdleMs: o.pollIdleMs } : {}),
      ...(o.brokerConcurrency ? { brokerConcurrency: o.brokerConcurrency } : {}),
      ...(o.trackDeliveries ? { trackDeliveries: true } : {}),
    }, o.cpuProfDir ? { cpuProfDir: o.cpuProfDir } : {});
    const sys = system;
    const meter = startCpuMeter({ ours: sys.pid, ironic: bed.ironic.pid, kubeApi: bed.kube.pid });
    const api = hostApi(kubeConfig);
    // uncounted: the harness's own Ironic calls are not the system's
    const harnessIronic = createIronicClient({ url: bed.ironic.url });
    const names = Array.from({ length: o.hosts }, (_, i) => hostName(i));
    const phases: Record<string, PhaseFigures> = {};
    let mark = { at: Date.now(), counts: emptyCounts(), cpu: meter.read() };
    const endPhase = async (name: string) => {
      const now = { at: Date.now(), counts: (await sys.report()).counts, cpu: meter.read() };
      phases[name] = {
        wallMs: now.at - mark.at,
        requests: diffCounts(now.counts, mark.counts),
        cpuSeconds: Object.fromEntries(Object.keys(now.cpu).map((k) => [k, now.cpu[k]!.cpuSeconds - mark.cpu[k]!.cpuSeconds])),
      };
      mark = now;
      say(`  ${o.mode} N=${o.hosts} ${name}: ${((phases[name]!.wallMs) / 1000).toFixed(1)} s, ${phases[name]!.requests.total} Ironic requests`);
    };
    // generous: shared 2-core machines run far slower than an idle one
    const timeout = (perHostMs: number) => 600_000 + o.hosts * perHostMs * 3;

    await api.createSecret();
    mark = { at: Date.now(), counts: (await sys.report()).counts, cpu: meter.read() };
    await api.create(names.map((_, i) => i));
    await rec.waitAll(names, (s) => s?.state === 'available' && s.poweredOn === true, timeout(o.mode === 'polling' ? 3_000 : 1_500));
    await endPhase('toAvailable');
    const nodeIds = new Map((await harnessIronic.listNodes({ fields: ['uuid', 'name'] })).map((n) => [n.name?.split('~')[1] ?? '', n.uuid]));

    let steady: LifecycleResult['steady'];
    let driftStart = new Map<string, number>();
    let driftOffsetsMs: number[] | undefined;
    if (!o.onlyToAvailable) {
      const tImage = Date.now();
      await api.setImage(names, bed.files.urls['/images/host.qcow2']!);
      await rec.waitAll(names, (s, n) => s?.state === 'provisioned' && s.poweredOn === true && (rec.timelines.get(n)?.at(-1)?.at ?? 0) >= tImage, timeout(o.mode === 'polling' ? 3_000 : 1_500));
      await endPhase('toProvisioned');

      if (o.steadyWindowMs) {
        await sleep(3_000);
        const before = (await sys.report()).counts;
        const t0 = Date.now();
        // the baseline polls each settled host once per 60 s (+ jitter on the way there): a shorter window would miss its polls
        await sleep(o.mode === 'polling' ? Math.max(o.steadyWindowMs, 62_000) : o.steadyWindowMs);
        steady = { windowMs: Date.now() - t0, requests: diffCounts((await sys.report()).counts, before) };
        say(`  ${o.mode} N=${o.hosts} steady: ${steady.requests.total} Ironic requests in ${(steady.windowMs / 1000).toFixed(0)} s`);
        await endPhase('steady');
      }
      if (o.powerDrifts) {
        const drifted = names.slice(0, o.powerDrifts);
        driftStart = new Map();
        const phase = createPrng(o.drift?.seed ?? 1).fork('drift');
        driftOffsetsMs = drifted.map(() => Math.floor(phase.next() * (o.drift?.spreadMs ?? 60_000)));
        const powerOff = async (n: string) => {
          driftStart.set(n, Date.now());
          await harnessIronic.setPowerState(nodeIds.get(n)!, 'power off');
        };
        // seen (status false) and corrected (status true again)
        const corrected = (s: Sighting | undefined, n: string) => driftCorrected(rec, s, n, driftStart.get(n)!);
        if (o.drift?.oneAtATime) {
          for (const [i, n] of drifted.entries()) {
            await sleep((o.drift.settleMs ?? 2_000) + driftOffsetsMs[i]!);
            await powerOff(n);
            await rec.waitAll([n], corrected, 120_000);
          }
        } else {
          await Promise.all(drifted.map(async (n, i) => {
            await sleep(driftOffsetsMs![i]!);
            await powerOff(n);
          }));
          await rec.waitAll(drifted, corrected, 120_000);
        }
        await endPhase('powerDrift');
      }

      const tDeprov = Date.now();
      await api.setImage(names, null);
      await rec.waitAll(names, (s, n) => s?.state === 'available' && rec.first(n, tDeprov, (x) => x.state === 'deprovisioning') !== undefined, timeout(o.mode === 'polling' ? 3_000 : 1_500));
      await endPhase('deprovision');
      await api.remove(names);
      await rec.waitAll(names, (_s, n) => rec.gone.has(n), timeout(o.mode === 'polling' ? 2_000 : 1_000));
      await endPhase('delete');
    }
    const peak = meter.read();
    system = undefined;
    const last = await sys.stop();

    const lifecyclePhases = ['toAvailable', 'toProvisioned', 'deprovision', 'delete'].filter((p) => phases[p]);
    const sum = (f: (p: PhaseFigures) => number) => lifecyclePhases.reduce((a, p) => a + f(phases[p]!), 0);
    let requests = emptyCounts();
    for (const p of lifecyclePhases) requests = addCounts(requests, phases[p]!.requests);
    const events = parseIronicLog(await readFile(bed.ironic.logPath, 'utf8'));
    return {
      mode: o.mode, hosts: o.hosts, phases,
      latencyMs: latencies(rec, events, names, nodeIds, driftStart),
      lifecycle: {
        wallMs: sum((p) => p.wallMs),
        requests,
        cpuSeconds: Object.fromEntries(Object.keys(peak).map((k) => [k, sum((p) => p.cpuSeconds[k] ?? 0)])),
      },
      peakRssMiB: Object.fromEntries(Object.entries(peak).map(([k, v]) => [k, v.peakRssMiB])),
      ...(steady ? { steady } : {}),
      ...(driftOffsetsMs ? { driftOffsetsMs } : {}),
      system: last,
    };
  } finally {
    await system?.stop().catch(() => undefined);
    await recorder?.stop();
    await bed.stop();
  }
}

/** Ironic's log time of a node reaching a state → the first BMH sighting showing it. */
function latencies(rec: HostRecorder, events: readonly IronicLogEvent[], names: readonly string[], nodeIds: ReadonlyMap<string, string>, driftStart: ReadonlyMap<string, number>): Record<LatencyKind, number[]> {
  const out: Record<LatencyKind, number[]> = { inspect: [], clean: [], deploy: [], deprovision: [], powerDrift: [] };
  const sample = (kind: LatencyKind, node: string, name: string, since: number, ironic: (e: IronicLogEvent) => boolean, bmh: (s: Sighting) => boolean) => {
    const e = firstIronicEvent(events, node, since, ironic);
    if (!e) return undefined;
    const s = rec.first(name, e.at - 1_000, bmh);
    if (s) out[kind].push(Math.max(0, s.at - e.at));
    return e;
  };
  for (const name of names) {
    const node = nodeIds.get(name);
    if (!node) continue;
    const prov = (state: string, from?: string) => (e: IronicLogEvent) => e.kind === 'provision' && e.state === state && (from === undefined || e.from === from);
    sample('inspect', node, name, 0, prov('manageable', 'inspecting'), (s) => s.state !== 'inspecting' && s.state !== 'registering' && s.state !== '');
    sample('clean', node, name, 0, prov('available'), (s) => s.state === 'available');
    const deployed = sample('deploy', node, name, 0, prov('active'), (s) => s.state === 'provisioned');
    if (deployed) sample('deprovision', node, name, deployed.at + 1, prov('available'), (s) => s.state === 'available');
    const drift = driftStart.get(name);
    if (drift !== undefined) sample('powerDrift', node, name, drift, isPowerOff, (s) => s.poweredOn === false);
  }
  return out;
}

const isPowerOff = (e: IronicLogEvent): boolean => e.kind === 'power' && e.state === 'power off';

/** A drift made at `since`: from Ironic's log line of the node going off to the host's status first showing it off. */
export function driftSeenMs(rec: HostRecorder, events: readonly IronicLogEvent[], node: string, name: string, since: number): number | undefined {
  const e = firstIronicEvent(events, node, since, isPowerOff);
  const s = e && rec.first(name, e.at - 1_000, (x) => x.poweredOn === false);
  return e && s ? Math.max(0, s.at - e.at) : undefined;
}

/** The host's status showed it off after `since`, and shows it on again: the drift was seen and corrected. */
export const driftCorrected = (rec: HostRecorder, s: Sighting | undefined, name: string, since: number): boolean =>
  s?.poweredOn === true && rec.first(name, since, (x) => x.poweredOn === false) !== undefined;
