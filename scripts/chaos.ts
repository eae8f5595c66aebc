/**
 * `npm run chaos [-- --seed N --hosts N --ipmi N --plan full|quick|calm --timeout-min N]`
 * One seeded chaos run on the real bed (see test/chaos/run.ts and docs/reliability.md).
 * Prints the seed first, so any run can be repeated; exits 1 when a guarantee was broken.
 */
import { appendFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { calmPlan, fullPlan, quickPlan } from '../test/chaos/plan.ts';
import { randomSeed } from '../test/chaos/prng.ts';
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
const t0 = Date.now();
const report = await runChaos({
  seed, hosts, ipmiHosts: Number(values.ipmi), plan,
  timeoutMs: Number(values['timeout-min']) * 60_000,
  ...(values['log-file'] ? { logLine: (line: string) => appendFileSync(values['log-file']!, line + '\n') } : {}),
  progress: values.quiet ? undefined : (line) => console.log(`  [${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}`),
});
console.log(`\nseed ${report.seed}: ${report.hosts} hosts converged in ${(report.convergeMs / 1000).toFixed(1)} s (whole run ${(report.totalMs / 1000).toFixed(1)} s)`);
console.table(report.counts);
if (report.violations.length === 0) {
  console.log('all guarantees held');
  process.exit(0);
}
console.log(`${report.violations.length} violation(s):`);
for (const v of report.violations.slice(0, 50)) console.log(`  - [${v.check}]${v.host ? ` ${v.host}` : ''}: ${v.detail}`);
console.log(`repeat with: npm run chaos -- --seed ${report.seed} --hosts ${report.hosts} --ipmi ${values.ipmi} --plan ${values.plan}`);
process.exit(1);
