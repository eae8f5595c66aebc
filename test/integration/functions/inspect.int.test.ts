/**
 * inspect on real parts (real Ironic fake-hardware inspection, the Kubernetes
 * API): Ironic's fake inspection returns no inventory, which must be handled,
 * not faked; the hardwaredetails annotation; inspection disabled.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HARDWARE_DATA, GROUP, VERSION } from '../../../shared/src/k8s/host-store.ts';
import { Annotation } from '../../../shared/src/state-machine/states.ts';
import { driveTo } from '../support/drive.ts';
import { startFunctionsBed } from '../support/functions-bed.ts';
import type { FunctionsBed } from '../support/functions-bed.ts';

const HARDWARE = {
  systemVendor: { manufacturer: 'Acme', productName: 'R1', serialNumber: 'SN-1' },
  firmware: { bios: { vendor: 'Acme', version: '1.2', date: '2025-01-01' } },
  ramMebibytes: 16384,
  nics: [{ name: 'eth0', mac: '52:54:00:bb:00:02', ip: '', speedGbps: 10, vlanId: 0, pxe: true, model: 'virtio' }],
  storage: [{ name: '/dev/sda', sizeBytes: 107374182400, rotational: false, model: 'disk' }],
  cpu: { arch: 'x86_64', model: 'Xeon', clockMegahertz: 2400, flags: [], count: 8 },
  hostname: 'annotated',
};

describe('inspect (real Ironic, Kubernetes API)', () => {
  let bed: FunctionsBed;

  const inspectRequests = () => bed.recorded.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/states/provision') && (r.body as { target?: string }).target === 'inspect');
  const hardwareData = (name: string) => bed.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: HARDWARE_DATA, namespace: bed.namespace, name })
    .then((o) => o as { spec?: { hardware?: Record<string, unknown> }; metadata?: { ownerReferences?: { uid?: string }[] } }, (e: { code?: number }) => {
      if (e.code === 404) return undefined;
      throw e;
    });

  beforeAll(async () => {
    bed = await startFunctionsBed({ namespacePrefix: 'inspect' });
    await bed.createSecret('creds', { username: 'admin', password: 'inspect-pass-5520' });
  }, 120_000);

  afterAll(async () => {
    await bed?.stop();
  });

  it('finishes a fake inspection that returns no inventory: available, status.hardware unset, no HardwareData', async () => {
    // Prepare
    await bed.createHost('plain', { online: false, bmc: { address: 'fake://plain', credentialsName: 'creds' } });

    // Act
    const { host, steps } = await driveTo(bed, 'plain', 'available');

    // Assess
    expect(steps.map((s) => s.state)).toEqual(expect.arrayContaining(['inspecting']));
    expect(host?.status?.hardware).toBeUndefined();
    expect(await hardwareData('plain')).toBeUndefined();
    const node = await bed.nodeOf('plain');
    expect(node?.provision_state).toBe('available');
    expect((node as { inspection_finished_at?: string } | null)?.inspection_finished_at).toBeTruthy();
    expect(inspectRequests().filter((r) => r.path.includes(node!.uuid))).toHaveLength(1);
    expect((host?.status as { operationHistory?: Record<string, { start?: string; end?: string }> }).operationHistory?.inspect)
      .toEqual({ start: expect.any(String), end: expect.any(String) });
  });

  it('takes status.hardware and a HardwareData object from the inspect.metal3.io/hardwaredetails annotation (inspection disabled, as upstream admits it)', async () => {
    // Prepare: upstream's admission refuses the annotation unless inspection is disabled
    const created = await bed.createHost('annotated', { online: false, inspectionMode: 'disabled', bootMACAddress: '52:54:00:bb:00:0a', automatedCleaningMode: 'disabled', bmc: { address: 'fake://annotated', credentialsName: 'creds' } },
      { annotations: { [Annotation.HardwareDetails]: JSON.stringify(HARDWARE) } });

    // Act
    const { host } = await driveTo(bed, 'annotated', 'available');

    // Assess
    expect(host?.status?.hardware).toEqual(HARDWARE);
    const data = await hardwareData('annotated');
    expect(data?.spec?.hardware).toEqual(HARDWARE);
    expect(data?.metadata?.ownerReferences?.[0]?.uid).toBe(created.metadata.uid);
    // upstream drops the annotation once consumed
    expect(host?.metadata.annotations?.[Annotation.HardwareDetails]).toBeUndefined();
  });

  it('skips Ironic inspection when inspectionMode is disabled: registering → preparing → available', async () => {
    // Prepare
    await bed.createHost('no-inspect', { online: false, inspectionMode: 'disabled', bootMACAddress: '52:54:00:bb:00:09', automatedCleaningMode: 'disabled', bmc: { address: 'fake://no-inspect', credentialsName: 'creds' } });

    // Act
    const { host } = await driveTo(bed, 'no-inspect', 'available');

    // Assess
    const node = await bed.nodeOf('no-inspect');
    expect(node).toMatchObject({ provision_state: 'available', automated_clean: false });
    expect(inspectRequests().filter((r) => r.path.includes(node!.uuid))).toHaveLength(0);
    const reasons = (await bed.eventsOf('no-inspect')).map((e) => e.reason);
    expect(reasons).toContain('Preparing');
    expect(reasons).not.toContain('Inspecting');
    expect(host?.status?.hardware).toBeUndefined();
  });
});
