/**
 * @module status/next-status: the one pure function that computes a host's
 * next `status` from what happened. State, error and history bookkeeping live
 * here so no function writes them by hand.
 */
import { ERROR_CONDITION } from '../state-machine/guard.ts';
import type { HostView } from '../state-machine/host-view.ts';
import type { StatusChanges } from '../state-machine/outcome.ts';
import { ProvisioningState as S } from '../state-machine/states.ts';
import type { ErrorType, ProvisioningState } from '../state-machine/states.ts';
import { mergePatch } from './merge-patch.ts';
import { UNSUPPORTED_SPEC_FIELDS, unsupportedFields } from '../api/unsupported-fields.ts';
import { applyHostConditions, deriveHostConditions } from './host-conditions.ts';
import type { NodeConditionFacts } from './host-conditions.ts';

/** Status condition naming spec fields we accept but do not act on yet. */
export const UNSUPPORTED_CONDITION = 'UnsupportedFields';

export type StatusEvent =
  /** the host entered a new state (intent or completed work): errors clear */
  | { kind: 'enter'; to: ProvisioningState; keepError?: false }
  /** a permanent failure; `to` is set when a `fail` edge moves the host on */
  | { kind: 'error'; errorType: ErrorType; message: string; to?: ProvisioningState | undefined }
  /** progress within the state: only the decision's own changes */
  | { kind: 'progress' }
  /** the provisioning limit holds the host in its state (operationalStatus `delayed`) until capacity frees */
  | { kind: 'delayed' };

/** operationHistory key for each state that is an operation (upstream names). */
export const OPERATION_OF: Partial<Record<ProvisioningState, 'register' | 'inspect' | 'provision' | 'deprovision'>> = {
  [S.Registering]: 'register',
  [S.Inspecting]: 'inspect',
  [S.Provisioning]: 'provision',
  [S.Deprovisioning]: 'deprovision',
};

interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

/** `registration error` → `RegistrationError` (condition reasons are CamelCase). */
export const reasonOf = (text: string): string => text.replace(/(^|\s)(\w)/g, (_m, _s, c: string) => c.toUpperCase()).replace(/\W/g, '');

/** Upstream's required status fields, so every write passes the CRD schema. */
function withDefaults(status: Record<string, unknown>): Record<string, unknown> {
  const provisioning = { state: '', ID: '', ...((status.provisioning as Record<string, unknown> | undefined) ?? {}) };
  return {
    operationalStatus: '',
    errorMessage: '',
    errorCount: 0,
    poweredOn: false,
    provisioningFailCount: 0,
    ...status,
    provisioning,
  };
}

function setCondition(conditions: Condition[], next: Condition): Condition[] {
  const prev = conditions.find((c) => c.type === next.type);
  // lastTransitionTime moves only when status flips (Kubernetes convention)
  const lastTransitionTime = prev && prev.status === next.status && next.status === 'False' ? prev.lastTransitionTime : next.lastTransitionTime;
  return [...conditions.filter((c) => c.type !== next.type), { ...next, lastTransitionTime }];
}

/** `facts`: what the writer observed of the Ironic node (health, power fault) for the Healthy and Manageable conditions. */
export function nextStatus(host: HostView, event: StatusEvent, changes: StatusChanges | undefined, now: Date, facts: NodeConditionFacts = {}): Record<string, unknown> {
  const at = now.toISOString();
  const before = withDefaults(structuredClone((host.status ?? {}) as Record<string, unknown>));
  let status = mergePatch(before, changes ?? {}) as Record<string, unknown>;
  const from = ((before.provisioning as { state?: string }).state ?? '') as ProvisioningState;
  const generation = host.metadata.generation;
  let conditions = ((status.conditions as Condition[] | undefined) ?? []).slice();

  const enter = (to: ProvisioningState): void => {
    if (to === from) return;
    const history = { ...((status.operationHistory as Record<string, { start?: string | null; end?: string | null }> | undefined) ?? {}) };
    const leaving = OPERATION_OF[from];
    if (leaving) history[leaving] = { ...history[leaving], end: at };
    const entering = OPERATION_OF[to];
    if (entering) history[entering] = { start: at, end: null };
    status = { ...status, operationHistory: history, provisioning: { ...(status.provisioning as object), state: to } };
    // an attempt starts now: without this, `provisioningCancelled` compares spec.image with
    // nothing (or an earlier attempt's image) and hands a fresh deploy straight to deprovision
    if (to === S.Provisioning) {
      if (host.spec.image) status.lastAttemptedImage = structuredClone(host.spec.image);
      else delete status.lastAttemptedImage;
      if (host.spec.customDeploy?.method) status.lastAttemptedCustomDeploy = structuredClone(host.spec.customDeploy);
      else delete status.lastAttemptedCustomDeploy;
    }
    // upstream: an externally provisioned host handed back to us owns the image its spec names
    if (to === S.Provisioned && from === S.ExternallyProvisioned && host.spec.image) {
      status.provisioning = { ...(status.provisioning as object), image: structuredClone(host.spec.image) };
    }
  };

  if (event.kind === 'enter') {
    enter(event.to);
    status = {
      ...status,
      // a finished detach says so; anything else entering a state is OK (or discovered)
      operationalStatus: (changes as { operationalStatus?: unknown } | undefined)?.operationalStatus === 'detached' ? 'detached' : event.to === S.Unmanaged ? 'discovered' : 'OK',
      errorType: undefined,
      errorMessage: '',
      errorCount: 0,
    };
    delete status.errorType;
    conditions = setCondition(conditions, { type: ERROR_CONDITION, status: 'False', reason: 'NoError', message: '', lastTransitionTime: at, ...(generation !== undefined ? { observedGeneration: generation } : {}) });
  } else if (event.kind === 'error') {
    if (event.to !== undefined) enter(event.to);
    status = {
      ...status,
      operationalStatus: 'error',
      errorType: event.errorType,
      errorMessage: event.message,
      errorCount: ((before.errorCount as number | undefined) ?? 0) + 1,
    };
    conditions = setCondition(conditions, {
      type: ERROR_CONDITION, status: 'True', reason: reasonOf(event.errorType), message: event.message.slice(0, 32_768), lastTransitionTime: at,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
    });
  } else if (event.kind === 'delayed') {
    // upstream records no error for a delay: the state stays, only operationalStatus says why
    status = { ...status, operationalStatus: 'delayed' };
  }
  // upstream's conditions, from the state and operational status this write leaves (every write, as upstream)
  conditions = applyHostConditions(conditions, deriveHostConditions({
    state: ((status.provisioning as { state?: string }).state ?? ''),
    operationalStatus: (status.operationalStatus as string | undefined) ?? '',
    ...facts,
  }), at, generation) as Condition[];
  // nothing a user sets is silently ignored: accepted-but-unimplemented fields are named here
  const unsupported = unsupportedFields(host.spec as never);
  conditions = setCondition(conditions, unsupported.length > 0
    ? { type: UNSUPPORTED_CONDITION, status: 'True', reason: 'FieldsNotActedOn', message: unsupported.map((f) => `spec.${f}: ${UNSUPPORTED_SPEC_FIELDS[f]}`).join('; '), lastTransitionTime: at, ...(generation !== undefined ? { observedGeneration: generation } : {}) }
    : { type: UNSUPPORTED_CONDITION, status: 'False', reason: 'AllFieldsSupported', message: '', lastTransitionTime: at, ...(generation !== undefined ? { observedGeneration: generation } : {}) });
  status.conditions = conditions;
  status.lastUpdated = at;
  return status;
}
