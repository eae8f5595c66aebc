/**
 * `npm run soak -- --minutes 30 [--every-s 4] [--sample-s 30] [--ipmi 0] [--out file.json]`
 * `npm run soak -- --verdict file.json` judges a written run again (see test/chaos/soak-trend.ts)
 * Steady churn on the real bed, no injected faults: a new host every few
 * seconds walks create → register → inspect → available → provision →
 * power off/on → deprovision → delete. Samples RSS and open file descriptors
 * of every process (this one: fixture + broker + watcher; each function
 * process; Ironic) and prints them over time, with events/s and every error.
 * The API fixture runs no event TTL and no garbage collector: the soak deletes
 * each finished host's Events and HardwareData itself (as a cluster would), and
 * keeps 5,000 changes of watch history (a real API server's watch cache is
 * bounded too), so the runner's memory shows our parts, not a growing store of
 * test objects.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../shared/src/log.ts';
import { TRANSITION_NAMES } from '../shared/src/state-machine/states.ts';
import { createKubeDriver } from '../test/chaos/kube-driver.ts';
import { createLeakDetector } from '../test/chaos/leak-detector.ts';
import { calmPlan } from '../test/chaos/plan.ts';
import { createPrng } from '../test/chaos/prng.ts';
import { HostView, planHosts, runHostScript } from '../test/chaos/scenario.ts';
import { HOST_NAMESPACE, startChaosStack } from '../test/chaos/stack.ts';
import { FLAT_RULE, soakTrend } from '../test/chaos/soak-trend.ts';
import type { SoakRow, SoakSample, SoakTrend } from '../test/chaos/soak-trend.ts';

const { values } = parseArgs({ options: {
  minutes: { type: 'string', default: '30' },
  'every-s': { type: 'string', default: '4' },
  'sample-s': { type: 'string', default: '30' },
  ipmi: { type: 'string', default: '0' },
  out: { type: 'string' },
  /** re-judge a written soak file with the current rule (its samples are kept), no run */
  verdict: { type: 'string' },
} });
if (values.verdict) {
  const saved = JSON.parse(await readFile(values.verdict, 'utf8')) as { samples: SoakSample[]; trend?: Record<string, SoakTrend> };
  const trend = soakTrend(saved.samples);
  console.log(`trend after warm-up (${FLAT_RULE})`);
  console.table(trend);
  await writeFile(values.verdict, `${JSON.stringify({ ...saved, trend }, null, 2)}\n`);
  process.exit(Object.values(trend).every((t) => t.flat) ? 0 : 1);
}
const minutes = Number(values.minutes);
const everyMs = Number(values['every-s']) * 1000;
const sampleMs = Number(values['sample-s']) * 1000;
const t0 = Date.now();
const stamp = (): string => `${((Date.now() - t0) / 1000).toFixed(0).padStart(5)} s`;

const procRss = async (pid: number): Promise<number> => Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''))?.[1] ?? NaN);
const procFds = async (pid: number): Promise<number> => (await readdir(`/proc/${pid}/fd`).catch(() => [])).length;

const leaks = createLeakDetector();
const errors: string[] = [];
const log = createLogger({ level: 'warn', write: (l) => { leaks.scan('log', l); if (errors.length < 200 && /"level":"error"/.test(l)) errors.push(l.slice(0, 300)); } });
// a bounded watch history, as a real API server's watch cache (the informers relist on 410)
const stack = await startChaosStack({ plan: calmPlan, random: createPrng(1), ipmiBmcs: Number(values.ipmi), log, onFunctionLine: (l) => leaks.scan('log', l), onCloudEvent: (t) => leaks.scan('cloudevent', t), maxWatchHistory: 5_000 });
console.log(`soak: ${minutes} min, a new host every ${everyMs / 1000} s, samples every ${sampleMs / 1000} s (stack up in ${stamp()})`);

const driver = createKubeDriver(stack.kube.kubeConfig(), HOST_NAMESPACE);
const view = new HostView(driver, 500);
const viewing = view.run();
const samples: { at: number; rows: Record<string, SoakRow>; delivered: number }[] = [];
let completed = 0;
let failed = 0;
let started = 0;
const inFlight = new Set<Promise<void>>();

const finished = new Set<string>();
let collected = 0;

async function sample(): Promise<void> {
  const batch = new Set(finished);
  finished.clear();
  collected += await driver.collectGarbageOf(batch).catch((e: Error) => { errors.push(`garbage collection: ${e.message}`); return 0; });
  const rows: Record<string, SoakRow> = {};
  // RSS alone cannot tell a leak from V8 growing its heap while memory is plentiful: with
  // --expose-gc (npm run soak) the runner also reports what its heap retains after a full GC
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  rows.runner = { rssMiB: process.memoryUsage().rss / 2 ** 20, fds: await procFds(process.pid), ...(gc ? { heapAfterGcMiB: process.memoryUsage().heapUsed / 2 ** 20 } : {}) };
  for (const n of TRANSITION_NAMES) rows[n] = { rssMiB: (await stack.pool.rssKiB(n)) / 1024, fds: await stack.pool.openFds(n) };
  rows.ironic = { rssMiB: (await procRss(stack.ironic().pid)) / 1024, fds: await procFds(stack.ironic().pid) };
  samples.push({ at: Date.now() - t0, rows, delivered: stack.broker.stats.delivered });
  const prev = samples.at(-2);
  const rate = prev ? ((stack.broker.stats.delivered - prev.delivered) / ((Date.now() - t0 - prev.at) / 1000)).toFixed(1) : '-';
  console.log(`[${stamp()}] lifecycles ${completed} done, ${failed} failed, ${inFlight.size} in flight; ${rate} deliveries/s; ` +
    Object.entries(rows).map(([k, v]) => `${k} ${v.rssMiB.toFixed(0)} MiB/${v.fds} fd`).join(', '));
}

