/**
 * @module claim/decide: the pure decision of the claim function, per claim phase.
 *
 * - Pending: a host naming this claim is ours (complete); else bind the reserved host if it is
 *   still eligible; else reserve the first eligible candidate (spread by the claim's uid); else
 *   stay Pending with the reason.
 * - Bound: the host is gone or names another consumer (complete: hostLost); the selector or the
 *   policies no longer admit it (complete: selectorMismatch); else copy the data Secrets, bring
 *   the host's image, online and data references in line, and mirror its progress.
 * - Releasing: clear consumerRef, image and data references of the host still naming us and
 *   delete the copies; complete once no host names us.
 */
import {
  HOST_CLAIM_KIND, RELEASE_CHANGES, addressesOf, forTenant, hardwareSummaryOf, isBoundTo, startIndex, whyIneligible, whyNotAdmitted,
} from '../../../shared/src/api/claim-rules.ts';
import { claimWantsOnline } from '../../../shared/src/api/hostclaim.ts';
import type { StoredClaim } from '../../../shared/src/api/hostclaim.ts';
import type { ClaimAction, ClaimDecideContext, ClaimOutcome } from '../../../shared/src/handler/claim-types.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import { completeWith, continueWith, failWith } from '../../../shared/src/state-machine/outcome.ts';
import { ClaimPhase } from '../../../shared/src/state-machine/transitions.ts';
import { DATA_KINDS, copyNameOf } from './observe.ts';
import type { ClaimObserved } from './observe.ts';
import { canonicalJson } from '../../../shared/src/canonical-json.ts';

export const AssociatedCondition = 'Associated';
export const ProvisionedCondition = 'Provisioned';
export const SynchronizedCondition = 'Synchronized';

interface Condition { type: string; status: 'True' | 'False' | 'Unknown'; reason: string; message: string; lastTransitionTime: string; observedGeneration?: number }

/** The claim's conditions with `c` set; an unchanged condition keeps its object (no status churn). */
export function withCondition(claim: StoredClaim, c: Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>, now: Date): Condition[] {
  const list = ((claim.status?.conditions ?? []) as Condition[]).filter((x) => x.type !== c.type);
  const old = ((claim.status?.conditions ?? []) as Condition[]).find((x) => x.type === c.type);
  const generation = claim.metadata.generation ?? 0;
  if (old && old.status === c.status && old.reason === c.reason && old.message === c.message && old.observedGeneration === generation) return [...list, old].sort(byType);
  const at = old && old.status === c.status ? old.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return [...list, { ...c, lastTransitionTime: at, observedGeneration: generation }].sort(byType);
}
const byType = (a: Condition, b: Condition) => a.type.localeCompare(b.type);

const refOf = (h: StoredHost) => ({ namespace: h.metadata.namespace ?? 'default', name: h.metadata.name });
const keyOf = (h: StoredHost) => `${h.metadata.namespace}/${h.metadata.name}`;

/** The consumerRef a bound host carries: this claim, by uid. */
export function consumerRefOf(claim: StoredClaim) {
  return { apiVersion: 'metal3.io/v1alpha1', kind: HOST_CLAIM_KIND, name: claim.metadata.name, namespace: claim.metadata.namespace ?? 'default', uid: claim.metadata.uid ?? '' };
}

export function decideClaim(claim: StoredClaim, o: ClaimObserved, ctx: ClaimDecideContext): ClaimOutcome {
  switch (ctx.phase) {
    case ClaimPhase.Pending: return decidePending(claim, o, ctx.now);
    case ClaimPhase.Bound: return decideBound(claim, o, ctx.now);
    case ClaimPhase.Releasing: return decideReleasing(claim, o);
    default: return continueWith('nothing to do in this phase');
  }
}

function boundStatus(claim: StoredClaim, host: StoredHost, now: Date): Record<string, unknown> {
  return {
    bareMetalHost: refOf(host),
    hostUID: host.metadata.uid ?? null,
    errorMessage: null,
    conditions: withCondition(claim, { type: AssociatedCondition, status: 'True', reason: 'BareMetalHostAssociated', message: '' }, now),
  };
}

