/**
 * @module chaos/stack: the real bed wired for chaos — the Kubernetes API
 * fixture with RBAC enforced (each function and the watcher under its own
 * ServiceAccount's Role from the permission table), a real Ironic in a state
 * dir we keep (so it can be restarted with its DB) behind the fault proxy,
 * ipmi_sim BMCs, the in-process broker with delivery faults, the five
 * functions as child processes, and the watcher (informer + Ironic poller).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudEvent } from 'cloudevents';
import { EventType } from '../../events/src/types.ts';
import { buildBareMetalHostCrd, buildHardwareDataCrd } from '../../shared/src/api/crd.ts';
import { startBroker } from '../../shared/src/broker/broker.ts';
import type { Broker } from '../../shared/src/broker/broker.ts';
import { createIronicClient } from '../../shared/src/ironic/client.ts';
import type { Logger } from '../../shared/src/log.ts';
import { buildAllRbac } from '../../shared/src/manifests/rbac.ts';
import { DEFAULT_OPTIONS } from '../../shared/src/manifests/options.ts';
import { serviceAccountOf } from '../../shared/src/manifests/names.ts';
import { TRANSITION_NAMES } from '../../shared/src/state-machine/states.ts';
import { createHostInformer } from '../../functions/watcher/src/informer.ts';
import { createWatcher } from '../../functions/watcher/src/watcher.ts';
import { startIronic } from '../bed/ironic.ts';
import type { IronicInstance, IniSections } from '../bed/ironic.ts';
import { startIpmiSims, stopIpmiSims } from '../bed/ipmi-sim.ts';
import type { SimulatedBmc } from '../bed/ipmi-sim.ts';
import { startKubeApi } from '../bed/kube-api/index.ts';
import type { KubeApiFixture } from '../bed/kube-api/index.ts';
import { startStaticFiles } from '../bed/static-files.ts';
import type { StaticFiles } from '../bed/static-files.ts';
import { startFunctionPool } from './function-pool.ts';
import type { FunctionPool } from './function-pool.ts';
import { startIronicProxy } from './ironic-proxy.ts';
import type { IronicProxy } from './ironic-proxy.ts';
import type { FaultPlan } from './plan.ts';
import type { Prng } from './prng.ts';

export const HOST_NAMESPACE = DEFAULT_OPTIONS.hostNamespace;

export interface ChaosStackOptions {
  plan: FaultPlan;
  random: Prng;
  ipmiBmcs: number;
  log: Logger;
  /** base of the error backoff for the functions and watcher (short, so a run converges in minutes) */
  backoffBaseMs?: number;
  /** every log line of every function process */
  onFunctionLine?(line: string): void;
  /** every CloudEvent seen at the function taps and at the watcher's emit */
  onCloudEvent?(text: string): void;
  /**
   * Changes the API fixture keeps for watch resumption (older resourceVersions answer 410).
   * A real API server keeps a bounded watch cache and etcd compacts every 5 minutes; a long soak
   * sets this so the fixture's history does not grow for the whole run.
   */
  maxWatchHistory?: number;
}

export interface WatcherEmitStats { emitted: number; dropped: number; duplicated: number }

export interface ChaosStack {
  kube: KubeApiFixture;
  ironic(): IronicInstance;
  proxy: IronicProxy;
  bmcs: SimulatedBmc[];
  files: StaticFiles;
  broker: Broker;
  pool: FunctionPool;
  emitStats: WatcherEmitStats;
  watcherStats(): Record<string, unknown>;
  /** stop Ironic and start it again on the same dir (DB kept); resolves when it answers again */
  restartIronic(): Promise<void>;
  /** turn every fault injector off (the end of a run: let everything settle) */
  calm(): void;
  stop(): Promise<void>;
}

const IRONIC_CONFIG: IniSections = { conductor: { deploy_callback_timeout: '120', clean_callback_timeout: '120' } };

