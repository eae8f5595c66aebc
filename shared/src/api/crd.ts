/**
 * @module api/crd: the CustomResourceDefinitions, built from the zod schemas.
 *
 * `npm run manifests` writes them to manifests/crds/ (scripts/generate-crds.ts);
 * test fixtures may use these objects directly.
 */
import { BAREMETALHOST_ADMISSION_RULES, type AdmissionRule, attachValidations } from './admission-rules.ts';
import { BareMetalHostSpecSchema, BareMetalHostStatusSchema } from './baremetalhost.ts';
import {
  API_GROUP,
  API_VERSION,
  AGE_ONLY_PRINTER_COLUMNS,
  HARDWARE_DATA_PRINTER_COLUMNS,
  HOST_CLAIM_PRINTER_COLUMNS,
  HOST_DEPLOY_POLICY_PRINTER_COLUMNS,
  HOST_PRINTER_COLUMNS,
  type PrinterColumn,
} from './constants.ts';
import {
  FirmwareSchemaSpecSchema, HostFirmwareComponentsSpecSchema, HostFirmwareComponentsStatusSchema,
  HostFirmwareSettingsSpecSchema, HostFirmwareSettingsStatusSchema, HostUpdatePolicySpecSchema,
} from './firmware.ts';
import { HardwareDataSpecSchema } from './hardwaredata.ts';
import { HostClaimSpecSchema, HostClaimStatusSchema, HostDeployPolicySpecSchema } from './hostclaim.ts';
import { type JsonSchema, toCrdSchema } from './to-crd-schema.ts';

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string };
  spec: {
    group: string;
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames?: string[] };
    scope: 'Namespaced';
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      schema: { openAPIV3Schema: JsonSchema };
      subresources?: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
    }[];
  };
}

interface CrdParts {
  kind: string;
  plural: string;
  shortNames: string[];
  description: string;
  properties: JsonSchema;
  required?: string[];
  printerColumns: readonly PrinterColumn[];
  statusSubresource: boolean;
  admissionRules?: readonly AdmissionRule[];
  /** Property paths typed as enums in TypeScript that the apiserver must accept as any string (as upstream). */
  openStrings?: readonly (readonly string[])[];
}

/** Removes `enum` from the node at `path` (property names from the root). */
function dropEnum(root: JsonSchema, path: readonly string[]): void {
  let node = root;
  for (const step of path) node = (node.properties as Record<string, JsonSchema>)[step]!;
  delete node.enum;
}

/** Printer columns as the apiserver stores them: keys in a fixed order, no priority 0. */
const toColumn = ({ name, type, jsonPath, description, priority }: PrinterColumn): PrinterColumn => ({
  name,
  type,
  jsonPath,
  description,
  ...(priority ? { priority } : {}),
});

