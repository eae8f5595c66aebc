/** @module kube-api/types: the shapes the fixture stores and serves. */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  managedFields?: unknown[];
  [key: string]: unknown;
}

/** Any Kubernetes object as stored: stored objects are never mutated, writes replace them. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** `additionalPrinterColumns` entry of a CRD version. */
export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

/** The subset of an OpenAPI v3 structural schema that the validator understands. */
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  enum?: Json[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  format?: string;
  nullable?: boolean;
  /** Filled in when the field is absent and its parent object exists (structural-schema defaulting). */
  default?: Json;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  [key: string]: unknown;
}

/** Per-kind behaviour that differs between built-in kinds. */
export type Flavor = 'custom' | 'secret' | 'core-event' | 'events-event' | 'namespace' | 'crd' | 'plain';

/** One served resource (group/version/plural), built-in or from a CRD. */
export interface ResourceDef {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: readonly string[];
  categories: readonly string[];
  /** Has a `/status` subresource with status-only writes. */
  statusSubresource: boolean;
  /** `metadata.generation` is maintained (CRs, CRDs, workloads). */
  hasGeneration: boolean;
  /** Strategic merge patch accepted (built-in kinds only, like the real server). */
  strategicMerge: boolean;
  flavor: Flavor;
  schema?: JsonSchema;
  printerColumns: readonly PrinterColumn[];
}

/** `group/plural`: the storage key of a resource (one version served per resource). */
export const resourceKey = (def: Pick<ResourceDef, 'group' | 'plural'>): string => `${def.group}/${def.plural}`;

/** `apiVersion` string of a resource: `v1` for core, else `group/version`. */
export const apiVersionOf = (def: Pick<ResourceDef, 'group' | 'version'>): string =>
  def.group === '' ? def.version : `${def.group}/${def.version}`;

/** `plural.group` or `plural` for core: the spelling in NotFound/Conflict messages. */
export const qualifiedResource = (def: Pick<ResourceDef, 'group' | 'plural'>): string =>
  def.group === '' ? def.plural : `${def.plural}.${def.group}`;

/** `Kind.group`: the spelling in Invalid messages. */
export const qualifiedKind = (def: Pick<ResourceDef, 'group' | 'kind'>): string =>
  def.group === '' ? def.kind : `${def.kind}.${def.group}`;
