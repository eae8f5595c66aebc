/**
 * The catalogue, the Triggers, the Services, func.yaml and the RBAC all agree:
 * each event type has exactly one Trigger and one subscribing function, every
 * Role is exactly its row of the permission table.
 */
import { describe, expect, it } from '@jest/globals';
import { CATALOGUE_EVENT_TYPES, consumerOf } from '../../../events/src/types.ts';
import { TRANSITION_NAMES } from '../state-machine/states.ts';
import { buildAllTriggers } from './eventing.ts';
import { funcYamlOf, packageJsonOf, renderDockerfile, RUNTIME_OPTION_NAMES, WARM_COMPILE_CACHE_JS } from './function-files.ts';
import { COMPONENTS, FUNCTIONS, serviceAccountOf, serviceNameOf } from './names.ts';
import { withDefaults } from './options.ts';
import { isAllowed, Permissions } from './permissions.ts';
import type { Permission } from './permissions.ts';
import { buildRbac, rulesOf } from './rbac.ts';
import { buildAllFunctionServices } from './serving.ts';

const o = withDefaults();
const triggers = buildAllTriggers(o);
const services = buildAllFunctionServices(o);

describe('event wiring', () => {
  it.each(CATALOGUE_EVENT_TYPES.map((t) => ({ type: t })))('has exactly one Trigger for $type, subscribed by the function it names', ({ type }) => {
    // Act
    const matching = triggers.filter((t) => t.spec!.filter?.attributes?.type === type);
    // Assess
    expect(matching).toHaveLength(1);
    expect(matching[0]!.spec!.subscriber.ref).toEqual({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: serviceNameOf(consumerOf(type)) });
    expect(matching[0]!.spec!.broker).toBe('bmh');
  });

  it('filters every Trigger on exactly one attribute, a catalogue type', () => {
    for (const t of triggers) {
      expect(Object.keys(t.spec!.filter?.attributes ?? {})).toEqual(['type']);
      expect(CATALOGUE_EVENT_TYPES).toContain(t.spec!.filter!.attributes!.type);
    }
  });

  it('subscribes each function Service to exactly one Trigger (the external function, called directly by outside senders, to none), and only existing Services', () => {
    const names = services.map((s) => s.metadata!.name);
    for (const n of names) expect(triggers.filter((t) => t.spec!.subscriber.ref?.name === n)).toHaveLength(n === 'bmh-external' ? 0 : 1);
    for (const t of triggers) expect(names).toContain(t.spec!.subscriber.ref?.name);
  });

  it('retries with exponential backoff and dead-letters every Trigger', () => {
    for (const t of triggers) {
      expect(t.spec!.delivery).toMatchObject({ retry: 8, backoffPolicy: 'exponential', backoffDelay: 'PT1S' });
      expect(t.spec!.delivery?.deadLetterSink?.ref?.name).toBe('bmh-dead-letter');
    }
  });
});

