import { describe, expect, it } from '@jest/globals';
import { renderAgentResults } from './agents.ts';
import type { AgentBenchResults, AgentRun } from './agents.ts';
import { summarize } from './stats.ts';

const run = (machines: number, completed: number, pss: number[]): AgentRun => ({
  machines, completed, failures: completed < machines ? ['agent-3: not provisioned after 1800s'] : [], wallS: 100,
  steps: { available: summarize([30, 40]), provisioned: summarize([50]) },
  lifecycle: summarize([110, 120]),
  memory: { rssMiB: summarize(pss.map((x) => x + 20)), pssMiB: summarize(pss), peakTotalPssMiB: 500, samples: 40 },
  cpuSeconds: { ironic: 60, ours: 9 },
  ironicVersion: '39.0.0',
});

describe('bench/agents › the README block', () => {
  it('gives one column per run size, labels the fit as computed and names failures', () => {
    // Prepare
    const results: AgentBenchResults = {
      at: '2026-12-06T01:00:00.000Z', machine: { cpus: 2, cpuModel: 'x', ramGiB: 23.5, node: 'v24', loadStart: 1, loadEnd: 2, kernel: 'k' },
      ipaVersion: '13.0.0', runs: [run(10, 10, [60, 62, 64]), run(50, 49, [61, 70])], wallS: 900,
      fit: { byMemory: 320, memAvailableMiB: 22_400, pssPerMachineMiB: 70, fromRun: 50 },
    };
    // Act
    const text = renderAgentResults(results);
    // Assess
    expect(text).toContain('| step, seconds p50 (p95) | 10 machines | 50 machines |');
    expect(text).toContain('| registered → available (enroll, in-band inspection, cleaning) | 35 (40) | 35 (40) |');
    expect(text).toContain('| online false → powered off | - | - |');
    expect(text).toContain('| hosts completed | 10 of 10 | 49 of 50 |');
    expect(text).toContain('| memory per machine while its agent runs, PSS p50 (p95), MiB | 62 (64) | 65.5 (70) |');
    expect(text).toMatch(/How many fit \(computed, not run\): 22,400 MiB .* 70 MiB PSS per machine \(p95 of the 50-machine run\) = 320 machines/);
    expect(text).toContain('Failures: 50 machines: agent-3: not provisioned after 1800s');
    expect(text).toContain('heartbeat timeout 30 s instead of 300 s');
  });
});