const end = t0 + minutes * 60_000;
let nextSample = Date.now();
const random = createPrng(7);
while (Date.now() < end) {
  if (Date.now() >= nextSample) { await sample(); nextSample += sampleMs; }
  const [plan] = planHosts({ count: 1, sims: [], random, seed: started });
  const p = { ...plan!, name: `soak-${started}`, secretName: `soak-bmc-${started}`, userDataName: `soak-ud-${started}`, role: 'churn' as const, mac: `52:54:01:${(started >> 16 & 255).toString(16).padStart(2, '0')}:${(started >> 8 & 255).toString(16).padStart(2, '0')}:${(started & 255).toString(16).padStart(2, '0')}` };
  leaks.add(`password ${p.name}`, p.password);
  leaks.add(`user data ${p.name}`, p.userData.split('\n')[1] ?? p.userData);
  started++;
  const run: Promise<void> = runHostScript(p, {
    driver, view, imageUrl: stack.files.urls['/images/host.qcow2'] ?? '', deadline: Date.now() + 10 * 60_000,
    onProvisioning: () => undefined, stopBmc: async () => undefined, restartBmc: async () => undefined, faultMs: { outage: 0, badCredentials: 0 },
  }).then(async () => {
    completed++;
    await driver.deleteSecret(p.secretName);
    await driver.deleteSecret(p.userDataName);
    finished.add(p.name);
  }, (e: Error) => { failed++; errors.push(`${p.name}: ${e.message}`); }).finally(() => inFlight.delete(run));
  inFlight.add(run);
  await sleep(everyMs);
}
console.log(`[${stamp()}] churn stopped; waiting for ${inFlight.size} lifecycles in flight`);
await Promise.allSettled([...inFlight]);
await sample();
view.stop();
await viewing;

const first = samples[1] ?? samples[0]!; // the first sample is taken before any load: compare from the second
const last = samples.at(-1)!;
console.log('\nper process: RSS and open fds, first loaded sample → last');
console.table(Object.fromEntries(Object.keys(last.rows).map((k) => [k, {
  'RSS MiB first': Number(first.rows[k]?.rssMiB.toFixed(1)), 'RSS MiB last': Number(last.rows[k]?.rssMiB.toFixed(1)),
  'RSS MiB max': Number(Math.max(...samples.map((s) => s.rows[k]?.rssMiB ?? 0)).toFixed(1)),
  'fds first': first.rows[k]?.fds, 'fds last': last.rows[k]?.fds,
}])));
const trend = soakTrend(samples);
console.log(`\ntrend after warm-up (${FLAT_RULE})`);
console.table(trend);
const seconds = (Date.now() - t0) / 1000;
console.log(`lifecycles: ${completed} completed, ${failed} failed, of ${started} started in ${minutes} min; ${collected} Events/HardwareData of finished hosts collected`);
console.log(`broker: ${JSON.stringify(stack.broker.stats)}; ${(stack.broker.stats.delivered / seconds).toFixed(2)} deliveries/s average`);
console.log(`function processes: ${JSON.stringify(stack.pool.stats.unexpectedExits.length)} unexpected exits; dead letters ${stack.broker.deadLetters.length}; secret hits ${leaks.hits.length}`);
for (const e of errors.slice(0, 20)) console.log(`  error: ${e}`);
for (const d of stack.broker.deadLetters.slice(0, 10)) console.log(`  dead letter: ${d.subject} ${d.type}: ${d.reason}`);
if (values.out) {
  await writeFile(values.out, `${JSON.stringify({ at: new Date(t0).toISOString(), minutes, everyS: everyMs / 1000, started, completed, failed,
    deliveriesPerS: Number((stack.broker.stats.delivered / seconds).toFixed(2)), broker: stack.broker.stats, deadLetters: stack.broker.deadLetters.length,
    unexpectedExits: stack.pool.stats.unexpectedExits.length, secretHits: leaks.hits.length, errors: errors.slice(0, 20), trend,
    samples: samples.map((x) => ({ atS: Math.round(x.at / 1000), rows: Object.fromEntries(Object.entries(x.rows).map(([k, v]) => [k, { rssMiB: Number(v.rssMiB.toFixed(1)), fds: v.fds, ...(v.heapAfterGcMiB !== undefined ? { heapAfterGcMiB: Number(v.heapAfterGcMiB.toFixed(1)) } : {}) }])) })),
  }, null, 2)}\n`);
  console.log(`wrote ${values.out}`);
}
await stack.stop();
process.exit(failed > 0 || Object.values(trend).some((t) => !t.flat) || leaks.hits.length > 0 || stack.pool.stats.unexpectedExits.length > 0 ? 1 : 0);
