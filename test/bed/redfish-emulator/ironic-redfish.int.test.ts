/**
 * Real Ironic (Debian 21.4, `redfish` hardware type on python3-sushy) against our Redfish emulator:
 * enroll → manage (power validated) → inspect (properties and ports from the emulator's inventory)
 * → provide → deploy a live ISO by virtual media (`ramdisk` deploy) → active → undeploy → available.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectOrStartIronic, ensureIronicInstalled, isSushyAvailable, type IronicEndpoint } from '../ironic.ts';
import { expectStatus, waitForNode } from '../ironic-rest.ts';
import { startRedfishEmulator, type RedfishEmulator } from './index.ts';

const USER = 'ironic-bmc';
const PASSWORD = 'Redf1sh-emul4tor';
const ISO = Buffer.from('not really an ISO, but the BMC never boots it\n'.repeat(64));

/** A loopback static server for the live ISO (Ironic hands the URL to the BMC as is). */
async function serveIso(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url !== '/live.iso') { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': ISO.length });
    res.end(req.method === 'HEAD' ? undefined : ISO);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/live.iso`, server };
}

/** Ironic inherits our env; requests lets REQUESTS_CA_BUNDLE override sushy's `verify=<ca>` (requests#3829). */
async function withoutCaBundleOverride<T>(fn: () => Promise<T>): Promise<T> {
  const saved = { REQUESTS_CA_BUNDLE: process.env.REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE: process.env.CURL_CA_BUNDLE };
  delete process.env.REQUESTS_CA_BUNDLE;
  delete process.env.CURL_CA_BUNDLE;
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
  }
}

const sushy = await isSushyAvailable();
const describeIfSushy = sushy ? describe : describe.skip;

describeIfSushy('Ironic redfish driver › against the Redfish emulator', () => {
  let ironic: IronicEndpoint | undefined;
  let bmc: RedfishEmulator | undefined;
  let iso: { url: string; server: Server } | undefined;
  let uuid = '';

  beforeAll(async () => {
    // sushy 4.3.3 looks for VirtualMedia under Managers only
    [bmc, iso] = await Promise.all([
      startRedfishEmulator({ username: USER, password: PASSWORD, quirks: { virtualMediaUnderManager: true } }),
      serveIso(),
    ]);
    // [redfish] use_swift defaults to True: unpublishing the (never published) ISO would then ask Keystone for Swift
    ironic = await withoutCaBundleOverride(() => connectOrStartIronic({ hardwareTypes: ['fake-hardware', 'redfish'], extraConfig: { redfish: { use_swift: false } } }));
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([ironic?.stop(), bmc?.stop(), new Promise((r) => iso ? iso.server.close(r) : r(undefined))]);
  }, 60_000);

  it('enrolls and manages a redfish node, validating power against the emulator', async () => {
    // Prepare
    const b = bmc!;
    const url = ironic!.url;
    // Act
    const created = await expectStatus(url, 'POST', '/v1/nodes', 201, {
      name: 'bed-redfish-0',
      driver: 'redfish',
      driver_info: {
        redfish_address: b.url, redfish_system_id: b.systems[0]!.path, redfish_username: USER, redfish_password: PASSWORD,
        redfish_verify_ca: b.caPath,
      },
      boot_interface: 'redfish-virtual-media', deploy_interface: 'ramdisk', inspect_interface: 'redfish',
      management_interface: 'redfish', power_interface: 'redfish', bios_interface: 'no-bios', raid_interface: 'no-raid',
      vendor_interface: 'no-vendor', automated_clean: false,
    });
    uuid = created.body.uuid as string;
    await expectStatus(url, 'PUT', `/v1/nodes/${uuid}/states/provision`, 202, { target: 'manage' });
    const node = await waitForNode(url, uuid, 'provision_state', 'manageable', { timeoutMs: 90_000 });
    // Assess
    expect(node.last_error).toBeNull();
    expect(b.requests.some((r) => r.method === 'POST' && r.path.endsWith('/Sessions') && r.status === 201)).toBe(true);
    expect(b.requests.some((r) => r.method === 'GET' && r.path === b.systems[0]!.path && r.auth === 'session')).toBe(true);
    const full = await expectStatus(url, 'GET', `/v1/nodes/${uuid}`, 200);
    expect(JSON.stringify(full.body)).not.toContain(PASSWORD);
  }, 120_000);

  it('inspects out of band: CPUs, RAM, disk and arch become properties, NIC MACs become ports', async () => {
    // Prepare
    const url = ironic!.url;
    expect(uuid).not.toBe('');
    // Act
    await expectStatus(url, 'PUT', `/v1/nodes/${uuid}/states/provision`, 202, { target: 'inspect' });
    await waitForNode(url, uuid, 'provision_state', 'manageable', { timeoutMs: 90_000 });
    const node = await expectStatus(url, 'GET', `/v1/nodes/${uuid}`, 200);
    const ports = await expectStatus(url, 'GET', `/v1/ports?node_uuid=${uuid}`, 200);
    // Assess: the emulator's default inventory is 2 × 16 threads, 4 × 16 GiB, two SSDs, two NICs
    expect(node.body.last_error).toBeNull();
    if ((await ensureIronicInstalled()).build === 'debian') {
      expect(node.body.properties).toMatchObject({ cpus: 32, memory_mb: '65536', cpu_arch: 'x86_64', local_gb: '446' });
    } else {
      // Ironic 39 stores sizes as numbers and keeps the CPU count in the inventory only
      expect(node.body.properties).toMatchObject({ memory_mb: 65536, cpu_arch: 'x86_64', local_gb: 446 });
      expect(node.body.properties).not.toHaveProperty('cpus');
      const inventory = await expectStatus(url, 'GET', `/v1/nodes/${uuid}/inventory`, 200);
      expect((inventory.body.inventory as { cpu: { count: number } }).cpu.count).toBe(32);
    }
    const macs = (ports.body.ports as { address: string }[]).map((p) => p.address).sort();
    const emulated = (await (await fetch(`${bmc!.url}${bmc!.systems[0]!.path}/EthernetInterfaces/NIC1`, {
      headers: { Authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` },
      // @ts-expect-error undici dispatcher option is not in the DOM RequestInit type
      dispatcher: new (await import('undici')).Agent({ connect: { ca: bmc!.caPem } }),
    })).json() as { MACAddress: string }).MACAddress;
    expect(macs).toHaveLength(2);
    expect(macs).toContain(emulated.toLowerCase());
  }, 120_000);

  it('deploys a live ISO by virtual media to active: CD inserted, boot override Cd, powered on', async () => {
    // Prepare
    const url = ironic!.url;
    const b = bmc!;
    const id = b.systems[0]!.id;
    await expectStatus(url, 'PUT', `/v1/nodes/${uuid}/states/provision`, 202, { target: 'provide' });
    await waitForNode(url, uuid, 'provision_state', 'available', { timeoutMs: 90_000 });
    // 'http': Ironic hands our URL to the BMC as is (the default 'local' downloads and republishes it on [deploy] http_url)
    await expectStatus(url, 'PATCH', `/v1/nodes/${uuid}`, 200, [
      { op: 'add', path: '/instance_info/boot_iso', value: iso!.url },
      { op: 'add', path: '/instance_info/ramdisk_image_download_source', value: 'http' },
    ]);
    // Act
    await expectStatus(url, 'PUT', `/v1/nodes/${uuid}/states/provision`, 202, { target: 'active' });
    const node = await waitForNode(url, uuid, 'provision_state', 'active', { timeoutMs: 120_000 });
    // Assess
    expect(node.last_error).toBeNull();
    const state = b.state(id);
    expect(state.virtualMedia.find((v) => v.id === 'CD1')).toMatchObject({ inserted: true, image: iso!.url });
    expect(state.boot).toMatchObject({ target: 'Cd', enabled: 'Continuous' });
    expect(state.power).toBe('On');
    expect(state.bootHistory.at(-1)).toBe('Cd');
  }, 180_000);

  it('undeploys back to available: media ejected and the host powered off', async () => {
    // Prepare
    const url = ironic!.url;
    const id = bmc!.systems[0]!.id;
    // Act
    await expectStatus(url, 'PUT', `/v1/nodes/${uuid}/states/provision`, 202, { target: 'deleted' });
    const node = await waitForNode(url, uuid, 'provision_state', 'available', { timeoutMs: 120_000 });
    // Assess
    expect(node.last_error).toBeNull();
    const state = bmc!.state(id);
    expect(state.virtualMedia.find((v) => v.id === 'CD1')).toMatchObject({ inserted: false, image: null });
    expect(state.power).toBe('Off');
  }, 180_000);
});
