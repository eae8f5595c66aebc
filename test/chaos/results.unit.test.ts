import { describe, expect, it } from '@jest/globals';
import { chaosResultsOf, renderChaosSummary, renderSoakSummary } from './results.ts';
import type { Violation } from './assertions.ts';
import type { ChaosCounts, ChaosReport } from './run.ts';

const counts: ChaosCounts = {
  eventsSent: 4013, eventsDelivered: 3000, duplicated: 1780, dropped: 604, retried: 2671, coalesced: 10, deadLettered: 0,
  kills: 19, crashPoints: 25, functionRestarts: 44, ironicRestarts: 1, ironicInjected409: 55, ironicInjected503: 190, ironicWhileDown: 344,
  kube409: 43, kube500: 80, watchCuts: 51, historyExpired: 53, peakPendingKubeFaults: 2, bmcOutages: 1, badCredentialWindows: 1,
  acceptedDeploys: 100, logLinesScanned: 3218, cloudEventsScanned: 11303,
};
const machine = { cpus: 2, cpuModel: 'x', ramGiB: 23.5, node: 'v24', loadStart: 0.3, loadEnd: 1.9, kernel: '6' };
const report = (violations: ChaosReport['violations']): ChaosReport => ({ seed: 7, hosts: 100, convergeMs: 370_400, totalMs: 400_000, counts, violations, leaks: [] });

describe('chaos results', () => {
  it('renders every figure from the recorded run', () => {
    // Act
    const text = renderChaosSummary(chaosResultsOf(report([]), { plan: 'full', ipmiHosts: 5, machine, at: new Date('2026-12-05T10:00:00Z') }));
    // Assess
    expect(text).toContain('2026-12-05');
    expect(text).toContain('seed 7, 100 hosts (5 on `ipmi_sim`)');
    expect(text).toContain('converged in 370 s, every guarantee held');
    expect(text).toContain('4,013 events sent, 1,780 extra copies, 604 dropped, 2,671 broker retries, 0 dead letters');
    expect(text).toContain('100 accepted deploys');
    expect(text).toContain('3,218 log lines and 11,303 CloudEvents');
  });

  it('says so when a guarantee broke, and keeps at most 50 violations', () => {
    const many: Violation[] = Array.from({ length: 60 }, (_, i) => ({ check: 'one-node-per-host', host: `h${i}`, detail: 'two nodes' }));
    const r = chaosResultsOf(report(many), { plan: 'full', ipmiHosts: 5, machine });
    expect(r.held).toBe(false);
    expect(r.violations).toHaveLength(50);
    expect(r.violationCount).toBe(60);
    expect(renderChaosSummary(r)).toContain('60 guarantee violation(s), first: one-node-per-host');
  });

  it('names a soak process that was not flat', () => {
    const text = renderSoakSummary({
      at: '2026-11-26T02:08:03Z', minutes: 30, started: 10, completed: 9, failed: 1, deliveriesPerS: 3, deadLetters: 0, unexpectedExits: 0, secretHits: 0,
      trend: { runner: { measure: 'heap after GC', growthMiB: 1, fdGrowth: 0, flat: true }, enroll: { measure: 'RSS', growthMiB: 40, fdGrowth: 0, flat: false } },
    });
    expect(text).toContain('9 of 10 lifecycles completed, 1 failed');
    expect(text).toContain('not flat: enroll (RSS +40 MiB)');
  });
});
