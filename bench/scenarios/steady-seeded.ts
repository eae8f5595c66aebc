/**
 * @module bench/scenarios/steady-seeded: steady Ironic load at any size,
 * both modes on one bed. N fake-hardware nodes are put into `available` by
 * the harness straight through Ironic's API (at 1000 hosts our functions
 * would take ~16 min to get there, the baseline longer), and their
 * BareMetalHosts are written as our functions leave an available host. Then
 * each mode runs alone: started, left to settle (no Ironic request but list
 * calls for 10 s), traced over the window, stopped.
 *
 * The rate comes from request times (steadyRate), so the window's phase
 * against either side's poll cycle does not bias it; the window holds two of
 * the baseline's 60 s cycles. Ironic's CPU over the window includes its own
 * periodic work (power sync, …), so the same window is first measured with
 * no system running, and what answering a mode costs Ironic is the
 * difference. That difference holds Ironic's periodic work twice (a 125 s
 * window holds two or three runs of a 60 s task), which at 10 hosts is
 * several times the cost of the requests themselves; so after both modes
 * ran, the bed also costs each kind of request seen in the windows (CPU per
 * request, in turns) and Ironic's CPU answering a mode is attributed as
 * Σ requests of a kind × its CPU per request.
 */
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPrng } from '../../test/chaos/prng.ts';
import { startHostRecorder } from '../host-recorder.ts';
import type { HostRecorder } from '../host-recorder.ts';
import { parseIronicLog } from '../ironic-log.ts';
import { driftCorrected, driftSeenMs } from './lifecycle.ts';
import { POLL_FIELDS } from '../../functions/watcher/src/watcher.ts';
import { createIronicClient } from '../../shared/src/ironic/client.ts';
import { cpuPerRequest } from '../ironic-request-cost.ts';
import { startBenchBed } from '../bed.ts';
import { startCpuMeter } from '../machine.ts';
import { steadyRate } from '../request-counter.ts';
import type { RequestCounts, SteadyRate, TracedRequest } from '../request-counter.ts';
import { round, summarize } from '../stats.ts';
import { startSystemChild } from '../system-child.ts';
import type { Mode } from '../system-child.ts';
import { HOST_FINALIZER } from '../../shared/src/state-machine/states.ts';
import { fakeHost, fakeNodeRequest, G, hostApi, hostName, NAMESPACE, pool } from './hosts.ts';

/** no Ironic request but list calls for this long = settled */
const QUIET_MS = 10_000;
const SETTLE_CAP_MS = 600_000;

export interface SteadyFigure {
  mode: Mode;
  hosts: number;
  /** how the hosts got to steady state */
  seeded: true;
  windowMs: number;
  /** from request times (steadyRate) */
  perHostMinute: number;
  requestsPerMinute: number;
  rate: SteadyRate;
  /** plain counts over the window, for reference */
  requests: Pick<RequestCounts, 'total' | 'list' | 'get' | 'write'>;
  /** Ironic's whole CPU over the window, and with no system running (same bed, same length) */
  ironicCpuSPerHostHour: number;
  ironicIdleCpuSPerHostHour: number;
  /** the difference: what answering this mode cost Ironic (never below 0) */
  ironicAnsweringCpuSPerHostHour: number;
  /** Ironic requests the mode made from its start until settled, and how long that took */
  startupRequests: number;
  settleS: number;
  /** the window's requests by kind, each with Ironic's CPU per request measured on the same bed after both modes ran */
  requestKinds?: SteadyRequestKind[];
  /** Σ count × CPU per request over the window's requests, per host-hour (undefined when a kind had no cost measured) */
  ironicAttributedCpuSPerHostHour?: number;
  /** power drifts made after the window, when asked for */
  drift?: SteadyDriftFigure;
  /** the notification bus (RabbitMQ) in the same window: it runs for both modes; only ours subscribes */
  busCpuSPerHostHour?: number;
  /** Ironic notifications our watcher received in the window, and the polls they brought forward */
  notifications?: { received: number; polls: number };
}

