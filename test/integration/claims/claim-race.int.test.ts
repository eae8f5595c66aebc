/**
 * 20 HostClaims race for 10 BareMetalHosts: three claim function processes, every event
 * delivered one to four times, in a shuffled order, to any of the processes, redelivered on
 * every non-2xx answer or broken connection (as a Knative Trigger does), while processes are
 * killed mid-delivery (SIGKILL) and replaced. Binding writes are resourceVersion-checked
 * on the claim (one reservation per claim) and on the host (one consumer per host), so
 * whatever the interleaving: 10 claims bound, 10 pending, no host with two claimants and no
 * claim holding two hosts.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { HTTP } from 'cloudevents';
import { Watch } from '@kubernetes/client-node';
import { buildClaimRequestedEvent } from '../../../events/src/build.ts';
import type { StoredClaim } from '../../../shared/src/api/hostclaim.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import { claimRefOf, isBoundTo } from '../../../shared/src/api/claim-rules.ts';
import { freeTcpPort } from '../../bed/ports.ts';
import { createPrng } from '../../chaos/prng.ts';
import { startClaimBed } from '../../claims/claim-bed.ts';
import type { ClaimBed } from '../../claims/claim-bed.ts';

const PROCESS = fileURLToPath(new URL('../../claims/claim-process.ts', import.meta.url));
const SEED = Number(process.env.CLAIM_RACE_SEED ?? 20261205);
const HOSTS = 10;
const CLAIMS = 20;
const INSTANCES = 3;
const TENANT = `tenant-${SEED.toString(36)}`;

let bed: ClaimBed;
let kubeconfig: string;
const processes: ChildProcess[] = [];
/** the live instances: deliveries go to any of them */
const live: { url: string; child: ChildProcess }[] = [];

async function startProcess(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freeTcpPort();
  const child = spawn(process.execPath, [PROCESS], { env: { ...process.env, FUNCTION_PORT: String(port), KUBECONFIG: kubeconfig, LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] });
  processes.push(child);
  let err = '';
  child.stderr?.on('data', (c: Buffer) => { err += c.toString(); });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (c: Buffer) => { if (c.toString().includes('ready')) resolve(); });
    child.once('exit', (code) => reject(new Error(`claim process exited ${code}: ${err.slice(-2000)}`)));
  });
  return { url: `http://127.0.0.1:${port}/`, child };
}

/** While `running()`, every `everyMs` SIGKILLs one live instance (never the last) and starts a replacement. */
async function killAndReplace(prng: ReturnType<typeof createPrng>, running: () => boolean, everyMs: number, maxKills: number): Promise<number> {
  let kills = 0;
  while (running() && kills < maxKills) {
    await new Promise((r) => setTimeout(r, everyMs));
    if (!running() || live.length < 2) continue;
    const victim = live.splice(prng.int(0, live.length - 1), 1)[0]!;
    victim.child.kill('SIGKILL');
    kills++;
    live.push(await startProcess());
  }
  return kills;
}

/** Every consumer a host had, in order, as a watch saw it ('' = none); repeats folded. */
async function watchConsumers(kubeConfig: ReturnType<ClaimBed['cluster']['kubeConfig']>, namespace: string): Promise<{ history: Map<string, string[]>; stop(): void }> {
  const history = new Map<string, string[]>();
  const abort = await new Watch(kubeConfig).watch(`/apis/metal3.io/v1alpha1/namespaces/${namespace}/baremetalhosts`, {}, (_phase: string, host: StoredHost) => {
    const seen = history.get(host.metadata.name) ?? [];
    const consumer = claimRefOf(host)?.uid ?? '';
    if (seen.at(-1) !== consumer) seen.push(consumer);
    history.set(host.metadata.name, seen);
  }, () => undefined);
  return { history, stop: () => abort.abort() };
}

