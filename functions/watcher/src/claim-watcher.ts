/**
 * @module watcher/claim-watcher: turns HostClaim changes, and changes of the hosts claims
 * bind, into `io.metal3.hostclaim.claim.requested` events. Like the host watcher it decides
 * only *whether* to emit (the claim guard), never how.
 *
 * No event storms: a claim's own event goes out when its generation, phase or deletion
 * changes (the claim function's status writes emit nothing); a host's change goes to the claim
 * its consumerRef names only when what the claim mirrors changes; a host becoming available
 * and unconsumed, or released, gives every Pending claim another look.
 */
import type { CloudEvent } from 'cloudevents';
import { buildClaimRequestedEvent } from '../../../events/src/build.ts';
import type { EmitReason } from '../../../events/src/schemas.ts';
import { WATCHER_SOURCE_PREFIX } from '../../../events/src/types.ts';
import { HOST_CLAIM_KIND } from '../../../shared/src/api/claim-rules.ts';
import type { StoredClaim } from '../../../shared/src/api/hostclaim.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import type { Logger } from '../../../shared/src/log.ts';
import { claimDueFor } from '../../../shared/src/state-machine/claim-guard.ts';
import { ClaimPhase } from '../../../shared/src/state-machine/transitions.ts';

export interface ClaimWatcherOptions {
  emit: (event: CloudEvent<unknown>) => Promise<unknown>;
  log: Logger;
  cluster?: string;
  now?: () => number;
}

export interface ClaimWatcher {
  onClaimEvent(e: { type: 'upsert' | 'delete'; claim: StoredClaim }): void;
  onHostEvent(e: { type: 'upsert' | 'delete'; host: StoredHost }): void;
  /** every claim with work due (Pending, Releasing) gets another event */
  resync(): void;
  readonly stats: { emitted: number; suppressed: number };
}

interface HostSeen { claimUid: string | undefined; fingerprint: string; free: boolean }

const claimKey = (c: StoredClaim): string => c.metadata.uid ?? `${c.metadata.namespace}/${c.metadata.name}`;
const hostRef = (h: StoredHost): string => `${h.metadata.namespace ?? 'default'}/${h.metadata.name}`;

/** The uid of the claim a host's consumerRef names, if it names a HostClaim. */
export function claimUidOf(host: StoredHost): string | undefined {
  const ref = (host.spec as { consumerRef?: { kind?: string; uid?: string } } | undefined)?.consumerRef;
  return ref?.kind === HOST_CLAIM_KIND ? ref.uid : undefined;
}

/** What a claim mirrors or binds on: state, power, error, inventory presence, labels, consumer, deletion. */
export function hostFingerprint(host: StoredHost): string {
  const status = host.status as { provisioning?: { state?: string }; poweredOn?: boolean; errorMessage?: string; hardware?: unknown } | undefined;
  return JSON.stringify([
    status?.provisioning?.state ?? '', status?.poweredOn ?? false, status?.errorMessage ?? '', status?.hardware !== undefined,
    (host.metadata as { labels?: Record<string, string> }).labels ?? {}, claimUidOf(host) ?? '', Boolean(host.metadata.deletionTimestamp),
  ]);
}

/** Available, not consumed, not deleting: a host a Pending claim could bind. */
export function isFree(host: StoredHost): boolean {
  const ref = (host.spec as { consumerRef?: { name?: string } } | undefined)?.consumerRef;
  return (host.status?.provisioning as { state?: string } | undefined)?.state === 'available' && !(ref?.name) && !host.metadata.deletionTimestamp;
}

export function createClaimWatcher({ emit, log, cluster = 'local', now = Date.now }: ClaimWatcherOptions): ClaimWatcher {
  const source = `${WATCHER_SOURCE_PREFIX}/${cluster}`;
  const claims = new Map<string, { claim: StoredClaim; lastKey?: string }>();
  const hosts = new Map<string, HostSeen>();
  const stats = { emitted: 0, suppressed: 0 };

  function send(claim: StoredClaim, reason: EmitReason, host?: StoredHost): void {
    stats.emitted++;
    const event = buildClaimRequestedEvent({
      claim, reason, source, now: () => new Date(now()),
      ...(host ? { host: { ref: hostRef(host), fingerprint: hostFingerprint(host) } } : {}),
    });
    void emit(event).catch((e: unknown) => log.error('emit failed', { claim: `${claim.metadata.namespace}/${claim.metadata.name}`, error: (e as Error).message }));
  }

  function onClaimEvent(e: { type: 'upsert' | 'delete'; claim: StoredClaim }): void {
    const key = claimKey(e.claim);
    if (e.type === 'delete') {
      claims.delete(key);
      return;
    }
    const entry = claims.get(key) ?? { claim: e.claim };
    entry.claim = e.claim;
    claims.set(key, entry);
    const due = claimDueFor(e.claim);
    if (due.kind === 'none') {
      entry.lastKey = 'none';
      return;
    }
    const k = JSON.stringify([e.claim.metadata.generation ?? 0, e.claim.status?.phase ?? '', Boolean(e.claim.metadata.deletionTimestamp)]);
    if (k === entry.lastKey) {
      stats.suppressed++;
      return;
    }
    const first = entry.lastKey === undefined;
    entry.lastKey = k;
    send(e.claim, first ? 'spec-changed' : 'state-changed');
  }

  function onHostEvent(e: { type: 'upsert' | 'delete'; host: StoredHost }): void {
    const key = e.host.metadata.uid ?? hostRef(e.host);
    const before = hosts.get(key);
    const after: HostSeen | undefined = e.type === 'delete' ? undefined : { claimUid: claimUidOf(e.host), fingerprint: hostFingerprint(e.host), free: isFree(e.host) };
    if (after) hosts.set(key, after);
    else hosts.delete(key);
    if (before && after && before.fingerprint === after.fingerprint) return;
    // the claim bound to it now, and the one it was bound to before (released or lost)
    for (const uid of new Set([before?.claimUid, after?.claimUid])) {
      const entry = uid ? claims.get(uid) : undefined;
      if (entry) send(entry.claim, 'state-changed', e.host);
    }
    // a host that became free: every Pending claim may now bind it
    if (after?.free && !before?.free) {
      for (const entry of claims.values()) if (entry.claim.status?.phase === ClaimPhase.Pending && !entry.claim.metadata.deletionTimestamp) send(entry.claim, 'state-changed', e.host);
    }
  }

  function resync(): void {
    for (const entry of claims.values()) {
      const due = claimDueFor(entry.claim);
      if (due.kind === 'work' || due.kind === 'intent') send(entry.claim, 'resync');
    }
  }

  return { onClaimEvent, onHostEvent, resync, stats };
}
