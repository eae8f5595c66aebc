/**
 * @module chaos/plan: how hard a chaos run shakes each edge. One plan, read by
 * every fault injector; `quickPlan` is the seeded subset in the normal test run.
 */

export interface FaultPlan {
  /** broker → function: per delivery attempt */
  delivery: { dropRate: number; duplicateRate: number; maxExtraCopies: number; delayRate: number; maxDelayMs: number };
  /** watcher → broker: per emitted event */
  emit: { dropRate: number; duplicateRate: number };
  /** function processes: SIGKILL one at random every `killEveryMs` (±50 %); crash points armed with this probability each */
  processes: { killEveryMs: number; crashPointRate: number; restartDelayMs: number };
  /** Ironic: answers injected by the proxy before forwarding; restarts (same DB) at these fractions of the run */
  ironic: { conflictRate: number; unavailableRate: number; restartAt: readonly number[] };
  /** Kubernetes API fixture: every `everyMs` one of: 409/500 on a write, watch cut, history expired (410) */
  kube: { everyMs: number };
  /** IPMI BMCs: stopped for `outageMs`, and credentials broken (Secret password changed) for `badCredentialsMs` */
  bmc: { outageMs: number; badCredentialsMs: number };
}

export const fullPlan: FaultPlan = {
  delivery: { dropRate: 0.1, duplicateRate: 0.15, maxExtraCopies: 4, delayRate: 0.25, maxDelayMs: 1_500 },
  emit: { dropRate: 0.05, duplicateRate: 0.1 },
  processes: { killEveryMs: 15_000, crashPointRate: 0.005, restartDelayMs: 300 },
  ironic: { conflictRate: 0.05, unavailableRate: 0.03, restartAt: [0.35] },
  kube: { everyMs: 1_500 },
  bmc: { outageMs: 8_000, badCredentialsMs: 8_000 },
};

export const quickPlan: FaultPlan = {
  ...fullPlan,
  processes: { killEveryMs: 10_000, crashPointRate: 0.01, restartDelayMs: 300 },
};

/** No faults at all: the baseline the same scenario must also pass. */
export const calmPlan: FaultPlan = {
  delivery: { dropRate: 0, duplicateRate: 0, maxExtraCopies: 0, delayRate: 0, maxDelayMs: 0 },
  emit: { dropRate: 0, duplicateRate: 0 },
  processes: { killEveryMs: 0, crashPointRate: 0, restartDelayMs: 0 },
  ironic: { conflictRate: 0, unavailableRate: 0, restartAt: [] },
  kube: { everyMs: 0 },
  bmc: { outageMs: 0, badCredentialsMs: 0 },
};
