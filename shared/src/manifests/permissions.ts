/**
 * @module manifests/permissions: THE least-privilege table. Each row is one
 * Kubernetes API call a component's code makes (through `HostStore` in
 * shared/src/k8s/rest-host-store.ts, or the watcher's informer), with the
 * reason. The Role builder and the RBAC tests both read it; nothing else
 * grants permissions.
 */
import type { Component } from './names.ts';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'patch' | 'delete';

export interface Permission {
  /** '' is the core group */
  apiGroup: '' | 'metal3.io' | 'events.k8s.io';
  /** plural resource, `x/status` for the subresource */
  resource: 'baremetalhosts' | 'baremetalhosts/status' | 'hardwaredata' | 'secrets' | 'events' | 'hostclaims' | 'hostclaims/status' | 'hostdeploypolicies' | 'namespaces'
    | 'hostfirmwaresettings' | 'hostfirmwaresettings/status' | 'firmwareschemas' | 'hostupdatepolicies'
    | 'hostfirmwarecomponents' | 'hostfirmwarecomponents/status';
  verbs: readonly Verb[];
  /** the HostStore call (or informer) that needs it */
  why: string;
  /**
   * `cluster`: granted in every namespace (a ClusterRole), because the objects live in namespaces
   * not known in advance (tenants' HostClaims, their Secrets and Events, policies, namespaces);
   * otherwise in the hosts' namespace only.
   */
  scope?: 'cluster';
}

// every function loads the host first and writes status through the status subresource
const READ_HOST: Permission = { apiGroup: 'metal3.io', resource: 'baremetalhosts', verbs: ['get'], why: 'HostStore.get' };
const WRITE_STATUS: Permission = { apiGroup: 'metal3.io', resource: 'baremetalhosts/status', verbs: ['patch'], why: 'HostStore.replaceStatus (JSON patch with resourceVersion test)' };
const RECORD_EVENTS: Permission = { apiGroup: 'events.k8s.io', resource: 'events', verbs: ['create'], why: 'HostStore.recordEvent' };
const READ_SECRETS = (why: string): Permission => ({ apiGroup: '', resource: 'secrets', verbs: ['get'], why });
// the functions that may move a host into inspecting, provisioning or deprovisioning count the busy hosts first
const LIMIT = 'HostStore.listHosts (the provisioning limit counts busy hosts before a host enters inspecting, provisioning or deprovisioning)';
// a later step of one delivery reads the firmware facts when an edge waiting on them could come first (e.g. servicing after a reboot's power-off)
const FIRMWARE_FACTS = 'the firmware facts of a later step (an edge waiting on a firmware change may come first)';
const READ_FIRMWARE_FACTS: Permission[] = [
  { apiGroup: 'metal3.io', resource: 'hostfirmwaresettings', verbs: ['get'], why: `HostStore.getFirmwareSettings: ${FIRMWARE_FACTS}` },
  { apiGroup: 'metal3.io', resource: 'hostfirmwarecomponents', verbs: ['get'], why: `HostStore.getFirmwareComponents: ${FIRMWARE_FACTS}` },
  { apiGroup: 'metal3.io', resource: 'hostupdatepolicies', verbs: ['get'], why: `HostStore.getUpdatePolicy: ${FIRMWARE_FACTS} of a provisioned host` },
];

