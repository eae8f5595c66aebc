import { describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadAllYaml } from '@kubernetes/client-node';
import { CRD_DIR, renderCrds } from '../../../scripts/generate-crds.ts';
import { buildBareMetalHostCrd, buildHardwareDataCrd, buildHostClaimCrd, buildHostDeployPolicyCrd, type CustomResourceDefinition } from './crd.ts';
import { toYaml, type JsonValue } from './yaml.ts';

type Node = { [key: string]: unknown };
const schemaOf = (crd: CustomResourceDefinition) => crd.spec.versions[0]!.schema.openAPIV3Schema;
const at = (node: Node, ...path: string[]): Node =>
  path.reduce<Node>((n, key) => ((n.properties as Node)[key] as Node), node);

/** Every node of a JSON Schema with its path, for structural-schema checks. */
function* walk(node: Node, path = '$'): Generator<[string, Node]> {
  yield [path, node];
  for (const [key, child] of Object.entries((node.properties as Record<string, Node> | undefined) ?? {})) yield* walk(child, `${path}.${key}`);
  if (node.items) yield* walk(node.items as Node, `${path}[]`);
  if (typeof node.additionalProperties === 'object' && node.additionalProperties) yield* walk(node.additionalProperties as Node, `${path}{}`);
}

describe('buildBareMetalHostCrd', () => {
  const crd = buildBareMetalHostCrd();

  it('declares the upstream names, scope, version and status subresource', () => {
    // Assess
    expect(crd.metadata.name).toBe('baremetalhosts.metal3.io');
    expect(crd.spec).toMatchObject({
      group: 'metal3.io',
      scope: 'Namespaced',
      names: { kind: 'BareMetalHost', listKind: 'BareMetalHostList', plural: 'baremetalhosts', singular: 'baremetalhost', shortNames: ['bmh', 'bmhost'] },
    });
    expect(crd.spec.versions).toHaveLength(1);
    expect(crd.spec.versions[0]).toMatchObject({ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } });
  });

  it('has the upstream printer columns, Status and BMC only in wide output', () => {
    // Act
    const columns = crd.spec.versions[0]!.additionalPrinterColumns.map((c) => [c.name, c.type, c.jsonPath, c.priority ?? 0]);
    // Assess
    expect(columns).toEqual([
      ['Status', 'string', '.status.operationalStatus', 1],
      ['State', 'string', '.status.provisioning.state', 0],
      ['Consumer', 'string', '.spec.consumerRef.name', 0],
      ['BMC', 'string', '.spec.bmc.address', 1],
      ['Online', 'string', '.spec.online', 0],
      ['Error', 'string', '.status.errorType', 0],
      ['Age', 'date', '.metadata.creationTimestamp', 0],
    ]);
  });

  it('requires what upstream requires', () => {
    // Prepare
    const root = schemaOf(crd) as Node;
    // Assess
    expect(at(root, 'spec').required).toEqual(['online']);
    expect(at(root, 'spec', 'bmc').required).toEqual(['address', 'credentialsName']);
    expect(at(root, 'spec', 'image').required).toEqual(['url']);
    expect([...(at(root, 'status').required as string[])].sort()).toEqual(
      ['errorCount', 'errorMessage', 'operationalStatus', 'poweredOn', 'provisioning', 'provisioningFailCount'].sort(),
    );
    expect([...(at(root, 'status', 'provisioning').required as string[])].sort()).toEqual(['ID', 'state']);
    expect(at(root, 'status', 'errorCount')).toMatchObject({ type: 'integer', default: 0 });
    expect(at(root, 'spec', 'automatedCleaningMode')).toMatchObject({ default: 'metadata', enum: ['metadata', 'disabled'] });
  });

  it('carries upstream enums, including inspectionMode fast and the servicing values', () => {
    // Prepare
    const root = schemaOf(crd) as Node;
    // Assess
    expect(at(root, 'spec', 'inspectionMode').enum).toEqual(['disabled', 'agent', 'fast']);
    expect(at(root, 'spec', 'bootMode').enum).toEqual(['UEFI', 'UEFISecureBoot', 'legacy']);
    expect(at(root, 'spec', 'image', 'format').enum).toEqual(['raw', 'qcow2', 'vdi', 'vmdk', 'live-iso']);
    expect(at(root, 'status', 'operationalStatus').enum).toContain('servicing');
    expect(at(root, 'status', 'errorType').enum).toContain('servicing error');
    // upstream types provisioning.state as a plain string: any value is accepted
    expect(at(root, 'status', 'provisioning', 'state')).toEqual(expect.objectContaining({ type: 'string' }));
    expect(at(root, 'status', 'provisioning', 'state').enum).toBeUndefined();
  });

  it('is a structural schema: typed nodes, no additionalProperties beside properties, flag-free patterns', () => {
    // Act
    const nodes = [...walk(schemaOf(crd) as Node)];
    // Assess
    expect(nodes.length).toBeGreaterThan(150);
    for (const [path, node] of nodes) {
      expect([path, typeof node.type]).toEqual([path, 'string']);
      if (node.properties !== undefined) expect([path, node.additionalProperties]).toEqual([path, undefined]);
      if (node.pattern !== undefined) expect(() => new RegExp(node.pattern as string)).not.toThrow();
      if (node.format === 'date-time') expect([path, node.pattern]).toEqual([path, undefined]);
      expect([path, node.maximum]).not.toEqual([path, Number.MAX_SAFE_INTEGER]);
      expect([path, Object.keys(node).some((k) => k.startsWith('x-metal3'))]).toEqual([path, false]);
    }
  });

  it('keeps no unknown fields anywhere: every object is typed, as upstream\'s', () => {
    // Prepare
    const root = schemaOf(crd) as Node;
    const preserving = [...walk(root)].filter(([, n]) => n['x-kubernetes-preserve-unknown-fields'] === true).map(([p]) => p);
    // Assess
    expect(preserving).toEqual([]);
  });

  it('accepts upper- and lower-case MACs with the same pattern zod uses', () => {
    // Prepare
    const pattern = new RegExp(at(schemaOf(crd) as Node, 'spec', 'bootMACAddress').pattern as string);
    // Assess
    expect(pattern.test('AA:bb:0C:dd:EE:0f')).toBe(true);
    expect(pattern.test('aa-bb-cc-dd-ee-ff')).toBe(false);
    expect(pattern.test('aa:bb:cc:dd:ee:ff:00')).toBe(false);
  });

  it('describes fields for kubectl explain', () => {
    // Assess
    expect(at(schemaOf(crd) as Node, 'spec', 'online').description).toMatch(/powered on/);
    expect(at(schemaOf(crd) as Node, 'spec', 'bmc', 'address').description).toMatch(/scheme selects the driver/);
  });
});

