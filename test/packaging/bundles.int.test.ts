/**
 * Every function as it ships: `npm run bundle` output started as the images
 * run it (`node dist/main.cjs` in its own folder), against the
 * Kubernetes API fixture (or the cluster KUBECONFIG names) and a real Ironic. Valid events in binary and
 * structured mode, invalid ones answered 400 with the reason, our probes, and
 * real work for a host that is due.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { buildBareMetalHostCrd, buildHardwareDataCrd } from '../../shared/src/api/crd.ts';
import { ALL_EVENT_TYPES, EventType, transitionOf } from '../../events/src/types.ts';
import { buildRequestedEvent } from '../../events/src/build.ts';
import { HOST_FINALIZER, TRANSITION_NAMES } from '../../shared/src/state-machine/states.ts';
import type { TransitionName } from '../../shared/src/state-machine/states.ts';
import type { StoredHost } from '../../shared/src/k8s/host-store.ts';
import { bundleAll, EXTERNAL_PACKAGES } from '../../scripts/bundle.ts';
import { isBuiltin } from 'node:module';
import { parsePrometheusText, sumOf } from '../../shared/src/metrics/prometheus-text.ts';
import type { BundleResult } from '../../scripts/bundle.ts';
import { startIronic } from '../bed/ironic.ts';
import type { IronicInstance } from '../bed/ironic.ts';
import { type ClusterHandle, connectCluster } from '../bed/cluster.ts';
import { FUNCTION_SERVER_LIMITS } from '../../shared/src/handler/serve.ts';
import { WARM_COMPILE_CACHE_JS } from '../../shared/src/manifests/function-files.ts';
import { slowHeaders } from '../security/slow-client.ts';
import { loadEventFixture, postEvent, postRaw, REPO_ROOT, startFunctionProcess } from './function-process.ts';
import type { FunctionProcess, Mode } from './function-process.ts';

/** The suite's namespace (fresh per run). */
let NS = '';
const MODES: Mode[] = ['binary', 'structured'];

let bundles: BundleResult[] = [];
let ironic: IronicInstance | undefined;
let cluster: ClusterHandle | undefined;
const fns = new Map<TransitionName, FunctionProcess>();
let cliEnv: Record<string, string> = {};

/** A catalogue event for a host that does not exist: every function answers it with a 200 no-op. */
async function absentHostEvent(type: string): Promise<Record<string, unknown>> {
  const ev = await loadEventFixture(type);
  const data = ev.data as { host: Record<string, unknown> };
  return { ...ev, subject: `${NS}/absent`, data: { ...data, host: { ...data.host, namespace: NS, name: 'absent' } } };
}

beforeAll(async () => {
  bundles = await bundleAll();
  [ironic, cluster] = await Promise.all([
    startIronic({ hardwareTypes: ['fake-hardware'] }),
    connectCluster({ crds: [buildBareMetalHostCrd(), buildHardwareDataCrd()], namespacePrefix: 'bundles' }),
  ]);
  NS = cluster.namespace;
  const kubeconfig = await cluster.kubeconfigPath();
  const env = { KUBECONFIG: kubeconfig, IRONIC_URL: ironic.url, ENABLE_FAKE_BMC: 'true', BACKOFF_BASE_MS: '1000' };
  cliEnv = env;
  const started = await Promise.allSettled(TRANSITION_NAMES.map(async (fn) => {
    fns.set(fn, await startFunctionProcess({ dir: join(REPO_ROOT, 'functions', fn), env, readyTimeoutMs: 60_000, pollMs: 20 }));
  }));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}, 240_000);

afterAll(async () => {
  await Promise.all([...fns.values()].map((f) => f.stop()));
  await cluster?.stop();
  await ironic?.stop();
}, 60_000);

