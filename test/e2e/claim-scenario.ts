/**
 * @module e2e/claim-scenario: the demo's pool, reusable by `npm run demo -- --claims N` and the
 * end-to-end test: the infrastructure team's hosts join a pool (a label and a HostDeployPolicy),
 * a tenant asks for N machines with HostClaims at once, and each claim, once its host is
 * provisioned and powered on, is given back; released hosts are deprovisioned and bound to the
 * claims still waiting. Driven only through the Kubernetes API, as the two teams would.
 */
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ScenarioHost } from './scenario.ts';

const G = { group: 'metal3.io', version: 'v1alpha1' } as const;
const POOL_LABEL = 'pool';
const POOL = 'demo';

export interface ClaimScenarioOptions {
  kubeConfig: KubeConfig;
  /** the hosts' namespace (the infrastructure team's) */
  namespace: string;
  /** the tenant's namespace, created here */
  tenant: string;
  hosts: readonly ScenarioHost[];
  claims: number;
  image: { url: string; checksum: string; checksumType: string; format: string };
  /** the whole pool's deadline */
  timeoutMs?: number;
  /** called about every `tickMs` with the hosts and the claims */
  onTick?: (view: PoolView) => void;
  tickMs?: number;
}

export interface HostRow { name: string; state: string; power: string; claim: string; served: number }
export interface ClaimRow { name: string; phase: string; host: string; state: string; step: string }
export interface PoolView { hosts: HostRow[]; claims: ClaimRow[] }

export interface ClaimResult {
  name: string;
  /** the host it was bound to */
  host?: string;
  /** seconds since start: bound and provisioned, then gone */
  provisionedAt?: number;
  releasedAt?: number;
  failed?: string;
  ok: boolean;
}

export interface ClaimScenarioResult {
  ok: boolean;
  claims: ClaimResult[];
  /** host → the claims it served, in order */
  served: Record<string, string[]>;
  /** hosts that served more than one claim */
  reused: string[];
  /** every host available again and unclaimed at the end */
  poolRestored: boolean;
  seconds: number;
}

interface HostObj { metadata: { name: string }; spec: { consumerRef?: { name?: string } }; status?: { provisioning?: { state?: string }; poweredOn?: boolean } }
interface ClaimObj { metadata: { name: string; deletionTimestamp?: string }; status?: { phase?: string; state?: string; poweredOn?: boolean; bareMetalHost?: { name?: string } } }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runClaimScenario(o: ClaimScenarioOptions): Promise<ClaimScenarioResult> {
  const custom = o.kubeConfig.makeApiClient(CustomObjectsApi);
  const core = o.kubeConfig.makeApiClient(CoreV1Api);
  const t0 = Date.now();
  const since = () => Math.round((Date.now() - t0) / 100) / 10;
  const deadline = t0 + (o.timeoutMs ?? 600_000);
  const names = Array.from({ length: o.claims }, (_, i) => `claim-${i}`);
  const steps = new Map<string, string>(names.map((n) => [n, 'waiting for a host']));
  const served: Record<string, string[]> = Object.fromEntries(o.hosts.map((h) => [h.name, []]));