/** POSTs every event (binary mode) until each is answered 2xx; `concurrency` deliveries in flight. */
async function deliverAll(events: ReturnType<typeof buildClaimRequestedEvent>[], pickUrl: () => string, concurrency: number): Promise<{ deliveries: number; redeliveries: number }> {
  const queue = [...events];
  let deliveries = 0;
  let redeliveries = 0;
  async function worker(): Promise<void> {
    for (let ev = queue.shift(); ev; ev = queue.shift()) {
      const msg = HTTP.binary(ev);
      deliveries++;
      // a killed instance breaks the connection: redelivered, as any non-2xx
      const res = await fetch(pickUrl(), { method: 'POST', headers: msg.headers as Record<string, string>, body: msg.body as string }).catch(() => undefined);
      await res?.text().catch(() => undefined);
      if (!res || res.status >= 300) {
        if (!res) {
          redeliveries++;
          queue.push(ev);
          continue;
        }
        if (res.status === 400 || res.status === 403) throw new Error(`event refused: ${res.status}`);
        redeliveries++;
        queue.push(ev);
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { deliveries, redeliveries };
}

beforeAll(async () => {
  bed = await startClaimBed();
  await bed.createNamespace(TENANT);
  kubeconfig = await bed.cluster.kubeconfigPath();
  for (let i = 0; i < INSTANCES; i++) live.push(await startProcess());
}, 120_000);

afterAll(async () => {
  for (const p of processes) p.kill('SIGTERM');
  await bed?.stop();
});

describe('claim binding under races', () => {
  it('binds 10 of 20 claims to 10 hosts, each host to one claim, whatever the delivery order', async () => {
    // Prepare: 10 available hosts, a policy admitting the tenant, 20 claims with user data
    const prng = createPrng(SEED);
    for (let i = 0; i < HOSTS; i++) await bed.createAvailableHost(`race-${i}`, { pool: 'race' });
    await bed.createPolicy('tenants', { hostClaimNamespaces: { names: [TENANT] } });
    await bed.createSecret(TENANT, 'user-data', { userData: '#cloud-config\n' });
    const claims: StoredClaim[] = [];
    for (let i = 0; i < CLAIMS; i++) {
      claims.push(await bed.createClaim(TENANT, `claim-${i}`, {
        online: true, image: { url: 'http://images/os.qcow2', checksum: 'http://images/os.qcow2.sha256sum', checksumType: 'sha256', format: 'qcow2' },
        userData: { name: 'user-data' }, hostSelector: { matchLabels: { pool: 'race' } },
      }));
    }
    const events = claims.flatMap((c) => Array.from({ length: prng.int(1, 4) }, () => buildClaimRequestedEvent({ claim: c, reason: 'spec-changed', source: '/metal3/watcher/test' })));
    for (let i = events.length - 1; i > 0; i--) {
      const j = prng.int(0, i);
      [events[i], events[j]] = [events[j]!, events[i]!];
    }

    const watch = await watchConsumers(bed.cluster.kubeConfig(), bed.hostNamespace);

    // Act: three processes, eight deliveries in flight, instances killed and replaced meanwhile;
    // then one more round, as the watcher's resync would send
    const pick = () => prng.pick(live).url;
    let delivering = true;
    const killer = killAndReplace(prng.fork('kills'), () => delivering, 40, 3);
    const first = await deliverAll(events, pick, 8).finally(() => { delivering = false; });
    const kills = await killer;
    const afterFirst = { hosts: await bed.listHosts(), claims: await bed.listClaims(TENANT) };
    const second = await deliverAll(afterFirst.claims.map((c) => buildClaimRequestedEvent({ claim: c, reason: 'resync', source: '/metal3/watcher/test' })), pick, 8);
    watch.stop();

    // Assess: after the shuffled round already, and after the resync round
    const hosts = await bed.listHosts();
    const final = await bed.listClaims(TENANT);
    for (const [label, state] of [['first round', afterFirst], ['resync round', { hosts, claims: final }]] as const) {
      const bound = state.claims.filter((c) => c.status?.phase === 'Bound');
      const pending = state.claims.filter((c) => c.status?.phase === 'Pending');
      const claimantsPerHost = state.hosts.map((h) => state.claims.filter((c) => isBoundTo(h, c)).length);
      const hostsPerClaim = state.claims.map((c) => state.hosts.filter((h) => isBoundTo(h, c)).length);
      // a Bound claim's host names it (no claim believes it holds a host someone else holds)
      const believed = bound.filter((c) => !state.hosts.some((h) => h.metadata.name === c.status?.bareMetalHost?.name && isBoundTo(h, c)));
      expect({ label, bound: bound.length, pending: pending.length, believed: believed.length }).toEqual({ label, bound: 10, pending: 10, believed: 0 });
      expect(claimantsPerHost.filter((n) => n !== 1)).toEqual([]);
      expect(hostsPerClaim.filter((n) => n > 1)).toEqual([]);
    }
    // no host ever passed from one claim to another without being free in between (one claimant at a time)
    const steals = [...watch.history].filter(([, seq]) => seq.some((uid, i) => i > 0 && uid !== '' && seq[i - 1] !== ''));
    expect(steals).toEqual([]);
    expect([...watch.history.values()].every((seq) => seq.length === 2)).toBe(true);
    // each bound claim names the host whose consumerRef names it, and that host got its spec and data
    for (const c of final.filter((x) => x.status?.phase === 'Bound')) {
      const host = hosts.find((h) => h.metadata.name === c.status?.bareMetalHost?.name)!;
      expect(isBoundTo(host, c)).toBe(true);
      expect(host.spec).toMatchObject({ online: true, image: { url: 'http://images/os.qcow2' }, userData: { name: `${host.metadata.name}-userdata`, namespace: bed.hostNamespace } });
      const copy = await bed.getSecret(bed.hostNamespace, `${host.metadata.name}-userdata`);
      expect(copy?.ownerReferences).toEqual([expect.objectContaining({ kind: 'BareMetalHost', name: host.metadata.name, uid: host.metadata.uid })]);
      expect(Buffer.from(copy!.data.userData!, 'base64').toString()).toBe('#cloud-config\n');
    }
    for (const c of final.filter((x) => x.status?.phase === 'Pending')) {
      expect(c.status?.bareMetalHost).toBeUndefined();
      expect(c.status?.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Associated', status: 'False', reason: 'NoBareMetalHost' })]));
    }
    if (process.env.CLAIM_RACE_PRINT) console.log(JSON.stringify({ events: events.length, first, second, kills }));
    expect(kills).toBeGreaterThan(0);
    expect(first.deliveries).toBeGreaterThanOrEqual(events.length);
    expect(second.deliveries).toBeGreaterThanOrEqual(CLAIMS);
  }, 240_000);
});