export const Permissions = {
  // finalizer on registration; BMC Secret for the credential pre-check and Ironic driver_info (read, never written)
  enroll: [
    { ...READ_HOST, verbs: ['get', 'list', 'patch'], why: `HostStore.get; HostStore.setFinalizers (adds the finalizer); ${LIMIT}` },
    WRITE_STATUS,
    READ_SECRETS('BMC credentials: HostStore.readSecret (driver_info, direct BMC pre-check)'),
    ...READ_FIRMWARE_FACTS,
    RECORD_EVENTS,
  ],
  // inspect.metal3.io annotations are consumed; HardwareData is created or patched
  inspect: [
    { ...READ_HOST, verbs: ['get', 'list', 'patch'], why: `HostStore.get; HostStore.setAnnotations (inspect.metal3.io); ${LIMIT}` },
    WRITE_STATUS,
    { apiGroup: 'metal3.io', resource: 'hardwaredata', verbs: ['create', 'patch'], why: 'HostStore.upsertHardwareData (create, patch on 409)' },
    { apiGroup: 'metal3.io', resource: 'hostfirmwaresettings', verbs: ['get', 'create'], why: 'HostStore.getFirmwareSettings (desired BIOS settings); HostStore.writeFirmwareSettingsStatus (creates it when missing)' },
    { apiGroup: 'metal3.io', resource: 'hostfirmwaresettings/status', verbs: ['patch'], why: 'HostStore.writeFirmwareSettingsStatus (settings Ironic read, Valid and ChangeDetected)' },
    { apiGroup: 'metal3.io', resource: 'hostfirmwarecomponents', verbs: ['get', 'create'], why: 'HostStore.getFirmwareComponents (firmware updates asked for); HostStore.writeFirmwareComponentsStatus (creates it when missing)' },
    { apiGroup: 'metal3.io', resource: 'hostfirmwarecomponents/status', verbs: ['patch'], why: 'HostStore.writeFirmwareComponentsStatus (component versions Ironic cached, updates started, Valid and ChangeDetected)' },
    { apiGroup: 'metal3.io', resource: 'firmwareschemas', verbs: ['create'], why: 'HostStore.ensureFirmwareSchema (the BIOS registry, shared by name)' },
    READ_SECRETS('BMC credentials for inspectionMode: fast and direct mode: BmcRegistry.forHost → HostStore.readSecret'),
    RECORD_EVENTS,
  ],
  // userData / networkData / metaData Secrets go into the config drive; metadata is never written
  provision: [
    { ...READ_HOST, verbs: ['get', 'list'], why: `HostStore.get; ${LIMIT}` },
    WRITE_STATUS,
    READ_SECRETS('config drive: HostStore.readSecret (userData, networkData, metaData)'),
    { apiGroup: 'metal3.io', resource: 'hostfirmwaresettings', verbs: ['get', 'create'], why: 'servicing: HostStore.getFirmwareSettings; HostStore.writeFirmwareSettingsStatus (creates it when missing)' },
    { apiGroup: 'metal3.io', resource: 'hostfirmwaresettings/status', verbs: ['patch'], why: 'servicing: HostStore.writeFirmwareSettingsStatus (settings Ironic read after the service steps)' },
    { apiGroup: 'metal3.io', resource: 'hostfirmwarecomponents', verbs: ['get', 'create'], why: 'servicing: HostStore.getFirmwareComponents; HostStore.writeFirmwareComponentsStatus (creates it when missing)' },
    { apiGroup: 'metal3.io', resource: 'hostfirmwarecomponents/status', verbs: ['patch'], why: 'servicing: HostStore.writeFirmwareComponentsStatus (versions after the service steps, updates started)' },
    { apiGroup: 'metal3.io', resource: 'firmwareschemas', verbs: ['create'], why: 'servicing: HostStore.ensureFirmwareSchema' },
    { apiGroup: 'metal3.io', resource: 'hostupdatepolicies', verbs: ['get'], why: 'servicing: HostStore.getUpdatePolicy (what may change on a provisioned host)' },
    RECORD_EVENTS,
  ],
  // direct BMC power for hosts without an Ironic node needs the BMC Secret; metadata is never written
  power: [
    READ_HOST,
    WRITE_STATUS,
    READ_SECRETS('BMC credentials for direct power: BmcRegistry.forHost → HostStore.readSecret'),
    ...READ_FIRMWARE_FACTS,
    RECORD_EVENTS,
  ],
  // removes the finalizer when the Ironic node is gone; direct BMC power-off before delete
  deprovision: [
    { ...READ_HOST, verbs: ['get', 'list', 'patch'], why: `HostStore.get; HostStore.setFinalizers (removes the finalizer); ${LIMIT}` },
    WRITE_STATUS,
    READ_SECRETS('BMC credentials for power-off before delete: BmcRegistry.forHost → HostStore.readSecret'),
    ...READ_FIRMWARE_FACTS,
    RECORD_EVENTS,
  ],
  // binds tenants' HostClaims (any namespace) to hosts of namespaces whose policies admit them
  claim: [
    { apiGroup: 'metal3.io', resource: 'hostclaims', verbs: ['get', 'patch'], scope: 'cluster', why: 'ClaimStore.getClaim; ClaimStore.setClaimFinalizers (metal3.io/hostclaim)' },
    { apiGroup: 'metal3.io', resource: 'hostclaims/status', verbs: ['patch'], scope: 'cluster', why: 'ClaimStore.replaceClaimStatus (JSON patch with resourceVersion test)' },
    { apiGroup: 'metal3.io', resource: 'hostdeploypolicies', verbs: ['list'], scope: 'cluster', why: 'ClaimStore.listPolicies: which host namespaces admit the claim' },
    { apiGroup: '', resource: 'namespaces', verbs: ['get'], scope: 'cluster', why: 'ClaimStore.namespaceLabels: a policy\'s hasLabels' },
    { apiGroup: '', resource: 'secrets', verbs: ['get'], scope: 'cluster', why: 'ClaimStore.readSecretData: the claim\'s userData, networkData, metaData (its own namespace) and their copies' },
    { apiGroup: 'events.k8s.io', resource: 'events', verbs: ['create'], scope: 'cluster', why: 'ClaimStore.recordClaimEvent (in the claim\'s namespace)' },
    { apiGroup: 'metal3.io', resource: 'baremetalhosts', verbs: ['get', 'list', 'patch'], why: 'ClaimStore.listHosts, HostStore.get; ClaimStore.patchHostSpec (consumerRef, image, online, data references; resourceVersion test)' },
    { apiGroup: '', resource: 'secrets', verbs: ['create', 'patch', 'delete'], why: 'ClaimStore.putOwnedSecret, deleteSecret: copies of the claim\'s data Secrets, owned by the host' },
  ],
  // outside systems' requests, each made only after a SubjectAccessReview says the sender may make it (functions/external/src/decide.ts)
  external: [
    { apiGroup: 'metal3.io', resource: 'baremetalhosts', verbs: ['get', 'patch'], why: 'reboot, inspect and power requests: HostStore.get; a merge patch of the one upstream annotation (reboot.metal3.io, inspect.metal3.io) or of spec.online' },
    { apiGroup: 'metal3.io', resource: 'hostclaims', verbs: ['get', 'create', 'delete'], scope: 'cluster', why: 'claim and release requests: create the HostClaim; ClaimStore.getClaim, then delete with its uid as precondition' },
    { apiGroup: 'events.k8s.io', resource: 'events', verbs: ['create'], scope: 'cluster', why: 'the ExternalTrigger Event naming the sender, on the host (hosts\' namespace) or claim (tenant\'s namespace) changed' },
  ],
  // informer (list + watch, relist on 410); reads only, sends CloudEvents to the Broker
  watcher: [
    { apiGroup: 'metal3.io', resource: 'baremetalhosts', verbs: ['get', 'list', 'watch'], why: 'host informer (list + watch)' },
    { apiGroup: '', resource: 'secrets', verbs: ['list', 'watch'], why: 'credentials informer, metadata only (PartialObjectMetadataList/PartialObjectMetadata: no Secret data is sent): resourceVersions, to notice changed BMC credentials' },
    { apiGroup: 'metal3.io', resource: 'hostclaims', verbs: ['list', 'watch'], scope: 'cluster', why: 'claim informer (all namespaces): claim events' },
    { apiGroup: 'metal3.io', resource: 'hostfirmwaresettings', verbs: ['list', 'watch'], why: 'firmware settings informer: a desired-settings edit wakes the host of the same name' },
    { apiGroup: 'metal3.io', resource: 'hostfirmwarecomponents', verbs: ['list', 'watch'], why: 'firmware components informer: listed updates wake the host of the same name' },
    { apiGroup: 'metal3.io', resource: 'hostupdatepolicies', verbs: ['list', 'watch'], why: 'update policy informer: which provisioned hosts may be serviced' },
  ],
} as const satisfies Record<Component, readonly Permission[]>;