describe('function bundles', () => {
  it('import nothing from outside their folder but faas-js-runtime and Node built-ins', () => {
    for (const b of bundles) {
      const external = Object.values(b.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
      const foreign = external.filter((p) => !p.startsWith('node:') && !(EXTERNAL_PACKAGES as readonly string[]).includes(p) && !isBuiltin(p));
      expect({ fn: b.name, foreign }).toEqual({ fn: b.name, foreign: [] });
    }
  });

  it('keep @kubernetes/client-node out of the entry chunk (loaded by init, not at import)', () => {
    for (const b of bundles) {
      const entry = Object.entries(b.metafile.outputs).find(([p]) => p.endsWith('dist/index.js'))![1];
      expect(Object.keys(entry.inputs).some((i) => i.includes('node_modules/@kubernetes/client-node/'))).toBe(false);
      expect(entry.imports.some((i) => i.kind === 'dynamic-import')).toBe(true);
    }
  });

  it('are started as the image runs them (`node dist/main.cjs`, the package.json start script) from their folder', () => {
    for (const fn of TRANSITION_NAMES) {
      const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'functions', fn, 'package.json'), 'utf8')) as { type: string; scripts: { start: string } };
      expect(pkg.type).toBe('module');
      expect(pkg.scripts.start).toMatch(/\bnode dist\/main\.cjs$/);
      expect(fns.get(fn)!.readyMs).toBeGreaterThan(0);
    }
  });

  it('can still be loaded as a module by the faas-js-runtime CLI', async () => {
    // Act
    const viaCli = await startFunctionProcess({ dir: join(REPO_ROOT, 'functions', 'power'), env: cliEnv, readyTimeoutMs: 60_000, pollMs: 20, launcher: 'cli' });
    try {
      const res = await postEvent(viaCli.url, await absentHostEvent(EventType.power), 'binary');
      // Assess
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ result: 'ignored' });
    } finally {
      await viaCli.stop();
    }
  }, 90_000);

  it('serve from dist/ alone: the image\'s command loads the bundled runtime (dist/runtime.cjs), nothing from node_modules; its compile-cache step loads every file', async () => {
    // Prepare: the function folder as the image copies it, where no node_modules can be found
    const alone = await mkdtemp(join(tmpdir(), 'bundle-alone-'));
    for (const f of ['package.json', 'func.yaml', 'dist']) await cp(join(REPO_ROOT, 'functions', 'power', f), join(alone, f), { recursive: true });
    // the image's build step that fills Node's compile cache loads every file of dist/ there
    const cache = join(alone, '.node-compile-cache');
    execFileSync(process.execPath, ['-e', WARM_COMPILE_CACHE_JS], { cwd: alone, env: { PATH: process.env.PATH, NODE_COMPILE_CACHE: cache }, stdio: 'pipe' });
    const chunks = (await readdir(join(alone, 'dist', 'chunks'))).filter((c) => c.endsWith('.js'));
    const fn = await startFunctionProcess({ dir: alone, env: cliEnv, readyTimeoutMs: 60_000, pollMs: 20 });
    try {
      // Act
      const ok = await postEvent(fn.url, await absentHostEvent(EventType.power), 'binary');
      // the runtime's own copy of the CloudEvents SDK, inside the bundle, is the one made lenient
      const bad = await postRaw(fn.url, { 'content-type': 'application/cloudevents+json' }, '{"id": ');
      // Assess
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.body)).toMatchObject({ result: 'ignored' });
      expect({ status: bad.status, message: messageOf(bad.body) }).toEqual({ status: 400, message: expect.stringMatching(/invalid CloudEvent/) });
      // one cache entry per compiled file: the runtime, the bundle and each lazily loaded chunk
      expect(chunks.length).toBeGreaterThan(0);
      expect((await readdir(cache, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length).toBeGreaterThanOrEqual(2 + chunks.length);
    } finally {
      await fn.stop();
      await rm(alone, { recursive: true, force: true });
    }
  }, 90_000);

  it('load no HTTP client until a call needs one: importing a bundle leaves Node\'s fetch (undici) unloaded', () => {
    // Act: the bundle as the image's command imports it, the built-ins it uses with it
    const script = "await import('./dist/index.js'); console.log(JSON.stringify(process.moduleLoadList.filter((m) => /undici/.test(m))))";
    const loaded = TRANSITION_NAMES.map((fn) => ({
      fn, undici: JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: join(REPO_ROOT, 'functions', fn), encoding: 'utf8' })) as string[],
    }));
    // Assess
    expect(loaded).toEqual(TRANSITION_NAMES.map((fn) => ({ fn, undici: [] })));
  }, 60_000);

  it('drop a client whose request headers never finish (headersTimeout 15 s; Node checks every 30 s)', async () => {
    // Act
    const ms = await slowHeaders(fns.get('inspect')!.url, 60_000);
    // Assess: a timeout (not at once), and well before the give-up: fastify alone would keep it 60 s or more
    expect(ms).toBeGreaterThanOrEqual(FUNCTION_SERVER_LIMITS.headersTimeoutMs - 1_000);
    expect(ms).toBeLessThan(FUNCTION_SERVER_LIMITS.headersTimeoutMs + 31_000);
  }, 70_000);
});