describe('RBAC', () => {
  it.each(COMPONENTS.map((c) => ({ c })))('gives $c exactly its permission-table rows, bound to its ServiceAccount', ({ c }) => {
    // Act
    const [sa, role, binding, ...cluster] = buildRbac(c, o).map((x) => x.toJSON() as Record<string, any>);
    // Assess: the hosts' namespace rows in the Role, the all-namespaces rows in a ClusterRole
    expect(sa!.kind).toBe('ServiceAccount');
    expect(role!.kind).toBe('Role');
    const rule = (p: Permission) => ({ apiGroups: [p.apiGroup], resources: [p.resource], verbs: [...p.verbs] });
    const rows = Permissions[c] as readonly Permission[];
    expect(role!.rules).toEqual(rows.filter((p) => p.scope !== 'cluster').map(rule));
    expect(binding!.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role!.metadata.name });
    expect(binding!.subjects).toEqual([{ kind: 'ServiceAccount', name: serviceAccountOf(c), namespace: 'metal3' }]);
    const clusterRows = rows.filter((p) => p.scope === 'cluster').map(rule);
    expect(cluster.map((x) => x.kind)).toEqual(clusterRows.length > 0 ? ['ClusterRole', 'ClusterRoleBinding'] : []);
    if (clusterRows.length > 0) {
      expect(cluster[0]!.rules).toEqual(clusterRows);
      expect(cluster[1]!.subjects).toEqual([{ kind: 'ServiceAccount', name: serviceAccountOf(c), namespace: 'metal3' }]);
    }
  });

  it('never grants wildcards or updates, deletes only Secret copies (and HostClaims, for the external function\'s release requests); Secrets are read by the functions, written only as the claim function\'s copies, listed only by the watcher', () => {
    for (const c of COMPONENTS) {
      for (const r of rulesOf(c)) {
        expect([...r.verbs, ...(r.apiGroups ?? []), ...(r.resources ?? [])]).not.toContain('*');
        expect(r.verbs).not.toEqual(expect.arrayContaining(['update']));
        // the claim function deletes the copies of a tenant's data Secrets it made next to a released host
        // the external function deletes a HostClaim when a sender RBAC allows to do so asks for it
        if (!(c === 'claim' && r.resources?.includes('secrets')) && !(c === 'external' && r.resources?.join() === 'hostclaims')) expect(r.verbs).not.toEqual(expect.arrayContaining(['delete']));
      }
      // the watcher lists and watches Secrets' metadata only; no host function writes a Secret;
      // the claim function reads tenants' data Secrets (all namespaces) and writes copies (hosts' namespace)
      for (const scope of ['namespaced', 'cluster'] as const) {
        for (const r of rulesOf(c, scope)) {
          if (!r.resources?.includes('secrets')) continue;
          const expected = c === 'watcher' ? ['list', 'watch'] : c === 'claim' ? (scope === 'cluster' ? ['get'] : ['create', 'delete', 'patch']) : ['get'];
          expect([...r.verbs].sort()).toEqual(expected);
        }
      }
    }
  });

  it.each([
    { case: 'only enroll and deprovision patch the host (finalizers), plus inspect (annotations), claim (consumerRef, image, online, data) and external (an upstream annotation or online, for an allowed sender)', group: 'metal3.io', resource: 'baremetalhosts', verb: 'patch', allowed: ['enroll', 'inspect', 'deprovision', 'claim', 'external'] },
    { case: 'only the external function creates HostClaims (for an allowed sender)', group: 'metal3.io', resource: 'hostclaims', verb: 'create', allowed: ['external'] },
    { case: 'only inspect writes HardwareData', group: 'metal3.io', resource: 'hardwaredata', verb: 'create', allowed: ['inspect'] },
    { case: 'the watcher never reads Secrets', group: '', resource: 'secrets', verb: 'get', allowed: ['enroll', 'inspect', 'provision', 'power', 'deprovision', 'claim'] },
    { case: 'only the claim function patches Secrets (its own copies)', group: '', resource: 'secrets', verb: 'patch', allowed: ['claim'] },
    { case: 'only the claim function writes HostClaims', group: 'metal3.io', resource: 'hostclaims/status', verb: 'patch', allowed: ['claim'] },
    { case: 'the claim function never writes host status', group: 'metal3.io', resource: 'baremetalhosts/status', verb: 'patch', allowed: [...TRANSITION_NAMES] },
    { case: 'only the watcher lists and watches hosts', group: 'metal3.io', resource: 'baremetalhosts', verb: 'watch', allowed: ['watcher'] },
    { case: 'the watcher writes nothing', group: 'metal3.io', resource: 'baremetalhosts/status', verb: 'patch', allowed: [...TRANSITION_NAMES] },
  ])('$case', ({ group, resource, verb, allowed }) => {
    expect(COMPONENTS.filter((c) => isAllowed(c, group, resource, verb))).toEqual(allowed);
  });

  it('switches to ClusterRoles bound cluster-wide when every namespace is managed', () => {
    const kinds = buildRbac('power', withDefaults({ hostNamespace: '' })).map((x) => x.kind);
    expect(kinds).toEqual(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding']);
  });
});

