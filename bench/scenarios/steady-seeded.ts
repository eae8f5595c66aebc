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
 * difference.
 */
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { createIronicClient } from '../../shared/src/ironic/client.ts';
import { startBenchBed } from '../bed.ts';
import { startCpuMeter } from '../machine.ts';
import { steadyRate } from '../request-counter.ts';
import type { RequestCounts, SteadyRate } from '../request-counter.ts';
import { round } from '../stats.ts';
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
}

export interface SteadySeededOptions { hosts: number; windowMs?: number; modes?: readonly Mode[]; pollIdleMs?: number; pollActiveMs?: number; log?: (line: string) => void }

export async function runSteadySeeded({ hosts, windowMs = 125_000, modes = ['event-driven', 'polling'], pollIdleMs, pollActiveMs, log = () => undefined }: SteadySeededOptions): Promise<SteadyFigure[]> {
  const bed = await startBenchBed({});
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
        mode, kubeconfigPath: bed.kube.kubeconfigPath, ironicUrl: bed.ironic.url, env: bed.functionEnv,
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
        const meter = startCpuMeter({ ironic: bed.ironic.pid });
        const before = (await sys.report()).counts;
        sys.trace(true);
        const tw = Date.now();
        await sleep(windowMs);
        sys.trace(false);
        const cpu = meter.read().ironic!.cpuSeconds;
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
        };
        log(`  ${mode} N=${hosts} steady: ${fig.perHostMinute} requests/host-min (${fig.requests.total} in ${round(measuredMs / 1000, 0)} s), Ironic ${fig.ironicCpuSPerHostHour} CPU s/host-hour (${fig.ironicAnsweringCpuSPerHostHour} answering it); settled after ${settleS} s and ${fig.startupRequests} requests`);
        out.push(fig);
      } finally {
        await sys.stop();
      }
    }
    return out;
  } finally {
    await bed.stop();
  }
}

/** N hosts as our functions leave them once available: Ironic node (with its boot MAC port) and BareMetalHost. */
async function seed(bed: Awaited<ReturnType<typeof startBenchBed>>, hosts: number): Promise<void> {
  const kubeConfig = bed.kube.kubeConfig();
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const ironic = createIronicClient({ url: bed.ironic.url });
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
  const nodeIds = new Map<number, string>();
  await pool(indices, 8, async (i) => {
    const node = await ironic.createNode(fakeNodeRequest(`${NAMESPACE}~${hostName(i)}`, uids.get(i)!));
    nodeIds.set(i, node.uuid);
    await ironic.createPort({ node_uuid: node.uuid, address: (fakeHost(i).spec as { bootMACAddress: string }).bootMACAddress, pxe_enabled: true });
    await ironic.setProvisionState(node.uuid, 'manage');
  });
  await waitStates(ironic, 'manageable', hosts);
  await pool(indices, 8, (i) => ironic.setProvisionState(nodeIds.get(i)!, 'provide'));
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
