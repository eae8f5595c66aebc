/**
 * @module chaos/crash-points: kill a function process in the middle of a
 * handler at exactly the points that matter — before and after an Ironic
 * write, before and after a status write (and a finalizer write) — by
 * wrapping the injected dependencies. Nothing in the shell changes: this is
 * the seam createHandler(deps) already has, and it costs nothing when unused.
 *
 * Armed by environment (function-process.ts reads it):
 *   CHAOS_CRASH_RATE=0.02  probability per crash point passed
 *   CHAOS_SEED=<n>         seeds the draws (the parent varies it per restart)
 */
import { writeSync } from 'node:fs';
import type { IronicClient } from '../../shared/src/ironic/types.ts';
import type { HostStore } from '../../shared/src/k8s/host-store.ts';
import { createPrng } from './prng.ts';

export const CRASH_POINTS = ['before-ironic', 'after-ironic', 'before-status', 'after-status', 'before-finalizer', 'after-finalizer'] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

/** Ironic calls that change something; reads are not interesting crash points. */
const IRONIC_WRITES = ['createNode', 'patchNode', 'deleteNode', 'setProvisionState', 'setPowerState', 'setMaintenance', 'createPort', 'deletePort', 'setBootDevice'] as const;

export interface CrashPlan {
  /** decides whether to die at this point */
  shouldCrash(point: CrashPoint): boolean;
  /** dies (the default: SIGKILL to ourselves, as the OOM killer or a node loss would) */
  crash(point: CrashPoint): never;
}

export function crashPlanFromEnv(env: Record<string, string | undefined> = process.env): CrashPlan | undefined {
  const rate = Number(env.CHAOS_CRASH_RATE ?? 0);
  if (!(rate > 0)) return undefined;
  const random = createPrng(Number(env.CHAOS_SEED ?? 1));
  return {
    shouldCrash: () => random.chance(rate),
    crash: (point) => {
      // synchronous: the line must be out before the signal lands
      writeSync(2, JSON.stringify({ chaos: 'crash', at: point }) + '\n');
      process.kill(process.pid, 'SIGKILL');
      throw new Error('unreachable: SIGKILL did not stop the process');
    },
  };
}

async function around<T>(plan: CrashPlan, before: CrashPoint, after: CrashPoint, call: () => Promise<T>): Promise<T> {
  if (plan.shouldCrash(before)) plan.crash(before);
  const result = await call();
  if (plan.shouldCrash(after)) plan.crash(after);
  return result;
}

export function withIronicCrashPoints(ironic: IronicClient, plan: CrashPlan): IronicClient {
  const wrapped: Record<string, unknown> = {};
  for (const m of IRONIC_WRITES) {
    const original = (ironic[m] as (...a: unknown[]) => Promise<unknown>).bind(ironic);
    wrapped[m] = (...args: unknown[]) => around(plan, 'before-ironic', 'after-ironic', () => original(...args));
  }
  return new Proxy(ironic, { get: (t, k, r) => (typeof k === 'string' && k in wrapped ? wrapped[k] : Reflect.get(t, k, r)) });
}

export function withHostStoreCrashPoints(hosts: HostStore, plan: CrashPlan): HostStore {
  return new Proxy(hosts, {
    get: (t, k, r) => {
      if (k === 'replaceStatus') return (...a: Parameters<HostStore['replaceStatus']>) => around(plan, 'before-status', 'after-status', () => t.replaceStatus(...a));
      if (k === 'setFinalizers') return (...a: Parameters<HostStore['setFinalizers']>) => around(plan, 'before-finalizer', 'after-finalizer', () => t.setFinalizers(...a));
      return Reflect.get(t, k, r);
    },
  });
}
