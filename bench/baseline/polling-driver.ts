/**
 * @module bench/baseline/polling-driver: the polling baseline, i.e. our
 * system driven the way upstream's baremetal-operator drives itself.
 *
 * A controller-runtime-like loop: a host is reconciled when it is created or
 * its spec/metadata change (status-only writes do not trigger, as BMO's
 * update predicate), and after every reconcile it is requeued on upstream's
 * delays (delays.ts). A reconcile re-reads the host and its Ironic node and
 * runs the SAME TransitionFunction through createHandler that the
 * event-driven system runs; the only difference is *when* work is triggered.
 * At most `concurrency` hosts reconcile at once, one reconcile per host at a
 * time (BMO_CONCURRENCY = min(NumCPU, 8), floor 2).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { availableParallelism } from 'node:os';
import { buildRequestedEvent } from '../../events/src/build.ts';
import { createBmcRegistry } from '../../shared/src/bmc/registry.ts';
import { loadFunctionConfig } from '../../shared/src/handler/config.ts';
import { createHandler } from '../../shared/src/handler/create-handler.ts';
import type { HandlerDeps } from '../../shared/src/handler/types.ts';
import { createIronicClient } from '../../shared/src/ironic/client.ts';
import type { IronicRequestInfo } from '../../shared/src/ironic/client.ts';
import { nodeNameFor } from '../../shared/src/ironic/lookup.ts';
import type { IronicNode } from '../../shared/src/ironic/types.ts';
import type { StoredHost } from '../../shared/src/k8s/host-store.ts';
import { createRestHostStoreFor } from '../../shared/src/k8s/rest-host-store.ts';
import type { Logger } from '../../shared/src/log.ts';
import { TRANSITION_FUNCTIONS } from '../../shared/src/runner/all-in-one.ts';
import { currentState, dueFor } from '../../shared/src/state-machine/guard.ts';
import { TRANSITION_NAMES } from '../../shared/src/state-machine/states.ts';
import type { TransitionName } from '../../shared/src/state-machine/states.ts';
import { createHostInformer } from '../../functions/watcher/src/informer.ts';
import { requeueDelayMs, UPSTREAM_DELAYS } from './delays.ts';
import type { ReconcileOutcome, UpstreamDelays } from './delays.ts';

export interface PollingDriverOptions {
  kubeConfig: KubeConfig;
  ironicUrl: string;
  log: Logger;
  env?: Record<string, string | undefined>;
  namespace?: string;
  delays?: UpstreamDelays;
  /** parallel reconciles (BMO_CONCURRENCY); default min(cpus, 8), floor 2 */
  concurrency?: number;
  onIronicRequest?: (info: IronicRequestInfo & { component: string }) => void;
  random?: () => number;
}

export interface PollingDriver {
  readonly stats: { reconciles: number; handled: number; errors: number };
  stop(): Promise<void>;
}

interface HostSlot {
  namespace: string;
  name: string;
  timer?: NodeJS.Timeout | undefined;
  queued: boolean;
  running: boolean;
  /** a trigger arrived while running: reconcile again right after */
  again: boolean;
  seen?: StoredHost;
}

const SOURCE = '/metal3-functions/bench/polling-baseline';

/** True when a watch update should trigger a reconcile (not for status-only writes). */
function specOrMetaChanged(before: StoredHost | undefined, after: StoredHost): boolean {
  if (!before) return true;
  const a = before.metadata;
  const b = after.metadata;
  return a.generation !== b.generation
    || a.deletionTimestamp !== b.deletionTimestamp
    || JSON.stringify(a.annotations ?? {}) !== JSON.stringify(b.annotations ?? {})
    || JSON.stringify(a.finalizers ?? []) !== JSON.stringify(b.finalizers ?? []);
}

