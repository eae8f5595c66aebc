/**
 * kubectl 1.32 (the pinned v1.32.13 that scripts/install-kube-apiserver.sh builds) drives the Kubernetes API fixture (or the cluster named by KUBECONFIG) end to end:
 * CRD apply, custom objects, printer columns, status subresource, watch, finalizers, dry-run, 422, 409.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ClusterHandle } from '../cluster.ts';
import { WIDGET_CRD_PATH } from './fixtures/widget-crd.ts';
import { type Kubectl, type KubectlSession, PINNED_KUBECTL, PINNED_KUBECTL_VERSION, eventually, findKubectl, applyStderrExceptPreexisting, openKubectlSession } from './kubectl-runner.ts';

const binary = findKubectl();
const suite = binary ? describe : describe.skip;

const widget = (name: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) =>
  JSON.stringify({ apiVersion: 'test.metal3.io/v1alpha1', kind: 'Widget', metadata: { name, labels: { rack: 'r1' }, ...metadata }, spec });

suite('kube-api fixture driven by kubectl', () => {
  let session: KubectlSession;
  let cluster: ClusterHandle;
  let kubectl: Kubectl;
  const file = (name: string, text: string): Promise<string> => session.file(name, text);

  beforeAll(async () => {
    session = await openKubectlSession(binary!, 'kubectl');
    ({ cluster, kubectl } = session);
    // Act (shared): the CRD goes in through kubectl itself
    const applied = await kubectl.run(['apply', '-f', WIDGET_CRD_PATH]);
    expect(applyStderrExceptPreexisting(applied.stderr)).toBe('');
    await kubectl.run(['wait', '--for=condition=Established', 'crd/widgets.test.metal3.io', '--timeout=30s']);
  });

  afterAll(async () => {
    await session?.close();
  });

  it('reports a v1.32 server version when kubectl asks', async () => {
    const out = await kubectl.run(['version', '-o', 'json']);
    const versions = JSON.parse(out.stdout) as { clientVersion: { gitVersion: string }; serverVersion: { minor: string; gitVersion: string } };
    // CI builds the pinned kubectl and sets REQUIRE_PINNED_KUBECTL: the suite must not pass on another one
    if (process.env.REQUIRE_PINNED_KUBECTL) {
      expect(binary).toBe(PINNED_KUBECTL);
      expect(versions.clientVersion.gitVersion).toBe(PINNED_KUBECTL_VERSION);
    }
    expect(versions.clientVersion.gitVersion).toMatch(/^v1\.32\./);
    expect(versions.serverVersion.minor).toMatch(/^\d+$/);
    if (cluster.fixture) expect(JSON.parse(out.stdout).serverVersion.gitVersion).toMatch(/^v1\.32\./);
  });

  it('creates a custom object and shows its printer columns, wide ones only with -o wide', async () => {
    // Prepare
    const path = await file('w-print.json', widget('w-print', { size: 3, color: 'red' }));
    // Act
    const applied = await kubectl.run(['apply', '-f', path]);
    const plain = await kubectl.run(['get', 'wdg']);
    const wide = await kubectl.run(['get', 'wdg', '-o', 'wide']);
    // Assess
    expect(applied.stdout).toContain('widget.test.metal3.io/w-print created');
    const [header, row] = plain.stdout.trim().split('\n');
    expect(header!.split(/\s+/)).toEqual(['NAME', 'SIZE', 'PHASE', 'READY', 'AGE']);
    expect(row).toMatch(/^w-print\s+3\s+\d+s$/);
    expect(wide.stdout.split('\n')[0]!.split(/\s+/)).toEqual(['NAME', 'SIZE', 'PHASE', 'READY', 'COLOR', 'AGE']);
    expect(wide.stdout).toMatch(/w-print\s+3\s+red\s+\d+s/);
  });

  it('patches only status through --subresource=status, and the columns follow', async () => {
    // Prepare
    await kubectl.run(['apply', '-f', await file('w-status.json', widget('w-status', { size: 4 }))]);
    // Act
    const patched = await kubectl.run(['patch', 'wdg', 'w-status', '--subresource=status', '--type=merge',
      '-p', JSON.stringify({ spec: { size: 50 }, status: { phase: 'Ready', conditions: [{ type: 'Ready', status: 'True' }] } })]);
    const smp = await kubectl.run(['patch', 'wdg', 'w-status', '--subresource=status', '-p', '{"status":{"phase":"x"}}']);
    const got = JSON.parse((await kubectl.run(['get', 'wdg', 'w-status', '-o', 'json'])).stdout);
    const row = await kubectl.run(['get', 'wdg', 'w-status', '--no-headers']);
    // Assess
    expect(patched.code).toBe(0);
    expect(got.spec.size).toBe(4);
    expect(got.status.phase).toBe('Ready');
    expect(got.metadata.generation).toBe(1);
    expect(row.stdout).toMatch(/^w-status\s+4\s+Ready\s+True\s+\d+s/);
    expect(smp.code).not.toBe(0);
    expect(smp.stderr).toContain('application/strategic-merge-patch+json is not supported');
  });

  it('streams a change to get -w', async () => {
    // Prepare
    await kubectl.run(['apply', '-f', await file('w-watch.json', widget('w-watch', { size: 5 }))]);
    const watch = kubectl.spawn(['get', 'wdg', 'w-watch', '-w', '--no-headers']);
    await eventually(() => /w-watch\s+5/.test(watch.output()));
    // Act
    await kubectl.run(['patch', 'wdg', 'w-watch', '--type=merge', '-p', '{"spec":{"size":6}}']);
    // Assess
    await eventually(() => /w-watch\s+6/.test(watch.output()));
    watch.child.kill();
  });

  it('keeps an object with a finalizer until the finalizer is removed', async () => {
    // Prepare
    await kubectl.run(['apply', '-f', await file('w-fin.json', widget('w-fin', { size: 2 }, { finalizers: ['test.metal3.io/hold'] }))]);
    // Act
    const del = await kubectl.run(['delete', 'wdg', 'w-fin', '--wait=false']);
    const marked = JSON.parse((await kubectl.run(['get', 'wdg', 'w-fin', '-o', 'json'])).stdout);
    const removed = await kubectl.run(['patch', 'wdg', 'w-fin', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
    const after = await kubectl.run(['get', 'wdg', 'w-fin']);
    // Assess
    expect(del.stdout).toContain('deleted');
    expect(marked.metadata.deletionTimestamp).toEqual(expect.any(String));
    expect(marked.metadata.finalizers).toEqual(['test.metal3.io/hold']);
    expect(removed.code).toBe(0);
    expect(after.code).not.toBe(0);
    expect(after.stderr).toContain('widgets.test.metal3.io "w-fin" not found');
  });

  it('deletes with the default --wait (field-selector list + watch until DELETED)', async () => {
    await kubectl.run(['apply', '-f', await file('w-del.json', widget('w-del', { size: 2 }))]);
    const del = await kubectl.run(['delete', 'wdg', 'w-del']);
    expect(del.code).toBe(0);
    expect((await kubectl.run(['get', 'wdg', 'w-del'])).code).not.toBe(0);
  });

  it('validates but does not store with apply --dry-run=server', async () => {
    const path = await file('w-dry.json', widget('w-dry', { size: 2 }));
    const dry = await kubectl.run(['apply', '--dry-run=server', '-f', path]);
    const get = await kubectl.run(['get', 'wdg', 'w-dry']);
    expect(dry.stdout).toContain('created (server dry run)');
    expect(get.stderr).toContain('not found');
  });

  it('rejects a schema violation with 422 Invalid naming each field', async () => {
    const path = await file('w-bad.json', widget('w-bad', { size: 0, color: 'pink' }));
    const out = await kubectl.run(['apply', '-f', path]);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('is invalid');
    expect(out.stderr).toMatch(/spec\.size: Invalid value: 0: spec\.size in body should be greater than or equal to 1/);
    expect(out.stderr).toMatch(/spec\.color: Unsupported value: "pink"/);
  });

  it('answers 409 Conflict to a replace carrying a stale resourceVersion', async () => {
    // Prepare
    await kubectl.run(['apply', '-f', await file('w-stale.json', widget('w-stale', { size: 2 }))]);
    const stale = await file('w-stale-read.json', (await kubectl.run(['get', 'wdg', 'w-stale', '-o', 'json'])).stdout);
    await kubectl.run(['patch', 'wdg', 'w-stale', '--type=merge', '-p', '{"spec":{"size":3}}']);
    // Act
    const out = await kubectl.run(['replace', '-f', stale]);
    // Assess
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('Error from server (Conflict)');
    expect(out.stderr).toContain('the object has been modified');
  });

  it('applies a Secret from stringData and reads it back base64-encoded', async () => {
    const path = await file('secret.json', JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bmc' }, stringData: { username: 'admin' } }));
    await kubectl.run(['apply', '-f', path]);
    const data = JSON.parse((await kubectl.run(['get', 'secret', 'bmc', '-o', 'jsonpath={.data}'])).stdout);
    expect(data).toEqual({ username: Buffer.from('admin').toString('base64') });
  });

  it('server-side applies, then removes a field the manager stopped sending', async () => {
    // Prepare
    await kubectl.run(['apply', '--server-side', '-f', await file('w-ssa.json', widget('w-ssa', { size: 2, color: 'blue' }))]);
    // Act
    const second = await kubectl.run(['apply', '--server-side', '-f', await file('w-ssa2.json', widget('w-ssa', { size: 3 }))]);
    const got = JSON.parse((await kubectl.run(['get', 'wdg', 'w-ssa', '-o', 'json'])).stdout);
    // Assess
    expect(second.stdout).toContain('serverside-applied');
    expect(got.spec).toEqual({ size: 3 });
  });
});
