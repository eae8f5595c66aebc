/**
 * @module handler/create-claim-handler: the shell of the claim function, the same shape as
 * the host shell (create-handler.ts) over the claim table:
 *
 *   parse + validate the event (400) → load the claim (gone → no-op) → guard against the
 *   claim table (not due → no-op) → apply an intent, or observe → decide (pure) → act
 *   (every write resourceVersion-checked; a lost race re-reads and decides again) →
 *   write status → repeat while there is more to do now → reply.
 */
import type { CloudEvent } from 'cloudevents';
import { parseClaimEvent } from '../../../events/src/parse.ts';
import type { ParsedClaimEvent } from '../../../events/src/parse.ts';
import { HOST_CLAIM_FINALIZER } from '../api/hostclaim.ts';
import type { StoredClaim } from '../api/hostclaim.ts';
import { HostConflictError, HostNotFoundError, dispositionOf, isEventValidationError, messageOf } from '../errors.ts';
import type { RetryableError } from '../errors.ts';
import { redact } from '../log.ts';
import { claimDueFor, claimExitEdge, claimPhaseOf } from '../state-machine/claim-guard.ts';
import type { ClaimEdge, ClaimPhase } from '../state-machine/transitions.ts';
import { mergePatch } from '../status/merge-patch.ts';
import { describeClaimAction } from './claim-types.ts';
import type { ClaimAction, ClaimFunction, ClaimHandlerDeps } from './claim-types.ts';
import type { StoredHost } from '../k8s/host-store.ts';
import type { HandlerResult } from './reply.ts';
import { toReply } from './reply.ts';
import type { HandleContext } from './create-handler.ts';
import { canonicalJson } from '../canonical-json.ts';

/**
 * Local re-reads after losing a resourceVersion race before asking for a redelivery. Higher than
 * the host shell's: when many claims race for few hosts, losing a host is the normal case.
 */
const MAX_CONFLICT_RETRIES = 8;

/** The label on Secret copies naming the claim (uid) they were copied for. */
export const CLAIM_UID_LABEL = 'hostclaim.metal3.io/uid';

