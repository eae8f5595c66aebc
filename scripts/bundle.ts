/**
 * @module scripts/bundle: `npm run bundle` writes each function as a
 * self-contained ESM bundle in `functions/<name>/dist/`, because `func build`
 * (Paketo / s2i) uses the function folder as the whole app and never sees
 * `../../shared`. `faas-js-runtime` stays external to `dist/index.js`: the
 * runtime's CLI loads the bundle as a module, installed from the function's own
 * package.json. The image's command (`node dist/main.cjs`) loads the same
 * runtime from `dist/runtime.cjs` instead, bundled into one file: ~50 ms less
 * at every cold start than resolving and reading its ~200 files from
 * node_modules (bench/cold-start.ts measures both).
 *
 * Usage: `node scripts/bundle.ts [name…]` (default: every function and the watcher).
 */
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Metafile, OutputFile, Plugin } from 'esbuild';
import { FAAS_JS_RUNTIME_VERSION, FUNCTION_MAIN } from '../shared/src/manifests/function-files.ts';

export const FUNCTION_NAMES = ['enroll', 'inspect', 'provision', 'power', 'deprovision', 'claim', 'external'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];
/** Everything with an image: the functions and the watcher (a plain `node dist/index.js`). */
export const BUNDLED = [...FUNCTION_NAMES, 'watcher'] as const;

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Packages resolved at run time from the function folder's node_modules. */
export const EXTERNAL_PACKAGES = ['faas-js-runtime'] as const;

export interface BundleResult {
  name: string;
  /** output file → bytes */
  files: Record<string, number>;
  totalBytes: number;
  /** bytes of the entry chunk, what faas-js-runtime imports at start */
  entryBytes: number;
  metafile: Metafile;
}

export interface BundleOptions {
  root?: string;
  minify?: boolean;
}

/**
 * CommonJS dependencies (cloudevents, js-yaml…) call `require()` for Node
 * built-ins; an ESM bundle has no `require`, so we give it one.
 */
const REQUIRE_SHIM = "import { createRequire as __metal3CreateRequire } from 'node:module'; const require = __metal3CreateRequire(import.meta.url);";

/**
 * Node built-ins are required, not imported: the ES-module facade of a built-in reads every one
 * of its exports, and `node:http`'s lazy ones (WebSocket, MessageEvent…) load Node's fetch
 * (undici), ~20 ms of every cold start in a CPU profile. `require()` loads only the module.
 */
