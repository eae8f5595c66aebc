/**
 * The HTTP IronicClient against a real OpenStack Ironic (the bed's build, fake-hardware driver),
 * plus a tiny local HTTP server for the one thing Ironic never does: answer garbage.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createIronicClient, type IronicRequestInfo } from '../../shared/src/ironic/client.ts';
import { POLL_FIELDS } from '../../functions/watcher/src/watcher.ts';
import type { IronicClient, IronicNode } from '../../shared/src/ironic/types.ts';
import { IronicConflictError, IronicRequestError, IronicResponseError, IronicUnavailableError } from '../../shared/src/errors.ts';
import { startIronic, type IronicInstance } from '../bed/ironic.ts';
import { freeTcpPort } from '../bed/ports.ts';

const DEPLOY_DELAY_S = 2;
let bed: IronicInstance;
let ironic: IronicClient;
const requests: IronicRequestInfo[] = [];

beforeAll(async () => {
  // deploy_delay keeps a deploy in progress (and the node locked) long enough to collide with it
  bed = await startIronic({ hardwareTypes: ['fake-hardware'], fakeDelays: { deploy: DEPLOY_DELAY_S } });
  ironic = createIronicClient({ url: bed.url, onRequest: (info) => requests.push(info) });
}, 120_000);

afterAll(async () => {
  await bed?.stop();
}, 30_000);

/** Poll until `<field>_state` is `want` and its target is empty; fail on `* failed`, quoting last_error. */
async function waitFor(uuid: string, field: 'provision' | 'power', want: string, timeoutMs = 30_000): Promise<IronicNode> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const node = await ironic.getNode(uuid, ['provision_state', 'target_provision_state', 'power_state', 'target_power_state', 'last_error']);
    if (!node) throw new Error(`node ${uuid} vanished`);
    const [state, target] = field === 'provision'
      ? [node.provision_state, node.target_provision_state]
      : [node.power_state, node.target_power_state];
    if (state === want && target === null) return node;
    if (node.provision_state?.endsWith('failed')) throw new Error(`node ${uuid} ${node.provision_state}: ${node.last_error}`);
    if (Date.now() > deadline) throw new Error(`node ${uuid}: ${field} ${state} (target ${target}), wanted ${want}; last_error ${node.last_error}`);
    await sleep(100);
  }
}

/** Retry while Ironic holds the node lock (409), as handlers do through their backoff. */
async function whenUnlocked<T>(act: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await act();
    } catch (err) {
      if (!(err instanceof IronicConflictError) || Date.now() > deadline) throw err;
      await sleep(200);
    }
  }
}

let macCounter = 0;
const nextMac = (): string => `52:54:00:12:00:${(++macCounter).toString(16).padStart(2, '0')}`;

