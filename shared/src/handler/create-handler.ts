/**
 * @module handler/create-handler: the one imperative shell every transition
 * function shares:
 *
 *   parse + validate the event (400) → load the host (gone → no-op) →
 *   guard against the table (not due → no-op) → apply an intent, or
 *   observe → decide (pure) → act → write status (resourceVersion checked) →
 *   repeat while there is more to do now → reply.
 *
 * Only `observe` and `decide` differ per function.
 */
import type { CloudEvent } from 'cloudevents';
import { buildRequestedEvent } from '../../../events/src/build.ts';
import { parseEvent } from '../../../events/src/parse.ts';
import type { ParsedEvent } from '../../../events/src/parse.ts';
import { FUNCTION_SOURCE_PREFIX } from '../../../events/src/types.ts';
import { EventType } from '../../../events/src/types.ts';
import { dispositionOf, isEventValidationError, messageOf, HostConflictError } from '../errors.ts';
import type { RetryableError } from '../errors.ts';
import type { StoredHost } from '../k8s/host-store.ts';
import { isInvalidStateRequest } from '../ironic/errors.ts';
import type { Edge } from '../state-machine/transitions.ts';
import { Edges, StateTable } from '../state-machine/transitions.ts';
import { firmwareAsks, firmwareFacts } from '../firmware/change.ts';
import { FIRMWARE_CONDITIONS } from '../state-machine/conditions.ts';
import { currentState, dueFor, exitEdge } from '../state-machine/guard.ts';
import type { Due } from '../state-machine/guard.ts';
import { Annotation, ErrorType, HOST_FINALIZER } from '../state-machine/states.ts';
import type { ProvisioningState, TransitionName } from '../state-machine/states.ts';
import { nextStatus, OPERATION_OF, reasonOf } from '../status/next-status.ts';
import { capacityFor, LIMITED_STATES } from '../state-machine/capacity.ts';
import { nodeConditionFacts } from '../status/host-conditions.ts';
import type { NodeConditionFacts } from '../status/host-conditions.ts';
import { restoreStatus } from '../status/restore.ts';
import type { StatusEvent } from '../status/next-status.ts';
import { validateHostSpec } from '../api/validate-host.ts';
import { redact } from '../log.ts';
import { defaultMetrics } from '../metrics/metrics.ts';
import { describe, perform } from './actions.ts';
import type { Action } from './actions.ts';
import type { HandlerResult } from './reply.ts';
import { toReply } from './reply.ts';
import type { HandlerDeps, TransitionFunction } from './types.ts';

/** Local re-reads after losing a resourceVersion race, before asking the broker to retry. */
const MAX_CONFLICT_RETRIES = 3;

export interface HandleContext {
  log?: { info?: (...a: unknown[]) => void } | undefined;
}

