/**
 * @module bench/cold-start: per function bundle, process start → first
 * successful CloudEvent answered (readiness polled, then a valid no-op event
 * POSTed in binary mode) and RSS after that event, beside a trivial
 * faas-js-runtime function measured in the same run, twice: as the runtime's
 * users start it (faas-js-runtime required from node_modules: the baseline the
 * overhead target is against), and with the runtime bundled into one file as
 * our images load it (so our own code's cost shows apart). Medians over `runs`.
 * Targets: ≤ 300 ms and ≤ 80 MB. Writes bench/results/cold-start.json.
 *
 * Run alone: `node bench/cold-start.ts [runs] [--compile-cache]` (bundles first when dist/ is missing).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ALL_EVENT_TYPES, EventType } from '../events/src/types.ts';
import { TRANSITION_NAMES } from '../shared/src/state-machine/states.ts';
import { bundleAll, bundleRuntime, MAIN_CJS } from '../scripts/bundle.ts';
import { FUNCTION_MAIN } from '../shared/src/manifests/function-files.ts';
import { startKubeApi } from '../test/bed/kube-api/index.ts';
import { loadEventFixture, postEvent, REPO_ROOT, startFunctionProcess } from '../test/packaging/function-process.ts';

const execFileP = promisify(execFile);

export const TARGET_MS = 300;
export const TARGET_RSS_MB = 80;

export interface ColdStartSample { readyMs: number; firstEventMs: number; rssMB: number }
export interface ColdStartRow {
  name: string;
  runs: number;
  /** medians */
  readyMs: number;
  firstEventMs: number;
  rssMB: number;
  bundleKiB?: number;
  meetsTargets: boolean;
  samples: ColdStartSample[];
  /** with `compileCache`: the same starts measured without the cache, interleaved (medians) */
  noCache?: { readyMs: number; firstEventMs: number; rssMB: number };
}
export interface ColdStartResult {
  node: string;
  machine: { cpus: number };
  at: string;
  targets: { firstEventMs: number; rssMB: number };
  compileCache: boolean;
  /** 1, 5 and 15 minute load averages at the end: other work on the machine skews the numbers */
  loadAverage: number[];
  baseline: ColdStartRow;
  /** the same trivial function with faas-js-runtime bundled as ours (dist/runtime.cjs): like for like */
  bundledBaseline?: ColdStartRow;
  functions: ColdStartRow[];
  /**
   * The first event measured above is a no-op (the host is read from the API server; Ironic is
   * not called), so ky and Node's fetch are never loaded. An event that calls Ironic or a BMC
   * loads them on that first call: this is that cost, after the bundle is loaded (median of `runs`,
   * slowest function's dist/, compile cache as the rows above).
   */
  httpClientLoadMs?: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

/** The baseline: a function that does nothing, shaped and started like ours (dist/main.cjs calls its `serve()`). */
const TRIVIAL = [
  "import { createRequire } from 'node:module';",
  'export function handle(context, event) { return { statusCode: 200, body: { ok: true, id: event?.id } }; }',
  "export const serve = (runtime = createRequire(import.meta.url)('faas-js-runtime')) => runtime.start({ handle }, { port: Number(process.env.FUNC_PORT), logLevel: process.env.FUNC_LOG_LEVEL ?? 'info' });",
  '',
].join('\n');
/** The trivial function's main as faas-js-runtime's users have it: the runtime from node_modules. */
const TRIVIAL_MAIN_INSTALLED = [
  "require('faas-js-runtime');",
  "import('./index.js').then((m) => m.serve(), (e) => { console.error(e); process.exit(1); });",
  '',
].join('\n');

/** A trivial function folder: dist/index.js and a main, faas-js-runtime installed (symlinked) beside it. */
async function writeTrivial(dir: string, main: string): Promise<void> {
  await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  await mkdir(join(dir, 'dist'));
  await writeFile(join(dir, 'dist', 'index.js'), TRIVIAL);
  await writeFile(join(dir, FUNCTION_MAIN), main);
  await mkdir(join(dir, 'node_modules'));
  await symlink(join(REPO_ROOT, 'node_modules', 'faas-js-runtime'), join(dir, 'node_modules', 'faas-js-runtime'));
}

/** ky's chunk, the one file of dist/chunks an Ironic or BMC call loads first (it builds a Request, so Node's fetch comes with it). */
const HTTP_CLIENT_LOAD = [
  "import { readdirSync } from 'node:fs';",
  "const ky = readdirSync('dist/chunks').filter((f) => f.startsWith('distribution-') && f.endsWith('.js'));",
  "if (ky.length !== 1) throw new Error(`expected one ky chunk in dist/chunks, found ${ky.length}`);",
  "await import('./dist/index.js');",
  'const t0 = performance.now();',
  "await import(`./dist/chunks/${ky[0]}`);",
  'console.log(performance.now() - t0);',
].join('\n');

async function measureHttpClientLoad(dir: string, env: Record<string, string>): Promise<number> {
  const { stdout } = await execFileP(process.execPath, ['--input-type=module', '-e', HTTP_CLIENT_LOAD], { cwd: dir, env: { PATH: process.env.PATH, ...env } });
  return round(Number(stdout.trim()));
}

async function measure(dir: string, event: Record<string, unknown>, env: Record<string, string>): Promise<ColdStartSample> {
  const t0 = performance.now();
  const fn = await startFunctionProcess({ dir, env, pollMs: 2 });
  try {
    const res = await postEvent(fn.url, event, 'binary');
    const firstEventMs = performance.now() - t0;
    if (res.status < 200 || res.status > 299) throw new Error(`${dir}: first event answered ${res.status}: ${res.body}\n${fn.output()}`);
    return { readyMs: round(fn.readyMs), firstEventMs: round(firstEventMs), rssMB: round((await fn.rssKiB()) / 1024) };
  } finally {
    await fn.stop();
  }
}

const medians = (samples: readonly ColdStartSample[]) => ({
  readyMs: round(median(samples.map((s) => s.readyMs))),
  firstEventMs: round(median(samples.map((s) => s.firstEventMs))),
  rssMB: round(median(samples.map((s) => s.rssMB))),
});

function row(name: string, samples: ColdStartSample[], bundleKiB?: number, noCache?: ColdStartSample[]): ColdStartRow {
  const r = {
    name, runs: samples.length,
    ...medians(samples),
    ...(bundleKiB !== undefined ? { bundleKiB } : {}),
    samples,
    ...(noCache && noCache.length > 0 ? { noCache: medians(noCache) } : {}),
  };
  return { ...r, meetsTargets: r.firstEventMs <= TARGET_MS && r.rssMB <= TARGET_RSS_MB };
}

export interface ColdStartOptions {
  runs?: number;
  /** rebuild the bundles first (default: only when one is missing) */
  rebuild?: boolean;
  out?: string;
  log?: (line: string) => void;
  /**
   * Node's on-disk compile cache (NODE_COMPILE_CACHE), as the images ship it
   * warmed at build time (see the Dockerfiles); one unmeasured warm-up start per
   * row fills it, and every run is also measured without it, interleaved.
   */
  compileCache?: boolean;
}

/** Runs the bench and writes the result file; returns the result. */
export async function runColdStartBench({ runs = 5, rebuild, out = join(REPO_ROOT, 'bench', 'results', 'cold-start.json'), log = console.log, compileCache = false }: ColdStartOptions = {}): Promise<ColdStartResult> {
  const missing = TRANSITION_NAMES.some((f) => !existsSync(join(REPO_ROOT, 'functions', f, 'dist', 'index.js')));
  const sizes: Record<string, number> = {};
  if (rebuild ?? missing) for (const b of await bundleAll()) sizes[b.name] = Math.round(b.totalBytes / 1024);
  // the functions load their host from this API (absent host → 200 no-op); Ironic is never called
  const api = await startKubeApi({});
  const trivialDir = await mkdtemp(join(tmpdir(), 'cold-start-trivial-'));
  const bundledTrivialDir = await mkdtemp(join(tmpdir(), 'cold-start-trivial-bundled-'));
  const cacheDir = await mkdtemp(join(tmpdir(), 'cold-start-cache-'));
  try {
    const kubeconfig = await api.writeKubeconfig();
    const plainEnv: Record<string, string> = { KUBECONFIG: kubeconfig, IRONIC_URL: 'http://127.0.0.1:9' };
    const env: Record<string, string> = { ...plainEnv, ...(compileCache ? { NODE_COMPILE_CACHE: cacheDir } : {}) };
    await writeTrivial(trivialDir, TRIVIAL_MAIN_INSTALLED);
    await writeTrivial(bundledTrivialDir, MAIN_CJS);
    await bundleRuntime(join(bundledTrivialDir, 'dist'));
    const events = Object.fromEntries(await Promise.all(ALL_EVENT_TYPES.map(async (t) => {
      const ev = await loadEventFixture(t);
      return [t, { ...ev, subject: 'metal3/absent', data: { ...(ev.data as object), host: { ...(ev.data as { host: object }).host, name: 'absent' } } }];
    })));
    const trivials = [{ dir: trivialDir, samples: [] as ColdStartSample[], noCache: [] as ColdStartSample[] }, { dir: bundledTrivialDir, samples: [] as ColdStartSample[], noCache: [] as ColdStartSample[] }] as const;
    const fnSamples: Record<string, ColdStartSample[]> = Object.fromEntries(TRANSITION_NAMES.map((f) => [f, []]));
    const fnNoCache: Record<string, ColdStartSample[]> = Object.fromEntries(TRANSITION_NAMES.map((f) => [f, []]));
    const httpClientLoad: Record<string, number[]> = Object.fromEntries(TRANSITION_NAMES.map((f) => [f, []]));
    if (compileCache) {
      for (const t of trivials) await measure(t.dir, events[EventType.enroll]!, env);
      for (const f of TRANSITION_NAMES) await measure(join(REPO_ROOT, 'functions', f), events[EventType[f]]!, env);
    }
    // interleaved, so machine noise spreads over every row alike
    for (let i = 0; i < runs; i++) {
      for (const t of trivials) {
        t.samples.push(await measure(t.dir, events[EventType.enroll]!, env));
        if (compileCache) t.noCache.push(await measure(t.dir, events[EventType.enroll]!, plainEnv));
      }
      for (const f of TRANSITION_NAMES) {
        fnSamples[f]!.push(await measure(join(REPO_ROOT, 'functions', f), events[EventType[f]]!, env));
        if (compileCache) fnNoCache[f]!.push(await measure(join(REPO_ROOT, 'functions', f), events[EventType[f]]!, plainEnv));
        httpClientLoad[f]!.push(await measureHttpClientLoad(join(REPO_ROOT, 'functions', f), env));
      }
    }
    const result: ColdStartResult = {
      node: process.version,
      machine: { cpus: (await import('node:os')).availableParallelism() },
      at: new Date().toISOString(),
      targets: { firstEventMs: TARGET_MS, rssMB: TARGET_RSS_MB },
      compileCache,
      loadAverage: (await import('node:os')).loadavg(),
      baseline: row('trivial faas-js-runtime function', trivials[0].samples, undefined, trivials[0].noCache),
      bundledBaseline: row('trivial, runtime bundled as ours', trivials[1].samples, undefined, trivials[1].noCache),
      functions: TRANSITION_NAMES.map((f) => row(f, fnSamples[f]!, sizes[f], fnNoCache[f])),
    };
    const slowest = result.functions.reduce((a, b) => (b.firstEventMs > a.firstEventMs ? b : a));
    result.httpClientLoadMs = round(median(httpClientLoad[slowest.name]!));
    await mkdir(join(out, '..'), { recursive: true });
    await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
    log(`cold start (median of ${runs}; targets ≤ ${TARGET_MS} ms, ≤ ${TARGET_RSS_MB} MB):`);
    const baselines: ColdStartRow[] = [result.baseline, result.bundledBaseline!];
    for (const r of [...baselines, ...result.functions]) {
      log(`  ${r.name.padEnd(32)} ready ${String(r.readyMs).padStart(6)} ms  first event ${String(r.firstEventMs).padStart(6)} ms  RSS ${String(r.rssMB).padStart(5)} MB${r.noCache ? `  (no compile cache: ${r.noCache.firstEventMs} ms, ${r.noCache.rssMB} MB)` : ''}${baselines.includes(r) ? '' : r.meetsTargets ? '  ok' : '  MISSED'}`);
    }
    log(`  first Ironic or BMC call (${slowest.name}): + ${result.httpClientLoadMs} ms to load ky and Node's fetch`);
    return result;
  } finally {
    await api.stop();
    await rm(trivialDir, { recursive: true, force: true });
    await rm(bundledTrivialDir, { recursive: true, force: true });
    await rm(cacheDir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runColdStartBench({ runs: Number(process.argv[2] ?? 5), compileCache: process.argv.includes('--compile-cache') });
}