describe('buildHardwareDataCrd', () => {
  it('declares HardwareData with short name hd and spec.hardware', () => {
    // Act
    const crd = buildHardwareDataCrd();
    // Assess
    expect(crd.metadata.name).toBe('hardwaredata.metal3.io');
    expect(crd.spec.names).toMatchObject({ kind: 'HardwareData', plural: 'hardwaredata', shortNames: ['hd'] });
    expect(crd.spec.versions[0]!.subresources).toBeUndefined();
    const hardware = at(schemaOf(crd) as Node, 'spec', 'hardware');
    expect(Object.keys(hardware.properties as Node)).toEqual(['systemVendor', 'firmware', 'ramMebibytes', 'nics', 'storage', 'cpu', 'hostname']);
  });
});

describe('generated CRD manifests', () => {
  it('match the committed files in manifests/crds (run `npm run manifests` when this fails)', async () => {
    // Act
    const rendered = renderCrds();
    // Assess
    for (const [name, content] of Object.entries(rendered)) {
      const committed = await readFile(join(CRD_DIR, name), 'utf8').catch(() => '<missing>');
      expect([name, committed]).toEqual([name, content]);
    }
  });

  it.each([
    ['BareMetalHost', buildBareMetalHostCrd()],
    ['HardwareData', buildHardwareDataCrd()],
  ])('read back as the same %s CRD object through a YAML parser', (_kind, crd) => {
    // Prepare: wrapped, so the client's typed deserialiser leaves the CRD keys alone
    const text = toYaml({ doc: crd as unknown as JsonValue });
    // Act
    const [parsed] = loadAllYaml(text) as [{ doc: unknown }];
    // Assess
    expect(parsed.doc).toEqual(crd);
  });
});

describe('buildHostClaimCrd and buildHostDeployPolicyCrd', () => {
  const claim = buildHostClaimCrd();
  const policy = buildHostDeployPolicyCrd();

  it('declare upstream\'s names, namespaced, v1alpha1 with a status subresource', () => {
    // Assess
    expect(claim.metadata.name).toBe('hostclaims.metal3.io');
    expect(claim.spec.names).toEqual({ kind: 'HostClaim', listKind: 'HostClaimList', plural: 'hostclaims', singular: 'hostclaim' });
    expect(policy.metadata.name).toBe('hostdeploypolicies.metal3.io');
    expect(policy.spec.names).toEqual({ kind: 'HostDeployPolicy', listKind: 'HostDeployPolicyList', plural: 'hostdeploypolicies', singular: 'hostdeploypolicy' });
    for (const crd of [claim, policy]) {
      expect(crd.spec).toMatchObject({ group: 'metal3.io', scope: 'Namespaced' });
      expect(crd.spec.versions[0]).toMatchObject({ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } });
    }
  });

  it('carry upstream\'s claim fields: selector, image, data Secrets, power, consumerRef', () => {
    // Act
    const spec = at(schemaOf(claim), 'spec');
    const selector = at(spec, 'hostSelector');
    // Assess
    expect(Object.keys(spec.properties as Node)).toEqual(expect.arrayContaining(['online', 'poweredOn', 'image', 'userData', 'networkData', 'metaData', 'customDeploy', 'hostSelector', 'consumerRef', 'failureDomain']));
    expect(Object.keys(selector.properties as Node)).toEqual(['matchLabels', 'matchExpressions', 'inNamespace']);
    expect(at(selector, 'matchLabels')).toMatchObject({ type: 'object', additionalProperties: { type: 'string' } });
    expect((at(selector, 'matchExpressions').items as Node).required).toEqual(['key', 'operator']);
    expect(at(spec, 'image').required).toEqual(['url']);
    expect(at(schemaOf(claim), 'status', 'bareMetalHost').required).toEqual(['namespace', 'name']);
  });

  it('carry upstream\'s policy fields: names, nameMatches, hasLabels', () => {
    // Act
    const ns = at(schemaOf(policy), 'spec', 'hostClaimNamespaces');
    // Assess
    expect(Object.keys(ns.properties as Node)).toEqual(['names', 'nameMatches', 'hasLabels']);
    expect((at(ns, 'hasLabels').items as Node).required).toEqual(['name']);
  });

  it('are structural: no additionalProperties beside properties anywhere', () => {
    for (const crd of [claim, policy]) {
      for (const [path, node] of walk(schemaOf(crd))) {
        if (node.properties !== undefined) expect([path, node.additionalProperties]).toEqual([path, undefined]);
      }
    }
  });
});