export function createHandler<Observed>(fn: TransitionFunction<Observed>, deps: HandlerDeps) {
  const now = deps.now ?? (() => new Date());
  const log = deps.log.child({ function: fn.name });
  const source = `${FUNCTION_SOURCE_PREFIX}/${fn.name}`;
  const metrics = deps.metrics ?? defaultMetrics();

  /** Validates and processes one event; never throws. Counted by how it was answered. */
  async function processEvent(event: unknown): Promise<HandlerResult> {
    const result = await processEventUncounted(event);
    const { time, type } = (event ?? {}) as { time?: unknown; type?: unknown };
    const at = typeof time === 'string' ? Date.parse(time) : NaN;
    metrics.eventHandled(fn.name, eventTypeLabel(type), result.kind, Number.isNaN(at) ? undefined : (now().getTime() - at) / 1000);
    return result;
  }

  async function processEventUncounted(event: unknown): Promise<HandlerResult> {
    let parsed: ParsedEvent;
    try {
      parsed = parseEvent(event, {
        acceptTypes: [EventType[fn.name]],
        ...(deps.config.allowedSources.length > 0 ? { allowedSources: deps.config.allowedSources } : {}),
      });
    } catch (e) {
      if (isEventValidationError(e)) return { kind: 'invalid', message: e.message, issues: e.issues };
      return { kind: 'unauthorized', message: messageOf(e) };
    }
    const { namespace, name, uid } = parsed.data.host;
    const hostLog = log.child({ host: `${namespace}/${name}`, event: parsed.id });
    let conflicts = 0;
    for (;;) {
      try {
        return await converge(namespace, name, uid, parsed, hostLog);
      } catch (e) {
        if (e instanceof HostConflictError && ++conflicts <= MAX_CONFLICT_RETRIES) continue;
        const disposition = dispositionOf(e);
        if (disposition === 'ignore') return { kind: 'noop', reason: messageOf(e) };
        if (disposition === 'retry') {
          hostLog.warn('transient failure; the event will be retried', { error: messageOf(e) });
          // the peer's Retry-After (Kubernetes 429/503, Ironic 503) when it sent one
          return { kind: 'retry', reason: messageOf(e), retryAfterMs: (e as RetryableError).retryAfterMs ?? 3_000 };
        }
        // permanent errors thrown outside decide() are recorded by converge(); reaching here is a bug
        hostLog.error('unexpected failure', { error: messageOf(e) });
        return { kind: 'crashed', message: messageOf(e) };
      }
    }
  }

  async function converge(namespace: string, name: string, uid: string, parsed: ParsedEvent, hostLog: HandlerDeps['log']): Promise<HandlerResult> {
    let host = await deps.hosts.get(namespace, name);
    // a host deleted and re-created under the same name is another host
    if (host.metadata.uid !== uid) return { kind: 'noop', reason: 'host was re-created (uid differs)' };
    metrics.reconciled(namespace, name);
    let lastReason = 'nothing to do';
    let observedAgain = false;
    // what the last observation said of the Ironic node (health, power fault), for upstream's conditions
    let nodeFacts: NodeConditionFacts = {};
    for (let step = 0; step < deps.config.MAX_STEPS; step++) {
      const at = now();
      // the event's Ironic observation may only wake us on the first step; later steps see our own writes.
      // A credentials version is never taken from the event (anyone could claim one to skip a backoff):
      // when the event says the Secret changed, enroll reads the Secret's version itself.
      const facts = step === 0 ? {
        nodePowerState: parsed.data.observed.ironic?.powerState,
        ...(parsed.data.observed.credentialsVersion !== undefined && fn.name === 'enroll' ? { credentialsVersion: await credentialsVersionOf(host) } : {}),
        // nor a firmware change: the function whose edge it would take reads the HostFirmwareSettings itself
        ...(parsed.data.observed.firmwareChange === true && takesFirmwareEdge(host) ? await firmwareFactsOf(host) : {}),
      } : {};
      let due = dueFor(host, { now: at.getTime(), backoffBaseMs: deps.config.BACKOFF_BASE_MS, facts });
      // a later step has no event to go by: when an edge that waits on a firmware change (of any function: a
      // reboot's power-off makes servicing due before the power-on) could come first, read the facts it needs
      if (step > 0 && firmwareEdgeThatCouldComeFirst(host, at)) due = dueFor(host, { now: at.getTime(), backoffBaseMs: deps.config.BACKOFF_BASE_MS, facts: await firmwareFactsOf(host) });
      if (due.kind === 'none' || due.by !== fn.name) {
        if (step === 0) return { kind: 'noop', reason: due.kind === 'none' ? `nothing due (${due.reason})` : `${due.by} is due, not ${fn.name}` };
        return finish(host, lastReason, parsed);
      }
      // a status carried over by clusterctl move: restored into an empty status, dropped once there is one (upstream)
      const carried = host.metadata.annotations?.[Annotation.Status];
      if (carried !== undefined) {
        if (!currentState(host)) {
          const restored = restoreStatus(carried);
          if (!restored.ok) return record(host, ErrorType.Registration, restored.message, undefined, hostLog);
          host = await deps.hosts.replaceStatus(host, { ...restored.status, lastUpdated: at.toISOString() });
          await deps.hosts.recordEvent(host, { type: 'Normal', reason: 'StatusRestored', action: fn.name, note: `status restored from ${Annotation.Status} (${currentState(host)})` });
          hostLog.info('status restored from annotation', { state: currentState(host) });
        }
        host = await deps.hosts.setAnnotations(host, { [Annotation.Status]: undefined });
        lastReason = 'status annotation applied';
        continue;
      }
      if (due.kind === 'intent') {
        const entered = await enter(host, due.edge, at, hostLog, undefined, nodeFacts);
        if (entered.delayed) return finish(entered.host, entered.reason, parsed);
        host = entered.host;
        lastReason = `${due.edge.from || '(new)'} → ${due.edge.to}`;
        continue;
      }
      const state = currentState(host) as ProvisioningState;
      const errorType = errorTypeFor(due, state);
      // an invalid spec stops the work (not intents: deletion must always go through) until the user fixes it
      if (due.kind === 'work') {
        const invalid = specProblems(host);
        if (invalid) return record(host, errorType, invalid, undefined, hostLog);
      }
      let outcome;
      try {
        const observed = await fn.observe(host, deps);
        // every observation that holds an Ironic node under `node` feeds the Healthy and Manageable conditions
        nodeFacts = nodeConditionFacts((observed as { node?: Parameters<typeof nodeConditionFacts>[0] }).node);
        outcome = fn.decide(host, observed, { now: at, config: deps.config, state, due });
        for (const action of outcome.actions) {
          hostLog.info('act', { action: describe(action), state });
          host = await perform(action, host, deps);
          const on = powersOn(action);
          if (on !== undefined) metrics.powerChange(namespace, name, on);
        }
      } catch (e) {
        // Ironic refused an action for the node's state: what we observed is already stale (a concurrent
        // duplicate moved the node on). Look again once before calling it a failure.
        if (isInvalidStateRequest(e) && !observedAgain) {
          observedAgain = true;
          hostLog.info('Ironic refused the action for a state we did not see; observing again', { error: messageOf(e) });
          continue;
        }
        if (dispositionOf(e) !== 'permanent') throw e;
        return record(host, errorType, messageOf(e), undefined, hostLog, undefined, nodeFacts);
      }
      switch (outcome.kind) {
        case 'continue': {
          host = await writeStatus(host, { kind: 'progress' }, outcome.status, at, nodeFacts);
          lastReason = outcome.reason;
          // performed something: look again now; nothing performed: Ironic is working, wait for its progress event
          if (outcome.actions.length > 0) continue;
          return finish(host, outcome.reason, parsed);
        }
        case 'retry':
          return { kind: 'retry', reason: outcome.reason, retryAfterMs: outcome.requeueAfterMs };
        case 'fail': {
          const edge = due.kind === 'work' ? exitEdge(host, state, fn.name, 'fail') : undefined;
          return record(host, errorType, outcome.message, edge?.to === 'removed' ? undefined : edge?.to, hostLog, outcome.status, nodeFacts);
        }
        case 'complete': {
          if (due.kind === 'maintain') {
            host = await writeStatus(host, { kind: 'enter', to: state }, outcome.status, at, nodeFacts);
            return finish(host, outcome.reason, parsed);
          }
          const edge = exitEdge(host, state, fn.name, 'complete');
          if (!edge) throw new Error(`transition table has no complete edge from "${state}" by ${fn.name}`);
          if (edge.to === 'removed') {
            const finalizers = (host.metadata.finalizers ?? []).filter((f) => f !== HOST_FINALIZER);
            await deps.hosts.recordEvent(host, { type: 'Normal', reason: 'Deleted', action: fn.name, note: 'Ironic node deleted; finalizer removed' });
            await deps.hosts.setFinalizers(host, finalizers);
            hostLog.info('finalizer removed; host released');
            return { kind: 'progressed', state: 'removed', reason: outcome.reason };
          }
          const entered = await enter(host, edge, at, hostLog, outcome.status, nodeFacts);
          if (entered.delayed) return finish(entered.host, entered.reason, parsed);
          host = entered.host;
          lastReason = outcome.reason;
          continue;
        }
      }
    }
    return finish(host, lastReason, parsed);
  }

  /** With every firmware change asked for and allowed, the first due edge would wait on one. */
  function firmwareEdgeThatCouldComeFirst(host: StoredHost, at: Date): boolean {
    const optimistic = dueFor(host, { now: at.getTime(), backoffBaseMs: deps.config.BACKOFF_BASE_MS, facts: { firmwareChangeRequested: true, servicingAllowed: true } });
    return 'edge' in optimistic && FIRMWARE_CONDITIONS.includes(optimistic.edge.when);
  }

  /** Some edge out of the host's state, taken by this function, waits for a firmware change (the table says which). */
  function takesFirmwareEdge(host: StoredHost): boolean {
    const state = currentState(host);
    return Edges.some((e) => e.from === state && e.by === fn.name && FIRMWARE_CONDITIONS.includes(e.when));
  }

  /** The firmware facts as the API server has them now: HostFirmwareSettings and HostFirmwareComponents, and the HostUpdatePolicy when provisioned. */
  async function firmwareFactsOf(host: StoredHost): Promise<{ firmwareChangeRequested: boolean; servicingAllowed?: boolean }> {
    const [hfs, hfc] = await Promise.all([deps.hosts.getFirmwareSettings(host), deps.hosts.getFirmwareComponents(host)]);
    const policy = currentState(host) === 'provisioned' ? await deps.hosts.getUpdatePolicy(host) : null;
    return firmwareFacts(firmwareAsks(hfs, hfc, policy));
  }

  /** The BMC credentials Secret's resourceVersion as the API server has it now (undefined: no such Secret). */
  async function credentialsVersionOf(host: StoredHost): Promise<string | undefined> {
    const name = host.spec?.bmc?.credentialsName;
    if (!name) return undefined;
    return (await deps.hosts.readSecret(host.metadata.namespace ?? 'default', name))?.resourceVersion;
  }

  /** What upstream's webhook would refuse, as one message naming each field; undefined when valid. */
  function specProblems(host: StoredHost): string | undefined {
    const v = validateHostSpec(host.spec as never, {
      name: host.metadata.name,
      ...(host.metadata.namespace ? { namespace: host.metadata.namespace } : {}),
      allowFakeBmc: deps.config.ENABLE_FAKE_BMC,
      ...(host.metadata.annotations?.[Annotation.Inspect] !== undefined ? { inspectAnnotation: host.metadata.annotations[Annotation.Inspect] } : {}),
    });
    return v.ok ? undefined : `invalid spec: ${v.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`;
  }

  function errorTypeFor(due: Exclude<Due, { kind: 'none' }>, state: ProvisioningState): ErrorType {
    if (due.kind === 'maintain') return due.edge.errorType ?? ErrorType.PowerManagement;
    return StateTable[state].errorType ?? ErrorType.Registration;
  }

  async function writeStatus(host: StoredHost, ev: StatusEvent, changes: Record<string, unknown> | undefined, at: Date, facts: NodeConditionFacts = {}): Promise<StoredHost> {
    const next = nextStatus(host, ev, changes, at, facts);
    // nothing to record but what Ironic says of the node's health or power fault: write only when a condition changed (upstream)
    if (ev.kind === 'progress' && (changes === undefined || Object.keys(changes).length === 0) && sameConditions(host.status?.conditions, next.conditions)) return host;
    return deps.hosts.replaceStatus(host, next);
  }

  type Entered = { delayed: false; host: StoredHost } | { delayed: true; host: StoredHost; reason: string };

  async function enter(host: StoredHost, edge: Edge, at: Date, hostLog: HandlerDeps['log'], changes?: Record<string, unknown>, facts: NodeConditionFacts = {}): Promise<Entered> {
    const to = edge.to as ProvisioningState;
    // upstream's provisioning limit: count the busy hosts from the API just before the (resourceVersion-checked)
    // write that enters the state; without a free slot the host stays where it is, `delayed`, and is retried
    if (LIMITED_STATES.includes(to) && deps.config.PROVISIONING_LIMIT > 0) {
      const verdict = capacityFor(host, to, await deps.hosts.listHosts(host.metadata.namespace ?? 'default'), deps.config.PROVISIONING_LIMIT);
      if (!verdict.ok) {
        const reason = `delayed: ${verdict.busy} hosts hold the provisioning limit (${verdict.limit}) before ${to}`;
        const wasDelayed = host.status?.operationalStatus === 'delayed';
        const next = wasDelayed && (changes === undefined || Object.keys(changes).length === 0)
          ? host
          : await writeStatus(host, { kind: 'delayed' }, changes, at, facts);
        if (!wasDelayed) {
          metrics.delayed(host.metadata.namespace ?? 'default', host.metadata.name, to);
          hostLog.info('provisioning limit reached; host delayed', { to, busy: verdict.busy, limit: verdict.limit });
          await deps.hosts.recordEvent(next, { type: 'Normal', reason: 'Delayed', action: fn.name, note: `${currentState(host) || '(new)'} → ${to} waits: ${verdict.busy} of ${verdict.limit} provisioning slots in use` });
        }
        return { delayed: true, host: next, reason };
      }
    }
    const next = await writeStatus(host, { kind: 'enter', to }, changes, at, facts);
    countStateChange(host, to, at);
    hostLog.info('state changed', { from: edge.from, to, on: edge.on, when: edge.when });
    await deps.hosts.recordEvent(next, { type: 'Normal', reason: reasonOf(to || 'new'), action: fn.name, note: `${edge.from || '(new)'} → ${to} (${edge.on}: ${edge.when})` });
    return { delayed: false, host: next };
  }

  async function record(host: StoredHost, errorType: ErrorType, message: string, to: ProvisioningState | undefined, hostLog: HandlerDeps['log'], changes?: Record<string, unknown>, facts: NodeConditionFacts = {}): Promise<HandlerResult> {
    // the message goes to status and an Event: a secret some backend echoed never does
    message = redact.scrub(message);
    const at = now();
    const next = await deps.hosts.replaceStatus(host, nextStatus(host, { kind: 'error', errorType, message, to }, changes, at, facts));
    metrics.hostError(errorType);
    if (to !== undefined) countStateChange(host, to, at);
    hostLog.warn('error recorded', { errorType, message, errorCount: next.status?.errorCount });
    await deps.hosts.recordEvent(next, { type: 'Warning', reason: reasonOf(errorType), action: fn.name, note: message });
    return { kind: 'recorded', state: currentState(next) ?? '', errorType, message, reply: handOn(next) };
  }

  /** upstream's state-change counter, and the duration of the operation the host leaves */
  function countStateChange(before: StoredHost, to: string, at: Date): void {
    const from = currentState(before) ?? '';
    if (from === to) return;
    metrics.stateChanged(from, to);
    const started = operationStart(before, from);
    if (started !== undefined) metrics.operationFinished(from, before.metadata.namespace ?? 'default', before.metadata.name, (at.getTime() - started) / 1000);
  }

  /** When another function is now due, hand the step on as a reply event. */
  function handOn(host: StoredHost, parsed?: ParsedEvent): CloudEvent<unknown> | undefined {
    if (!deps.config.REPLY_EVENTS) return undefined;
    const due = dueFor(host, { now: now().getTime(), backoffBaseMs: deps.config.BACKOFF_BASE_MS });
    if (due.kind === 'none' || due.by === fn.name) return undefined; // never our own trigger type: no loops
    return buildRequestedEvent({ host, transition: due.by as TransitionName, reason: 'reply', source, traceparent: parsed?.traceparent, now });
  }

  function finish(host: StoredHost, reason: string, parsed: ParsedEvent): HandlerResult {
    return { kind: 'progressed', state: currentState(host) ?? '', reason, reply: handOn(host, parsed) };
  }

  /** faas-js-runtime entry point: `handle(context, cloudevent)`. */
  async function handle(_context: HandleContext, cloudevent?: CloudEvent<unknown>) {
    if (cloudevent === undefined) return toReply({ kind: 'invalid', message: 'no CloudEvent in the request', issues: [{ path: '', message: 'missing' }] });
    return toReply(await processEvent({ ...(cloudevent as unknown as Record<string, unknown>) }));
  }

  return { handle, processEvent };
}

