/**
 * spec.disablePowerOff on real parts (Ironic ≥ API 1.95, ipmi_sim, Kubernetes API), as upstream:
 * the node is registered with `disable_power_off`, so Ironic itself refuses any power off; reboot
 * annotations become Ironic reboots (the host never shows powered off); a delete skips the power off
 * before delete. Where the bed's Ironic is older than 1.95 the host gets a clear registration error.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Annotation } from '../../../shared/src/state-machine/states.ts';
import { drive, driveTo, driveToRemoval, sleep } from '../support/drive.ts';
import { startFunctionsBed } from '../support/functions-bed.ts';
import type { FunctionsBed } from '../support/functions-bed.ts';

describe('spec.disablePowerOff (real Ironic, ipmi_sim, Kubernetes API)', () => {
  let bed: FunctionsBed;
  let supported: boolean;
  const image = () => ({ url: bed.files.urls['/images/host.qcow2']!, checksum: 'd41d8cd98f00b204e9800998ecf8427e', checksumType: 'md5', format: 'qcow2' });
  const powerTargets = (from: number) => bed.recorded.requests.slice(from).filter((r) => r.path.endsWith('/states/power')).map((r) => (r.body as { target?: string }).target);

  beforeAll(async () => {
    bed = await startFunctionsBed({ namespacePrefix: 'nopoweroff', ipmiBmcs: 1 });
    const [major = 0, minor = 0] = (await bed.ironic.versions()).max.split('.').map(Number);
    supported = major > 1 || minor >= 95;
    const sim = bed.bmcs[0]!;
    await bed.createSecret('ipmi-creds', { username: sim.username, password: sim.password });
    await bed.createHost('node-0', {
      // externally provisioned (adopted, as a machine that was running before it was enrolled): the
      // bed's PXE + ramdisk deploy powers a node off to prepare it, which disable_power_off forbids
      online: true, disablePowerOff: true, externallyProvisioned: true, bootMACAddress: '52:54:00:d0:00:01', inspectionMode: 'disabled', automatedCleaningMode: 'disabled',
      image: image(), bmc: { address: sim.address, credentialsName: 'ipmi-creds' },
    });
    if (supported) {
      await driveTo(bed, 'node-0', 'externally provisioned', { timeoutMs: 150_000 });
      await drive(bed, 'node-0', { until: (h) => h?.status?.poweredOn === true });
    }
  }, 240_000);

  afterAll(async () => {
    await bed?.stop();
  });

  it('registers the node with disable_power_off, which Ironic then enforces itself', async () => {
    if (!supported) {
      // an Ironic before API 1.95: a registration error that says why, and no node
      const { host } = await drive(bed, 'node-0', { until: (h) => h?.status?.operationalStatus === 'error' });
      expect(host?.status?.errorMessage).toMatch(/spec\.disablePowerOff needs Ironic API 1\.95/);
      expect(await bed.nodeOf('node-0')).toBeNull();
      return;
    }
    // Prepare
    const node = (await bed.nodeOf('node-0'))!;
    // Act: someone asks Ironic for a power off behind our back
    const refused = await fetch(`${bed.ironicEndpoint.url}/v1/nodes/${node.uuid}/states/power`, {
      method: 'PUT', headers: { 'Content-Type': 'application/json', 'X-OpenStack-Ironic-API-Version': '1.95' }, body: JSON.stringify({ target: 'power off' }),
    });
    // Assess
    expect(node.disable_power_off).toBe(true);
    expect(refused.ok).toBe(false);
    await sleep(500);
    expect(await bed.bmcs[0]!.power()).toBe('on');
  }, 60_000);

  it('serves a keyed (remediation) reboot annotation with one Ironic reboot; the host never shows powered off', async () => {
    if (!supported) return;
    // Prepare
    const key = `${Annotation.RebootPrefix}/metal3-remediation-${randomUUID()}`;
    const before = bed.recorded.requests.length;
    const simBefore = (await bed.bmcs[0]!.calls()).length;
    // Act
    await bed.mergeHost('node-0', { metadata: { annotations: { [key]: '{"mode":"hard"}' } } });
    const { steps } = await drive(bed, 'node-0', { until: (h) => h?.status?.poweredOn === true && powerTargets(before).length > 0, timeoutMs: 60_000 });
    // the host is looked at again while the key stays: no second reboot
    await drive(bed, 'node-0', { until: () => false, timeoutMs: 3_000 }).catch(() => undefined);
    const afterLooks = powerTargets(before);
    await bed.mergeHost('node-0', { metadata: { annotations: { [key]: null } } });
    await drive(bed, 'node-0', { until: (h) => h?.metadata.annotations?.[key] === undefined && h?.metadata.annotations?.[Annotation.RebootsServed] === undefined, timeoutMs: 30_000 });
    await drive(bed, 'node-0', { until: () => false, timeoutMs: 2_000 }).catch(() => undefined);
    const host = await bed.getHost('node-0');
    // Assess
    expect(afterLooks).toEqual(['rebooting']);
    expect(powerTargets(before)).toEqual(['rebooting']);
    expect(steps.every((s) => s.transition === 'power')).toBe(true);
    expect(host?.status).toMatchObject({ operationalStatus: 'OK', poweredOn: true, provisioning: { state: 'externally provisioned' } });
    expect((await bed.bmcs[0]!.calls()).slice(simBefore).length).toBeGreaterThan(0);
    expect(await bed.bmcs[0]!.power()).toBe('on');
    // what was served is forgotten once the annotation is gone
    expect(host?.metadata.annotations?.[Annotation.RebootsServed]).toBeUndefined();
  }, 120_000);

  it('serves the one-shot reboot.metal3.io with a soft reboot and removes it', async () => {
    if (!supported) return;
    // Prepare
    const before = bed.recorded.requests.length;
    // Act
    await bed.mergeHost('node-0', { metadata: { annotations: { [Annotation.RebootPrefix]: '' } } });
    const { host } = await drive(bed, 'node-0', { until: (h) => h?.metadata.annotations?.[Annotation.RebootPrefix] === undefined, timeoutMs: 60_000 });
    // Assess
    expect(powerTargets(before)).toEqual(['soft rebooting']);
    expect(host?.status?.poweredOn).toBe(true);
  }, 90_000);

  it('deletes without a power off before delete, and the machine stays on', async () => {
    if (!supported) return;
    // Prepare
    const before = bed.recorded.requests.length;
    // Act
    await bed.deleteHost('node-0');
    await driveToRemoval(bed, 'node-0', { timeoutMs: 150_000 });
    // Assess
    expect(powerTargets(before)).not.toContain('power off');
    expect(powerTargets(before)).not.toContain('soft power off');
    expect(await bed.nodeOf('node-0')).toBeNull();
    expect(await bed.bmcs[0]!.power()).toBe('on');
  }, 180_000);
});
