/**
 * @module chaos/monkey: the timed faults of a run — function processes
 * SIGKILLed at random, the Kubernetes API fixture answering 409/500, watch
 * streams cut, history expired (the next resume gets 410 Gone). Delivery,
 * emit and Ironic-answer faults are per request (stack.ts, ironic-proxy.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TRANSITION_NAMES } from '../../shared/src/state-machine/states.ts';
import type { ChaosStack } from './stack.ts';
import type { FaultPlan } from './plan.ts';
import type { Prng } from './prng.ts';

export interface MonkeyStats {
  kills: number;
  /** API answers the fixture failed on purpose (armed rules that met a request in time) */
  readonly kube409: number;
  readonly kube500: number;
  watchCuts: number;
  historyExpired: number;
  /** most armed API fault rules waiting for a request at once (bounded by the arming window) */
  peakPendingFaults: number;
}

export interface Monkey { readonly stats: MonkeyStats; stop(): Promise<void> }

export function startMonkey(stack: ChaosStack, plan: FaultPlan, random: Prng): Monkey {
  const fired = stack.kube.control.faultStats.fired;
  const stats: MonkeyStats = {
    kills: 0, watchCuts: 0, historyExpired: 0, peakPendingFaults: 0,
    get kube409() { return fired[409] ?? 0; },
    get kube500() { return fired[500] ?? 0; },
  };
  let stopped = false;
  const abort = new AbortController();
  const nap = (ms: number): Promise<void> => sleep(ms, undefined, { signal: abort.signal }).catch(() => undefined);
  const killer = random.fork('kill');
  const kube = random.fork('kube');

  async function killLoop(): Promise<void> {
    const every = plan.processes.killEveryMs;
    if (every <= 0) return;
    while (!stopped) {
      // one process down at a time: the next kill is timed from when all are back (cold starts are slow)
      while (!stopped && !stack.pool.allReady()) await nap(200);
      await nap(Math.round(every * (0.5 + killer.next())));
      if (stopped) return;
      if (stack.pool.kill(killer.pick(TRANSITION_NAMES))) stats.kills++;
    }
  }

  async function kubeLoop(): Promise<void> {
    const every = plan.kube.everyMs;
    if (every <= 0) return;
    while (!stopped) {
      await nap(Math.round(every * (0.5 + kube.next())));
      if (stopped) return;
      const c = stack.kube.control;
      // a fault hits a request of about now, or none: armed rules left over from a quiet spell would
      // otherwise pile up and fail every write for minutes (what stalled fake-5 in one quick CI run)
      const withinMs = every;
      switch (kube.int(0, 4)) {
        case 0: c.failNext({ method: 'PATCH', pathPrefix: '/apis/metal3.io', status: 409, reason: 'Conflict', message: 'chaos: the object has been modified', withinMs }); break;
        case 1: c.failNext({ method: 'PATCH', pathPrefix: '/apis/metal3.io', status: 500, message: 'chaos: internal error', withinMs }); break;
        case 2: c.failNext({ method: 'GET', pathPrefix: '/apis/metal3.io', status: 500, message: 'chaos: internal error', withinMs }); break;
        case 3: c.closeWatches(); stats.watchCuts++; break;
        case 4: c.expireHistory(); c.closeWatches(); stats.historyExpired++; break;
      }
      stats.peakPendingFaults = Math.max(stats.peakPendingFaults, c.pendingFaults());
    }
  }

  const loops = Promise.all([killLoop(), kubeLoop()]);
  return {
    stats,
    stop: async function stop() { stopped = true; abort.abort(); await loops; },
  };
}