/** True when `component` may do `verb` on `apiGroup`/`resource` according to the table. */
export function isAllowed(component: Component, apiGroup: string, resource: string, verb: string): boolean {
  return (Permissions[component] as readonly Permission[]).some(
    (p) => p.apiGroup === apiGroup && p.resource === resource && (p.verbs as readonly string[]).includes(verb),
  );
}

/**
 * The permission table as Markdown (docs/permissions.md is generated from it), with the bound
 * that RBAC cannot express: `resourceNames` cannot follow the Secret a host names, so Secret
 * access is bounded by namespace (the Role lives in the hosts' namespace only).
 */
export function renderPermissionTable(): string {
  const rows = (Object.entries(Permissions) as Array<[Component, readonly Permission[]]>).flatMap(([component, permissions]) =>
    permissions.map((p) => `| \`${component}\` | \`${p.apiGroup === '' ? 'core' : p.apiGroup}\` | \`${p.resource}\` | ${p.verbs.join(', ')} | ${p.scope === 'cluster' ? 'all' : 'hosts\''} | ${p.why.replace(/\|/g, '\\|')} |`),
  );
  return [
    '| Component | API group | Resource | Verbs | Namespaces | Why (the call that needs it) |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    'Each row is one Role rule (`shared/src/manifests/rbac.ts` builds the Roles from the same table, and',
    '`test/packaging/rbac.int.test.ts` runs every function under exactly its Role on the API fixture).',
    'Rows for the hosts\' namespace become a Role there (`hostNamespace: \'\'` makes them a ClusterRole); rows for all',
    'namespaces become a ClusterRole: HostClaims, their Secrets and Events live in tenant namespaces not known in advance.',
    '',
    'No component writes a Secret: enroll reads the BMC Secret and leaves it as the user wrote it (upstream',
    'adds an `environment.metal3.io` label; here nothing needs one, so no Role has `patch` on Secrets).',
    '',
    'What RBAC cannot narrow, and how it is bounded instead:',
    '',
    '- **Which Secrets a function reads.** A Role\'s `resourceNames` is a fixed list, while the Secret a function',
    '  reads is named by the host at run time. Three bounds instead:',
    '  1. the code: `HostStore.readSecret` is called only with a name the host gives (`spec.bmc.credentialsName`,',
    '     `spec.userData`, `spec.networkData`, `spec.metaData`), in the host\'s own namespace (a reference to',
    '     another namespace is refused by validation);',
    '  2. the Roles live in the hosts\' namespace (`hostNamespace`, default `metal3-hosts`) only, never in the',
    '     operator\'s: no function can read Ironic\'s Secrets (`ironic-credentials`, `ironic-tls`,',
    '     `ironic-htpasswd` in `metal3`), and `test/packaging/rbac.int.test.ts` proves the 403;',
    '  3. the hosts\' namespace holds hosts and their Secrets only: keep every other Secret out of it.',
    '- **The watcher and Secrets.** RBAC cannot tell a metadata-only list from a full one. The watcher asks for',
    '  metadata only (`Accept: application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1` for lists,',
    '  `as=PartialObjectMetadata` for watches), so the API server sends no Secret data, and it refuses a list',
    '  answer that is not metadata (`functions/watcher/src/informer.ts`,',
    '  `test/integration/watcher/secret-metadata.int.test.ts` on the fixture and the real kube-apiserver).',
    '- **The claim function and tenant Secrets.** It reads Secrets in every namespace, because a claim\'s',
    '  data Secrets live in the claim\'s (tenant) namespace; it reads only those its claim names in the claim\'s',
    '  own namespace (a reference to another namespace is refused), and writes Secrets only in the hosts\'',
    '  namespace (copies owned by the host). Tenants get no access to hosts or their BMC Secrets at all.',
    '',
  ].join('\n');
}
