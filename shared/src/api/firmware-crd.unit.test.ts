/**
 * The firmware CRDs against upstream's (config/base/crds/bases/metal3.io_{hostfirmwaresettings,
 * firmwareschemas,hostfirmwarecomponents,hostupdatepolicies}.yaml, controller-gen 0.16), field
 * path by field path: the facts below were written down by hand from those files.
 */
import { describe, expect, it } from '@jest/globals';
import {
  buildFirmwareSchemaCrd, buildHostFirmwareComponentsCrd, buildHostFirmwareSettingsCrd, buildHostUpdatePolicyCrd,
  type CustomResourceDefinition,
} from './crd.ts';
import { FirmwareSchemaSpecSchema, HostFirmwareSettingsSpecSchema, HostUpdatePolicySpecSchema } from './firmware.ts';

type Node = { type?: string; properties?: Record<string, Node>; items?: Node; additionalProperties?: Node; required?: string[]; enum?: string[]; anyOf?: Node[]; 'x-kubernetes-int-or-string'?: boolean };

/** path → type under spec and status; `{}` steps into a map's values, `[]` into array items. */
function flatten(node: Node, path: string, out: Record<string, string> = {}): Record<string, string> {
  out[path] = node.type ?? (node['x-kubernetes-int-or-string'] ? 'int-or-string' : 'any');
  for (const [k, child] of Object.entries(node.properties ?? {})) flatten(child, `${path}.${k}`, out);
  if (node.items) flatten(node.items, `${path}[]`, out);
  if (node.additionalProperties) flatten(node.additionalProperties, `${path}{}`, out);
  return out;
}
const rootOf = (crd: CustomResourceDefinition): Node => crd.spec.versions[0]!.schema.openAPIV3Schema as Node;
const CONDITION = ['', '.lastTransitionTime', '.message', '.observedGeneration', '.reason', '.status', '.type'];
const conditions = (prefix: string) => Object.fromEntries(CONDITION.map((c) => [`${prefix}[]${c}`, c === '' ? 'object' : c === '.observedGeneration' ? 'integer' : 'string']));

const UPSTREAM: Record<string, { crd: CustomResourceDefinition; names: Record<string, unknown>; statusSubresource: boolean; paths: Record<string, string> }> = {
  HostFirmwareSettings: {
    crd: buildHostFirmwareSettingsCrd(),
    names: { kind: 'HostFirmwareSettings', listKind: 'HostFirmwareSettingsList', plural: 'hostfirmwaresettings', singular: 'hostfirmwaresettings', shortNames: ['hfs'] },
    statusSubresource: true,
    paths: {
      spec: 'object', 'spec.settings': 'object', 'spec.settings{}': 'int-or-string',
      status: 'object', 'status.conditions': 'array', ...conditions('status.conditions'), 'status.lastUpdated': 'string',
      'status.schema': 'object', 'status.schema.name': 'string', 'status.schema.namespace': 'string',
      'status.settings': 'object', 'status.settings{}': 'string',
    },
  },
  FirmwareSchema: {
    crd: buildFirmwareSchemaCrd(),
    names: { kind: 'FirmwareSchema', listKind: 'FirmwareSchemaList', plural: 'firmwareschemas', singular: 'firmwareschema' },
    statusSubresource: false,
    paths: {
      spec: 'object', 'spec.hardwareModel': 'string', 'spec.hardwareVendor': 'string', 'spec.schema': 'object', 'spec.schema{}': 'object',
      'spec.schema{}.allowableValues': 'array', 'spec.schema{}.allowableValues[]': 'string', 'spec.schema{}.attributeType': 'string',
      'spec.schema{}.lowerBound': 'integer', 'spec.schema{}.upperBound': 'integer', 'spec.schema{}.minLength': 'integer',
      'spec.schema{}.maxLength': 'integer', 'spec.schema{}.readOnly': 'boolean', 'spec.schema{}.unique': 'boolean',
    },
  },
  HostFirmwareComponents: {
    crd: buildHostFirmwareComponentsCrd(),
    names: { kind: 'HostFirmwareComponents', listKind: 'HostFirmwareComponentsList', plural: 'hostfirmwarecomponents', singular: 'hostfirmwarecomponents' },
    statusSubresource: true,
    paths: {
      spec: 'object', 'spec.updates': 'array', 'spec.updates[]': 'object', 'spec.updates[].component': 'string', 'spec.updates[].url': 'string',
      status: 'object', 'status.components': 'array', 'status.components[]': 'object', 'status.components[].component': 'string',
      'status.components[].currentVersion': 'string', 'status.components[].initialVersion': 'string',
      'status.components[].lastVersionFlashed': 'string', 'status.components[].updatedAt': 'string',
      'status.conditions': 'array', ...conditions('status.conditions'), 'status.lastUpdated': 'string',
      'status.updates': 'array', 'status.updates[]': 'object', 'status.updates[].component': 'string', 'status.updates[].url': 'string',
    },
  },
  HostUpdatePolicy: {
    crd: buildHostUpdatePolicyCrd(),
    names: { kind: 'HostUpdatePolicy', listKind: 'HostUpdatePolicyList', plural: 'hostupdatepolicies', singular: 'hostupdatepolicy' },
    statusSubresource: true,
    paths: { spec: 'object', 'spec.firmwareSettings': 'string', 'spec.firmwareUpdates': 'string', status: 'object' },
  },
};