describe.each(TRANSITION_NAMES.map((fn) => ({ fn })))('bundled $fn', ({ fn }) => {
  const url = () => fns.get(fn)!.url;
  const type = EventType[fn];

  it.each(MODES)('answers a valid event for an absent host with a 200 no-op in %s mode', async (mode) => {
    // Act
    const res = await postEvent(url(), await absentHostEvent(type), mode);
    // Assess
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ result: 'ignored' });
  });

  it('answers 200 on both probes', async () => {
    for (const path of ['/health/liveness', '/health/readiness']) {
      const res = await fetch(`${url()}${path}`);
      expect({ path, status: res.status, body: await res.text() }).toEqual({ path, status: 200, body: 'OK' });
    }
  });

  it('serves our metrics on a port of its own, counting the events it answered by outcome', async () => {
    // Prepare
    const metricsUrl = fns.get(fn)!.metricsUrl;
    const noops = async () => sumOf(parsePrometheusText(await (await fetch(metricsUrl)).text()), 'metal3_functions_events_total', { function: fn, type, outcome: 'noop' });
    const before = await noops();
    // Act
    await postEvent(url(), await absentHostEvent(type), 'binary');
    // Assess
    expect(await noops()).toBe(before + 1);
    expect((await fetch(`${url()}/metrics`)).status).toBe(200); // faas-js-runtime's own stay on the function port
    expect((await fetch(metricsUrl.replace('/metrics', '/'))).status).toBe(404);
  });

  it('answers another function\'s event type with 400 (its Trigger never sends it)', async () => {
    const other = ALL_EVENT_TYPES.find((t) => transitionOf(t) !== fn)!;
    const res = await postEvent(url(), await absentHostEvent(other), 'binary');
    expect(res.status).toBe(400);
  });

  type Invalid = { case: string; mode: Mode; reason: RegExp; make: (ev: Record<string, unknown>) => { headers: Record<string, string>; body: string } };
  const binary = (ev: Record<string, unknown>, drop: string[] = [], extra: Record<string, string> = {}, body?: string) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    // in binary mode the content type is the datacontenttype
    for (const [k, v] of Object.entries(ev)) if (k !== 'data' && k !== 'datacontenttype' && !drop.includes(k)) headers[`ce-${k}`] = String(v);
    return { headers: { ...headers, ...extra }, body: body ?? JSON.stringify(ev.data) };
  };
  const structured = (ev: Record<string, unknown>, contentType = 'application/cloudevents+json') => ({ headers: { 'content-type': contentType }, body: JSON.stringify(ev) });
  const cases: Invalid[] = [
    { case: 'missing source', mode: 'binary', reason: /source: required/, make: (ev) => binary(ev, ['source']) },
    { case: 'missing source', mode: 'structured', reason: /source: required/, make: ({ source: _s, ...ev }) => structured(ev) },
    { case: 'wrong specversion', mode: 'binary', reason: /specversion: must be "1.0", got "0.3"/, make: (ev) => binary(ev, [], { 'ce-specversion': '0.3' }) },
    { case: 'wrong specversion', mode: 'structured', reason: /specversion: must be "1.0", got "0.3"/, make: (ev) => structured({ ...ev, specversion: '0.3' }) },
    { case: 'unknown type', mode: 'binary', reason: /unknown event type "com.example.unknown"/, make: (ev) => binary(ev, [], { 'ce-type': 'com.example.unknown' }) },
    { case: 'unknown type', mode: 'structured', reason: /unknown event type "com.example.unknown"/, make: (ev) => structured({ ...ev, type: 'com.example.unknown' }) },
    // Fastify's JSON parser answers before the runtime: still a 400 naming the cause
    { case: 'malformed JSON data', mode: 'binary', reason: /JSON/, make: (ev) => binary(ev, [], {}, '{"host": ') },
    { case: 'malformed JSON envelope', mode: 'structured', reason: /invalid CloudEvent/, make: () => ({ headers: { 'content-type': 'application/cloudevents+json' }, body: '{"id": ' }) },
    { case: 'non-JSON data', mode: 'binary', reason: /datacontenttype: must be application\/json, got "text\/plain"/, make: (ev) => binary(ev, [], { 'content-type': 'text/plain' }, 'hello') },
    { case: 'non-JSON data', mode: 'structured', reason: /datacontenttype: must be application\/json, got "text\/plain"/, make: (ev) => structured({ ...ev, datacontenttype: 'text/plain', data: 'hello' }) },
    { case: 'wrong content type', mode: 'binary', reason: /got "application\/xml"/, make: (ev) => binary(ev, [], { 'content-type': 'application/xml' }, '<host/>') },
    { case: 'wrong content type', mode: 'structured', reason: /invalid CloudEvent/, make: (ev) => structured(ev, 'application/cloudevents+xml') },
  ];

  it.each(cases)('answers 400 with the reason for $case in $mode mode', async ({ make, reason }) => {
    // Prepare
    const { headers, body } = make(await absentHostEvent(type));
    // Act
    const res = await postRaw(url(), headers, body);
    // Assess: 400 (dead-lettered, never retried), never the runtime's 500
    expect(res.status).toBe(400);
    expect(messageOf(res.body)).toMatch(reason);
  });
});