function decidePending(claim: StoredClaim, o: ClaimObserved, now: Date): ClaimOutcome {
  // already ours (an earlier delivery bound it, or a concurrent copy of this event did)
  const ours = (o.named && isBoundTo(o.named, claim) ? o.named : undefined) ?? o.candidates.find((h) => isBoundTo(h, claim));
  if (ours) return completeWith(`bound to ${keyOf(ours)}`, [], boundStatus(claim, ours, now));
  const eligible = (h: StoredHost) => whyIneligible(h, claim, o.policies, o.namespaceLabels) === undefined;
  // the reserved host first: a retried or duplicate delivery binds the same host
  if (o.named && eligible(o.named)) {
    const changes = { consumerRef: consumerRefOf(claim) };
    return continueWith(`binding ${keyOf(o.named)}`, [{ do: 'patchHost', host: o.named, changes, why: 'consumerRef: bind', undoIfClaimGone: { consumerRef: undefined } }]);
  }
  const candidates = o.candidates.filter(eligible);
  if (candidates.length === 0 && o.orphans.length > 0) {
    // hosts still naming a claim that no longer exists: hand them back (the deprovision path cleans them)
    return continueWith(`releasing ${o.orphans.length} host(s) of vanished claims`, o.orphans.map((host): ClaimAction => ({ do: 'patchHost', host, changes: RELEASE_CHANGES, why: 'release: its claim is gone' })));
  }
  if (candidates.length > 0) {
    const chosen = candidates[startIndex(claim.metadata.uid ?? claim.metadata.name, candidates.length)]!;
    return continueWith(`reserving ${keyOf(chosen)}`, [{ do: 'reserve', host: refOf(chosen) }]);
  }
  const reasons = o.candidates.map((h) => whyIneligible(h, claim, o.policies, o.namespaceLabels));
  const message = o.admittedNamespaces.length === 0
    ? `no HostDeployPolicy admits claims of namespace ${claim.metadata.namespace ?? 'default'}`
    : o.candidates.length === 0
    ? 'no BareMetalHost matches the host selector'
    : `no BareMetalHost is available to this claim (${summarise(reasons)})`;
  return continueWith('no host available', [], {
    bareMetalHost: null,
    errorMessage: message,
    conditions: withCondition(claim, { type: AssociatedCondition, status: 'False', reason: 'NoBareMetalHost', message }, now),
  });
}

function summarise(reasons: (string | undefined)[]): string {
  const counts = new Map<string, number>();
  for (const r of reasons) if (r) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([r, n]) => `${n} ${r}`).join(', ');
}

