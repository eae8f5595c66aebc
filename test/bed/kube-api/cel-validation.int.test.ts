/**
 * Upstream's BareMetalHost admission rules, as CRD validation rules, enforced by the API fixture
 * over HTTP (client-node): one row per case of upstream's webhook tests that our CRD expresses,
 * each answered as the webhook would (accepted, or 422 Invalid with the rule's cause).
 */
import { AdmissionregistrationV1Api, ApiException, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { POLICY_NAME, buildAdmissionPolicy } from '../../../shared/src/api/admission-rules.ts';
import { buildBareMetalHostCrd } from '../../../shared/src/api/crd.ts';
import { type ClusterHandle, connectCluster } from '../cluster.ts';

interface Cause { reason: string; field?: string; message: string }
interface Status { kind: string; status: string; reason: string; code: number; message: string; details?: { name?: string; group?: string; kind?: string; causes?: Cause[] } }

async function outcome(p: Promise<unknown>): Promise<{ ok: true } | { ok: false; code: number; status: Status }> {
  try {
    await p;
    return { ok: true };
  } catch (e) {
    if (e instanceof ApiException) return { ok: false, code: e.code, status: JSON.parse(e.body as string) as Status };
    throw e;
  }
}

type Spec = Record<string, unknown>;
const CHECKSUM = 'be254ebfd73e66ca91f6d91f5050aa2ee1ec4813ee65ba472f608ed340cbff09';
/** A status the schema accepts, with the fields a row cares about. */
const status = (operationalStatus: string, state: string): Spec => ({
  operationalStatus, errorMessage: '', errorCount: 0, provisioningFailCount: 0, poweredOn: false, provisioning: { state, ID: '' },
});
const redfish = { address: 'redfish://127.0.0.1', credentialsName: 'test1' };

/** [upstream case, name, spec, expected cause (field, message) or null for accepted] */
const CREATE_ROWS: [string, string, Spec, { field: string; message: string } | null][] = [
  ['valid', 'test', { online: true }, null],
  ['validExternallyProvisioned', 'test', { online: true, externallyProvisioned: true }, null],
  ['invalidName2', '07564256-96ae-4315-ab03-8d34ece60fbb', { online: true }, { field: '<nil>', message: 'BareMetalHost resource name cannot be a UUID' }],
  ['invalidRAID', 'test', { online: true, raid: { hardwareRAIDVolumes: [{ level: '1' }], softwareRAIDVolumes: [{ level: '1' }] } },
    { field: 'spec.raid', message: 'hardwareRAIDVolumes and softwareRAIDVolumes can not be set at the same time' }],
  ["'physicalDisks' in HardwareRAID without 'controller'", 'test', { online: true, bmc: redfish, raid: { hardwareRAIDVolumes: [{ level: '1', physicalDisks: ['Disk-1', 'Disk-2'] }] } },
    { field: 'spec.raid.hardwareRAIDVolumes[0]', message: "'physicalDisks' specified without 'controller' in hardware RAID volume" }],
  ["'numberOfPhysicalDisks' not same as length of 'physicalDisks'", 'test',
    { online: true, bmc: redfish, raid: { hardwareRAIDVolumes: [{ level: '1', controller: 'Controller-1', physicalDisks: ['Disk-1', 'Disk-2'], numberOfPhysicalDisks: 3 }] } },
    { field: 'spec.raid.hardwareRAIDVolumes[0]', message: "the 'numberOfPhysicalDisks' and number of 'physicalDisks' is not same" }],
  ['numberOfPhysicalDisks equal to len(physicalDisks)', 'test',
    { online: true, bmc: redfish, raid: { hardwareRAIDVolumes: [{ level: '1', controller: 'Controller-1', physicalDisks: ['Disk-1', 'Disk-2'], numberOfPhysicalDisks: 2 }] } }, null],
  ['validRootDeviceHint', 'test', { online: true, rootDeviceHints: { deviceName: '/dev/sda' } }, null],
  ['validRootDeviceHintByPath', 'test', { online: true, rootDeviceHints: { deviceName: '/dev/disk/by-path/pci-0000:01:00.0-scsi-0:2:0:0' } }, null],
  ['invalidRootDeviceHintByUUID', 'test', { online: true, rootDeviceHints: { deviceName: '/dev/disk/by-uuid/cdaacd50-3a4c-421c-91c0-fe9ba7b8b2f1' } },
    { field: 'spec.rootDeviceHints.deviceName', message: 'device name of root device hint must be path in /dev/ or /dev/disk/by-path/' }],
  ['invalidRootDeviceHintNoPath', 'test', { online: true, rootDeviceHints: { deviceName: 'sda' } },
    { field: 'spec.rootDeviceHints.deviceName', message: 'device name of root device hint must be path in /dev/ or /dev/disk/by-path/' }],
  ['validImageURL', 'test', { online: true, image: { url: 'https://example.com/image', checksum: CHECKSUM } }, null],
  ['validImageLiveISO', 'test', { online: true, image: { url: 'https://example.com/image', format: 'live-iso' } }, null],
  ['invalidImageURL', 'test', { online: true, image: { url: 'test1', checksum: CHECKSUM } }, { field: 'spec.image.url', message: 'image URL is invalid' }],
  ['emptyImageURL', 'test', { online: true, image: { url: '', checksum: CHECKSUM } }, { field: 'spec.image.url', message: 'image URL is invalid' }],
  ['disablePowerOff', 'test', { online: true, disablePowerOff: true }, null],
  ['disablePowerOffErr', 'test', { online: false, disablePowerOff: true },
    { field: 'spec.disablePowerOff', message: "node can't simultaneously have online set to false and have power off disabled" }],
];

describe('BareMetalHost admission rules (CRD CEL) on the API fixture or the cluster KUBECONFIG names', () => {
  let cluster: ClusterHandle;
  let custom: CustomObjectsApi;
  let ns: string;
  let seq = 0;
  const where = () => ({ group: 'metal3.io', version: 'v1alpha1', plural: 'baremetalhosts', namespace: ns });
  const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  const body = (name: string, spec: Spec) => ({ apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost', metadata: { name }, spec });
  const create = (name: string, spec: Spec) => custom.createNamespacedCustomObject({ ...where(), body: body(name, spec) });
  const patchSpec = (name: string, spec: Spec) => custom.patchNamespacedCustomObject({ ...where(), name, body: { spec } }, merge);
  const patchStatus = (name: string, status: Spec) => custom.patchNamespacedCustomObjectStatus({ ...where(), name, body: { status } }, merge);

  beforeAll(async () => {
    cluster = await connectCluster({ crds: [buildBareMetalHostCrd()], namespacePrefix: 'cel' });
    ns = cluster.namespace;
    custom = cluster.kubeConfig().makeApiClient(CustomObjectsApi);
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it.each(CREATE_ROWS)('create: %s', async (_case, baseName, spec, wanted) => {
    // Prepare: unique names, except where the name is what is tested
    const name = baseName === 'test' ? `test-${++seq}` : baseName;
    // Act
    const got = await outcome(create(name, spec));
    // Assess
    if (wanted === null) {
      expect(got).toEqual({ ok: true });
      return;
    }
    expect(got.ok).toBe(false);
    if (got.ok) return;
    const cause = { reason: 'FieldValueInvalid', field: wanted.field, message: `Invalid value: "object": ${wanted.message}` };
    expect(got.code).toBe(422);
    expect(got.status).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Invalid', code: 422, details: { name, group: 'metal3.io', kind: 'BareMetalHost', causes: [cause] } });
    expect(got.status.message).toBe(`BareMetalHost.metal3.io "${name}" is invalid: ${cause.field}: ${cause.message}`);
  });

  /** [upstream case, stored spec, stored status, new spec, expected message or null] */
  const UPDATE_ROWS: [string, Spec, Spec | null, Spec, { field: string; message: string } | null][] = [
    ['updateAddress', { online: true, bmc: { address: 'ipmi://test-address', credentialsName: 'c' } }, null,
      { bmc: { address: 'ipmi://test-address-changed', credentialsName: 'c' } },
      { field: 'spec.bmc.address', message: 'BMC address can not be changed if the BMH is not in the Registering state, or if the BMH is not detached' }],
    ['updateAddressBMHRegistering', { online: true, bmc: { address: 'ipmi://test-address', credentialsName: 'c' } }, status('OK', 'registering'),
      { bmc: { address: 'ipmi://test-address-changed', credentialsName: 'c' } }, null],
    ['updateAddressBMHDetached', { online: true, bmc: { address: 'ipmi://test-address', credentialsName: 'c' } }, status('detached', 'provisioned'),
      { bmc: { address: 'ipmi://test-address-changed', credentialsName: 'c' } }, null],
    ['setAddressWhenEmpty', { online: true }, null, { bmc: { address: 'ipmi://test-address', credentialsName: 'c' } }, null],
    ['updateBootMAC', { online: true, bootMACAddress: '00:00:00:00:00:00' }, null, { bootMACAddress: '00:00:00:00:00:01' },
      { field: 'spec.bootMACAddress', message: 'bootMACAddress can not be changed once it is set' }],
    ['removeBootMAC', { online: true, bootMACAddress: '00:00:00:00:00:00' }, null, { bootMACAddress: null },
      { field: 'spec.bootMACAddress', message: 'bootMACAddress can not be changed once it is set' }],
    ['setBootMACWhenEmpty', { online: true }, null, { bootMACAddress: '00:00:00:00:00:01' }, null],
    ['updateExternallyProvisioned', { online: true }, null, { externallyProvisioned: true },
      { field: 'spec.externallyProvisioned', message: 'externallyProvisioned can not be changed' }],
    ['clearExternallyProvisioned', { online: true, externallyProvisioned: true }, null, { externallyProvisioned: false },
      { field: 'spec.externallyProvisioned', message: 'externallyProvisioned can not be changed' }],
    ['unrelatedChangeKeepsImmutables', { online: true, bootMACAddress: '00:00:00:00:00:00', externallyProvisioned: true }, null, { online: false }, null],
  ];

  it.each(UPDATE_ROWS)('update: %s', async (_case, storedSpec, storedStatus, change, wanted) => {
    // Prepare
    const name = `upd-${++seq}`;
    await create(name, storedSpec);
    if (storedStatus) await patchStatus(name, storedStatus);
    // Act
    const got = await outcome(patchSpec(name, change));
    // Assess
    if (wanted === null) {
      expect(got).toEqual({ ok: true });
      return;
    }
    expect(got.ok).toBe(false);
    if (got.ok) return;
    expect(got.code).toBe(422);
    expect(got.status.reason).toBe('Invalid');
    expect(got.status.details?.causes).toEqual([{ reason: 'FieldValueInvalid', field: wanted.field, message: `Invalid value: "object": ${wanted.message}` }]);
  });

  it('evaluates transition rules on a full replace (PUT) as on patch, and lets a status write through', async () => {
    // Prepare
    const name = `put-${++seq}`;
    const created = (await create(name, { online: true, bootMACAddress: '00:00:00:00:00:00' })) as { metadata: Record<string, unknown>; spec: Spec };
    // Act
    const replaced = await outcome(custom.replaceNamespacedCustomObject({ ...where(), name, body: { ...created, spec: { ...created.spec, bootMACAddress: '00:00:00:00:00:02' } } }));
    const statusWrite = await outcome(patchStatus(name, status('OK', 'registering')));
    // Assess
    expect(replaced.ok).toBe(false);
    if (!replaced.ok) expect(replaced.status.details?.causes?.[0]?.field).toBe('spec.bootMACAddress');
    expect(statusWrite).toEqual({ ok: true });
  });

  describe('with the generated ValidatingAdmissionPolicy installed', () => {
    const HW = JSON.stringify({ cpu: { arch: 'x86_64', count: 4 }, ramMebibytes: 4096 });
    /** [upstream case, annotations, spec, expected: null (accepted) or [code, reason, message]] */
    const POLICY_ROWS: [string, Record<string, string>, Spec, [number, string, string] | null][] = [
      ['crossNamespaceUserData', {}, { online: true, userData: { name: 'test-secret', namespace: 'different-namespace' } },
        [403, 'Forbidden', 'userData: cross-namespace Secret references are not allowed']],
      ['crossNamespaceNetworkData', {}, { online: true, networkData: { name: 'test-secret', namespace: 'different-namespace' } },
        [403, 'Forbidden', 'networkData: cross-namespace Secret references are not allowed']],
      ['crossNamespaceMetaData', {}, { online: true, metaData: { name: 'test-secret', namespace: 'different-namespace' } },
        [403, 'Forbidden', 'metaData: cross-namespace Secret references are not allowed']],
      ['multipleSecretsCrossNamespace', {}, {
        online: true,
        userData: { name: 's1', namespace: 'different-namespace1' },
        networkData: { name: 's2', namespace: 'different-namespace2' },
        metaData: { name: 's3', namespace: 'different-namespace3' },
      }, [403, 'Forbidden', 'userData: cross-namespace Secret references are not allowed']],
      ['sameNamespaceSecrets', {}, { online: true, userData: { name: 's1', namespace: '$NS' }, networkData: { name: 's2', namespace: '$NS' }, metaData: { name: 's3', namespace: '$NS' } }, null],
      ['secretWithoutNamespace', {}, { online: true, userData: { name: 's1' } }, null],
      ['invalidValueInspectAnnotation', { 'inspect.metal3.io': 'enabled' }, { online: true },
        [422, 'Invalid', 'invalid value for the inspect.metal3.io annotation, allowed are "disabled" or ""']],
      ['inspectionNotDisabledHardwareDetailsAnnotation', { 'inspect.metal3.io/hardwaredetails': HW }, { online: true },
        [422, 'Invalid', 'when hardware details are provided, inspection must be disabled (either via inspect.metal3.io annotation or inspectionMode field)']],
      ['hardwareDetailsWithInspectAnnotationDisabled', { 'inspect.metal3.io': 'disabled', 'inspect.metal3.io/hardwaredetails': HW }, { online: true }, null],
      ['hardwareDetailsWithInspectionModeDisabled', { 'inspect.metal3.io/hardwaredetails': HW }, { online: true, inspectionMode: 'disabled' }, null],
      ['validInspectionModeAgent', {}, { online: true, inspectionMode: 'agent' }, null],
      ['inspectionModeAndAnnotationConsistent', { 'inspect.metal3.io': 'disabled' }, { online: true, inspectionMode: 'disabled' }, null],
      ['inspectionModeAndAnnotationConflict', { 'inspect.metal3.io': 'disabled' }, { online: true, inspectionMode: 'agent' },
        [422, 'Invalid', 'inspect.metal3.io annotation and inspectionMode field have contradicting values']],
      ['inspectionModeAgentAndAnnotationEmptyConsistent', { 'inspect.metal3.io': '' }, { online: true, inspectionMode: 'agent' }, null],
    ];

    beforeAll(async () => {
      const admission = cluster.kubeConfig().makeApiClient(AdmissionregistrationV1Api);
      const [policy, binding] = buildAdmissionPolicy() as [never, never];
      // a real bed may already enforce them (the real-kube launcher installs them): create or keep
      const alreadyThere = (e: unknown) => { if (!(e instanceof ApiException && e.code === 409)) throw e; };
      await admission.createValidatingAdmissionPolicy({ body: policy }).catch(alreadyThere);
      await admission.createValidatingAdmissionPolicyBinding({ body: binding }).catch(alreadyThere);
    });

    it.each(POLICY_ROWS)('create: %s', async (_case, annotations, rawSpec, wanted) => {
      // Prepare
      const name = `pol-${++seq}`;
      const spec = JSON.parse(JSON.stringify(rawSpec).replaceAll('$NS', ns)) as Spec;
      // Act
      const got = await outcome(custom.createNamespacedCustomObject({ ...where(), body: { ...body(name, spec), metadata: { name, annotations } } }));
      // Assess
      if (wanted === null) {
        expect(got).toEqual({ ok: true });
        return;
      }
      const [code, reason, why] = wanted;
      const message = `ValidatingAdmissionPolicy '${POLICY_NAME}' with binding '${POLICY_NAME}' denied request: ${why}`;
      expect(got).toEqual({
        ok: false, code,
        status: {
          kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code, reason,
          message: `baremetalhosts.metal3.io "${name}" is forbidden: ${message}`,
          details: { name, group: 'metal3.io', kind: 'baremetalhosts', causes: [{ message }] },
        },
      });
    });

    it('checks updates too, and leaves the status subresource alone', async () => {
      // Prepare
      const name = `pol-${++seq}`;
      await create(name, { online: true });
      // Act
      const annotated = await outcome(custom.patchNamespacedCustomObject({ ...where(), name, body: { metadata: { annotations: { 'inspect.metal3.io': 'bogus' } } } }, merge));
      const statusWrite = await outcome(patchStatus(name, status('OK', 'registering')));
      // Assess
      expect(annotated.ok).toBe(false);
      if (!annotated.ok) expect([annotated.code, annotated.status.reason]).toEqual([422, 'Invalid']);
      expect(statusWrite).toEqual({ ok: true });
    });
  });
});