describe('bundled enroll doing real work', () => {
  it('adds the finalizer and registers a fake:// host as a real Ironic node', async () => {
    // Prepare
    const custom = cluster!.kubeConfig().makeApiClient(CustomObjectsApi);
    await cluster!.kubeConfig().makeApiClient(CoreV1Api).createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'pkg-0-bmc' }, stringData: { username: 'admin', password: 'pkg-secret-pw' } } });
    const host = (await custom.createNamespacedCustomObject({
      group: 'metal3.io', version: 'v1alpha1', plural: 'baremetalhosts', namespace: NS,
      body: {
        apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost', metadata: { name: 'pkg-0', namespace: NS },
        spec: { online: false, bootMACAddress: '52:54:00:aa:bb:01', bmc: { address: 'fake://pkg-0', credentialsName: 'pkg-0-bmc' } },
      },
    })) as StoredHost;
    const event = buildRequestedEvent({ host, transition: 'enroll', reason: 'spec-changed', source: '/metal3/watcher/test' });
    // Act
    const res = await postEvent(fns.get('enroll')!.url, { ...event } as Record<string, unknown>, 'binary');
    // Assess
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: res.status === 200 ? res.body : "" });
    const after = (await custom.getNamespacedCustomObject({ group: 'metal3.io', version: 'v1alpha1', plural: 'baremetalhosts', namespace: NS, name: 'pkg-0' })) as StoredHost;
    expect(after.metadata.finalizers).toContain(HOST_FINALIZER);
    const id = (after.status?.provisioning as { ID?: string } | undefined)?.ID;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const node = await fetch(`${ironic!.url}/v1/nodes/${id}`, { headers: { 'X-OpenStack-Ironic-API-Version': '1.82' } });
    expect(node.status).toBe(200);
    expect(await node.json()).toMatchObject({ uuid: id, driver: 'fake-hardware' });
    // the BMC password never shows up in what the function wrote or logged
    expect(JSON.stringify(after)).not.toContain('pkg-secret-pw');
    expect(fns.get('enroll')!.output()).not.toContain('pkg-secret-pw');
  });
});

/** `message` of our JSON answers and Fastify's alike. */
function messageOf(body: string): string {
  try { return String((JSON.parse(body) as { message?: unknown }).message); } catch { return body; }
}
