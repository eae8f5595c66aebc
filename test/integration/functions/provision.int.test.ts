/**
 * provision on real parts: instance_info and config drive reach a real Ironic,
 * the host ends provisioned with status.provisioning.image; a real Ironic
 * deploy failure (an ipmi_sim host whose ramdisk-deploy kernel cannot be
 * downloaded) becomes a provisioning error carrying Ironic's last_error.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { upstreamConditionsOf } from '../support/conditions.ts';
import { drive, driveTo } from '../support/drive.ts';
import { startFunctionsBed } from '../support/functions-bed.ts';
import type { FunctionsBed } from '../support/functions-bed.ts';
import { acceptedDeploys } from '../support/recording-fetch.ts';

const USER_DATA = '#cloud-config\nhostname: prov-a\nchpasswd: { list: "root:user-data-secret-93" }\n';
const NETWORK_DATA = '{"links":[{"id":"eth0","type":"phy","ethernet_mac_address":"52:54:00:cc:00:01"}],"networks":[],"services":[]}';
const CHECKSUM = 'd41d8cd98f00b204e9800998ecf8427e';

/** A kernel "server" that passes Ironic's HEAD validation but fails the download itself. */
async function startBrokenKernelServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method === 'HEAD') res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 4096 }).end();
    else res.writeHead(404).end('gone');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return {
    url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/vmlinuz`,
    stop: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

describe('provision (real Ironic, Kubernetes API, ipmi_sim)', () => {
  let bed: FunctionsBed;
  let kernel: Awaited<ReturnType<typeof startBrokenKernelServer>>;

  beforeAll(async () => {
    kernel = await startBrokenKernelServer();
    bed = await startFunctionsBed({ ipmiBmcs: 1, namespacePrefix: 'prov', env: { DEPLOY_KERNEL_URL: kernel.url } });
    await bed.createSecret('creds', { username: 'admin', password: 'prov-pass-3310' });
    await bed.createSecret('ud', { userData: USER_DATA });
    await bed.createSecret('nd', { networkData: NETWORK_DATA });
  }, 120_000);

  afterAll(async () => {
    await bed?.stop();
    await kernel?.stop();
  });

  it('deploys spec.image with instance_info and a config drive from the userData/networkData Secrets', async () => {
    // Prepare
    const image = { url: bed.files.urls['/images/host.qcow2'], checksum: CHECKSUM, checksumType: 'md5', format: 'qcow2' };
    await bed.createHost('prov-a', {
      online: true, automatedCleaningMode: 'disabled', bmc: { address: 'fake://prov-a', credentialsName: 'creds' },
      rootDeviceHints: { deviceName: '/dev/sda' },
    });
    await driveTo(bed, 'prov-a', 'available');
    await bed.mergeHost('prov-a', { spec: { image, userData: { name: 'ud' }, networkData: { name: 'nd' } } });

    // Act
    const { host } = await driveTo(bed, 'prov-a', 'provisioned', { timeoutMs: 60_000 });

    // Assess
    const node = await bed.nodeOf('prov-a');
    expect(node).toMatchObject({ provision_state: 'active', instance_uuid: host?.metadata.uid });
    expect(node?.instance_info).toMatchObject({
      image_source: image.url, image_checksum: CHECKSUM, image_disk_format: 'qcow2',
      capabilities: { boot_mode: 'uefi' }, root_device: { name: 's== /dev/sda' },
    });
    // Ironic keeps the config drive but never shows it
    expect(node?.instance_info?.configdrive).toBe('******');
    const [deploy, ...more] = acceptedDeploys(bed.recorded.requests, node!.uuid);
    expect(more).toHaveLength(0);
    expect((deploy?.body as { configdrive?: unknown }).configdrive).toEqual({
      meta_data: expect.objectContaining({ uuid: host?.metadata.uid, 'metal3-name': 'prov-a', 'metal3-namespace': bed.namespace, 'local-hostname': 'prov-a' }),
      user_data: USER_DATA,
      network_data: JSON.parse(NETWORK_DATA),
    });
    expect(host?.status).toMatchObject({
      operationalStatus: 'OK',
      provisioning: { state: 'provisioned', ID: node?.uuid, image },
      provisioningFailCount: 0,
    });
    // what CAPM3 waits for: Provisioned and Ready, no longer progressing
    expect(upstreamConditionsOf(host)).toEqual({
      Manageable: 'True/Manageable', AvailableForProvisioning: 'False/NotAvailable', Provisioned: 'True/Provisioned',
      Ready: 'True/Provisioned', Progressing: 'False/NotProgressing', Healthy: 'Unknown/Unknown',
    });
    expect((host?.status as { operationHistory?: { provision?: { start?: string; end?: string } } }).operationHistory?.provision)
      .toEqual({ start: expect.any(String), end: expect.any(String) });
    // user data never lands in status or Events
    expect(JSON.stringify(host?.status)).not.toContain('user-data-secret-93');
    expect(JSON.stringify(await bed.eventsOf('prov-a'))).not.toContain('user-data-secret-93');
  });

  it('records a provisioning error with Ironic\'s last_error when the deploy fails', async () => {
    // Prepare: an ipmi_sim host on PXE + ramdisk deploy whose kernel download answers 404
    const sim = bed.bmcs[0]!;
    await bed.createSecret('ipmi', { username: sim.username, password: sim.password });
    await bed.createHost('prov-bad', {
      online: true, inspectionMode: 'disabled', automatedCleaningMode: 'disabled', bootMACAddress: '52:54:00:cc:00:09',
      bmc: { address: sim.address, credentialsName: 'ipmi' },
    });
    await driveTo(bed, 'prov-bad', 'available', { timeoutMs: 90_000 });
    const image = { url: bed.files.urls['/images/host.qcow2'], checksum: CHECKSUM, checksumType: 'md5', format: 'qcow2' };
    await bed.mergeHost('prov-bad', { spec: { image } });

    // Act
    const { host } = await drive(bed, 'prov-bad', { until: (h) => h?.status?.errorType === 'provisioning error', timeoutMs: 90_000, pauseMs: 300 });

    // Assess
    const node = await bed.nodeOf('prov-bad');
    expect(node?.last_error).toBeTruthy();
    expect(host?.status?.errorMessage).toContain(`Image provisioning failed (${image.url}): `);
    expect(host?.status?.errorMessage).toContain(node!.last_error!.slice(0, 60));
    expect(host?.status).toMatchObject({ operationalStatus: 'error', errorCount: 1, provisioningFailCount: 1 });
    // a failed deploy is cleaned before the next attempt: not Ready (Error), progressing through deprovisioning
    expect(upstreamConditionsOf(host)).toMatchObject({ Ready: 'False/Error', Provisioned: 'False/NotProvisioned', Progressing: 'True/Deprovisioning' });
    expect(acceptedDeploys(bed.recorded.requests, node!.uuid)).toHaveLength(1);
    const warnings = (await bed.eventsOf('prov-bad')).filter((e) => e.type === 'Warning');
    expect(warnings.map((e) => e.reason)).toContain('ProvisioningError');
  });
});