  const hostsAt = { ...G, plural: 'baremetalhosts', namespace: o.namespace };
  const claimsAt = { ...G, plural: 'hostclaims', namespace: o.tenant };
  const listHosts = async () => ((await custom.listNamespacedCustomObject(hostsAt)) as { items: HostObj[] }).items;
  const getClaim = async (name: string): Promise<ClaimObj | null> => {
    try {
      return (await custom.getNamespacedCustomObject({ ...claimsAt, name })) as ClaimObj;
    } catch (e) {
      if ((e as { code?: number }).code === 404) return null;
      throw e;
    }
  };
  async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`${what}: not within ${(o.timeoutMs ?? 600_000) / 1000}s`);
      await sleep(200);
    }
  }

  // the infrastructure team: hosts in the pool, and a policy letting the tenant use them
  await core.createNamespace({ body: { metadata: { name: o.tenant } } });
  for (const host of o.hosts) {
    await core.createNamespacedSecret({ namespace: o.namespace, body: { metadata: { name: `${host.name}-bmc` }, stringData: { username: host.username, password: host.password } } });
    await custom.createNamespacedCustomObject({
      ...hostsAt,
      body: {
        apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost', metadata: { name: host.name, namespace: o.namespace, labels: { [POOL_LABEL]: POOL } },
        spec: { online: false, bootMACAddress: host.bootMACAddress, bmc: { address: host.address, credentialsName: `${host.name}-bmc` }, ...host.extraSpec },
      },
    });
  }
  await custom.createNamespacedCustomObject({
    ...G, plural: 'hostdeploypolicies', namespace: o.namespace,
    body: { apiVersion: 'metal3.io/v1alpha1', kind: 'HostDeployPolicy', metadata: { name: 'demo-tenants', namespace: o.namespace }, spec: { hostClaimNamespaces: { names: [o.tenant] } } },
  });

  async function tick(): Promise<void> {
    if (!o.onTick) return;
    try {
      const hosts = await listHosts();
      const claims = await Promise.all(names.map(async (n) => ({ n, c: await getClaim(n) })));
      o.onTick({
        hosts: o.hosts.map((sh) => {
          const h = hosts.find((x) => x.metadata.name === sh.name);
          return {
            name: sh.name, state: h?.status?.provisioning?.state || '(new)', power: h?.status?.poweredOn === undefined ? '-' : h.status.poweredOn ? 'on' : 'off',
            claim: h?.spec.consumerRef?.name ?? '-', served: served[sh.name]?.length ?? 0,
          };
        }),
        claims: claims.map(({ n, c }) => ({ name: n, phase: c ? c.status?.phase || '(new)' : 'gone', host: c?.status?.bareMetalHost?.name ?? '-', state: c?.status?.state ?? '-', step: steps.get(n) ?? '' })),
      });
    } catch {
      // a tick that could not read is skipped
    }
  }
  let ticking = true;
  const ticker = (async () => {
    while (ticking && o.onTick) {
      await tick();
      await sleep(o.tickMs ?? 500);
    }
  })();

  async function lifecycle(name: string): Promise<ClaimResult> {
    try {
      const bound = await until(`${name} provisioned`, async () => {
        const c = await getClaim(name);
        if (c?.status?.phase === 'Bound') steps.set(name, `bound to ${c.status.bareMetalHost?.name ?? '?'}: provisioning`);
        return c?.status?.phase === 'Bound' && c.status.state === 'provisioned' && c.status.poweredOn === true ? c : undefined;
      });
      const host = bound.status!.bareMetalHost!.name!;
      served[host]?.push(name);
      const provisionedAt = since();
      steps.set(name, `provisioned on ${host}: giving it back`);
      await custom.deleteNamespacedCustomObject({ ...claimsAt, name });
      await until(`${name} released`, async () => ((await getClaim(name)) === null ? true : undefined));
      steps.set(name, `released ${host}`);
      return { name, host, provisionedAt, releasedAt: since(), ok: true };
    } catch (e) {
      steps.set(name, 'FAILED');
      return { name, ok: false, failed: (e as Error).message };
    }
  }

  let claims: ClaimResult[] = [];
  let poolRestored = false;
  try {
    await until('hosts available', async () => {
      const hosts = await listHosts();
      return hosts.length === o.hosts.length && hosts.every((h) => h.status?.provisioning?.state === 'available') ? true : undefined;
    });
    // the tenant: N machines at once; claims beyond the pool's size wait for a released host
    for (const name of names) {
      await custom.createNamespacedCustomObject({
        ...claimsAt,
        body: { apiVersion: 'metal3.io/v1alpha1', kind: 'HostClaim', metadata: { name, namespace: o.tenant }, spec: { online: true, image: o.image, hostSelector: { matchLabels: { [POOL_LABEL]: POOL } } } },
      });
    }
    claims = await Promise.all(names.map(lifecycle));
    poolRestored = await until('pool restored', async () => {
      const hosts = await listHosts();
      return hosts.every((h) => h.status?.provisioning?.state === 'available' && !h.spec.consumerRef) ? true : undefined;
    }).catch(() => false);
  } finally {
    ticking = false;
    await ticker;
    // the table's last word is the pool as it ended
    await tick();
  }
  const reused = Object.entries(served).filter(([, c]) => c.length > 1).map(([h]) => h);
  return { ok: claims.every((c) => c.ok) && poolRestored, claims, served, reused, poolRestored, seconds: since() };
}

/** Renders the live pool view as two fixed-width tables. */
export function renderPool(view: PoolView): string {
  const table = (head: string[], body: string[][]) => {
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
    return [head, ...body].map((cols) => cols.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')).join('\n');
  };
  return [
    table(['HOST', 'STATE', 'POWER', 'CLAIMED BY', 'CLAIMS SERVED'], view.hosts.map((h) => [h.name, h.state, h.power, h.claim, String(h.served)])),
    '',
    table(['CLAIM', 'PHASE', 'HOST', 'HOST STATE', 'STEP'], view.claims.map((c) => [c.name, c.phase, c.host, c.state, c.step])),
  ].join('\n');
}
