/** FakeIronic (test/fakes) behaves like Ironic with fake-hardware, so handler tests built on it mean something. */
import { describe, expect, it } from '@jest/globals';
import { FakeIronic } from '../../../test/fakes/fake-ironic.ts';
import { IronicConflictError, IronicRequestError, IronicUnavailableError } from '../errors.ts';
import type { IronicClient, ProvisionTarget } from './types.ts';

const stateOf = (ironic: FakeIronic, id: string) => {
  const n = ironic.node(id)!;
  return { provision: n.provision_state, target: n.target_provision_state, power: n.power_state, locked: n.reservation !== null };
};

describe('FakeIronic', () => {
  it('is an IronicClient', () => {
    const client: IronicClient = new FakeIronic();
    expect(typeof client.setProvisionState).toBe('function');
  });

  it('walks a fake-hardware node through its whole lifecycle when synchronous', async () => {
    // Prepare
    const ironic = new FakeIronic();
    const node = await ironic.createNode({ name: 'ns~host', driver: 'fake-hardware', driver_info: {} });
    const seen: (string | null)[] = [node.provision_state];
    // Act
    for (const target of ['manage', 'inspect', 'provide', 'active', 'deleted'] as ProvisionTarget[]) {
      await ironic.setProvisionState(node.uuid, target);
      seen.push(ironic.node(node.uuid)!.provision_state);
    }
    await ironic.setProvisionState(node.uuid, 'manage');
    await ironic.deleteNode(node.uuid);
    // Assess
    expect(seen).toEqual(['enroll', 'manageable', 'manageable', 'available', 'active', 'available']);
    expect(ironic.node(node.uuid)).toBeUndefined();
  });

  it.each([
    { case: 'manage from enroll', from: 'enroll', target: 'manage', steps: [['verifying', 'manageable'], ['manageable', null]] },
    { case: 'inspect', from: 'manageable', target: 'inspect', steps: [['inspecting', 'manageable'], ['manageable', null]] },
    { case: 'provide', from: 'manageable', target: 'provide', steps: [['cleaning', 'available'], ['available', null]] },
    { case: 'deploy', from: 'available', target: 'active', steps: [['deploying', 'active'], ['active', null]] },
    {
      case: 'undeploy', from: 'active', target: 'deleted',
      steps: [['deleting', 'available'], ['cleaning', 'available'], ['available', null]],
    },
  ] as const)('moves one state per tick when asynchronous: $case', async ({ from, target, steps }) => {
    // Prepare
    const ironic = new FakeIronic({ async: true }).withNode({ name: 'n', provisionState: from });
    // Act
    await ironic.setProvisionState('n', target);
    const observed: [string | null, string | null][] = [[stateOf(ironic, 'n').provision, stateOf(ironic, 'n').target]];
    while (ironic.busy) {
      ironic.tick();
      observed.push([stateOf(ironic, 'n').provision, stateOf(ironic, 'n').target]);
    }
    // Assess
    expect(observed).toEqual(steps);
    expect(stateOf(ironic, 'n').locked).toBe(false);
  });

  it('answers 409 NodeLocked while a transition holds the lock', async () => {
    // Prepare
    const ironic = new FakeIronic({ async: true }).withNode({ name: 'n', provisionState: 'available' });
    const uuid = ironic.node('n')!.uuid;
    await ironic.setProvisionState('n', 'active');
    // Act
    const err = await ironic.setProvisionState('n', 'deleted').catch((e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(IronicConflictError);
    expect((err as Error).message).toBe(
      `PUT /v1/nodes/n/states/provision failed: 409 Node ${uuid} is locked by host fake-conductor, please retry after the current operation is completed.`,
    );
    expect((err as IronicConflictError).context.conflict).toBe('locked');
  });

  it('rejects an invalid transition with 400 and Ironic\'s message', async () => {
    // Prepare
    const ironic = new FakeIronic().withNode({ name: 'n' });
    const uuid = ironic.node('n')!.uuid;
    // Act
    const err = await ironic.setProvisionState('n', 'active').catch((e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(IronicRequestError);
    expect((err as IronicRequestError).statusCode).toBe(400);
    expect((err as Error).message).toContain(`The requested action "active" can not be performed on node "${uuid}" while it is in state "enroll".`);
    expect(stateOf(ironic, 'n').provision).toBe('enroll');
  });

  it('refuses to deploy a node in maintenance', async () => {
    const ironic = new FakeIronic().withNode({ name: 'n', provisionState: 'available', maintenance: true });
    await expect(ironic.setProvisionState('n', 'active')).rejects.toThrow(/because it's in maintenance mode/);
  });

  it('ends in the failure state with last_error when a transition is made to fail', async () => {
    // Prepare
    const ironic = new FakeIronic().withNode({ name: 'n', provisionState: 'available' }).failNextTransition('n', 'image checksum mismatch');
    // Act
    await ironic.setProvisionState('n', 'active');
    // Assess
    // as real Ironic: `deploy failed` keeps its target (`active`) although nothing runs
    expect(ironic.node('n')).toMatchObject({ provision_state: 'deploy failed', target_provision_state: 'active', last_error: 'image checksum mismatch' });
    // and a retry clears last_error and succeeds
    await ironic.setProvisionState('n', 'active');
    expect(ironic.node('n')).toMatchObject({ provision_state: 'active', last_error: null });
  });

  it('falls back to enroll when verifying fails', async () => {
    const ironic = new FakeIronic().withNode({ name: 'n' }).failNextTransition('n', 'bad credentials');
    await ironic.setProvisionState('n', 'manage');
    expect(ironic.node('n')).toMatchObject({ provision_state: 'enroll', last_error: 'bad credentials' });
  });

  it('changes power at once, or after a tick when asynchronous', async () => {
    // Prepare
    const sync = new FakeIronic().withNode({ name: 'n', provisionState: 'active' });
    const later = new FakeIronic({ async: true }).withNode({ name: 'n', provisionState: 'active', powerState: 'power off' });
    // Act
    await sync.setPowerState('n', 'rebooting');
    await later.setPowerState('n', 'power on');
    const during = later.node('n')!;
    later.tick();
    // Assess
    expect(sync.node('n')!.power_state).toBe('power on');
    expect([during.power_state, during.target_power_state]).toEqual(['power off', 'power on']);
    expect([later.node('n')!.power_state, later.node('n')!.target_power_state]).toEqual(['power on', null]);
  });

  it('refuses power changes while cleaning', async () => {
    const ironic = new FakeIronic().withNode({ name: 'n', provisionState: 'cleaning' });
    await expect(ironic.setPowerState('n', 'power off')).rejects.toThrow(/while it is in state "cleaning"/);
  });

  it('answers 409 on a duplicate node name and a duplicate MAC', async () => {
    // Prepare
    const ironic = new FakeIronic();
    const node = await ironic.createNode({ name: 'dup', driver: 'fake-hardware', driver_info: {} });
    await ironic.createPort({ node_uuid: node.uuid, address: '52:54:00:00:00:01' });
    // Act
    const dupNode = await ironic.createNode({ name: 'dup', driver: 'fake-hardware', driver_info: {} }).catch((e: unknown) => e);
    const dupPort = await ironic.createPort({ node_uuid: node.uuid, address: '52:54:00:00:00:01' }).catch((e: unknown) => e);
    // Assess
    expect(dupNode).toBeInstanceOf(IronicConflictError);
    expect((dupNode as Error).message).toContain('A node with name dup already exists.');
    expect(dupPort).toBeInstanceOf(IronicConflictError);
    expect((dupPort as Error).message).toContain('A port with MAC address 52:54:00:00:00:01 already exists.');
  });

  it('finds ports by address and node, case-insensitively', async () => {
    const ironic = new FakeIronic().withNode({ name: 'a', ports: ['52:54:00:00:00:0a'] }).withNode({ name: 'b', ports: ['52:54:00:00:00:0b'] });
    expect((await ironic.listPorts({ address: '52:54:00:00:00:0A' })).map((p) => p.node_uuid)).toEqual([ironic.node('a')!.uuid]);
    expect(await ironic.listPorts({ node: 'b' })).toHaveLength(1);
  });

  it('masks passwords and the config drive like the API does, but keeps them stored', async () => {
    // Prepare
    const ironic = new FakeIronic().withNode({ name: 'n', provisionState: 'available', driver_info: { ipmi_password: 'p4ss', ipmi_username: 'admin' } });
    // Act
    await ironic.setProvisionState('n', 'active', { configdrive: { user_data: '#cloud-config' } });
    const shown = await ironic.getNode('n');
    // Assess
    expect(shown!.driver_info).toEqual({ ipmi_password: '******', ipmi_username: 'admin' });
    expect(shown!.instance_info!.configdrive).toBe('******');
    expect(ironic.node('n')!.driver_info!.ipmi_password).toBe('p4ss');
  });

  it('returns only the requested fields plus uuid', async () => {
    const ironic = new FakeIronic().withNode({ name: 'n' });
    expect(Object.keys((await ironic.getNode('n', ['provision_state']))!).sort()).toEqual(['provision_state', 'uuid']);
    expect(Object.keys((await ironic.listNodes({ fields: ['name'] }))[0]!).sort()).toEqual(['name', 'uuid']);
  });

  it('applies JSON patches and refuses internal fields', async () => {
    // Prepare
    const ironic = new FakeIronic().withNode({ name: 'n', provisionState: 'available' });
    // Act
    const patched = await ironic.patchNode('n', [
      { op: 'add', path: '/instance_info', value: { image_source: 'http://x/img' } },
      { op: 'replace', path: '/instance_info/root_gb', value: 10 },
      { op: 'replace', path: '/automated_clean', value: false },
    ]);
    const refused = await ironic.patchNode('n', [{ op: 'replace', path: '/provision_state', value: 'active' }]).catch((e: unknown) => e);
    // Assess
    expect(patched.instance_info).toEqual({ image_source: 'http://x/img', root_gb: 10 });
    expect(patched.automated_clean).toBe(false);
    expect(refused).toBeInstanceOf(IronicRequestError);
  });

  it('forgets the instance after tear-down', async () => {
    const ironic = new FakeIronic().withNode({ name: 'n', provisionState: 'active', instance_uuid: 'bmh-uid', instance_info: { image_source: 'x' } });
    await ironic.setProvisionState('n', 'deleted');
    expect(ironic.node('n')).toMatchObject({ provision_state: 'available', instance_uuid: null, instance_info: {} });
  });

  it('refuses to delete an active node and deletes its ports with it otherwise', async () => {
    // Prepare
    const ironic = new FakeIronic().withNode({ name: 'busy', provisionState: 'active' }).withNode({ name: 'idle', provisionState: 'manageable', ports: ['52:54:00:00:00:01'] });
    // Act
    const err = await ironic.deleteNode('busy').catch((e: unknown) => e);
    await ironic.deleteNode('idle');
    await ironic.deleteNode('idle'); // already gone: success
    // Assess
    expect(err).toBeInstanceOf(IronicConflictError);
    expect((err as Error).message).toContain('while it is in provision state "active"');
    expect(ironic.ports).toEqual([]);
  });

  it('returns no inventory unless one was seeded, like fake inspection', async () => {
    const ironic = new FakeIronic().withNode({ name: 'plain' }).withNode({ name: 'rich', inventory: { cpu: { count: 4 } } });
    await expect(ironic.getInventory('plain')).resolves.toBeNull();
    await expect(ironic.getInventory('rich')).resolves.toEqual({ inventory: { cpu: { count: 4 } }, plugin_data: {} });
  });

  it('records calls and counts them by method and path pattern', async () => {
    // Prepare
    const ironic = new FakeIronic().withNode({ name: 'n', provisionState: 'manageable' });
    // Act
    await ironic.setProvisionState('n', 'provide');
    await ironic.getNode('n');
    await ironic.setPowerState('n', 'power on', 30);
    // Assess
    expect(ironic.count('PUT', '/v1/nodes/:id/states/provision')).toBe(1);
    expect(ironic.count('PUT', '/v1/nodes/*')).toBe(2);
    expect(ironic.lastCall('PUT', '/v1/nodes/:id/states/power')).toEqual({
      op: 'setPowerState', method: 'PUT', path: '/v1/nodes/n/states/power', body: { target: 'power on', timeout: 30 },
    });
    expect(ironic.calls.map((c) => c.op)).toEqual(['setProvisionState', 'getNode', 'setPowerState']);
  });

  it('names the node written last, as Ironic sorts by updated_at: every write moves it, a node never written comes last', async () => {
    // Prepare: two nodes, never written (updated_at null)
    const ironic = new FakeIronic().withNode({ name: 'a' }).withNode({ name: 'b' });
    const first = await ironic.lastWrittenNode(['name']);
    // Act + Assess
    expect(first?.name).toBe('a');
    expect(ironic.node('a')?.updated_at ?? null).toBeNull();
    await ironic.setPowerState('b', 'power on');
    expect((await ironic.lastWrittenNode(['name', 'power_state']))).toMatchObject({ name: 'b', power_state: 'power on' });
    await ironic.setMaintenance('a', true, 'why');
    expect((await ironic.lastWrittenNode(['name', 'maintenance']))).toMatchObject({ name: 'a', maintenance: true });
    // nothing written since: the same answer, and the stamps only move forward
    const stamp = ironic.node('a')!.updated_at!;
    expect(await ironic.lastWrittenNode(['name', 'maintenance'])).toMatchObject({ name: 'a', maintenance: true });
    expect(ironic.node('a')!.updated_at).toBe(stamp);
    expect(Date.parse(stamp)).toBeGreaterThan(Date.parse(ironic.node('b')!.updated_at!));
    expect(await new FakeIronic().lastWrittenNode(['name'])).toBeNull();
  });

  it('counts one request per page when listing', async () => {
    const ironic = new FakeIronic().withNode({ name: 'a' }).withNode({ name: 'b' }).withNode({ name: 'c' });
    await ironic.listNodes({ limit: 2 });
    expect(ironic.count('GET', '/v1/nodes')).toBe(2);
  });

  it('throws an injected failure once, before any effect', async () => {
    // Prepare
    const ironic = new FakeIronic().withNode({ name: 'n', provisionState: 'available' })
      .failNext('setProvisionState', new IronicUnavailableError('PUT failed: 503'));
    // Act
    const first = await ironic.setProvisionState('n', 'active').catch((e: unknown) => e);
    const afterFirst = ironic.node('n')!.provision_state;
    await ironic.setProvisionState('n', 'active');
    // Assess
    expect(first).toBeInstanceOf(IronicUnavailableError);
    expect(afterFirst).toBe('available');
    expect(ironic.node('n')!.provision_state).toBe('active');
    expect(ironic.count('PUT', '/v1/nodes/:id/states/provision')).toBe(2);
  });

  it('answers 404 as null from getNode and as IronicRequestError from a state change', async () => {
    const ironic = new FakeIronic();
    await expect(ironic.getNode('ghost')).resolves.toBeNull();
    const err = await ironic.setProvisionState('ghost', 'manage').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IronicRequestError);
    expect((err as IronicRequestError).statusCode).toBe(404);
  });
});