describe('func.yaml, package.json and Dockerfile', () => {
  it.each(FUNCTIONS.map((fn) => ({ fn })))('agree with the Knative Service of $fn', ({ fn }) => {
    // Prepare
    const f = funcYamlOf(fn, o) as Record<string, any>;
    const svc = services.find((s) => s.metadata!.name === serviceNameOf(fn))!;
    const tpl = svc.spec!.template!;
    const container = tpl.spec!.containers[0]!;
    // Assess
    expect(f.name).toBe(svc.metadata!.name);
    expect(f.specVersion).toBe('0.36.0');
    expect(f.runtime).toBe('typescript');
    expect(f.deploy.serviceAccountName).toBe(tpl.spec!.serviceAccountName);
    expect(f.deploy.image).toBe(container.image);
    expect(String(f.deploy.options.scale.min)).toBe(tpl.metadata!.annotations!['autoscaling.knative.dev/min-scale']);
    expect(String(f.deploy.options.scale.max)).toBe(tpl.metadata!.annotations!['autoscaling.knative.dev/max-scale']);
    expect(f.deploy.options.resources.limits.concurrency).toBe(tpl.spec!.containerConcurrency);
    expect(f.deploy.healthEndpoints).toEqual({ liveness: container.livenessProbe!.httpGet!.path, readiness: container.readinessProbe!.httpGet!.path });
    expect(tpl.metadata!.annotations!['autoscaling.knative.dev/min-scale']).toBe('0');
  });

  it('has no top-level func.yaml key that faas-js-runtime would take as one of its options', () => {
    // the runtime spreads func.yaml over { port, logLevel, liveness, readiness, … }
    for (const fn of FUNCTIONS) {
      expect(Object.keys(funcYamlOf(fn, o)).filter((k) => (RUNTIME_OPTION_NAMES as readonly string[]).includes(k))).toEqual([]);
    }
  });

  it('makes faas-js-runtime the only runtime dependency of a function and none of the watcher', () => {
    for (const fn of FUNCTIONS) {
      const p = packageJsonOf(fn) as Record<string, any>;
      expect(p.type).toBe('module');
      expect(p.dependencies).toEqual({ 'faas-js-runtime': '4.0.1' });
      expect(p.devDependencies).toBeUndefined();
      expect(Object.keys(p.scripts).sort()).toEqual(['build', 'start']);
    }
    expect((packageJsonOf('watcher') as Record<string, any>).dependencies).toEqual({});
  });

  it.each([...FUNCTIONS, 'watcher' as const].map((c) => ({ c })))('renders a Node 24 slim, non-root, production-only Dockerfile for $c', ({ c }) => {
    const d = renderDockerfile(c);
    expect(d).toMatch(/^FROM node:24-slim$/m);
    expect(d).toMatch(/^USER 1000:1000$/m);
    expect(d).toMatch(/^COPY dist\/ \.\/dist\/$/m);
    // a function's bundle serves itself with our request limits (dist/main.cjs calls its serve())
    expect(d).toMatch(c === 'watcher' ? /^CMD \["node", "dist\/index.js"\]$/m : /^CMD \["node", "dist\/main.cjs"\]$/m);
    if (c !== 'watcher') {
      expect(d).toMatch(/npm ci --omit=dev/);
      // the compile cache is warmed after the bundle is in place, and used at run time
      expect(d).toMatch(/^ENV NODE_COMPILE_CACHE=\/app\/\.node-compile-cache$/m);
      expect(d.indexOf(`RUN node -e "${WARM_COMPILE_CACHE_JS}"`)).toBeGreaterThan(d.indexOf('COPY dist/'));
    }
    // USER comes after every step that needs root
    expect(d.indexOf('USER')).toBeGreaterThan(d.lastIndexOf('RUN '));
  });
});

describe('documented permissions', () => {
  it('docs/permissions.md is the table the Roles are built from, one row per Role rule', async () => {
    // Prepare
    const { readFileSync } = await import('node:fs');
    const { renderDocs } = await import('../../../scripts/generate-docs.ts');
    const committed = readFileSync(new URL('../../../docs/permissions.md', import.meta.url), 'utf8');
    // Assess: regenerate with `npm run docs` when this fails
    expect(committed).toBe(renderDocs()['permissions.md']);
    for (const c of COMPONENTS) {
      for (const rule of rulesOf(c)) {
        const group = rule.apiGroups![0] === '' ? 'core' : rule.apiGroups![0];
        expect(committed).toContain(`| \`${c}\` | \`${group}\` | \`${rule.resources![0]}\` | ${rule.verbs.join(', ')} |`);
      }
    }
  });
});
