/**
 * Generated manifests: schema-valid offline, committed output up to date,
 * kustomize layout complete.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Trigger } from '@kubernetes-models/knative/eventing.knative.dev/v1/Trigger';
import { Service as KnativeService } from '@kubernetes-models/knative/serving.knative.dev/v1/Service';
import { buildBase, buildPersistent, CRD_FILES, renderManifests } from './render.ts';
import type { Manifest } from './render.ts';
import { buildTrigger } from './eventing.ts';
import { buildFunctionService } from './serving.ts';
import { withDefaults } from './options.ts';
import { EventType } from '../../../events/src/types.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const all = (): Manifest[] => Object.values(buildBase()).flat();

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('generated manifests', () => {
  it('validates every object against its schema (kubernetes-models and @kubernetes-models/knative)', () => {
    // Prepare
    const objects = all();
    // Act
    const failures = objects.flatMap((o) => {
      const v = (o as { validate?: () => void }).validate;
      if (typeof v !== 'function') return [`${o.kind}/${o.metadata?.name}: no schema model`];
      try { v.call(o); return []; } catch (e) { return [`${o.kind}/${o.metadata?.name}: ${(e as Error).message}`]; }
    });
    // Assess
    expect(objects.length).toBeGreaterThan(25);
    expect(failures).toEqual([]);
  });

  it('rejects a Trigger with a malformed delivery when validated (the check can fail)', () => {
    // Prepare
    const good = buildTrigger(EventType.enroll, withDefaults()).toJSON() as Record<string, unknown>;
    const spec = good.spec as { delivery: Record<string, unknown> };
    const bad = new Trigger({ ...good, spec: { ...spec, delivery: { ...spec.delivery, retry: 'eight' } } } as never);
    // Act + Assess
    expect(() => bad.validate()).toThrow(/retry must be integer/);
  });

  it('rejects a Knative Service whose containerConcurrency is not an integer', () => {
    const good = buildFunctionService('power', withDefaults()).toJSON() as { spec: { template: { spec: Record<string, unknown> } } };
    const bad = new KnativeService({ ...good, spec: { template: { ...good.spec.template, spec: { ...good.spec.template.spec, containerConcurrency: 'ten' } } } } as never);
    expect(() => bad.validate()).toThrow(/containerConcurrency must be integer/);
  });

  it('gives every object apiVersion, kind, a DNS-1123 name and a namespace unless cluster-scoped', () => {
    const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);
    // Roles and their bindings live where the hosts are; everything else in the operator's namespace
    const inHostNamespace = new Set(['Role', 'RoleBinding']);
    for (const o of [...all(), ...Object.values(buildPersistent()).flat()]) {
      const j = (o.toJSON ? o.toJSON() : o) as { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } };
      expect(j.apiVersion).toMatch(/^([a-z0-9.-]+\/)?v[0-9a-z]+$/);
      expect(j.kind).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(j.metadata?.name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
      if (clusterScoped.has(j.kind!)) expect(j.metadata?.namespace).toBeUndefined();
      else expect(j.metadata?.namespace).toBe(inHostNamespace.has(j.kind!) ? 'metal3-hosts' : 'metal3');
    }
  });

  it('matches the committed files when regenerated (run `npm run manifests` after a change)', () => {
    // Prepare
    const rendered = renderManifests();
    // Act
    const stale = Object.entries(rendered).filter(([rel, text]) => {
      try { return readFileSync(join(ROOT, rel), 'utf8') !== text; } catch { return true; }
    }).map(([rel]) => rel);
    // Assess
    expect(stale).toEqual([]);
  });

  it.each(['base', 'crds', 'persistent'])('lists every file under manifests/%s in its kustomization, and nothing else', (dir) => {
    // Prepare
    const text = readFileSync(join(ROOT, 'manifests', dir, 'kustomization.yaml'), 'utf8');
    const listed = [...text.matchAll(/^- (\S+)$/gm)].map((m) => m[1]);
    const root = join(ROOT, 'manifests', dir);
    // Act
    const onDisk = filesUnder(root).map((p) => relative(root, p)).filter((p) => p.endsWith('.yaml') && p !== 'kustomization.yaml');
    // Assess
    expect([...listed].sort()).toEqual([...onDisk].sort());
    if (dir === 'crds') expect(listed).toEqual([...CRD_FILES]);
  });

  it('keeps what an uninstall must not delete out of the operator\'s kustomization', () => {
    // Prepare
    const kindsIn = (files: Record<string, Manifest[]>) => Object.values(files).flat().map((m) => (m.toJSON ? m.toJSON() : m) as { kind: string; metadata: { name: string } });
    // Act
    const base = kindsIn(buildBase());
    const persistent = kindsIn(buildPersistent());
    // Assess: no CRD, Namespace or PVC in base; both namespaces and Ironic's claim in persistent
    expect(base.filter((o) => ['CustomResourceDefinition', 'Namespace', 'PersistentVolumeClaim', 'ValidatingAdmissionPolicy'].includes(o.kind))).toEqual([]);
    expect(persistent.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Namespace/metal3', 'Namespace/metal3-hosts', 'PersistentVolumeClaim/ironic-state']);
    const overlay = readFileSync(join(ROOT, 'manifests/overlays/dev/kustomization.yaml'), 'utf8');
    expect([...overlay.matchAll(/^resources:\n((?:- .*\n)+)/gm)].map((m) => m[1]!.trim())).toEqual(['- ../../base']);
  });

  it('puts hosts in a namespace of their own, which the watcher watches and the Roles cover', () => {
    const objects = all().map((m) => (m.toJSON ? m.toJSON() : m) as { kind: string; metadata: { namespace?: string }; spec?: any });
    const watcher = objects.find((o) => o.kind === 'ContainerSource')!;
    const env = watcher.spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>;
    expect(env.find((e) => e.name === 'WATCH_NAMESPACE')?.value).toBe('metal3-hosts');
    expect(new Set(objects.filter((o) => o.kind === 'Role').map((o) => o.metadata.namespace))).toEqual(new Set(['metal3-hosts']));
    // all namespaces: ClusterRoles, no WATCH_NAMESPACE, no hosts' namespace created
    expect(buildPersistent({ hostNamespace: '' })['namespaces.yaml']!.map((n) => n.metadata?.name)).toEqual(['metal3']);
  });
});