export async function startChaosStack(o: ChaosStackOptions): Promise<ChaosStack> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const random = o.random;
  let calm = false;
  try {
    const rbacObjects = buildAllRbac(DEFAULT_OPTIONS).map((m) => JSON.parse(JSON.stringify(m)) as object);
    const kube = await startKubeApi({
      crds: [buildBareMetalHostCrd(), buildHardwareDataCrd()],
      namespaces: [...new Set(['default', 'kube-system', DEFAULT_OPTIONS.namespace, HOST_NAMESPACE])],
      rbac: { enforce: true, objects: rbacObjects },
      ...(o.maxWatchHistory ? { maxWatchHistory: o.maxWatchHistory } : {}),
    });
    cleanups.push(() => kube.stop());
    const workDir = await mkdtemp(join(tmpdir(), 'chaos-'));
    // CHAOS_KEEP_DIR=1 keeps Ironic's database and log for a post-mortem of a broken guarantee
    if (process.env.CHAOS_KEEP_DIR) process.stderr.write(`chaos: keeping ${workDir}\n`);
    else cleanups.push(() => rm(workDir, { recursive: true, force: true }));
    const ironicDir = join(workDir, 'ironic');
    await mkdir(ironicDir);
    const [firstIronic, bmcs, files] = await Promise.all([
      startIronic({ dir: ironicDir, extraConfig: IRONIC_CONFIG }),
      o.ipmiBmcs > 0 ? startIpmiSims(o.ipmiBmcs) : Promise.resolve([] as SimulatedBmc[]),
      startStaticFiles(),
    ]);
    let ironic = firstIronic;
    cleanups.push(() => ironic.stop(), () => stopIpmiSims(bmcs), () => files.stop());

    const proxy = await startIronicProxy({ target: ironic.url, random: random.fork('ironic'), conflictRate: o.plan.ironic.conflictRate, unavailableRate: o.plan.ironic.unavailableRate });
    cleanups.push(() => proxy.close());

    const backoffBaseMs = o.backoffBaseMs ?? 1_000;
    const functionEnv: Record<string, string> = {
      IRONIC_URL: proxy.url,
      ENABLE_FAKE_BMC: 'true',
      IPMI_CIPHER_SUITE: '3',
      IRONIC_INTERFACES: JSON.stringify({ ipmi: { boot: 'pxe', deploy: 'ramdisk', inspect: 'no-inspect' } }),
      DEPLOY_KERNEL_URL: files.urls['/vmlinuz'] ?? '',
      DEPLOY_RAMDISK_URL: files.urls['/initrd.img'] ?? '',
      BACKOFF_BASE_MS: String(backoffBaseMs),
      LOG_LEVEL: 'info',
    };
    // each function talks to the API as its own ServiceAccount: RBAC is enforced by the fixture
    const kubeconfigs = Object.fromEntries(await Promise.all(TRANSITION_NAMES.map(async (name) => [
      name, await kube.writeKubeconfig(join(workDir, `kubeconfig-${name}.json`), { token: kube.tokenFor(DEFAULT_OPTIONS.namespace, serviceAccountOf(name)) }),
    ]))) as Record<string, string>;

    const faults = o.plan.delivery;
    const deliveryRandom = random.fork('delivery');
    const broker = await startBroker({
      log: o.log.child({ component: 'broker' }),
      concurrency: 32,
      faults: {
        drop: () => !calm && deliveryRandom.chance(faults.dropRate),
        duplicate: () => (!calm && deliveryRandom.chance(faults.duplicateRate) ? deliveryRandom.int(1, faults.maxExtraCopies) : 0),
        delayMs: () => (!calm && deliveryRandom.chance(faults.delayRate) ? deliveryRandom.int(0, faults.maxDelayMs) : 0),
      },
    });
    cleanups.push(() => broker.close());

    const pool = await startFunctionPool({
      envFor: (name) => ({ ...functionEnv, KUBECONFIG: kubeconfigs[name] ?? '' }),
      crashRate: o.plan.processes.crashPointRate,
      seed: random.fork('crash').int(1, 2 ** 30),
      restartDelayMs: o.plan.processes.restartDelayMs,
      onLine: (_n, l) => o.onFunctionLine?.(l),
      onExchange: (_n, t) => o.onCloudEvent?.(t),
    });
    cleanups.push(() => pool.stop());
    // linear, not exponential: a process restart can take 30 s on a loaded machine, and the broker
    // holds the host's lane (and a concurrency slot) while it waits, so long exponential waits stall everything
    for (const name of TRANSITION_NAMES) {
      broker.addTrigger({ name: `${name}-trigger`, type: EventType[name], subscriber: pool.urls[name], delivery: { retry: 40, backoffDelayMs: 500, backoffPolicy: 'linear', timeoutMs: 60_000 } });
    }

    // the watcher under its own ServiceAccount, emitting through a faulty edge into the broker
    const emitStats: WatcherEmitStats = { emitted: 0, dropped: 0, duplicated: 0 };
    const emitRandom = random.fork('emit');
    const emit = async (event: CloudEvent<unknown>): Promise<void> => {
      emitStats.emitted++;
      o.onCloudEvent?.(JSON.stringify(event));
      if (!calm && emitRandom.chance(o.plan.emit.dropRate)) { emitStats.dropped++; return; }
      const copies = !calm && emitRandom.chance(o.plan.emit.duplicateRate) ? 2 : 1;
      emitStats.duplicated += copies - 1;
      for (let i = 0; i < copies; i++) broker.publish(event);
    };
    const watcherKube = kube.kubeConfig({ token: kube.tokenFor(DEFAULT_OPTIONS.namespace, serviceAccountOf('watcher')) });
    const watcher = createWatcher({
      ironic: createIronicClient({ url: proxy.url }), log: o.log.child({ component: 'watcher' }), emit,
      pollActiveMs: 500, pollIdleMs: 2_000, resyncMs: 5_000, backoffBaseMs,
    });
    const informer = createHostInformer({ kubeConfig: watcherKube, namespace: HOST_NAMESPACE, onEvent: watcher.onInformerEvent, log: o.log.child({ component: 'informer' }), maxBackoffMs: 2_000 });
    await informer.start();
    watcher.start();
    cleanups.push(async () => { watcher.stop(); await informer.stop(); });

    return {
      kube, proxy, bmcs, files, broker, pool, emitStats,
      ironic: () => ironic,
      watcherStats: () => ({ ...watcher.stats }),
      restartIronic: async function restartIronic() {
        await ironic.stop();
        ironic = await startIronic({ dir: ironicDir, extraConfig: IRONIC_CONFIG });
        proxy.setTarget(ironic.url);
      },
      calm: () => { calm = true; proxy.setFaults(false); kube.control.clearFaults(); },
      stop: async function stop() {
        for (const c of cleanups.reverse()) await c().catch(() => undefined);
      },
    };
  } catch (e) {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    throw e;
  }
}
