/**
 * @module chaos/scenario: what each host goes through, and where it must end.
 * Roles rotate over the hosts so every run covers the whole lifecycle:
 *   deleted       register → inspect → available → provision → provisioned → delete → gone
 *   power-cycled  … → provisioned → online=false → powered off → online=true → powered on (stays)
 *   deprovisioned … → provisioned → image cleared → deprovisioning → available (stays)
 *   churn         … → provisioned → powered off → on → deprovisioned → deleted (the soak's steady load)
 * Fake hosts use `fake://` (Ironic fake-hardware); IPMI hosts use ipmi_sim, one of
 * them starting with wrong credentials, one with its BMC down.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { SimulatedBmc } from '../bed/ipmi-sim.ts';
import type { HostObject, KubeDriver } from './kube-driver.ts';
import type { Prng } from './prng.ts';

export type Role = 'deleted' | 'power-cycled' | 'deprovisioned' | 'churn';
export type BmcFault = 'none' | 'bad-credentials' | 'outage';

export interface HostPlan {
  name: string;
  role: Role;
  bmc: { kind: 'fake' } | { kind: 'ipmi'; sim: SimulatedBmc; fault: BmcFault };
  secretName: string;
  password: string;
  userDataName: string;
  userData: string;
  mac: string;
}

export interface Expected { gone: boolean; state?: string; poweredOn?: boolean }

export function expectedFinal(p: HostPlan): Expected {
  switch (p.role) {
    case 'deleted': case 'churn': return { gone: true };
    case 'power-cycled': return { gone: false, state: 'provisioned', poweredOn: true };
    case 'deprovisioned': return { gone: false, state: 'available' };
  }
}

const ROLES: readonly Role[] = ['deleted', 'power-cycled', 'deprovisioned'];

export function planHosts({ count, sims, random, seed }: { count: number; sims: readonly SimulatedBmc[]; random: Prng; seed: number }): HostPlan[] {
  return Array.from({ length: count }, (_, i) => {
    const sim = sims[i];
    const fault: BmcFault = i === 0 ? 'bad-credentials' : i === 1 ? 'outage' : 'none';
    const token = Math.floor(random.next() * 2 ** 48).toString(36);
    return {
      name: `${sim ? 'ipmi' : 'fake'}-${i}`,
      role: ROLES[i % ROLES.length] as Role,
      bmc: sim ? { kind: 'ipmi' as const, sim, fault } : { kind: 'fake' as const },
      secretName: `bmc-${i}`,
      password: sim ? sim.password : `bmcpw-${seed}-${i}-${token}`,
      userDataName: `userdata-${i}`,
      userData: `#cloud-config\n# chaos user data ${seed}-${i}-${token}\nruncmd: [echo ud-${token}]\n`,
      mac: `52:54:00:${(i >> 16 & 255).toString(16).padStart(2, '0')}:${(i >> 8 & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
    };
  });
}

/** A view of every host, refreshed by one list call per tick; scripts wait on it. */
export class HostView {
  hosts = new Map<string, HostObject>();
  readonly goneAt = new Map<string, number>();
  readonly errorSightings = new Map<string, { errorCount: number; errorType: string; at: number }[]>();
  #stopped = false;
  readonly #driver: KubeDriver;
  readonly #tickMs: number;
  constructor(driver: KubeDriver, tickMs: number) { this.#driver = driver; this.#tickMs = tickMs; }

  async run(): Promise<void> {
    while (!this.#stopped) {
      try {
        const now = await this.#driver.listHosts();
        const at = Date.now();
        for (const name of this.hosts.keys()) if (!now.has(name) && !this.goneAt.has(name)) this.goneAt.set(name, at);
        for (const [name, h] of now) {
          const count = h.status?.errorCount ?? 0;
          const seen = this.errorSightings.get(name) ?? [];
          if (count > 0 && seen.at(-1)?.errorCount !== count) {
            seen.push({ errorCount: count, errorType: h.status?.errorType ?? '', at });
            this.errorSightings.set(name, seen);
          }
        }
        this.hosts = now;
      } catch { /* chaos answered the list: try again next tick */ }
      await sleep(this.#tickMs);
    }
  }
  stop(): void { this.#stopped = true; }

  async until(name: string, what: string, ok: (h: HostObject | undefined) => boolean, deadline: number): Promise<void> {
    while (Date.now() < deadline) {
      if (ok(this.hosts.get(name))) return;
      await sleep(this.#tickMs);
    }
    const h = this.hosts.get(name);
    throw new Error(`${name}: timed out waiting for ${what} (state ${h?.status?.provisioning?.state ?? 'gone'}, ${h?.status?.operationalStatus ?? ''} ${h?.status?.errorMessage ?? ''})`);
  }
}

const stateIs = (s: string) => (h: HostObject | undefined) => h?.status?.provisioning?.state === s && h.status.operationalStatus === 'OK';

export interface ScriptDeps {
  driver: KubeDriver;
  view: HostView;
  imageUrl: string;
  deadline: number;
  /** called when the host's image is set (the run restarts Ironic after a share of these) */
  onProvisioning(): void;
  /** restart a stopped ipmi_sim (outage fault) */
  restartBmc(sim: SimulatedBmc): Promise<void>;
  stopBmc(sim: SimulatedBmc): Promise<void>;
  faultMs: { outage: number; badCredentials: number };
}

/** Drives one host through its role; resolves when the host is where it should end. */
export async function runHostScript(p: HostPlan, d: ScriptDeps): Promise<void> {
  const ipmi = p.bmc.kind === 'ipmi' ? p.bmc : undefined;
  const username = ipmi ? ipmi.sim.username : 'admin';
  const badCredentials = ipmi?.fault === 'bad-credentials';
  await d.driver.createSecret(p.secretName, { username, password: badCredentials ? `wrong-${p.password}` : p.password });
  await d.driver.createSecret(p.userDataName, { userData: p.userData });
  if (ipmi?.fault === 'outage') await d.stopBmc(ipmi.sim);
  await d.driver.createHost(p.name, {
    online: true,
    bootMACAddress: p.mac,
    bmc: { address: ipmi ? ipmi.sim.address : `fake://${p.name}`, credentialsName: p.secretName },
    ...(ipmi ? { automatedCleaningMode: 'disabled', inspectionMode: 'disabled' } : {}),
  });
  if (ipmi?.fault === 'bad-credentials') {
    await sleep(d.faultMs.badCredentials);
    await d.driver.replaceSecret(p.secretName, { username, password: p.password });
  }
  if (ipmi?.fault === 'outage') {
    await sleep(d.faultMs.outage);
    await d.restartBmc(ipmi.sim);
  }
  await d.view.until(p.name, 'available', stateIs('available'), d.deadline);
  d.onProvisioning();
  await d.driver.patchSpec(p.name, { image: { url: d.imageUrl, checksum: 'd41d8cd98f00b204e9800998ecf8427e', checksumType: 'md5', format: 'qcow2' }, userData: { name: p.userDataName } });
  await d.view.until(p.name, 'provisioned', stateIs('provisioned'), d.deadline);
  switch (p.role) {
    case 'deleted':
      await d.driver.deleteHost(p.name);
      await d.view.until(p.name, 'the object to disappear', (h) => h === undefined, d.deadline);
      return;
    case 'power-cycled':
      await d.driver.patchSpec(p.name, { online: false });
      await d.view.until(p.name, 'powered off', (h) => h?.status?.poweredOn === false && h.status.operationalStatus === 'OK', d.deadline);
      await d.driver.patchSpec(p.name, { online: true });
      await d.view.until(p.name, 'powered on', (h) => stateIs('provisioned')(h) && h?.status?.poweredOn === true, d.deadline);
      return;
    case 'deprovisioned':
      await d.driver.patchSpec(p.name, { image: null, userData: null });
      await d.view.until(p.name, 'available after deprovisioning', stateIs('available'), d.deadline);
      return;
    case 'churn':
      await d.driver.patchSpec(p.name, { online: false });
      await d.view.until(p.name, 'powered off', (h) => h?.status?.poweredOn === false && h.status.operationalStatus === 'OK', d.deadline);
      await d.driver.patchSpec(p.name, { online: true });
      await d.view.until(p.name, 'powered on', (h) => stateIs('provisioned')(h) && h?.status?.poweredOn === true, d.deadline);
      await d.driver.patchSpec(p.name, { image: null, userData: null });
      await d.view.until(p.name, 'available after deprovisioning', stateIs('available'), d.deadline);
      await d.driver.deleteHost(p.name);
      await d.view.until(p.name, 'the object to disappear', (h) => h === undefined, d.deadline);
      return;
  }
}