const KNOWN_EVENT_TYPES: ReadonlySet<unknown> = new Set(Object.values(EventType));
/** a label value from a sender-chosen string: our types, or `other` (bounded cardinality) */
export const eventTypeLabel = (type: unknown): string => (KNOWN_EVENT_TYPES.has(type) ? type as string : 'other');

/** upstream counts power on/off requests (not reboots) */
function powersOn(action: Action): boolean | undefined {
  if (action.do === 'power') return action.target === 'power on' ? true : action.target === 'power off' || action.target === 'soft power off' ? false : undefined;
  if (action.do === 'bmcPower') return action.action === 'on' ? true : action.action === 'off' || action.action === 'soft-off' ? false : undefined;
  return undefined;
}

/** when the operation of `state` started, from the host's own operationHistory */
function operationStart(host: StoredHost, state: string): number | undefined {
  const op = OPERATION_OF[state as ProvisioningState];
  const start = op ? (host.status?.operationHistory as Record<string, { start?: string | null }> | undefined)?.[op]?.start : undefined;
  const t = start ? Date.parse(start) : NaN;
  return Number.isNaN(t) ? undefined : t;
}

/** Same condition types with the same status and reason (times and messages aside). */
function sameConditions(before: unknown, after: unknown): boolean {
  const key = (cs: unknown): string => ((cs as Array<{ type: string; status: string; reason: string }> | undefined) ?? [])
    .map((c) => `${c.type}=${c.status}/${c.reason}`).sort().join(',');
  return key(before) === key(after);
}
