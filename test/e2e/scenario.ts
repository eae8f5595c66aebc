/**
 * @module e2e/scenario: the demo's lifecycle, reusable by `npm run demo` and
 * the end-to-end test: hosts register, inspect, become available, provision,
 * toggle power, deprovision and get deleted, driven only through the
 * Kubernetes API (as a user would), with the system reacting to events.
 */
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';

const G = { group: 'metal3.io', version: 'v1alpha1', plural: 'baremetalhosts' } as const;

export interface ScenarioHost {
  name: string;
  address: string;
  username: string;
  password: string;
  bootMACAddress: string;
  /** ipmi_sim hosts: no deploy agent, so no inspection and no cleaning */
  extraSpec?: Record<string, unknown>;
  /** the image this host is provisioned with (default: the scenario's) */
  image?: ScenarioImage;
}

export interface ScenarioImage { url: string; checksum: string; checksumType: string; format: string }

export type Phase = 'available' | 'provisioned' | 'powered off' | 'powered on' | 'deprovisioned' | 'deleted';
export const PHASES: readonly Phase[] = ['available', 'provisioned', 'powered off', 'powered on', 'deprovisioned', 'deleted'];

export interface HostResult {
  name: string;
  reached: Partial<Record<Phase, number>>;
  /** status.hardware in one line, as the host had it when it became available */
  hardware?: string;
  failed?: string;
  ok: boolean;
}

export interface Row { name: string; state: string; power: string; error: string; inStateS: number; phase: string; hardware: string }

interface HardwareView {
  cpu?: { count?: number };
  ramMebibytes?: number;
  nics?: { mac?: string; ip?: string }[];
  storage?: { sizeBytes?: number }[];
}

/** status.hardware in one line: CPUs, RAM, the NICs' MAC/IP, the disks' sizes ('-' when not inspected). */
export function summariseHardware(hardware: unknown): string {
  const hw = hardware as HardwareView | undefined;
  if (!hw || typeof hw !== 'object') return '-';
  const gib = (b: number): string => `${(b / 1024 ** 3).toFixed(1)} GiB`;
  const nics = (hw.nics ?? []).map((n) => `${n.mac ?? '?'}${n.ip ? ` ${n.ip}` : ''}`);
  const disks = (hw.storage ?? []).map((d) => gib(d.sizeBytes ?? 0));
  return [
    `${hw.cpu?.count ?? '?'} CPU`,
    `${Math.round((hw.ramMebibytes ?? 0) / 1024)} GiB RAM`,
    nics.length ? `NIC ${nics.join(', ')}` : 'no NIC',
    disks.length ? `disk ${disks.join(', ')}` : 'no disk',
  ].join(', ');
}

export interface ScenarioOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  hosts: readonly ScenarioHost[];
  image: ScenarioImage;
  /** per-phase deadline */
  phaseTimeoutMs?: number;
  /** called about every `tickMs` with a table of all hosts */
  onTick?: (rows: Row[]) => void;
  tickMs?: number;
  /** extra checks after a phase (e.g. the simulated BMC really powered off) */
  afterPhase?: (host: ScenarioHost, phase: Phase) => Promise<void>;
}

interface HostObj { metadata: { name: string; deletionTimestamp?: string }; spec: { online: boolean }; status?: { provisioning?: { state?: string }; poweredOn?: boolean; errorType?: string; errorMessage?: string; lastUpdated?: string; hardware?: unknown } }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runLifecycleScenario(o: ScenarioOptions): Promise<{ ok: boolean; results: HostResult[]; seconds: number }> {
  const custom = o.kubeConfig.makeApiClient(CustomObjectsApi);
  const core = o.kubeConfig.makeApiClient(CoreV1Api);
  const ns = o.namespace;
  const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  const t0 = Date.now();
  const phaseOf = new Map<string, string>();
  const stateSince = new Map<string, { state: string; at: number }>();

  const get = async (name: string): Promise<HostObj | null> => {
    try {
      return (await custom.getNamespacedCustomObject({ ...G, namespace: ns, name })) as HostObj;
    } catch (e) {
      if ((e as { code?: number }).code === 404) return null;
      throw e;
    }
  };
  const patchSpec = (name: string, spec: Record<string, unknown>) =>
    custom.patchNamespacedCustomObject({ ...G, namespace: ns, name, body: { spec } }, merge);