describe('firmware CRDs', () => {
  it.each(Object.entries(UPSTREAM))('%s has upstream\'s names, scope and status subresource', (_kind, { crd, names, statusSubresource }) => {
    // Assess
    expect(crd.metadata.name).toBe(`${names.plural as string}.metal3.io`);
    expect(crd.spec.names).toEqual(names);
    expect(crd.spec.scope).toBe('Namespaced');
    expect(crd.spec.versions.map((v) => v.name)).toEqual(['v1alpha1']);
    expect(crd.spec.versions[0]!.subresources !== undefined).toBe(statusSubresource);
  });

  it.each(Object.entries(UPSTREAM))('%s has every upstream field path with upstream\'s type, and no other', (_kind, { crd, paths }) => {
    // Prepare
    const root = rootOf(crd);
    const ours = { ...flatten(root.properties!.spec!, 'spec'), ...(root.properties!.status?.properties || paths.status ? flatten(root.properties!.status ?? {}, 'status') : {}) };
    if (!paths.status) delete ours.status;
    if (ours.status === 'any') ours.status = 'object';
    // Assess
    expect(ours).toEqual(paths);
  });

  it('requires what upstream requires', () => {
    // Prepare
    const hfs = rootOf(buildHostFirmwareSettingsCrd()).properties!;
    const schema = rootOf(buildFirmwareSchemaCrd()).properties!;
    const hfc = rootOf(buildHostFirmwareComponentsCrd()).properties!;
    // Assess
    expect(hfs.spec!.required).toEqual(['settings']);
    expect(hfs.status!.required).toEqual(['settings']);
    expect(schema.spec!.required).toEqual(['schema']);
    expect(hfc.spec!.required).toEqual(['updates']);
    expect(hfc.status!.properties!.components!.items!.required).toEqual(['component', 'initialVersion']);
    expect(hfc.spec!.properties!.updates!.items!.required).toEqual(['component', 'url']);
  });

  it('limits attributeType and the update policies to upstream\'s enums', () => {
    // Prepare
    const schema = rootOf(buildFirmwareSchemaCrd()).properties!.spec!.properties!.schema!.additionalProperties!;
    const policy = rootOf(buildHostUpdatePolicyCrd()).properties!.spec!.properties!;
    // Assess
    expect(schema.properties!.attributeType!.enum).toEqual(['Enumeration', 'String', 'Integer', 'Boolean', 'Password']);
    expect(policy.firmwareSettings!.enum).toEqual(['onPreparing', 'onReboot']);
    expect(policy.firmwareUpdates!.enum).toEqual(['onPreparing', 'onReboot']);
  });

  it.each([
    ['an integer and a string setting', HostFirmwareSettingsSpecSchema, { settings: { ProcTurboMode: 'Enabled', NumaNodesPerSocket: 2 } }, true],
    ['a boolean setting (IntOrString has none)', HostFirmwareSettingsSpecSchema, { settings: { SriovGlobalEnable: true } }, false],
    ['a schema entry with bounds', FirmwareSchemaSpecSchema, { schema: { N: { attributeType: 'Integer', lowerBound: 1, upperBound: 8 } } }, true],
    ['an unknown attribute type', FirmwareSchemaSpecSchema, { schema: { N: { attributeType: 'Float' } } }, false],
    ['a policy onReboot', HostUpdatePolicySpecSchema, { firmwareSettings: 'onReboot' }, true],
    ['a policy "always"', HostUpdatePolicySpecSchema, { firmwareUpdates: 'always' }, false],
  ])('the zod schema takes %s: %s', (_case, schema, value, ok) => {
    // Act
    const parsed = schema.safeParse(value);
    // Assess
    expect(parsed.success).toBe(ok);
  });
});
