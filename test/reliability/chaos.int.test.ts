/**
 * The quick, seeded chaos subset in the normal test run: a handful of hosts
 * (fake:// and ipmi_sim) through their whole lifecycle on the real bed while
 * deliveries are dropped, duplicated, delayed; function processes are killed
 * (at random and at crash points); Ironic is restarted and answers 409/503;
 * the API fixture answers 409/500, cuts watches and expires history; one BMC
 * is down for a while and one host starts with wrong credentials.
 * Every guarantee of docs/reliability.md is checked by test/chaos/assertions.ts.
 * Reproduce a failure with `npm run chaos -- --seed <seed> --hosts 6 --ipmi 2 --plan quick`.
 * A failed run writes every log line to a file and shows the last lines about each host it names
 * (CI keeps only the test output).
 */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { quickPlan } from '../chaos/plan.ts';
import { runChaos } from '../chaos/run.ts';

const SEED = Number(process.env.CHAOS_SEED ?? 20261125);
const LINES_PER_HOST = 25;

describe('chaos (quick, seeded)', () => {
  it(`converges with every guarantee kept (seed ${SEED})`, async () => {
    // Arrange: keep every log line for a post-mortem
    const lines: string[] = [];
    // Act
    const report = await runChaos({ seed: SEED, hosts: 6, ipmiHosts: 2, plan: quickPlan, timeoutMs: 12 * 60_000, logLine: (l) => lines.push(l) });
    if (report.violations.length > 0) {
      const file = join(tmpdir(), `chaos-quick-${SEED}-${Date.now()}.log`);
      await writeFile(file, lines.join('\n') + '\n');
      const hosts = [...new Set(report.violations.map((v) => v.host?.split('/').pop()).filter((h): h is string => !!h))].slice(0, 4);
      const tails = hosts.map((h) => `--- last lines about ${h}\n${lines.filter((l) => l.includes(`/${h}"`) || l.includes(`"${h}"`)).slice(-LINES_PER_HOST).map((l) => l.slice(0, 400)).join('\n')}`);
      process.stderr.write(`chaos (seed ${SEED}) broke ${report.violations.length} guarantee(s); every log line: ${file}\ncounts: ${JSON.stringify(report.counts)}\n${tails.join('\n')}\n`);
    }
    // Assess: the faults really happened…
    expect(report.counts.kills + report.counts.crashPoints).toBeGreaterThan(0);
    expect(report.counts.dropped).toBeGreaterThan(0);
    expect(report.counts.duplicated).toBeGreaterThan(0);
    expect(report.counts.ironicRestarts).toBe(1);
    expect(report.counts.kube409 + report.counts.kube500 + report.counts.watchCuts + report.counts.historyExpired).toBeGreaterThan(0);
    // …at about the time they were armed (a pile of armed API faults failed every write once)
    expect(report.counts.peakPendingKubeFaults).toBeLessThanOrEqual(3);
    expect(report.counts.logLinesScanned).toBeGreaterThan(100);
    expect(report.counts.cloudEventsScanned).toBeGreaterThan(50);
    // …and nothing they could break broke
    expect(report.violations).toEqual([]);
  }, 15 * 60_000);
});
