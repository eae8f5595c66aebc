/**
 * The project's real BareMetalHost CRD on the fixture (or the KUBECONFIG cluster), driven by kubectl:
 * every sample applies under strict field validation, `get bmh` shows its printer columns, and a
 * schema violation answers 422 like the real server.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ClusterHandle, connectCluster } from '../cluster.ts';
import { type Kubectl, createKubectl, findKubectl } from './kubectl-runner.ts';
import { readSampleInto } from './manifests.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;
const CRDS = ['metal3.io_baremetalhosts.yaml', 'metal3.io_hardwaredata.yaml'].map((f) => join(ROOT, 'manifests/crds', f));
const SAMPLES = join(ROOT, 'manifests/samples');
const binary = findKubectl();
const suite = binary && CRDS.every((p) => existsSync(p)) ? describe : describe.skip;

suite('BareMetalHost CRD on the kube-api fixture', () => {
  let cluster: ClusterHandle;
  let kubectl: Kubectl;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bmh-crd-test-'));
    cluster = await connectCluster({ crds: CRDS, namespacePrefix: 'bmh' });
    kubectl = await createKubectl({ binary: binary!, kubeconfig: await cluster.kubeconfigPath(), namespace: cluster.namespace });
  });

  afterAll(async () => {
    await kubectl?.dispose();
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const samples = existsSync(SAMPLES) ? readdirSync(SAMPLES).filter((f) => f.endsWith('.yaml')) : [];
  it.each(samples)('applies sample %s with strict server-side validation', async (sample) => {
    const path = join(dir, sample);
    await writeFile(path, await readSampleInto(join(SAMPLES, sample), cluster.namespace));
    const out = await kubectl.run(['apply', '-f', path]);
    expect(out.stderr).toBe('');
    expect(out.stdout).toMatch(/baremetalhost\.metal3\.io\/\S+ (created|configured|unchanged)/);
  });

  it('lists hosts with the CRD printer columns', async () => {
    const out = await kubectl.run(['get', 'bmh']);
    const header = out.stdout.split('\n')[0]!.split(/\s{2,}/);
    expect(header[0]).toBe('NAME');
    expect(header).toContain('ONLINE');
    expect(header.at(-1)).toBe('AGE');
  });

  it('rejects a host whose spec.online is not a boolean with 422 Invalid', async () => {
    const path = join(dir, 'bad-bmh.json');
    await writeFile(path, JSON.stringify({ apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost', metadata: { name: 'bad' }, spec: { online: 'notabool' } }));
    const out = await kubectl.run(['apply', '-f', path]);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('spec.online: Invalid value: "string": spec.online in body must be of type boolean: "string"');
  });
});