  const waitFor = async (name: string, phase: Phase, test: (h: HostObj | null) => boolean): Promise<void> => {
    phaseOf.set(name, `→ ${phase}`);
    const deadline = Date.now() + (o.phaseTimeoutMs ?? 120_000);
    for (;;) {
      const h = await get(name);
      if (test(h)) return;
      if (Date.now() > deadline) {
        throw new Error(`${name}: not ${phase} after ${(o.phaseTimeoutMs ?? 120_000) / 1000}s (state "${h?.status?.provisioning?.state ?? 'gone'}", error "${h?.status?.errorMessage ?? ''}")`);
      }
      await sleep(150);
    }
  };
  const state = (h: HostObj | null) => h?.status?.provisioning?.state ?? '';

  async function lifecycle(host: ScenarioHost): Promise<HostResult> {
    const reached: HostResult['reached'] = {};
    let hardware: string | undefined;
    const mark = async (p: Phase) => {
      reached[p] = Math.round((Date.now() - t0) / 100) / 10;
      await o.afterPhase?.(host, p);
    };
    try {
      await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: `${host.name}-bmc` }, stringData: { username: host.username, password: host.password } } });
      await custom.createNamespacedCustomObject({
        ...G, namespace: ns,
        body: {
          apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost', metadata: { name: host.name, namespace: ns },
          spec: { online: true, bootMACAddress: host.bootMACAddress, bmc: { address: host.address, credentialsName: `${host.name}-bmc` }, ...host.extraSpec },
        },
      });
      await waitFor(host.name, 'available', (h) => state(h) === 'available');
      hardware = summariseHardware((await get(host.name))?.status?.hardware);
      await mark('available');
      await patchSpec(host.name, { image: host.image ?? o.image });
      await waitFor(host.name, 'provisioned', (h) => state(h) === 'provisioned' && h?.status?.poweredOn === true);
      await mark('provisioned');
      await patchSpec(host.name, { online: false });
      await waitFor(host.name, 'powered off', (h) => h?.status?.poweredOn === false);
      await mark('powered off');
      await patchSpec(host.name, { online: true });
      await waitFor(host.name, 'powered on', (h) => h?.status?.poweredOn === true);
      await mark('powered on');
      await patchSpec(host.name, { image: null });
      await waitFor(host.name, 'deprovisioned', (h) => state(h) === 'available');
      await mark('deprovisioned');
      await custom.deleteNamespacedCustomObject({ ...G, namespace: ns, name: host.name });
      await waitFor(host.name, 'deleted', (h) => h === null);
      await mark('deleted');
      phaseOf.set(host.name, 'done');
      return { name: host.name, reached, ok: true, ...(hardware ? { hardware } : {}) };
    } catch (e) {
      phaseOf.set(host.name, 'FAILED');
      return { name: host.name, reached, ok: false, failed: (e as Error).message, ...(hardware ? { hardware } : {}) };
    }
  }

  let ticking = true;
  const ticker = (async () => {
    while (ticking && o.onTick) {
      const rows: Row[] = [];
      for (const host of o.hosts) {
        const h = await get(host.name).catch(() => null);
        const s = h ? state(h) || '(new)' : 'deleted';
        const since = stateSince.get(host.name);
        if (!since || since.state !== s) stateSince.set(host.name, { state: s, at: Date.now() });
        rows.push({
          name: host.name, state: s, phase: phaseOf.get(host.name) ?? '',
          power: h?.status?.poweredOn === undefined ? '-' : h.status.poweredOn ? 'on' : 'off',
          error: h?.status?.errorType ?? '',
          hardware: summariseHardware(h?.status?.hardware),
          inStateS: Math.round((Date.now() - (stateSince.get(host.name)?.at ?? Date.now())) / 100) / 10,
        });
      }
      o.onTick(rows);
      await sleep(o.tickMs ?? 500);
    }
  })();
  const results = await Promise.all(o.hosts.map(lifecycle));
  ticking = false;
  await ticker;
  return { ok: results.every((r) => r.ok), results, seconds: Math.round((Date.now() - t0) / 100) / 10 };
}

/** Renders the live table as fixed-width text. */
export function renderRows(rows: readonly Row[]): string {
  const head = ['HOST', 'STATE', 'POWER', 'ERROR', 'IN STATE', 'STEP', 'HARDWARE'];
  const body = rows.map((r) => [r.name, r.state, r.power, r.error || '-', `${r.inStateS.toFixed(1)}s`, r.phase, r.hardware]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  return [head, ...body].map((cols) => cols.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')).join('\n');
}
