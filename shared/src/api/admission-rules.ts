/**
 * @module api/admission-rules: upstream's BareMetalHost admission rules as CRD validation
 * rules (CEL `x-kubernetes-validations`), the one place they are written.
 *
 * crd.ts attaches each rule to the schema node named by `path`; the API server (and our
 * fixture) evaluates it with `self` = that node and, for transition rules, `oldSelf` = the
 * same node of the stored object. Rules CEL cannot say in a CRD are listed in
 * docs/admission.md with where they are enforced instead.
 */

export interface CrdValidationRule {
  rule: string;
  message: string;
  /** JSONPath-ish field the failure is reported on, relative to the node (`.spec.bmc.address`). */
  fieldPath?: string;
  /** Cause reason; the apiserver's default is FieldValueInvalid. */
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

/** Schema node the rule sits on: property names from the object root; '[]' steps into array items. */
export type SchemaNodePath = readonly string[];

export interface AdmissionRule extends CrdValidationRule {
  path: SchemaNodePath;
  /** The upstream webhook check this rule enforces, for docs and tests. */
  upstream: string;
}

const UUID = '^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$';
// url.ParseRequestURI: an absolute URI (scheme:...) or an absolute path, no whitespace
// the CEL literal holds `\\S` (an escaped backslash, the regex `\S`): a real apiserver refuses a bare `\S` (no such CEL escape)
const REQUEST_URI = '^([A-Za-z][A-Za-z0-9+.-]*:|/)\\\\S*$';

export const BAREMETALHOST_ADMISSION_RULES: readonly AdmissionRule[] = [
  {
    path: [],
    upstream: 'validateBMHName: name cannot be a UUID',
    rule: `!self.metadata.name.matches('${UUID}')`,
    // no fieldPath: a real apiserver accepts only paths into the schema, and metadata has none
    message: 'BareMetalHost resource name cannot be a UUID',
  },
  {
    path: [],
    upstream: 'validateChanges: BMC address immutable unless registering or detached',
    rule:
      "!has(oldSelf.spec) || !has(oldSelf.spec.bmc) || !has(oldSelf.spec.bmc.address) || oldSelf.spec.bmc.address == ''" +
      ' || (has(self.spec) && has(self.spec.bmc) && has(self.spec.bmc.address) && self.spec.bmc.address == oldSelf.spec.bmc.address)' +
      " || (has(self.status) && ((has(self.status.operationalStatus) && self.status.operationalStatus == 'detached')" +
      " || (has(self.status.provisioning) && has(self.status.provisioning.state) && self.status.provisioning.state == 'registering')))",
    message: 'BMC address can not be changed if the BMH is not in the Registering state, or if the BMH is not detached',
    fieldPath: '.spec.bmc.address',
  },
  {
    path: ['spec'],
    upstream: 'validateChanges: bootMACAddress immutable once set',
    rule: "!has(oldSelf.bootMACAddress) || oldSelf.bootMACAddress == '' || (has(self.bootMACAddress) && self.bootMACAddress == oldSelf.bootMACAddress)",
    message: 'bootMACAddress can not be changed once it is set',
    fieldPath: '.bootMACAddress',
  },
  {
    path: ['spec'],
    upstream: 'validateChanges: externallyProvisioned can not be changed',
    rule: '(has(self.externallyProvisioned) && self.externallyProvisioned) == (has(oldSelf.externallyProvisioned) && oldSelf.externallyProvisioned)',
    message: 'externallyProvisioned can not be changed',
    fieldPath: '.externallyProvisioned',
  },
  {
    path: ['spec'],
    upstream: 'validatePowerStatus: disablePowerOff with online false',
    rule: '!has(self.disablePowerOff) || !self.disablePowerOff || (has(self.online) && self.online)',
    message: "node can't simultaneously have online set to false and have power off disabled",
    fieldPath: '.disablePowerOff',
  },
  {
    path: ['spec', 'raid'],
    upstream: 'validateRAID: hardware and software RAID exclusive',
    rule:
      // a list compared with null does not type-check on a real apiserver
      '!has(self.hardwareRAIDVolumes) || size(self.hardwareRAIDVolumes) == 0' +
      ' || !has(self.softwareRAIDVolumes) || size(self.softwareRAIDVolumes) == 0',
    message: 'hardwareRAIDVolumes and softwareRAIDVolumes can not be set at the same time',
  },
  {
    path: ['spec', 'raid', 'hardwareRAIDVolumes', '[]'],
    upstream: 'validateRAID: physicalDisks without controller',
    rule: "!has(self.physicalDisks) || size(self.physicalDisks) == 0 || (has(self.controller) && self.controller != '')",
    message: "'physicalDisks' specified without 'controller' in hardware RAID volume",
  },
  {
    path: ['spec', 'raid', 'hardwareRAIDVolumes', '[]'],
    upstream: 'validateRAID: numberOfPhysicalDisks differs from len(physicalDisks)',
    rule: '!has(self.numberOfPhysicalDisks) || !has(self.physicalDisks) || size(self.physicalDisks) == 0 || self.numberOfPhysicalDisks == size(self.physicalDisks)',
    message: "the 'numberOfPhysicalDisks' and number of 'physicalDisks' is not same",
  },
  {
    path: ['spec', 'rootDeviceHints'],
    upstream: 'validateRootDeviceHints: deviceName under /dev/ or /dev/disk/by-path/',
    rule: "!has(self.deviceName) || self.deviceName == '' || self.deviceName.matches('^/dev/(disk/by-path/)?[^/]*$')",
    message: 'device name of root device hint must be path in /dev/ or /dev/disk/by-path/',
    fieldPath: '.deviceName',
  },
  {
    path: ['spec', 'image'],
    upstream: 'validateImageURL: url.ParseRequestURI',
    rule: `self.url.matches('${REQUEST_URI}')`,
    message: 'image URL is invalid',
    fieldPath: '.url',
  },
];

/** The `x-kubernetes-validations` entries for one node, in rule order (reason omitted when default). */
export function crdValidationsAt(rules: readonly AdmissionRule[], path: SchemaNodePath): CrdValidationRule[] {
  return rules
    .filter((r) => r.path.join('/') === path.join('/'))
    .map(({ rule, message, fieldPath, reason }) => ({ rule, message, ...(fieldPath ? { fieldPath } : {}), ...(reason ? { reason } : {}) }));
}

/** Attaches every rule to its node of `openAPIV3Schema` (mutates and returns it). */
export function attachValidations(root: Record<string, unknown>, rules: readonly AdmissionRule[]): Record<string, unknown> {
  const paths = new Map(rules.map((r) => [r.path.join('/'), r.path]));
  for (const path of paths.values()) {
    let node = root;
    for (const step of path) {
      const next = step === '[]' ? node.items : (node.properties as Record<string, unknown> | undefined)?.[step];
      if (typeof next !== 'object' || next === null) throw new Error(`admission rule path ${path.join('.')} is not in the schema`);
      node = next as Record<string, unknown>;
    }
    node['x-kubernetes-validations'] = crdValidationsAt(rules, path);
  }
  return root;
}

// ---- ValidatingAdmissionPolicy ---------------------------------------------------
// CRD rules cannot see metadata.namespace or annotations; a ValidatingAdmissionPolicy can
// (same CEL, evaluated by the API server), so the rules that need them live here.

export interface PolicyValidation {
  expression: string;
  message: string;
  /** Forbidden → 403, Invalid (default) → 422, as the apiserver maps them. */
  reason?: 'Forbidden' | 'Invalid';
  upstream: string;
}

const ANNOTATIONS = 'object.metadata.annotations';
const annotation = (key: string) => `(has(${ANNOTATIONS}) && '${key}' in ${ANNOTATIONS} ? ${ANNOTATIONS}['${key}'] : '')`;
const sameNamespaceRef = (field: string): PolicyValidation => ({
  expression: `!has(object.spec) || !has(object.spec.${field}) || !has(object.spec.${field}.namespace) || object.spec.${field}.namespace == '' || object.spec.${field}.namespace == object.metadata.namespace`,
  message: `${field}: cross-namespace Secret references are not allowed`,
  reason: 'Forbidden',
  upstream: `validateCrossNamespaceSecretReferences: ${field}`,
});

export const BAREMETALHOST_POLICY_VALIDATIONS: readonly PolicyValidation[] = [
  sameNamespaceRef('userData'),
  sameNamespaceRef('networkData'),
  sameNamespaceRef('metaData'),
  {
    expression: `${annotation('inspect.metal3.io')} in ['', 'disabled']`,
    message: 'invalid value for the inspect.metal3.io annotation, allowed are "disabled" or ""',
    upstream: 'validateInspectAnnotation',
  },
  {
    expression:
      `${annotation('inspect.metal3.io/hardwaredetails')} == '' || ${annotation('inspect.metal3.io')} == 'disabled'` +
      " || (has(object.spec) && has(object.spec.inspectionMode) && object.spec.inspectionMode == 'disabled')",
    message: 'when hardware details are provided, inspection must be disabled (either via inspect.metal3.io annotation or inspectionMode field)',
    upstream: 'validateHwdDetailsAnnotation: inspection disabled',
  },
  {
    expression:
      `${annotation('inspect.metal3.io')} != 'disabled' || !has(object.spec) || !has(object.spec.inspectionMode)` +
      " || object.spec.inspectionMode == '' || object.spec.inspectionMode == 'disabled'",
    message: 'inspect.metal3.io annotation and inspectionMode field have contradicting values',
    upstream: 'inspect annotation and inspectionMode consistent',
  },
];

export const POLICY_NAME = 'baremetalhost-admission.metal3.io';

/** The ValidatingAdmissionPolicy and its binding (Deny) for BareMetalHost create and update. */
export function buildAdmissionPolicy(validations: readonly PolicyValidation[] = BAREMETALHOST_POLICY_VALIDATIONS): object[] {
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: POLICY_NAME },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [{ apiGroups: ['metal3.io'], apiVersions: ['v1alpha1'], operations: ['CREATE', 'UPDATE'], resources: ['baremetalhosts'] }],
        },
        validations: validations.map(({ expression, message, reason }) => ({ expression, message, ...(reason ? { reason } : {}) })),
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: POLICY_NAME },
      spec: { policyName: POLICY_NAME, validationActions: ['Deny'] },
    },
  ];
}