function decideBound(claim: StoredClaim, o: ClaimObserved, now: Date): ClaimOutcome {
  const host = o.named;
  const lostStatus = {
    bareMetalHost: null, hostUID: null, hardwareData: null, state: null, poweredOn: null, hardware: null, addresses: null,
    errorMessage: 'the bound BareMetalHost was deleted or taken over',
    conditions: withCondition(claim, { type: AssociatedCondition, status: 'False', reason: 'MissingBareMetalHost', message: 'the bound BareMetalHost was deleted or taken over' }, now),
  };
  if (!host || !isBoundTo(host, claim)) return { ...completeWith('host lost', [], lostStatus), facts: { hostLost: true } };
  const why = whyNotAdmitted(host, claim, o.policies, o.namespaceLabels);
  if (why) return { ...completeWith(`the ${why} no longer admits ${keyOf(host)}`, [], {}), facts: { selectorMismatch: true } };

  const hostNs = host.metadata.namespace ?? 'default';
  const claimNs = claim.metadata.namespace ?? 'default';
  // the pull Secret would be looked up in the hosts' namespace, where the tenant must not name Secrets
  if (claim.spec.image?.ociAuthSecretName) return failWith('spec.image.ociAuthSecretName cannot be used on a HostClaim');
  const actions: ClaimAction[] = [];
  const wanted: Record<string, unknown> = {};
  const spec = host.spec as Record<string, unknown>;
  let missing: string | undefined;
  for (const kind of DATA_KINDS) {
    const ref = claim.spec[kind];
    const copy = copyNameOf(host.metadata.name, kind);
    if (!ref?.name) {
      // no longer named: the host stops using the copy, and the copy goes
      wanted[kind] = undefined;
      if (o.copies[kind] != null && spec[kind] === undefined) actions.push({ do: 'deleteSecret', namespace: hostNs, name: copy });
      continue;
    }
    if (ref.namespace && ref.namespace !== claimNs) return failWith(`spec.${kind}: Secrets of another namespace (${ref.namespace}) cannot be used; name one in ${claimNs}`);
    const data = o.tenantData[kind];
    if (data == null) {
      missing ??= `Secret ${claimNs}/${ref.name} (spec.${kind}) not found`;
      continue;
    }
    if (JSON.stringify(sorted(data)) !== JSON.stringify(sorted(o.copies[kind] ?? null))) {
      actions.push({ do: 'putSecret', namespace: hostNs, name: copy, data, owner: host, claimUid: claim.metadata.uid ?? '' });
    }
    wanted[kind] = { name: copy, namespace: hostNs };
  }
  // without its data the image is not deployed (a first boot without user data cannot be undone)
  wanted.image = missing ? spec.image : claim.spec.image;
  wanted.customDeploy = missing ? spec.customDeploy : claim.spec.customDeploy;
  wanted.online = claimWantsOnline(claim.spec);
  const changes: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(wanted)) if (canonicalJson(spec[k]) !== canonicalJson(v)) changes[k] = v;
  // copies before the host points at them
  if (Object.keys(changes).length > 0) actions.push({ do: 'patchHost', host, changes, why: `sync ${Object.keys(changes).join(', ')}` });

  const state = (host.status?.provisioning as { state?: string } | undefined)?.state ?? '';
  const hostError = host.status?.errorMessage ? forTenant(host.status.errorMessage, host) : undefined;
  let conditions = withCondition(claim, { type: AssociatedCondition, status: 'True', reason: 'BareMetalHostAssociated', message: '' }, now);
  const withConds = (c: Parameters<typeof withCondition>[1]) => { conditions = withCondition({ ...claim, status: { ...claim.status, conditions } } as StoredClaim, c, now); };
  withConds(missing
    ? { type: SynchronizedCondition, status: 'False', reason: 'UserDataSecretSyncFailure', message: missing }
    : { type: SynchronizedCondition, status: 'True', reason: 'ConfigurationSynced', message: '' });
  withConds({ type: ProvisionedCondition, status: state === 'provisioned' ? 'True' : 'False', reason: state === '' ? 'Unknown' : camel(state), message: '' });
  const hardware = hardwareSummaryOf(host);
  const addresses = addressesOf(host);
  const status: Record<string, unknown> = {
    bareMetalHost: refOf(host),
    hostUID: host.metadata.uid ?? null,
    hardwareData: host.status?.hardware ? refOf(host) : null,
    state,
    poweredOn: host.status?.poweredOn ?? false,
    hardware: hardware ?? null,
    addresses: addresses.length > 0 ? addresses : null,
    errorMessage: missing ?? hostError ?? null,
    conditions,
    observedGeneration: claim.metadata.generation ?? 0,
  };
  if (actions.length > 0) return continueWith(`syncing ${keyOf(host)}`, actions, status);
  return completeWith(`mirrored ${keyOf(host)} (${state})`, [], status);
}

function decideReleasing(claim: StoredClaim, o: ClaimObserved): ClaimOutcome {
  const holding = [...new Map([o.named, ...o.candidates].filter((h): h is StoredHost => !!h && isBoundTo(h, claim)).map((h) => [keyOf(h), h])).values()];
  if (holding.length === 0) {
    return completeWith('no host names this claim', [], {
      bareMetalHost: null, hostUID: null, hardwareData: null, state: null, poweredOn: null, hardware: null, addresses: null, errorMessage: null,
    });
  }
  const actions: ClaimAction[] = holding.flatMap((host): ClaimAction[] => [
    // the existing deprovision path takes over once the image is gone; online false as a released host is idle
    { do: 'patchHost', host, why: 'release', changes: RELEASE_CHANGES },
    ...DATA_KINDS.map((kind): ClaimAction => ({ do: 'deleteSecret', namespace: host.metadata.namespace ?? 'default', name: copyNameOf(host.metadata.name, kind) })),
  ]);
  return continueWith(`releasing ${holding.map(keyOf).join(', ')}`, actions);
}

const sorted = (d: Readonly<Record<string, string>> | null) => (d === null ? null : Object.fromEntries(Object.entries(d).sort(([a], [b]) => a.localeCompare(b))));
const camel = (s: string) => s.split(/\s+/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