const requireBuiltins: Plugin = {
  name: 'require-builtins',
  setup(b) {
    const builtin = new Set(builtinModules);
    b.onResolve({ filter: /^(node:)?[a-z0-9_/]+$/ }, (args) => {
      if (args.kind !== 'import-statement' && args.kind !== 'dynamic-import') return undefined;
      return builtin.has(args.path.replace(/^node:/, '')) ? { path: args.path, namespace: 'required-builtin' } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'required-builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

/** faas-js-runtime in one CommonJS file, next to each function's bundle. */
export const RUNTIME_CJS = 'runtime.cjs';

/**
 * A CommonJS main that loads faas-js-runtime (bundled), then imports the ES-module bundle and
 * calls its `serve()` with it, in the order the faas-js-runtime CLI does. Measured at cold start:
 * the bundle as the program's main module, or imported before the runtime is loaded, holds ~6 MB
 * more RSS.
 */
export const MAIN_CJS = [
  '// written by `npm run bundle`: serve this function with our request limits (shared/src/handler/serve.ts)',
  `const runtime = require('./${RUNTIME_CJS}');`,
  "import('./index.js').then((m) => m.serve(runtime), (e) => { console.error(e); process.exit(1); });",
  '',
].join('\n');

/**
 * The runtime bundle's entry: faas-js-runtime's exports plus its own copy of the CloudEvents SDK
 * (a nested, older version than ours), which `installLenientEventDecoding` patches.
 */
const RUNTIME_ENTRY = "module.exports = { ...require('./index.js'), cloudEvents: require('cloudevents') };";

/** The runtime bundle is the same for every function: built once per process and options, then written to each dist/. */
const runtimeBuilds = new Map<string, Promise<OutputFile[]>>();

async function buildRuntime(root: string, minify: boolean): Promise<OutputFile[]> {
  const installed = (JSON.parse(await readFile(join(root, 'node_modules', 'faas-js-runtime', 'package.json'), 'utf8')) as { version: string }).version;
  if (installed !== FAAS_JS_RUNTIME_VERSION) throw new Error(`faas-js-runtime ${installed} is installed, the functions pin ${FAAS_JS_RUNTIME_VERSION}: run npm ci`);
  const result = await build({
    stdin: { contents: RUNTIME_ENTRY, resolveDir: join(root, 'node_modules', 'faas-js-runtime'), loader: 'js', sourcefile: 'faas-js-runtime-entry.cjs' },
    // only its name matters: the output is written to each dist/ by bundleRuntime
    outfile: join(root, RUNTIME_CJS),
    write: false,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node22',
    minify,
    legalComments: 'linked',
    logLevel: 'warning',
  });
  return result.outputFiles;
}

/** Writes faas-js-runtime (as installed at the repository root, the version the functions' package.json pin) bundled into `outdir`/runtime.cjs. */
export async function bundleRuntime(outdir: string, { root = REPO_ROOT, minify = true }: BundleOptions = {}): Promise<void> {
  const key = `${root}\0${String(minify)}`;
  let files = runtimeBuilds.get(key);
  if (!files) {
    files = buildRuntime(root, minify);
    runtimeBuilds.set(key, files);
    files.catch(() => runtimeBuilds.delete(key));
  }
  for (const f of await files) await writeFile(join(outdir, basename(f.path)), f.contents);
}

/** Bundles one function into `functions/<name>/dist/index.js` (+ lazily loaded chunks, + main.cjs for a transition function). */
export async function bundleFunction(name: string, { root = REPO_ROOT, minify = true }: BundleOptions = {}): Promise<BundleResult> {
  const dir = join(root, 'functions', name);
  const outdir = join(dir, 'dist');
  await rm(outdir, { recursive: true, force: true });
  const result = await build({
    entryPoints: { index: join(dir, 'src', 'index.ts') },
    outdir,
    bundle: true,
    // splitting keeps the dynamic import of @kubernetes/client-node in its own chunk
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    minify,
    sourcemap: false,
    legalComments: 'linked',
    external: [...EXTERNAL_PACKAGES],
    banner: { js: REQUIRE_SHIM },
    plugins: [requireBuiltins],
    chunkNames: 'chunks/[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
  });
  const files: Record<string, number> = {};
  if ((FUNCTION_NAMES as readonly string[]).includes(name)) {
    await writeFile(join(dir, FUNCTION_MAIN), MAIN_CJS);
    files['main.cjs'] = Buffer.byteLength(MAIN_CJS);
    await bundleRuntime(outdir, { root, minify });
    files[RUNTIME_CJS] = (await stat(join(outdir, RUNTIME_CJS))).size;
  }
  for (const out of Object.keys(result.metafile.outputs)) {
    const abs = resolve(root, out);
    files[abs.slice(outdir.length + 1)] = (await stat(abs)).size;
  }
  // ours only: the runtime bundle is the same for every function
  const totalBytes = Object.entries(files).filter(([f]) => f.endsWith('.js')).reduce((n, [, b]) => n + b, 0);
  return { name, files, totalBytes, entryBytes: files['index.js'] ?? 0, metafile: result.metafile };
}

/** Every function folder that has a `src/index.ts` and a `func.yaml` sibling is bundled. */
export async function bundleAll(options: BundleOptions = {}, names: readonly string[] = FUNCTION_NAMES): Promise<BundleResult[]> {
  const out: BundleResult[] = [];
  for (const name of names) out.push(await bundleFunction(name, options));
  return out;
}

const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const wanted = process.argv.slice(2);
  const known = await readdir(join(REPO_ROOT, 'functions'));
  for (const w of wanted) if (!known.includes(w)) throw new Error(`no function folder functions/${w}`);
  for (const r of await bundleAll({}, wanted.length > 0 ? wanted : BUNDLED)) {
    const chunks = Object.entries(r.files).filter(([f]) => f !== 'index.js' && f.endsWith('.js'));
    const runtime = r.files[RUNTIME_CJS] !== undefined ? `, ${RUNTIME_CJS} ${kib(r.files[RUNTIME_CJS])}` : '';
    console.log(`functions/${r.name}/dist: index.js ${kib(r.entryBytes)}, ${chunks.length} lazy chunk(s) ${kib(r.totalBytes - r.entryBytes)}, total ${kib(r.totalBytes)}${runtime}`);
  }
}