export function createClaimHandler<Observed>(fn: ClaimFunction<Observed>, deps: ClaimHandlerDeps) {
  const now = deps.now ?? (() => new Date());
  const log = deps.log.child({ function: fn.name });

  async function processEvent(event: unknown): Promise<HandlerResult> {
    let parsed: ParsedClaimEvent;
    try {
      parsed = parseClaimEvent(event, deps.config.allowedSources.length > 0 ? { allowedSources: deps.config.allowedSources } : {});
    } catch (e) {
      if (isEventValidationError(e)) return { kind: 'invalid', message: e.message, issues: e.issues };
      return { kind: 'unauthorized', message: messageOf(e) };
    }
    const { namespace, name, uid } = parsed.data.claim;
    const claimLog = log.child({ claim: `${namespace}/${name}`, event: parsed.id });
    let conflicts = 0;
    for (;;) {
      try {
        return await converge(namespace, name, uid, claimLog);
      } catch (e) {
        if (e instanceof HostConflictError && ++conflicts <= MAX_CONFLICT_RETRIES) continue;
        const disposition = dispositionOf(e);
        if (disposition === 'ignore') return { kind: 'noop', reason: messageOf(e) };
        if (disposition === 'retry') {
          claimLog.warn('transient failure; the event will be retried', { error: messageOf(e) });
          return { kind: 'retry', reason: messageOf(e), retryAfterMs: (e as RetryableError).retryAfterMs ?? 1_000 };
        }
        claimLog.error('unexpected failure', { error: messageOf(e) });
        return { kind: 'crashed', message: messageOf(e) };
      }
    }
  }

  async function converge(namespace: string, name: string, uid: string, claimLog: ClaimHandlerDeps['log']): Promise<HandlerResult> {
    let claim = await deps.claims.getClaim(namespace, name);
    if (claim.metadata.uid !== uid) return { kind: 'noop', reason: 'claim was re-created (uid differs)' };
    let lastReason = 'nothing to do';
    for (let step = 0; step < deps.config.MAX_STEPS; step++) {
      const at = now();
      const due = claimDueFor(claim);
      if (due.kind === 'none') {
        return step === 0 ? { kind: 'noop', reason: `nothing due (${due.reason})` } : finish(claim, lastReason);
      }
      if (due.kind === 'intent') {
        claim = await enter(claim, due.edge, at, claimLog);
        lastReason = `${due.edge.from || '(new)'} → ${due.edge.to}`;
        continue;
      }
      const phase = claimPhaseOf(claim) as ClaimPhase;
      let outcome;
      try {
        const observed = await fn.observe(claim, deps);
        outcome = fn.decide(claim, observed, { now: at, phase, due });
        for (const action of outcome.actions) {
          claimLog.info('act', { action: describeClaimAction(action), phase });
          claim = await perform(action, claim);
        }
      } catch (e) {
        if (dispositionOf(e) !== 'permanent') throw e;
        return record(claim, messageOf(e), claimLog);
      }
      switch (outcome.kind) {
        case 'continue': {
          claim = await writeStatus(claim, outcome.status, at);
          lastReason = outcome.reason;
          // acted: look again now; nothing to do: wait for the next event (a host change, a claim edit)
          if (outcome.actions.length > 0) continue;
          return finish(claim, outcome.reason);
        }
        case 'retry':
          return { kind: 'retry', reason: outcome.reason, retryAfterMs: outcome.requeueAfterMs };
        case 'fail':
          return record(claim, outcome.message, claimLog, outcome.status);
        case 'complete': {
          if (due.kind === 'maintain' && outcome.facts === undefined) {
            claim = await writeStatus(claim, outcome.status, at);
            return finish(claim, outcome.reason);
          }
          const edge = claimExitEdge(claim, phase, outcome.facts ?? {});
          if (!edge) throw new Error(`claim table has no complete edge from "${phase}"`);
          if (edge.to === 'removed') {
            const finalizers = (claim.metadata.finalizers ?? []).filter((f) => f !== HOST_CLAIM_FINALIZER);
            await deps.claims.recordClaimEvent(claim, { type: 'Normal', reason: 'Released', action: fn.name, note: 'host released; finalizer removed' });
            await deps.claims.setClaimFinalizers(claim, finalizers);
            claimLog.info('finalizer removed; claim released');
            return { kind: 'progressed', state: 'removed', reason: outcome.reason };
          }
          claim = await enter(claim, edge, at, claimLog, outcome.status);
          lastReason = outcome.reason;
          continue;
        }
      }
    }
    return finish(claim, lastReason);
  }

  /** Performs one action; a claim write returns the claim as it is now. */
  async function perform(action: ClaimAction, claim: StoredClaim): Promise<StoredClaim> {
    switch (action.do) {
      case 'reserve':
        return deps.claims.replaceClaimStatus(claim, mergePatch(claim.status ?? {}, { bareMetalHost: action.host }) as Record<string, unknown>);
      case 'patchHost': {
        const host = await deps.claims.patchHostSpec(action.host, action.changes);
        if (action.undoIfClaimGone) await undoIfClaimGone(claim, host, action.undoIfClaimGone);
        return claim;
      }
      case 'putSecret':
        await deps.claims.putOwnedSecret({ namespace: action.namespace, name: action.name, data: action.data, owner: action.owner, labels: { [CLAIM_UID_LABEL]: action.claimUid } });
        return claim;
      case 'deleteSecret':
        await deps.claims.deleteSecret(action.namespace, action.name);
        return claim;
    }
  }

  /**
   * A binding raced with the claim's deletion: whoever released the claim may have looked at the
   * host before this write. Read the claim again; if it is gone or being deleted, undo at once.
   * Either this sees the claim alive (then its Releasing sees the host bound) or it undoes.
   */
  async function undoIfClaimGone(claim: StoredClaim, host: StoredHost, undo: Readonly<Record<string, unknown>>): Promise<void> {
    let fresh: StoredClaim | undefined;
    try {
      fresh = await deps.claims.getClaim(claim.metadata.namespace ?? 'default', claim.metadata.name);
    } catch (e) {
      if (!(e instanceof HostNotFoundError)) throw e;
    }
    if (fresh && fresh.metadata.uid === claim.metadata.uid && fresh.metadata.deletionTimestamp === undefined) return;
    log.info('claim went while its host was bound; handing the host back', { claim: `${claim.metadata.namespace}/${claim.metadata.name}`, host: `${host.metadata.namespace}/${host.metadata.name}` });
    await deps.claims.patchHostSpec(host, undo);
  }

  /** Merges `changes` (RFC 7386: null removes) over the status; no write when nothing changes. */
  async function writeStatus(claim: StoredClaim, changes: Readonly<Record<string, unknown>> | undefined, at: Date): Promise<StoredClaim> {
    if (changes === undefined || Object.keys(changes).length === 0) return claim;
    const before = claim.status ?? {};
    const next = mergePatch(before, changes) as Record<string, unknown>;
    // key order aside: the API server hands back objects with sorted keys
    if (canonicalJson(withoutTime(next)) === canonicalJson(withoutTime(before as Record<string, unknown>))) return claim;
    return deps.claims.replaceClaimStatus(claim, { ...next, lastUpdated: at.toISOString().replace(/\.\d{3}Z$/, 'Z') });
  }

  async function enter(claim: StoredClaim, edge: ClaimEdge, at: Date, claimLog: ClaimHandlerDeps['log'], changes?: Readonly<Record<string, unknown>>): Promise<StoredClaim> {
    const to = edge.to as ClaimPhase;
    // taking a claim on: the finalizer first, so no host is ever bound to a claim that could vanish unnoticed
    if (edge.from === '' && !(claim.metadata.finalizers ?? []).includes(HOST_CLAIM_FINALIZER)) {
      claim = await deps.claims.setClaimFinalizers(claim, [...(claim.metadata.finalizers ?? []), HOST_CLAIM_FINALIZER]);
    }
    const next = await deps.claims.replaceClaimStatus(claim, {
      ...mergePatch(claim.status ?? {}, changes ?? {}) as Record<string, unknown>,
      phase: to,
      observedGeneration: claim.metadata.generation ?? 0,
      lastUpdated: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
    claimLog.info('phase changed', { from: edge.from, to, on: edge.on, when: edge.when });
    await deps.claims.recordClaimEvent(next, { type: 'Normal', reason: to === '' ? 'New' : to, action: fn.name, note: `${edge.from || '(new)'} → ${to} (${edge.on}: ${edge.when})` });
    return next;
  }

  async function record(claim: StoredClaim, message: string, claimLog: ClaimHandlerDeps['log'], changes?: Readonly<Record<string, unknown>>): Promise<HandlerResult> {
    message = redact.scrub(message);
    const next = await deps.claims.replaceClaimStatus(claim, { ...mergePatch(claim.status ?? {}, changes ?? {}) as Record<string, unknown>, errorMessage: message });
    claimLog.warn('error recorded', { message });
    await deps.claims.recordClaimEvent(next, { type: 'Warning', reason: 'ClaimError', action: fn.name, note: message });
    return { kind: 'recorded', state: claimPhaseOf(next) ?? '', errorType: 'claim error', message };
  }

  function finish(claim: StoredClaim, reason: string): HandlerResult {
    return { kind: 'progressed', state: claimPhaseOf(claim) ?? '', reason };
  }

  /** faas-js-runtime entry point: `handle(context, cloudevent)`. */
  async function handle(_context: HandleContext, cloudevent?: CloudEvent<unknown>) {
    if (cloudevent === undefined) return toReply({ kind: 'invalid', message: 'no CloudEvent in the request', issues: [{ path: '', message: 'missing' }] });
    return toReply(await processEvent({ ...(cloudevent as unknown as Record<string, unknown>) }));
  }

  return { handle, processEvent };
}

const withoutTime = (s: Record<string, unknown>): Record<string, unknown> => {
  const { lastUpdated: _drop, ...rest } = s;
  return rest;
};