describe('IronicClient against real Ironic', () => {
  it("reads the microversion range from GET / and negotiates the build's newest once", async () => {
    // Prepare
    const seen: IronicRequestInfo[] = [];
    const fresh = createIronicClient({ url: bed.url, onRequest: (i) => seen.push(i) });
    // Act
    const range = await fresh.versions();
    const created = await fresh.createNode({ name: 'negotiated', driver: 'fake-hardware', driver_info: {} });
    await fresh.getNode(created.uuid);
    // Assess: `name` and the enroll state exist only at microversions ≥ 1.11, so the header was sent
    expect(range).toEqual({ min: '1.1', max: bed.installation.maxMicroversion });
    expect(created.provision_state).toBe('enroll');
    expect(seen.map((i) => `${i.method} ${i.path}`)).toEqual(['GET /', 'GET /', 'POST /v1/nodes', `GET /v1/nodes/${created.uuid}`]);
    await fresh.deleteNode(created.uuid);
  });

  it('creates a node, masks its password and answers 409 for a duplicate name', async () => {
    // Act
    const node = await ironic.createNode({
      name: 'ns~dup', driver: 'fake-hardware', driver_info: { ipmi_password: 'do-not-echo-me' },
      properties: { cpu_arch: 'x86_64' }, automated_clean: false,
    });
    const dup = await ironic.createNode({ name: 'ns~dup', driver: 'fake-hardware', driver_info: {} }).catch((e: unknown) => e);
    // Assess
    expect(node).toMatchObject({ name: 'ns~dup', driver: 'fake-hardware', provision_state: 'enroll', maintenance: false, automated_clean: false });
    expect(node.driver_info).toEqual({ ipmi_password: '******' });
    expect(dup).toBeInstanceOf(IronicConflictError);
    expect((dup as Error).message).toBe('POST /v1/nodes failed: 409 A node with name ns~dup already exists.');
    expect((dup as IronicConflictError).context.conflict).toBe('exists');
    expect(await ironic.getNode('ns~dup')).toMatchObject({ uuid: node.uuid });
    await ironic.deleteNode(node.uuid);
  });

  it('creates ports, finds them by address and node, and answers 409 for a duplicate MAC', async () => {
    // Prepare
    const node = await ironic.createNode({ name: 'ports', driver: 'fake-hardware', driver_info: {} });
    const mac = nextMac();
    // Act
    const port = await ironic.createPort({ node_uuid: node.uuid, address: mac, pxe_enabled: true });
    const byAddress = await ironic.listPorts({ address: mac });
    const byNode = await ironic.listPorts({ node: 'ports' });
    const dup = await ironic.createPort({ node_uuid: node.uuid, address: mac }).catch((e: unknown) => e);
    // Assess
    expect(port).toMatchObject({ address: mac, node_uuid: node.uuid, pxe_enabled: true });
    expect(byAddress).toEqual([expect.objectContaining({ uuid: port.uuid, node_uuid: node.uuid })]);
    expect(byNode.map((p) => p.uuid)).toEqual([port.uuid]);
    expect(dup).toBeInstanceOf(IronicConflictError);
    expect((dup as Error).message).toContain(`A port with MAC address ${mac} already exists.`);
    // cleanup, and deleting twice is fine
    await ironic.deletePort(port.uuid);
    await ironic.deletePort(port.uuid);
    expect(await ironic.listPorts({ address: mac })).toEqual([]);
    await ironic.deleteNode(node.uuid);
  });

  it('drives a fake-hardware node through its whole lifecycle', async () => {
    // Prepare
    const node = await ironic.createNode({ name: 'ns~lifecycle', driver: 'fake-hardware', driver_info: {} });
    await ironic.createPort({ node_uuid: node.uuid, address: nextMac() });
    const id = node.uuid;

    // Act + Assess, step by step
    await ironic.setProvisionState(id, 'manage');
    await waitFor(id, 'provision', 'manageable');

    await whenUnlocked(() => ironic.setProvisionState(id, 'inspect'));
    await waitFor(id, 'provision', 'manageable');
    // fake inspection stores no inventory: the client answers null, not an error
    expect(await ironic.getInventory(id)).toBeNull();

    await whenUnlocked(() => ironic.setProvisionState(id, 'provide'));
    await waitFor(id, 'provision', 'available');

    const patched = await whenUnlocked(() => ironic.patchNode(id, [
      { op: 'add', path: '/instance_info', value: { image_source: 'http://127.0.0.1:9/img.qcow2', image_checksum: 'd41d8cd98f00b204e9800998ecf8427e', root_gb: 10 } },
    ]));
    expect(patched.instance_info).toMatchObject({ image_source: 'http://127.0.0.1:9/img.qcow2', root_gb: 10 });

    const validation = await ironic.validate(id);
    expect(validation.deploy).toMatchObject({ result: true });
    expect(validation.power).toMatchObject({ result: true });

    await whenUnlocked(() => ironic.setProvisionState(id, 'active', {
      configdrive: { meta_data: { uuid: id, name: 'lifecycle' }, user_data: '#cloud-config\nhostname: lifecycle\n', network_data: { links: [], networks: [], services: [] } },
    }));
    await waitFor(id, 'provision', 'active');
    // the config drive is stored but never shown back
    expect((await ironic.getNode(id))!.instance_info!.configdrive).toBe('******');

    await whenUnlocked(() => ironic.setPowerState(id, 'power off'));
    await waitFor(id, 'power', 'power off');
    await whenUnlocked(() => ironic.setPowerState(id, 'power on'));
    await waitFor(id, 'power', 'power on');

    await whenUnlocked(() => ironic.setMaintenance(id, true, 'checking'));
    expect((await ironic.getNode(id))!.maintenance).toBe(true);
    await whenUnlocked(() => ironic.setMaintenance(id, false));
    expect((await ironic.getNode(id))!.maintenance).toBe(false);

    await whenUnlocked(() => ironic.setProvisionState(id, 'deleted'));
    await waitFor(id, 'provision', 'available');

    await whenUnlocked(() => ironic.deleteNode(id));
    expect(await ironic.getNode(id)).toBeNull();
    expect(await ironic.listPorts({ node: id }).catch(() => [])).toEqual([]);
    // a node already gone is success
    await ironic.deleteNode(id);
  }, 90_000);

  it('sets the boot device and refuses one the driver does not support', async () => {
    // Prepare
    const node = await ironic.createNode({ name: 'bootdev', driver: 'fake-hardware', driver_info: {} });
    await ironic.setProvisionState(node.uuid, 'manage');
    await waitFor(node.uuid, 'provision', 'manageable');
    // Act
    await whenUnlocked(() => ironic.setBootDevice(node.uuid, 'pxe', true));
    const err = await whenUnlocked(() => ironic.setBootDevice(node.uuid, 'floppy')).catch((e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(IronicRequestError);
    expect((err as Error).message).toMatch(/^PUT \/v1\/nodes\/[0-9a-f-]+\/management\/boot_device failed: 400 /);
    await whenUnlocked(() => ironic.deleteNode(node.uuid));
  });

  it('lists many nodes with fields across pages and counts every page', async () => {
    // Prepare
    const created: string[] = [];
    for (let i = 0; i < 25; i++) created.push((await ironic.createNode({ name: `many-${i}`, driver: 'fake-hardware', driver_info: {} })).uuid);
    const before = requests.length;
    // Act
    const nodes = await ironic.listNodes({ fields: ['name', 'provision_state', 'power_state'], limit: 10 });
    const pages = requests.slice(before).filter((r) => r.method === 'GET' && r.path.startsWith('/v1/nodes?'));
    // Assess
    const listed = nodes.filter((n) => n.name?.startsWith('many-'));
    expect(listed).toHaveLength(25);
    expect(new Set(nodes.map((n) => n.uuid)).size).toBe(nodes.length);
    expect(listed[0]).toMatchObject({ uuid: expect.any(String), name: expect.any(String), provision_state: 'enroll', power_state: null });
    expect(listed[0]).not.toHaveProperty('driver');
    expect(pages).toHaveLength(Math.floor(nodes.length / 10) + 1);
    expect(pages.slice(1).every((p) => p.path.includes('marker='))).toBe(true);
    for (const uuid of created) await ironic.deleteNode(uuid);
  }, 60_000);

  it('names the node written last, sorted by updated_at Ironic does not return, and moves with every write (the watcher\'s change probe)', async () => {
    // Prepare: two new nodes (never written: updated_at null)
    const a = await ironic.createNode({ name: 'probe-a', driver: 'fake-hardware', driver_info: {} });
    const b = await ironic.createNode({ name: 'probe-b', driver: 'fake-hardware', driver_info: {} });
    expect((await ironic.getNode(b.uuid))?.updated_at ?? null).toBeNull();
    // Act: a write to a, one to b, one to a again
    await ironic.patchNode(a.uuid, [{ op: 'add', path: '/extra/n', value: '1' }]);
    const afterA = await ironic.lastWrittenNode(POLL_FIELDS);
    const unchanged = await ironic.lastWrittenNode(POLL_FIELDS);
    await ironic.patchNode(b.uuid, [{ op: 'add', path: '/extra/n', value: '2' }]);
    const afterB = await ironic.lastWrittenNode(POLL_FIELDS);
    await ironic.setMaintenance(a.uuid, true, 'probe test');
    const afterMaintenance = await ironic.lastWrittenNode(POLL_FIELDS);
    // Assess: the polled fields of the node written last, no others
    expect(afterA).toMatchObject({ uuid: a.uuid, name: 'probe-a', maintenance: false });
    expect(Object.keys(afterA!).filter((k) => k !== 'links').sort()).toEqual([...POLL_FIELDS].sort());
    expect(unchanged).toEqual(afterA);
    expect(afterB).toMatchObject({ uuid: b.uuid });
    expect(afterMaintenance).toMatchObject({ uuid: a.uuid, maintenance: true });
    const probes = requests.filter((r) => /[?&]sort_key=updated_at/.test(r.path));
    expect(probes).toHaveLength(4);
    expect(probes.every((r) => r.method === 'GET' && r.status === 200 && /[?&]limit=1(&|$)/.test(r.path) && /[?&]sort_dir=desc/.test(r.path))).toBe(true);
    await ironic.setMaintenance(a.uuid, false);
    for (const n of [a, b]) await ironic.deleteNode(n.uuid);
  });

  it('surfaces NodeLocked as IronicConflictError while a deploy is running', async () => {
    // Prepare
    const node = await ironic.createNode({ name: 'locked', driver: 'fake-hardware', driver_info: {}, automated_clean: false });
    await ironic.setProvisionState(node.uuid, 'manage');
    await waitFor(node.uuid, 'provision', 'manageable');
    await whenUnlocked(() => ironic.setProvisionState(node.uuid, 'provide'));
    await waitFor(node.uuid, 'provision', 'available');
    await whenUnlocked(() => ironic.setProvisionState(node.uuid, 'active'));
    // Act: the fake deploy sleeps DEPLOY_DELAY_S holding the lock
    const err = await ironic.setProvisionState(node.uuid, 'deleted').catch((e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(IronicConflictError);
    expect((err as Error).message).toMatch(
      new RegExp(`^PUT /v1/nodes/${node.uuid}/states/provision failed: 409 Node ${node.uuid} is locked by host .+, please retry after the current operation is completed\\.$`),
    );
    expect((err as IronicConflictError).context.conflict).toBe('locked');
    await waitFor(node.uuid, 'provision', 'active', 30_000);
  }, 60_000);

  it('surfaces an invalid transition as IronicRequestError with the faultstring', async () => {
    // Prepare
    const node = await ironic.createNode({ name: 'invalid', driver: 'fake-hardware', driver_info: {} });
    // Act
    const err = await ironic.setProvisionState(node.uuid, 'active').catch((e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(IronicRequestError);
    expect((err as IronicRequestError).statusCode).toBe(400);
    expect((err as Error).message).toBe(
      `PUT /v1/nodes/${node.uuid}/states/provision failed: 400 The requested action "active" can not be performed on node "${node.uuid}" while it is in state "enroll".`,
    );
    await ironic.deleteNode(node.uuid);
  });

  it('answers null for a node that does not exist', async () => {
    await expect(ironic.getNode('no-such-node')).resolves.toBeNull();
    await expect(ironic.getInventory('no-such-node')).resolves.toBeNull();
  });

  it('raises IronicUnavailableError quickly when nothing listens', async () => {
    // Prepare
    const port = await freeTcpPort();
    const nowhere = createIronicClient({ url: `http://127.0.0.1:${port}`, retry: { limit: 2, backoffLimitMs: 200 } });
    const started = Date.now();
    // Act
    const err = await nowhere.getNode('x').catch((e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(IronicUnavailableError);
    expect((err as Error).message).toBe(`GET / failed: cannot reach Ironic at http://127.0.0.1:${port}: ECONNREFUSED`);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe('IronicClient against a misbehaving peer', () => {
  let server: Server;
  let url: string;
  const root = JSON.stringify({ default_version: { id: 'v1', min_version: '1.1', version: '1.82' } });

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/') return void res.writeHead(200, { 'content-type': 'application/json' }).end(root);
      if (req.url?.startsWith('/v1/nodes/garbage')) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"uuid": "x", ');
      if (req.url?.startsWith('/v1/nodes/huge')) {
        // 4 MiB of valid-looking JSON, chunked (no content-length)
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"uuid":"x","pad":"');
        const chunk = 'a'.repeat(64 * 1024);
        for (let i = 0; i < 64; i++) res.write(chunk);
        return void res.end('"}');
      }
      if (req.url?.startsWith('/v1/nodes/endless')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        const timer = setInterval(() => res.write('a'.repeat(64 * 1024)), 1);
        res.on('close', () => clearInterval(timer));
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('raises IronicResponseError when the answer is malformed JSON', async () => {
    const err = await createIronicClient({ url }).getNode('garbage').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IronicResponseError);
    expect((err as Error).message).toMatch(/^GET \/v1\/nodes\/garbage failed: answer is not JSON/);
  });

  it('raises IronicResponseError when the answer is over the cap', async () => {
    const err = await createIronicClient({ url, maxResponseBytes: 1024 * 1024 }).getNode('huge').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IronicResponseError);
    expect((err as Error).message).toBe('GET /v1/nodes/huge failed: answer larger than 1048576 bytes');
  });

  it('stops reading an endless answer at the cap', async () => {
    const started = Date.now();
    const err = await createIronicClient({ url, maxResponseBytes: 2 * 1024 * 1024 }).getNode('endless').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IronicResponseError);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