function buildCrd(parts: CrdParts): CustomResourceDefinition {
  const openAPIV3Schema: JsonSchema = {
    description: parts.description,
    type: 'object',
    properties: {
      apiVersion: { type: 'string', description: 'Versioned schema of this representation of an object.' },
      kind: { type: 'string', description: 'REST resource this object represents.' },
      metadata: { type: 'object' },
      ...parts.properties,
    },
    ...(parts.required ? { required: parts.required } : {}),
  };
  if (parts.admissionRules) attachValidations(openAPIV3Schema, parts.admissionRules);
  for (const path of parts.openStrings ?? []) dropEnum(openAPIV3Schema, path);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${parts.plural}.${API_GROUP}` },
    spec: {
      group: API_GROUP,
      names: {
        kind: parts.kind,
        listKind: `${parts.kind}List`,
        plural: parts.plural,
        singular: parts.kind.toLowerCase(),
        ...(parts.shortNames.length > 0 ? { shortNames: parts.shortNames } : {}),
      },
      scope: 'Namespaced',
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema },
          ...(parts.statusSubresource ? { subresources: { status: {} } } : {}),
          additionalPrinterColumns: parts.printerColumns.map(toColumn),
        },
      ],
    },
  };
}

/** BareMetalHost: namespaced, short names bmh/bmhost, status subresource, upstream printer columns. */
export function buildBareMetalHostCrd(): CustomResourceDefinition {
  return buildCrd({
    kind: 'BareMetalHost',
    plural: 'baremetalhosts',
    shortNames: ['bmh', 'bmhost'],
    description: 'BareMetalHost is a physical host managed through its BMC: registration, inspection, provisioning and power.',
    properties: { spec: toCrdSchema(BareMetalHostSpecSchema), status: toCrdSchema(BareMetalHostStatusSchema) },
    printerColumns: HOST_PRINTER_COLUMNS,
    statusSubresource: true,
    admissionRules: BAREMETALHOST_ADMISSION_RULES,
    // upstream's provisioning.state is a plain string; our code still only writes the states it knows
    openStrings: [['status', 'provisioning', 'state']],
  });
}

/** HardwareData: the inspection inventory, short name hd, no status. */
export function buildHardwareDataCrd(): CustomResourceDefinition {
  return buildCrd({
    kind: 'HardwareData',
    plural: 'hardwaredata',
    shortNames: ['hd'],
    description: 'HardwareData holds the inspected hardware of the BareMetalHost with the same name.',
    properties: { spec: toCrdSchema(HardwareDataSpecSchema) },
    printerColumns: HARDWARE_DATA_PRINTER_COLUMNS,
    statusSubresource: false,
  });
}

/** HostClaim: a tenant's request for a host (upstream kind, no short names), status subresource. */
export function buildHostClaimCrd(): CustomResourceDefinition {
  return buildCrd({
    kind: 'HostClaim',
    plural: 'hostclaims',
    shortNames: [],
    description: 'HostClaim asks for a BareMetalHost of another namespace, chosen by labels and allowed by a HostDeployPolicy, to run an image; the tenant never sees the host or its BMC.',
    properties: { spec: toCrdSchema(HostClaimSpecSchema), status: toCrdSchema(HostClaimStatusSchema) },
    printerColumns: HOST_CLAIM_PRINTER_COLUMNS,
    statusSubresource: true,
  });
}

/** HostDeployPolicy: which claim namespaces may bind the hosts of the policy's namespace (upstream kind). */
export function buildHostDeployPolicyCrd(): CustomResourceDefinition {
  return buildCrd({
    kind: 'HostDeployPolicy',
    plural: 'hostdeploypolicies',
    shortNames: [],
    description: 'HostDeployPolicy lets HostClaims of the namespaces it names bind the BareMetalHosts of its own namespace.',
    properties: { spec: toCrdSchema(HostDeployPolicySpecSchema), status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
    printerColumns: HOST_DEPLOY_POLICY_PRINTER_COLUMNS,
    statusSubresource: true,
  });
}

/** HostFirmwareSettings: desired and actual BIOS settings of the host with the same name (upstream short name hfs). */
export function buildHostFirmwareSettingsCrd(): CustomResourceDefinition {
  return buildCrd({
    kind: 'HostFirmwareSettings',
    plural: 'hostfirmwaresettings',
    shortNames: ['hfs'],
    description: 'HostFirmwareSettings holds the desired and the current firmware (BIOS) settings of the BareMetalHost with the same name.',
    properties: { spec: toCrdSchema(HostFirmwareSettingsSpecSchema), status: toCrdSchema(HostFirmwareSettingsStatusSchema) },
    printerColumns: AGE_ONLY_PRINTER_COLUMNS('HostFirmwareSettings'),
    statusSubresource: true,
  });
}

/** FirmwareSchema: one BIOS attribute registry, shared by hosts with the same hardware; no status. */
export function buildFirmwareSchemaCrd(): CustomResourceDefinition {
  return buildCrd({
    kind: 'FirmwareSchema',
    plural: 'firmwareschemas',
    shortNames: [],
    description: 'FirmwareSchema describes the firmware settings of one kind of hardware: type, allowed values, bounds, read-only.',
    properties: { spec: toCrdSchema(FirmwareSchemaSpecSchema) },
    printerColumns: AGE_ONLY_PRINTER_COLUMNS('FirmwareSchema'),
    statusSubresource: false,
  });
}

/** HostFirmwareComponents: firmware updates asked for and the component versions of the host with the same name. */
export function buildHostFirmwareComponentsCrd(): CustomResourceDefinition {
  return buildCrd({
    kind: 'HostFirmwareComponents',
    plural: 'hostfirmwarecomponents',
    shortNames: [],
    description: 'HostFirmwareComponents lists the firmware updates asked for and the firmware versions of the BareMetalHost with the same name.',
    properties: { spec: toCrdSchema(HostFirmwareComponentsSpecSchema), status: toCrdSchema(HostFirmwareComponentsStatusSchema) },
    printerColumns: AGE_ONLY_PRINTER_COLUMNS('HostFirmwareComponents'),
    statusSubresource: true,
  });
}

/** HostUpdatePolicy: which changes may reach the provisioned host with the same name. */
export function buildHostUpdatePolicyCrd(): CustomResourceDefinition {
  return buildCrd({
    kind: 'HostUpdatePolicy',
    plural: 'hostupdatepolicies',
    shortNames: [],
    description: 'HostUpdatePolicy says which firmware changes may be applied to the provisioned BareMetalHost with the same name.',
    properties: { spec: toCrdSchema(HostUpdatePolicySpecSchema), status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
    printerColumns: AGE_ONLY_PRINTER_COLUMNS('HostUpdatePolicy'),
    statusSubresource: true,
  });
}

/** Every CRD the project installs, in manifest order. */
export function buildAllCrds(): CustomResourceDefinition[] {
  return [
    buildBareMetalHostCrd(), buildHardwareDataCrd(), buildHostClaimCrd(), buildHostDeployPolicyCrd(),
    buildHostFirmwareSettingsCrd(), buildFirmwareSchemaCrd(), buildHostFirmwareComponentsCrd(), buildHostUpdatePolicyCrd(),
  ];
}