export async function startPollingDriver({
  kubeConfig, ironicUrl, log, env = {}, namespace, delays = UPSTREAM_DELAYS,
  concurrency = Math.max(2, Math.min(availableParallelism(), 8)), onIronicRequest, random = Math.random,
}: PollingDriverOptions): Promise<PollingDriver> {
  const config = loadFunctionConfig({ ...process.env, ...env, IRONIC_URL: ironicUrl });
  // the same store our functions use, so the comparison is about timing alone
  const { hosts, close: closeHosts } = createRestHostStoreFor(kubeConfig, { instance: 'polling-baseline', log });
  const ironic = createIronicClient({ url: ironicUrl, ...(onIronicRequest ? { onRequest: (i: IronicRequestInfo) => onIronicRequest({ ...i, component: 'baseline' }) } : {}) });
  const bmc = createBmcRegistry({ hosts, allowFake: config.ENABLE_FAKE_BMC, ...(config.IPMI_CIPHER_SUITE === 3 || config.IPMI_CIPHER_SUITE === 17 ? { ipmiCipherSuite: config.IPMI_CIPHER_SUITE } : {}) });
  const deps: HandlerDeps = { hosts, ironic, bmc, config, log };
  const handlers = Object.fromEntries(TRANSITION_NAMES.map((n) => [n, createHandler(TRANSITION_FUNCTIONS[n], deps)])) as Record<TransitionName, ReturnType<typeof createHandler>>;
  const slots = new Map<string, HostSlot>();
  const queue: HostSlot[] = [];
  const stats = { reconciles: 0, handled: 0, errors: 0 };
  let active = 0;
  let stopped = false;

  function enqueue(slot: HostSlot): void {
    clearTimeout(slot.timer);
    slot.timer = undefined;
    if (slot.running) { slot.again = true; return; }
    if (slot.queued || stopped) return;
    slot.queued = true;
    queue.push(slot);
    pump();
  }

  function requeueAfter(slot: HostSlot, ms: number): void {
    clearTimeout(slot.timer);
    if (stopped || !slots.has(`${slot.namespace}/${slot.name}`)) return;
    if (ms <= 0) { enqueue(slot); return; }
    slot.timer = setTimeout(() => enqueue(slot), ms);
    slot.timer.unref?.();
  }

  function pump(): void {
    while (active < concurrency && queue.length > 0 && !stopped) {
      const slot = queue.shift()!;
      slot.queued = false;
      slot.running = true;
      active++;
      void reconcile(slot)
        .catch((e: unknown) => { stats.errors++; log.warn('baseline reconcile failed', { error: (e as Error).message }); return requeueDelayMs(undefined, 'retry', delays, random); })
        .then((ms) => {
          active--;
          slot.running = false;
          if (slot.again) { slot.again = false; requeueAfter(slot, 0); } else requeueAfter(slot, ms);
          pump();
        });
    }
  }

  /** One reconcile; returns ms until the next one. */
  async function reconcile(slot: HostSlot): Promise<number> {
    stats.reconciles++;
    let host: StoredHost;
    try {
      host = await hosts.get(slot.namespace, slot.name);
    } catch {
      return Number.POSITIVE_INFINITY; // gone: the informer's delete drops the slot
    }
    const before = currentState(host);
    const node: IronicNode | null = before === undefined || before === '' ? null : await ironic.getNode(nodeNameFor(host));
    const due = dueFor(host, { now: Date.now(), backoffBaseMs: config.BACKOFF_BASE_MS, facts: node ? { nodePowerState: node.power_state } : {} });
    if (due.kind === 'none') {
      if (due.reason === 'backoff' && due.retryAt !== undefined) return Math.max(0, due.retryAt - Date.now());
      return requeueDelayMs(before, 'idle', delays, random);
    }
    const event = buildRequestedEvent({ host, transition: due.by, reason: 'resync', source: SOURCE, ironic: node ?? undefined });
    stats.handled++;
    const result = await handlers[due.by].processEvent({ ...(event as unknown as Record<string, unknown>) });
    let outcome: ReconcileOutcome;
    switch (result.kind) {
      case 'progressed': {
        const after: string = result.state;
        outcome = after === 'removed' || after !== (before ?? '') ? 'state-changed' : 'waiting';
        break;
      }
      case 'recorded':
        outcome = 'idle';
        break;
      case 'retry':
      case 'crashed':
        outcome = 'retry';
        break;
      default:
        outcome = 'waiting';
    }
    return requeueDelayMs(result.kind === 'progressed' ? currentStateOf(result.state) : before, outcome, delays, random);
  }

  const informer = createHostInformer({
    kubeConfig, namespace, log: log.child({ component: 'baseline-informer' }),
    onEvent: (e) => {
      const key = `${e.host.metadata.namespace ?? 'default'}/${e.host.metadata.name}`;
      if (e.type === 'delete') {
        const slot = slots.get(key);
        clearTimeout(slot?.timer);
        slots.delete(key);
        return;
      }
      let slot = slots.get(key);
      if (!slot) {
        slot = { namespace: e.host.metadata.namespace ?? 'default', name: e.host.metadata.name, queued: false, running: false, again: false };
        slots.set(key, slot);
      }
      const trigger = specOrMetaChanged(slot.seen, e.host);
      slot.seen = e.host;
      if (trigger) enqueue(slot);
    },
  });
  await informer.start();

  return {
    stats,
    stop: async function stop() {
      stopped = true;
      for (const s of slots.values()) clearTimeout(s.timer);
      await informer.stop();
      // let in-flight reconciles finish so nothing writes after stop
      const until = Date.now() + 30_000;
      while (active > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      await bmc.close();
      closeHosts();
    },
  };
}

function currentStateOf(state: string): ReturnType<typeof currentState> {
  return currentState({ metadata: { name: '' }, status: { provisioning: { state } } } as never);
}
