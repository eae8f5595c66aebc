/**
 * A fake-hardware node through the whole Ironic provisioning lifecycle, on a real Ironic
 * started by the bed, with plain fetch (IRONIC_URL, when set, points it at another Ironic).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { compareMicroversion } from '../../shared/src/ironic/microversion.ts';
import { connectOrStartIronic, ensureIronicInstalled, startIronic, type IronicEndpoint } from './ironic.ts';
import { expectStatus, ironicRequest, waitForNode } from './ironic-rest.ts';

describe('startIronic › fake-hardware lifecycle', () => {
  let ironic: IronicEndpoint | undefined;
  let url = '';

  beforeAll(async () => {
    ironic = await connectOrStartIronic({ hardwareTypes: ['fake-hardware'] });
    url = ironic.url;
  }, 120_000);

  afterAll(async () => {
    await ironic?.stop();
  }, 30_000);

  it("answers GET / as Ironic with its build's newest API version when ready", async () => {
    // Act
    const res = await fetch(`${url}/`);
    const body = (await res.json()) as { name: string; default_version: { version: string } };
    // Assess
    expect(res.status).toBe(200);
    expect(body.name).toBe('OpenStack Ironic API');
    // 1.115 for the PyPI build, 1.82 for Debian's (an external IRONIC_URL: whatever it serves, ≥ 1.82)
    const expected = (await ensureIronicInstalled()).maxMicroversion;
    if (ironic?.external) expect(compareMicroversion(body.default_version.version, '1.82')).toBeGreaterThanOrEqual(0);
    else expect(body.default_version.version).toBe(expected);
  });

  it('takes a node enroll → manageable → inspected → available → active → available → deleted when driven step by step', async () => {
    // Prepare: a unique name and MAC so repeated runs against one Ironic never clash
    const suffix = randomBytes(3).toString('hex');
    const mac = `52:54:00:${suffix.slice(0, 2)}:${suffix.slice(2, 4)}:${suffix.slice(4, 6)}`;
    const created = await expectStatus(url, 'POST', '/v1/nodes', 201, {
      name: `bed-fake-${suffix}`,
      driver: 'fake-hardware',
      properties: { cpus: 2, memory_mb: 4096, local_gb: 20, cpu_arch: 'x86_64' },
    });
    const uuid = created.body.uuid as string;
    expect(created.body.provision_state).toBe('enroll');
    await expectStatus(url, 'POST', '/v1/ports', 201, { node_uuid: uuid, address: mac, pxe_enabled: true });
    const provision = (target: string, extra: Record<string, unknown> = {}) =>
      expectStatus(url, 'PUT', `/v1/nodes/${uuid}/states/provision`, 202, { target, ...extra });

    // Act + Assess, one transition at a time
    await provision('manage');
    await waitForNode(url, uuid, 'provision_state', 'manageable');

    await provision('inspect');
    await waitForNode(url, uuid, 'provision_state', 'manageable');
    // fake inspection stores no inventory (notes §9)
    expect((await ironicRequest(url, 'GET', `/v1/nodes/${uuid}/inventory`)).status).toBe(404);

    await provision('provide');
    await waitForNode(url, uuid, 'provision_state', 'available');

    await expectStatus(url, 'PATCH', `/v1/nodes/${uuid}`, 200, [{
      op: 'add', path: '/instance_info',
      value: { image_source: 'http://127.0.0.1:1/images/test.qcow2', image_checksum: 'd41d8cd98f00b204e9800998ecf8427e', image_os_hash_algo: 'md5', root_gb: 10 },
    }]);
    const validation = await expectStatus(url, 'GET', `/v1/nodes/${uuid}/validate`, 200);
    expect(validation.body.deploy.result).toBe(true);

    await provision('active', {
      configdrive: {
        meta_data: { uuid, name: `bed-fake-${suffix}`, public_keys: { '0': 'ssh-ed25519 AAAA test' } },
        user_data: '#cloud-config\nhostname: bed\n',
        network_data: { links: [], networks: [], services: [] },
      },
    });
    await waitForNode(url, uuid, 'provision_state', 'active');
    const active = await expectStatus(url, 'GET', `/v1/nodes/${uuid}`, 200);
    // Ironic hides the stored configdrive
    expect(active.body.instance_info.configdrive).toBe('******');

    await expectStatus(url, 'PUT', `/v1/nodes/${uuid}/states/power`, 202, { target: 'power off' });
    await waitForNode(url, uuid, 'power_state', 'power off');

    await provision('deleted');
    await waitForNode(url, uuid, 'provision_state', 'available');

    await expectStatus(url, 'DELETE', `/v1/nodes/${uuid}`, 204);
    expect((await ironicRequest(url, 'GET', `/v1/nodes/${uuid}`)).status).toBe(404);
  }, 90_000);

  it('holds a node in deploying for the configured fake delay when fakeDelays.deploy is set', async () => {
    // Prepare: a second Ironic of our own, deploy taking 2 s (not possible against IRONIC_URL)
    if (ironic?.external) return;
    const slow = await startIronic({ hardwareTypes: ['fake-hardware'], fakeDelays: { deploy: 2 } });
    try {
      const { body: node } = await expectStatus(slow.url, 'POST', '/v1/nodes', 201, { driver: 'fake-hardware' });
      for (const target of ['manage', 'provide']) {
        await expectStatus(slow.url, 'PUT', `/v1/nodes/${node.uuid}/states/provision`, 202, { target });
        await waitForNode(slow.url, node.uuid, 'provision_state', target === 'manage' ? 'manageable' : 'available');
      }
      // Act
      const t0 = Date.now();
      await expectStatus(slow.url, 'PUT', `/v1/nodes/${node.uuid}/states/provision`, 202, { target: 'active' });
      await waitForNode(slow.url, node.uuid, 'provision_state', 'active');
      // Assess: deploy's fake steps sleep 2 s each (prepare + deploy at least)
      expect(Date.now() - t0).toBeGreaterThanOrEqual(2_000);
    } finally {
      await slow.stop();
    }
  }, 120_000);
});
