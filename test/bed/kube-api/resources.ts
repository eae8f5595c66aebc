/** @module kube-api/resources: the table of served resources, built-in kinds plus registered CRDs. */
import { type JsonSchema, type KubeObject, type PrinterColumn, type ResourceDef, resourceKey } from './types.ts';

type BuiltinSpec = Pick<ResourceDef, 'group' | 'version' | 'plural' | 'kind' | 'namespaced' | 'flavor'> &
  Partial<Pick<ResourceDef, 'shortNames' | 'categories' | 'statusSubresource' | 'hasGeneration' | 'printerColumns'>>;

const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

// Built-in kinds we serve: what our functions, the watcher and our manifests use.
const BUILTINS: readonly BuiltinSpec[] = [
  { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false, flavor: 'namespace', shortNames: ['ns'], statusSubresource: true,
    printerColumns: [{ name: 'Status', type: 'string', jsonPath: '.status.phase' }, AGE] },
  { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true, flavor: 'secret',
    printerColumns: [{ name: 'Type', type: 'string', jsonPath: '.type' }, { name: 'Data', type: 'integer', jsonPath: '.data', format: 'count' }, AGE] },
  { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true, flavor: 'plain', shortNames: ['cm'],
    printerColumns: [{ name: 'Data', type: 'integer', jsonPath: '.data', format: 'count' }, AGE] },
  { group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true, flavor: 'plain', shortNames: ['sa'] },
  { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true, flavor: 'plain', shortNames: ['svc'], categories: ['all'], statusSubresource: true },
  { group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true, flavor: 'core-event', shortNames: ['ev'],
    printerColumns: [{ name: 'Type', type: 'string', jsonPath: '.type' }, { name: 'Reason', type: 'string', jsonPath: '.reason' },
      { name: 'Object', type: 'string', jsonPath: '.involvedObject.name' }, { name: 'Message', type: 'string', jsonPath: '.message' }] },
  { group: 'events.k8s.io', version: 'v1', plural: 'events', kind: 'Event', namespaced: true, flavor: 'events-event', shortNames: ['ev'],
    printerColumns: [{ name: 'Type', type: 'string', jsonPath: '.type' }, { name: 'Reason', type: 'string', jsonPath: '.reason' },
      { name: 'Object', type: 'string', jsonPath: '.regarding.name' }, { name: 'Note', type: 'string', jsonPath: '.note' }] },
  { group: '', version: 'v1', plural: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim', namespaced: true, flavor: 'plain', shortNames: ['pvc'], statusSubresource: true },
  { group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true, flavor: 'plain', shortNames: ['netpol'], hasGeneration: true },
  { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true, flavor: 'plain', shortNames: ['deploy'], categories: ['all'], statusSubresource: true, hasGeneration: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'roles', kind: 'Role', namespaced: true, flavor: 'plain' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'rolebindings', kind: 'RoleBinding', namespaced: true, flavor: 'plain' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterroles', kind: 'ClusterRole', namespaced: false, flavor: 'plain' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false, flavor: 'plain' },
  { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'validatingadmissionpolicies', kind: 'ValidatingAdmissionPolicy', namespaced: false, flavor: 'plain', statusSubresource: true, hasGeneration: true },
  { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'validatingadmissionpolicybindings', kind: 'ValidatingAdmissionPolicyBinding', namespaced: false, flavor: 'plain', hasGeneration: true },
  { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false, flavor: 'crd',
    shortNames: ['crd', 'crds'], statusSubresource: true, hasGeneration: true,
    printerColumns: [{ name: 'Created At', type: 'date', jsonPath: '.metadata.creationTimestamp' }] },
];

function builtinDef(spec: BuiltinSpec): ResourceDef {
  return {
    singular: spec.kind.toLowerCase(),
    listKind: `${spec.kind}List`,
    shortNames: [],
    categories: [],
    statusSubresource: false,
    hasGeneration: false,
    strategicMerge: true,
    printerColumns: [AGE],
    ...spec,
  };
}

/** Why a CRD manifest cannot be served. */
export class CrdDefinitionError extends Error {
  override readonly name = 'CrdDefinitionError';
}

interface CrdVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
  schema?: { openAPIV3Schema?: JsonSchema };
  subresources?: { status?: object };
  additionalPrinterColumns?: PrinterColumn[];
}

interface CrdSpec {
  group: string;
  scope: 'Namespaced' | 'Cluster';
  names: { plural: string; singular?: string; kind: string; listKind?: string; shortNames?: string[]; categories?: string[] };
  versions: CrdVersion[];
}

/** The served resource of a `apiextensions.k8s.io/v1` CRD (its storage version; one version is served). */
export function defFromCrd(crd: KubeObject): ResourceDef {
  const spec = crd.spec as CrdSpec | undefined;
  if (!spec?.group || !spec.names?.plural || !spec.names.kind || !Array.isArray(spec.versions) || spec.versions.length === 0) {
    throw new CrdDefinitionError(`CRD ${crd.metadata?.name ?? '?'} lacks spec.group, spec.names.plural/kind or spec.versions`);
  }
  if (crd.metadata.name !== `${spec.names.plural}.${spec.group}`) {
    throw new CrdDefinitionError(`metadata.name must be spec.names.plural+"."+spec.group: "${spec.names.plural}.${spec.group}"`);
  }
  const version = spec.versions.find((v) => v.storage) ?? spec.versions[0]!;
  const def: ResourceDef = {
    group: spec.group,
    version: version.name,
    plural: spec.names.plural,
    singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
    kind: spec.names.kind,
    listKind: spec.names.listKind ?? `${spec.names.kind}List`,
    namespaced: spec.scope !== 'Cluster',
    shortNames: spec.names.shortNames ?? [],
    categories: spec.names.categories ?? [],
    statusSubresource: version.subresources?.status !== undefined,
    hasGeneration: true,
    strategicMerge: false,
    flavor: 'custom',
    printerColumns: version.additionalPrinterColumns ?? [AGE],
  };
  if (version.schema?.openAPIV3Schema) def.schema = version.schema.openAPIV3Schema;
  return def;
}

/** Served resources, looked up by group/version/plural (O(1)). */
export class ResourceRegistry {
  readonly #byGvr = new Map<string, ResourceDef>();
  #generation = 0;

  constructor() {
    for (const spec of BUILTINS) this.add(builtinDef(spec));
  }

  /** Bumped on every change; discovery caches key on it. */
  get generation(): number {
    return this.#generation;
  }

  add(def: ResourceDef): void {
    this.#byGvr.set(`${def.group}/${def.version}/${def.plural}`, def);
    this.#generation++;
  }

  remove(def: ResourceDef): void {
    this.#byGvr.delete(`${def.group}/${def.version}/${def.plural}`);
    this.#generation++;
  }

  find(group: string, version: string, plural: string): ResourceDef | undefined {
    return this.#byGvr.get(`${group}/${version}/${plural}`);
  }

  /** The resource registered for a CRD of this group and plural, whatever its version. */
  findByKey(key: string): ResourceDef | undefined {
    for (const def of this.#byGvr.values()) if (resourceKey(def) === key) return def;
    return undefined;
  }

  all(): ResourceDef[] {
    return [...this.#byGvr.values()];
  }

  /** group → versions served, core (`''`) included. */
  groups(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const def of this.#byGvr.values()) {
      const versions = out.get(def.group) ?? [];
      if (!versions.includes(def.version)) versions.push(def.version);
      out.set(def.group, versions);
    }
    return out;
  }
}
