/**
 * `npm run chaos [-- --seed N --hosts N --ipmi N --plan full|quick|calm --timeout-min N --out FILE|none]`
 * One seeded chaos run on the real bed (see test/chaos/run.ts and docs/reliability.md).
 * Prints the seed first, so any run can be repeated; exits 1 when a guarantee was broken.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { machineInfo } from '../bench/machine.ts';
import { parseArgs } from 'node:util';
import { calmPlan, fullPlan, quickPlan } from '../test/chaos/plan.ts';
import { randomSeed } from '../test/chaos/prng.ts';
import { CHAOS_RESULTS, chaosResultsOf } from '../test/chaos/results.ts';
import { runChaos } from '../test/chaos/run.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    hosts: { type: 'string', default: '100' },
    ipmi: { type: 'string', default: '5' },
    plan: { type: 'string', default: 'full' },
    'timeout-min': { type: 'string', default: '20' },
    quiet: { type: 'boolean', default: false },
    'log-file': { type: 'string' },
    /** results JSON; a full-plan run writes bench/results/chaos.json (the README quotes it) unless told `--out none` */
    out: { type: 'string' },
  },
});
const seed = values.seed !== undefined ? Number(values.seed) : randomSeed();
const plans = { full: fullPlan, quick: quickPlan, calm: calmPlan } as const;
const plan = plans[values.plan as keyof typeof plans];
if (!plan || !Number.isInteger(seed)) {
  console.error('usage: npm run chaos -- [--seed N] [--hosts N] [--ipmi N] [--plan full|quick|calm] [--timeout-min N]');
  process.exit(2);
}
const hosts = Number(values.hosts);
console.log(`chaos: seed ${seed}, ${hosts} hosts (${values.ipmi} ipmi), plan ${values.plan}`);
const machine = machineInfo();
const t0 = Date.now();
const report = await runChaos({
  seed, hosts, ipmiHosts: Number(values.ipmi), plan,
  timeoutMs: Number(values['timeout-min']) * 60_000,
  ...(values['log-file'] ? { logLine: (line: string) => appendFileSync(values['log-file']!, line + '\n') } : {}),
  progress: values.quiet ? undefined : (line) => console.log(`  [${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}`),
});
console.log(`\nseed ${report.seed}: ${report.hosts} hosts converged in ${(report.convergeMs / 1000).toFixed(1)} s (whole run ${(report.totalMs / 1000).toFixed(1)} s)`);
console.table(report.counts);
const out = values.out ?? (values.plan === 'full' ? CHAOS_RESULTS.pathname : 'none');
if (out !== 'none') {
  const results = chaosResultsOf(report, { plan: values.plan!, ipmiHosts: Math.min(Number(values.ipmi), hosts), machine: { ...machine, loadEnd: Math.round(loadavg()[0]! * 100) / 100 } });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`results written to ${out} (npm run docs renders the README from it)`);
}
if (report.violations.length === 0) {
  console.log('all guarantees held');
  process.exit(0);
}
console.log(`${report.violations.length} violation(s):`);
for (const v of report.violations.slice(0, 50)) console.log(`  - [${v.check}]${v.host ? ` ${v.host}` : ''}: ${v.detail}`);
console.log(`repeat with: npm run chaos -- --seed ${report.seed} --hosts ${report.hosts} --ipmi ${values.ipmi} --plan ${values.plan}`);
process.exit(1);