export const STEADY_REQUEST_KINDS = ['list', 'probe', 'node GET', 'other'] as const;
export type SteadyRequestKindName = typeof STEADY_REQUEST_KINDS[number];
export interface SteadyRequestKind { kind: SteadyRequestKindName; count: number; cpuMsPerRequest?: number }

/** What a traced request is: the watcher's list (each page), its change probe, one node's GET (the baseline's poll), or other. */
export function steadyRequestKind(r: Pick<TracedRequest, 'method' | 'path'>): SteadyRequestKindName {
  if (r.method !== 'GET') return 'other';
  const [path = '', query = ''] = r.path.split('?');
  if (path.replace(/\/+$/, '') === '/v1/nodes') return /(^|&)sort_key=updated_at(&|$)/.test(query) ? 'probe' : 'list';
  return /^\/v1\/nodes\/[^/]+$/.test(path) ? 'node GET' : 'other';
}

/** Counts by kind (kinds with none left out). */
export function countKinds(trace: readonly Pick<TracedRequest, 'method' | 'path'>[]): SteadyRequestKind[] {
  const counts = new Map<SteadyRequestKindName, number>();
  for (const r of trace) {
    const kind = steadyRequestKind(r);
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return STEADY_REQUEST_KINDS.filter((k) => counts.has(k)).map((kind) => ({ kind, count: counts.get(kind)! }));
}

/** Σ count × CPU per request, in CPU s per host-hour; undefined when a kind seen has no measured cost. */
export function attributedCpuSPerHostHour(kinds: readonly SteadyRequestKind[], hosts: number, windowMs: number): number | undefined {
  let ms = 0;
  for (const k of kinds) {
    if (k.cpuMsPerRequest === undefined) return undefined;
    ms += k.count * k.cpuMsPerRequest;
  }
  return ms / 1000 / (hosts * (windowMs / 3_600_000));
}

/**
 * Power drifts after a mode's window, on the same settled fleet: each a node powered off in Ironic
 * at a seeded random moment, timed from Ironic's log line to the host's status showing it off.
 * Both sides in rounds of one drift per host, each within the mode's `spreadMs` (60 s for both as
 * shipped: upstream polls each host on its own 60 s timer, our watcher lists once a minute while it
 * follows Ironic's notifications), after `settleMs` of quiet.
 */
export interface SteadyDriftOptions {
  samples: number;
  seed: number;
  settleMs: number;
  ours: { spreadMs: number };
  baseline: { spreadMs: number };
}

export interface SteadyDriftFigure {
  options: SteadyDriftOptions;
  /** seen after, ms, one per drift (a drift whose line or sighting was missing is left out) */
  seenMs: number[];
  /** each drift's seeded moment (ms) */
  offsetsMs: number[];
}

export interface SteadySeededOptions { hosts: number; windowMs?: number; modes?: readonly Mode[]; pollIdleMs?: number; pollActiveMs?: number; drift?: SteadyDriftOptions; log?: (line: string) => void }

export async function runSteadySeeded({ hosts, windowMs = 125_000, modes = ['event-driven', 'polling'], pollIdleMs, pollActiveMs, drift, log = () => undefined }: SteadySeededOptions): Promise<SteadyFigure[]> {
  const bed = await startBenchBed({});
  let recorder: HostRecorder | undefined;
  try {
    const t0 = Date.now();
    await seed(bed, hosts);
    log(`  seeded ${hosts} available hosts in ${round((Date.now() - t0) / 1000, 1)} s`);
    const perHostHour = (cpuS: number, ms: number) => cpuS / (hosts * (ms / 3_600_000));
    await sleep(QUIET_MS);
    const idleMeter = startCpuMeter({ ironic: bed.ironic.pid });
    const ti = Date.now();
    await sleep(windowMs);
    const idle = perHostHour(idleMeter.read().ironic!.cpuSeconds, Date.now() - ti);
    log(`  Ironic alone N=${hosts}: ${round(idle, 2)} CPU s/host-hour`);
    const out: SteadyFigure[] = [];
    for (const mode of modes) {
      const sys = await startSystemChild({
        mode, kubeconfigPath: bed.kube.kubeconfigPath, ironicUrl: bed.ironic.url, env: bed.functionEnv, ironicNotificationsUrl: bed.bus.url,
        ...(pollActiveMs ? { pollActiveMs } : {}), ...(pollIdleMs ? { pollIdleMs } : {}),
      });
      try {
        const tStart = Date.now();
        let last = (await sys.report()).counts;
        let quietSince = Date.now();
        while (Date.now() - quietSince < QUIET_MS && Date.now() - tStart < SETTLE_CAP_MS) {
          await sleep(1_000);
          const now = (await sys.report()).counts;
          if (now.get !== last.get || now.write !== last.write) quietSince = Date.now();
          last = now;
        }
        const settleS = round((Date.now() - tStart) / 1000, 1);
        const meter = startCpuMeter({ ironic: bed.ironic.pid, bus: bed.bus.pid });
        const beforeReport = await sys.report();
        const before = beforeReport.counts;
        sys.trace(true);
        const tw = Date.now();
        await sleep(windowMs);
        sys.trace(false);
        const cpuRead = meter.read();
        const cpu = cpuRead.ironic!.cpuSeconds;
        const report = await sys.report();
        const measuredMs = Date.now() - tw;
        const rate = steadyRate(report.trace ?? [], measuredMs);
        const c = report.counts;
        const whole = perHostHour(cpu, measuredMs);
        const fig: SteadyFigure = {
          mode, hosts, seeded: true, windowMs: measuredMs,
          perHostMinute: round(rate.perMinute / hosts, 3),
          requestsPerMinute: round(rate.perMinute, 1),
          rate: { ...rate, perMinute: round(rate.perMinute, 2) },
          requests: { total: c.total - before.total, list: c.list - before.list, get: c.get - before.get, write: c.write - before.write },
          ironicCpuSPerHostHour: round(whole, 2),
          ironicIdleCpuSPerHostHour: round(idle, 2),
          ironicAnsweringCpuSPerHostHour: round(Math.max(0, whole - idle), 2),
          startupRequests: before.total, settleS,
          ...(cpuRead.bus ? { busCpuSPerHostHour: round(perHostHour(cpuRead.bus.cpuSeconds, measuredMs), 3) } : {}),
          ...(report.watcher?.notifications !== undefined ? { notifications: { received: report.watcher.notifications - (beforeReport.watcher?.notifications ?? 0), polls: (report.watcher.notificationPolls ?? 0) - (beforeReport.watcher?.notificationPolls ?? 0) } } : {}),
        };
        log(`  ${mode} N=${hosts} steady: ${fig.perHostMinute} requests/host-min (${fig.requests.total} in ${round(measuredMs / 1000, 0)} s), Ironic ${fig.ironicCpuSPerHostHour} CPU s/host-hour (${fig.ironicAnsweringCpuSPerHostHour} answering it); settled after ${settleS} s and ${fig.startupRequests} requests`);
        fig.requestKinds = countKinds(report.trace ?? []);
        if (drift) {
          recorder ??= await startHostRecorder({ kubeConfig: bed.kube.kubeConfig(), namespace: NAMESPACE });
          fig.drift = await driftAfterWindow(bed, recorder, mode, hosts, drift);
          const seen = summarize(fig.drift.seenMs);
          log(`  ${mode} N=${hosts} power drift seen after ${round(seen.p50, 0)} ms (p50), ${round(seen.p95, 0)} ms (p95), ${seen.n} drifts`);
        }
        out.push(fig);
      } finally {
        await sys.stop();
      }
    }
    await attribute(bed, hosts, out, log);
    return out;
  } finally {
    await recorder?.stop();
    await bed.stop();
  }
}

async function driftAfterWindow(bed: Awaited<ReturnType<typeof startBenchBed>>, rec: HostRecorder, mode: Mode, hosts: number, o: SteadyDriftOptions): Promise<SteadyDriftFigure> {
  const ironic = createIronicClient({ url: bed.ironic.url });
  const nodeOf = new Map((await ironic.listNodes({ fields: ['uuid', 'name'] })).map((n) => [n.name?.split('~')[1] ?? '', n.uuid]));
  const names = Array.from({ length: hosts }, (_, i) => hostName(i));
  const phase = createPrng(o.seed).fork(`steady-drift-${mode}`);
  const drifts: { name: string; at: number }[] = [];
  const offsetsMs: number[] = [];
  const powerOff = async (name: string) => {
    drifts.push({ name, at: Date.now() });
    await ironic.setPowerState(nodeOf.get(name)!, 'power off');
  };
  // both sides alike: rounds of one drift per host, each at a seeded random moment within the mode's spread
  const spreadMs = mode === 'event-driven' ? o.ours.spreadMs : o.baseline.spreadMs;
  for (let done = 0; done < o.samples; done += hosts) {
    const group = names.slice(0, Math.min(hosts, o.samples - done));
    const starts = new Map<string, number>();
    await sleep(o.settleMs);
    await Promise.all(group.map(async (name) => {
      const offset = Math.floor(phase.next() * spreadMs);
      offsetsMs.push(offset);
      await sleep(offset);
      starts.set(name, Date.now());
      await powerOff(name);
    }));
    await rec.waitAll(group, (s, name) => driftCorrected(rec, s, name, starts.get(name)!), 240_000);
  }
  const events = parseIronicLog(await readFile(bed.ironic.logPath, 'utf8'));
  const seenMs = drifts.map((d) => driftSeenMs(rec, events, nodeOf.get(d.name)!, d.name, d.at)).filter((x): x is number => x !== undefined);
  return { options: o, seenMs, offsetsMs };
}

/**
 * Costs each kind of request the windows held on this bed (its N nodes, its Ironic), the calls sent
 * as the two modes send them, and attributes Ironic's CPU answering each mode from those costs.
 * 'other' requests (none in a settled window) have no cost, which leaves that mode unattributed.
 */
async function attribute(bed: Awaited<ReturnType<typeof startBenchBed>>, hosts: number, figures: SteadyFigure[], log: (line: string) => void): Promise<void> {
  let sent = 0;
  const ironic = createIronicClient({ url: bed.ironic.url, onRequest: () => { sent++; } });
  const nodes = await ironic.listNodes({ fields: ['uuid', 'name'] });
  const costs = await cpuPerRequest(bed.ironic.pid, [
    // by name, as the baseline asks for its host's node
    { name: 'node GET', send: (i) => ironic.getNode(nodes[i % nodes.length]!.name ?? nodes[i % nodes.length]!.uuid) },
    { name: 'list', send: () => ironic.listNodes({ fields: POLL_FIELDS }) },
    { name: 'probe', send: () => ironic.lastWrittenNode(POLL_FIELDS) },
  ], { rounds: 5, perRound: hosts >= 300 ? 20 : 60, httpRequests: () => sent });
  log(`  Ironic CPU per request N=${hosts}: ${[...costs].map(([k, ms]) => `${k} ${round(ms, 2)} ms`).join(', ')}`);
  for (const fig of figures) {
    fig.requestKinds = (fig.requestKinds ?? []).map((k) => (costs.has(k.kind) ? { ...k, cpuMsPerRequest: round(costs.get(k.kind)!, 2) } : k));
    const attributed = attributedCpuSPerHostHour(fig.requestKinds, hosts, fig.windowMs);
    if (attributed !== undefined) fig.ironicAttributedCpuSPerHostHour = round(attributed, 3);
    log(`  ${fig.mode} N=${hosts}: ${fig.ironicAttributedCpuSPerHostHour ?? 'unattributed'} CPU s/host-hour attributed (${fig.requestKinds.map((k) => `${k.count} ${k.kind}`).join(', ')})`);
  }
}

/** N hosts as our functions leave them once available: Ironic node (with its boot MAC port) and BareMetalHost. */
async function seed(bed: Awaited<ReturnType<typeof startBenchBed>>, hosts: number): Promise<void> {
  const kubeConfig = bed.kube.kubeConfig();
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  // seeding is not measured: on a slow or shared machine SQLite makes some of 8 concurrent state changes wait
  // well past the client's 30 s default (seen at 300 hosts), which would end the run for nothing
  const ironic = createIronicClient({ url: bed.ironic.url, timeoutMs: 180_000 });
  await hostApi(kubeConfig).createSecret();
  const secret = await core.readNamespacedSecret({ namespace: NAMESPACE, name: 'bench-bmc' });
  const indices = Array.from({ length: hosts }, (_, i) => i);
  const uids = new Map<number, string>();
  await pool(indices, 16, async (i) => {
    const body = fakeHost(i) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
    const created = await custom.createNamespacedCustomObject({
      ...G, body: { ...body, metadata: { ...body.metadata, finalizers: [HOST_FINALIZER] }, spec: { ...body.spec, automatedCleaningMode: 'metadata' } },
    }) as { metadata: { uid: string } };
    uids.set(i, created.metadata.uid);
  });
  // Ironic creates a node straight into 'available' when asked at API 1.10 (before the enroll state):
  // no conductor work per node, where manage and provide (verify, then fake cleaning) took 28 min for
  // 1000 nodes on a 2-CPU machine. The fields 1.10 lacks (interfaces, automated_clean) are patched in
  // at the client's own version, which Ironic allows while a node is available.
  const legacy = createIronicClient({ url: bed.ironic.url, timeoutMs: 180_000, microversion: '1.10' });
  const nodeIds = new Map<number, string>();
  await pool(indices, 8, async (i) => {
    const { name, driver, driver_info, properties, extra, ...later } = fakeNodeRequest(`${NAMESPACE}~${hostName(i)}`, uids.get(i)!);
    const node = await legacy.createNode({ name, driver, driver_info, ...(properties ? { properties } : {}), ...(extra ? { extra } : {}) });
    nodeIds.set(i, node.uuid);
    await ironic.patchNode(node.uuid, Object.entries(later).map(([field, value]) => ({ op: 'replace' as const, path: `/${field}`, value })));
    await ironic.createPort({ node_uuid: node.uuid, address: (fakeHost(i).spec as { bootMACAddress: string }).bootMACAddress, pxe_enabled: true });
  });
  await waitStates(ironic, 'available', hosts);
  await pool(indices, 8, (i) => ironic.setPowerState(nodeIds.get(i)!, 'power on'));
  const at = new Date().toISOString();
  const condition = (type: string, status: string, reason: string) => ({ type, status, reason, message: '', lastTransitionTime: at, observedGeneration: 1 });
  const credentials = { credentials: { name: 'bench-bmc', namespace: NAMESPACE }, credentialsVersion: secret.metadata!.resourceVersion! };
  await pool(indices, 16, (i) => custom.patchNamespacedCustomObjectStatus({
    ...G, name: hostName(i),
    body: {
      status: {
        operationalStatus: 'OK', errorMessage: '', errorCount: 0, poweredOn: true, provisioningFailCount: 0,
        provisioning: { state: 'available', ID: nodeIds.get(i)! },
        operationHistory: { register: { start: at, end: at }, inspect: { start: at, end: at } },
        conditions: [
          condition('Manageable', 'True', 'Manageable'), condition('AvailableForProvisioning', 'True', 'Available'),
          condition('Provisioned', 'False', 'NotProvisioned'), condition('Ready', 'False', 'NotProvisioned'),
          condition('Progressing', 'False', 'NotProgressing'), condition('Healthy', 'Unknown', 'Unknown'),
          condition('Error', 'False', 'NoError'), condition('UnsupportedFields', 'False', 'AllFieldsSupported'),
        ],
        lastUpdated: at, triedCredentials: credentials, goodCredentials: credentials,
      },
    },
  }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)));
}

async function waitStates(ironic: ReturnType<typeof createIronicClient>, state: string, hosts: number): Promise<void> {
  const until = Date.now() + 120_000 + hosts * 600;
  for (;;) {
    const nodes = await ironic.listNodes({ fields: ['uuid', 'provision_state', 'last_error'] });
    const done = nodes.filter((n) => n.provision_state === state).length;
    if (done === hosts) return;
    const failed = nodes.find((n) => /fail/.test(n.provision_state ?? ''));
    if (failed) throw new Error(`seeding: node ${failed.uuid} ${failed.provision_state}: ${(failed as { last_error?: string }).last_error ?? ''}`);
    if (Date.now() > until) throw new Error(`seeding: ${done} of ${hosts} nodes ${state} in time`);
    await sleep(1_000);
  }
}
