/** @module kube-api/kinds: per-kind rules of the built-in kinds we serve (Secret folding, Event checks, CRD status). */
import { type StatusCause, badRequest, invalid } from './status-error.ts';
import type { KubeObject, ResourceDef } from './types.ts';

const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/;

/** Fill defaults and fold write-only fields, in place on a fresh copy. */
export function normalise(def: ResourceDef, obj: KubeObject): void {
  if (def.flavor === 'secret') {
    const data = { ...((obj.data as Record<string, string> | undefined) ?? {}) };
    const stringData = obj.stringData as Record<string, string> | undefined;
    for (const [k, v] of Object.entries(stringData ?? {})) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    delete obj.stringData;
    if (Object.keys(data).length > 0 || obj.data !== undefined) obj.data = data;
    obj.type ??= 'Opaque';
  }
  if (def.flavor === 'namespace') {
    // the apiserver sets the name label and the namespace controller's finalizer itself
    obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name ?? '' };
    const spec = (obj.spec ?? {}) as { finalizers?: string[] };
    obj.spec = { ...spec, finalizers: spec.finalizers ?? ['kubernetes'] };
    obj.status = { phase: obj.metadata.deletionTimestamp ? 'Terminating' : 'Active' };
  }
}

/** Kind-specific validation; throws the real server's 400/422. */
export function validateKind(def: ResourceDef, obj: KubeObject, urlNamespace: string): void {
  const name = obj.metadata.name ?? '';
  const causes: StatusCause[] = [];
  if (def.flavor === 'secret') {
    for (const [k, v] of Object.entries((obj.data as Record<string, unknown> | undefined) ?? {})) {
      if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw badRequest(`Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 0 (key ${k})`);
    }
  }
  if (def.flavor === 'core-event') {
    const involvedNs = (obj.involvedObject as { namespace?: string } | undefined)?.namespace;
    if (involvedNs !== undefined && involvedNs !== urlNamespace) {
      causes.push({ reason: 'FieldValueInvalid', field: 'involvedObject.namespace', message: `Invalid value: "${involvedNs}": does not match event.namespace` });
    }
  }
  if (def.flavor === 'events-event') {
    const eventTime = obj.eventTime;
    if (typeof eventTime === 'string' && !MICRO_TIME.test(eventTime)) {
      throw badRequest(`Event in version "v1" cannot be handled as a Event: parsing time "${eventTime}" as "2006-01-02T15:04:05.000000Z07:00": cannot parse as RFC3339 micro time`);
    }
    for (const f of ['eventTime', 'reportingController', 'reportingInstance', 'action', 'reason'] as const) {
      if (obj[f] === undefined || obj[f] === '') causes.push({ reason: 'FieldValueRequired', field: f, message: 'Required value' });
    }
  }
  if (causes.length > 0) throw invalid(def, name, causes);
}

/** Status the apiextensions server reports for an accepted CRD. */
export function crdStatus(crd: KubeObject, now: string): object {
  const spec = crd.spec as { names?: object; versions?: { name: string; storage?: boolean }[] };
  const cond = (type: string, reason: string, message: string) => ({ type, status: 'True', lastTransitionTime: now, reason, message });
  return {
    acceptedNames: spec.names ?? {},
    conditions: [cond('NamesAccepted', 'NoConflicts', 'no conflicts found'), cond('Established', 'InitialNamesAccepted', 'the initial names have been accepted')],
    storedVersions: (spec.versions ?? []).filter((v) => v.storage).map((v) => v.name),
  };
}
