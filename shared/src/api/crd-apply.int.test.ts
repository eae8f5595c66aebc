/**
 * The generated CRDs and the samples, applied with kubectl 1.32 to the Kubernetes API
 * fixture (or the cluster named by KUBECONFIG): they install, the samples apply cleanly,
 * the printer columns show, and the apiserver's schema validation refuses what it should.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ClusterHandle } from '../../../test/bed/cluster.ts';
import { type Kubectl, type KubectlSession, findKubectl, applyStderrExceptPreexisting, openKubectlSession } from '../../../test/bed/kube-api/kubectl-runner.ts';
import { readSampleInto } from '../../../test/bed/kube-api/manifests.ts';
import { CRD_FILES } from '../manifests/render.ts';

const CRD_DIR = fileURLToPath(new URL('../../../manifests/crds/', import.meta.url));
const SAMPLES_DIR = fileURLToPath(new URL('../../../manifests/samples/', import.meta.url));
const binary = findKubectl();
const suite = binary ? describe : describe.skip;

const host = (name: string, spec: Record<string, unknown>) =>
  JSON.stringify({ apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost', metadata: { name }, spec });

suite('BareMetalHost and HardwareData CRDs applied with kubectl', () => {
  let session: KubectlSession;
  let cluster: ClusterHandle;
  let kubectl: Kubectl;
  const file = (name: string, text: string): Promise<string> => session.file(name, text);

  beforeAll(async () => {
    session = await openKubectlSession(binary!, 'bmh');
    ({ cluster, kubectl } = session);
  });

  afterAll(async () => {
    await session?.close();
  });

  it('installs both CRDs from manifests/crds', async () => {
    // Act
    const applied = await kubectl.run(['apply', ...CRD_FILES.flatMap((f) => ['-f', join(CRD_DIR, f)])]);
    const established = await kubectl.run(['wait', '--for=condition=Established', 'crd/baremetalhosts.metal3.io', 'crd/hardwaredata.metal3.io', '--timeout=30s']);
    // Assess
    expect(applyStderrExceptPreexisting(applied.stderr)).toBe('');
    expect(applied.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/baremetalhosts.metal3.io');
    expect(applied.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/hardwaredata.metal3.io');
    expect(established.code).toBe(0);
  });

  it('applies every sample with its Secrets', async () => {
    for (const sample of (await readdir(SAMPLES_DIR)).filter((f) => f.endsWith('.yaml'))) {
      // Act
      const applied = await kubectl.run(['apply', '-f', await file(sample, await readSampleInto(join(SAMPLES_DIR, sample), cluster.namespace))]);
      // Assess
      expect([sample, applied.code, applied.stderr]).toEqual([sample, 0, '']);
      expect(applied.stdout).toMatch(/baremetalhost\.metal3\.io\/\S+ created/);
    }
    const names = await kubectl.run(['get', 'bmh', '-o', 'name']);
    expect(names.stdout.trim().split('\n').sort()).toEqual([
      'baremetalhost.metal3.io/edge-vmedia-0',
      'baremetalhost.metal3.io/legacy-db-0',
      'baremetalhost.metal3.io/worker-image-0',
      'baremetalhost.metal3.io/worker-ipmi-0',
      'baremetalhost.metal3.io/worker-redfish-0',
    ]);
  });

  it('shows the upstream printer columns, Status and BMC only with -o wide', async () => {
    // Act
    const plain = await kubectl.run(['get', 'bmhost', 'worker-ipmi-0']);
    const wide = await kubectl.run(['get', 'bmh', 'worker-ipmi-0', '-o', 'wide']);
    // Assess
    expect(plain.stdout.split('\n')[0]!.split(/\s+/)).toEqual(['NAME', 'STATE', 'CONSUMER', 'ONLINE', 'ERROR', 'AGE']);
    expect(wide.stdout.split('\n')[0]!.split(/\s+/)).toEqual(['NAME', 'STATUS', 'STATE', 'CONSUMER', 'BMC', 'ONLINE', 'ERROR', 'AGE']);
    expect(wide.stdout).toContain('ipmi://192.0.2.10:6230');
    expect(plain.stdout.split('\n')[1]).toMatch(/^worker-ipmi-0\s+true\s/);
  });

  it('takes a status through the status subresource and shows its state', async () => {
    // Prepare: every field upstream's CRD requires in status
    const status = {
      status: {
        operationalStatus: 'OK', errorMessage: '', errorCount: 0, provisioningFailCount: 0, poweredOn: false,
        provisioning: { state: 'registering', ID: '' }, lastUpdated: '2026-08-20T10:00:00Z',
      },
    };
    // Act
    const patched = await kubectl.run(['patch', 'bmh', 'worker-redfish-0', '--subresource=status', '--type=merge', '-p', JSON.stringify(status)]);
    const row = await kubectl.run(['get', 'bmh', 'worker-redfish-0', '--no-headers']);
    // Assess
    expect([patched.code, patched.stderr]).toEqual([0, '']);
    expect(row.stdout).toMatch(/^worker-redfish-0\s+registering\s+false\s/);
  });

  it.each([
    ['an unknown operationalStatus', { operationalStatus: 'broken' }, /status\.operationalStatus: Unsupported value: "broken"/],
    ['an unknown errorType', { errorType: 'oops' }, /status\.errorType: Unsupported value: "oops"/],
    ['a non-timestamp lastUpdated', { lastUpdated: 'yesterday' }, /status\.lastUpdated: Invalid value/],
  ])('refuses a status with %s', async (_case, change, field) => {
    // Prepare
    const status = {
      status: {
        operationalStatus: 'OK', errorMessage: '', errorCount: 0, provisioningFailCount: 0, poweredOn: false,
        provisioning: { state: 'registering', ID: '' }, ...change,
      },
    };
    // Act
    const patched = await kubectl.run(['patch', 'bmh', 'worker-ipmi-0', '--subresource=status', '--type=merge', '-p', JSON.stringify(status)]);
    // Assess
    expect(patched.code).not.toBe(0);
    expect(patched.stderr).toMatch(field);
  });

  it.each([
    ['a MAC with dashes', { online: true, bootMACAddress: 'aa-bb-cc-dd-ee-ff' }, /spec\.bootMACAddress: Invalid value: "aa-bb-cc-dd-ee-ff"/],
    ['no online field', { bmc: { address: 'ipmi://h', credentialsName: 'c' } }, /spec\.online: Required value/],
    ['a bmc without credentialsName', { online: true, bmc: { address: 'ipmi://h' } }, /spec\.bmc\.credentialsName: Required value/],
    ['an unknown image format', { online: true, image: { url: 'http://x', format: 'iso' } }, /spec\.image\.format: Unsupported value: "iso"/],
    ['an unknown inspectionMode', { online: true, inspectionMode: 'slow' }, /spec\.inspectionMode: Unsupported value: "slow"/],
  ])('refuses a host with %s', async (_case, spec, field) => {
    // Prepare
    const path = await file(`bad-${Math.random().toString(36).slice(2)}.json`, host('bad-host', spec));
    // Act
    const applied = await kubectl.run(['apply', '-f', path]);
    // Assess
    expect(applied.code).not.toBe(0);
    expect(applied.stderr).toMatch(field);
  });

  it('accepts an upper-case MAC and inspectionMode fast', async () => {
    // Prepare
    const path = await file('upper-mac.json', host('upper-mac', { online: false, bootMACAddress: 'AA:BB:CC:DD:EE:0F', inspectionMode: 'fast' }));
    // Act
    const applied = await kubectl.run(['apply', '-f', path]);
    // Assess
    expect([applied.code, applied.stderr]).toEqual([0, '']);
  });

  it('explains fields from the generated descriptions', async () => {
    // Act
    const explained = await kubectl.run(['explain', 'bmh.spec.online']);
    // Assess
    expect(explained.code).toBe(0);
    expect(explained.stdout).toMatch(/FIELD: online <boolean>[\s\S]*Whether the host should be powered on/);
  });

  it('stores a HardwareData with the inventory', async () => {
    // Prepare
    const hd = {
      apiVersion: 'metal3.io/v1alpha1', kind: 'HardwareData', metadata: { name: 'worker-ipmi-0' },
      spec: { hardware: { cpu: { arch: 'x86_64', count: 8, clockMegahertz: 2400.5 }, ramMebibytes: 16384, nics: [{ name: 'eno1', mac: '52:54:00:aa:00:01', pxe: true }], storage: [{ name: '/dev/sda', type: 'SSD', sizeBytes: 480103981056 }] } },
    };
    const path = await file('hd.json', JSON.stringify(hd));
    // Act
    const applied = await kubectl.run(['apply', '-f', path]);
    const got = await kubectl.run(['get', 'hd', 'worker-ipmi-0', '-o', 'json']);
    // Assess
    expect([applied.code, applied.stderr]).toEqual([0, '']);
    expect(JSON.parse(got.stdout).spec.hardware).toEqual(hd.spec.hardware);
  });
  it('stores the firmware kinds: int-or-string settings, a shared schema, updates and a policy', async () => {
    // Prepare
    const objects = [
      { kind: 'HostFirmwareSettings', metadata: { name: 'worker-ipmi-0' }, spec: { settings: { ProcTurboMode: 'Disabled', NumaNodesPerSocket: 2 } } },
      { kind: 'FirmwareSchema', metadata: { name: 'schema-contoso' }, spec: { hardwareVendor: 'Contoso', schema: { ProcTurboMode: { attributeType: 'Enumeration', allowableValues: ['Enabled', 'Disabled'], readOnly: false } } } },
      { kind: 'HostFirmwareComponents', metadata: { name: 'worker-ipmi-0' }, spec: { updates: [{ component: 'bios', url: 'http://192.0.2.1/bios.bin' }] } },
      { kind: 'HostUpdatePolicy', metadata: { name: 'worker-ipmi-0' }, spec: { firmwareSettings: 'onReboot', firmwareUpdates: 'onReboot' } },
    ].map((o) => ({ apiVersion: 'metal3.io/v1alpha1', ...o }));
    const paths = await Promise.all(objects.map((o, i) => file(`firmware-${i}.json`, JSON.stringify(o))));
    // Act
    const applied = await kubectl.run(['apply', ...paths.flatMap((p) => ['-f', p])]);
    const hfs = await kubectl.run(['get', 'hfs', 'worker-ipmi-0', '-o', 'json']);
    // Assess
    expect([applied.code, applied.stderr]).toEqual([0, '']);
    expect(JSON.parse(hfs.stdout).spec.settings).toEqual({ ProcTurboMode: 'Disabled', NumaNodesPerSocket: 2 });
  });

  it.each([
    ['a policy value upstream does not know', { kind: 'HostUpdatePolicy', spec: { firmwareSettings: 'always' } }, /spec\.firmwareSettings: Unsupported value: "always"/],
    ['an attribute type upstream does not know', { kind: 'FirmwareSchema', spec: { schema: { X: { attributeType: 'Float' } } } }, /attributeType: Unsupported value: "Float"/],
    ['settings without values', { kind: 'HostFirmwareSettings', spec: {} }, /spec\.settings: Required value/],
    ['an update without url', { kind: 'HostFirmwareComponents', spec: { updates: [{ component: 'bios' }] } }, /spec\.updates\[0\]\.url: Required value/],
  ])('refuses %s', async (_case, object, field) => {
    // Prepare
    const path = await file(`bad-fw-${Math.random().toString(36).slice(2)}.json`, JSON.stringify({ apiVersion: 'metal3.io/v1alpha1', metadata: { name: 'bad-fw' }, ...object }));
    // Act
    const applied = await kubectl.run(['apply', '-f', path]);
    // Assess
    expect(applied.code).not.toBe(0);
    expect(applied.stderr).toMatch(field);
  });
});
