/** The transition table's invariants: what every reader of it (watcher, shell, catalogue, diagram) relies on. */
import { describe, expect, it } from '@jest/globals';
import { aHost, T0 } from '../../../test/builders/host.ts';
import { ALL_EVENT_TYPES, EventType, isEventType, transitionOf } from '../../../events/src/types.ts';
import { Conditions } from './conditions.ts';
import { dueFor, edgesFrom, exitEdge } from './guard.ts';
import { ALL_STATES, POWER_MANAGED_STATES, ProvisioningState as S, STABLE_STATES, TRANSITION_NAMES } from './states.ts';
import type { ProvisioningState } from './states.ts';
import { Edges, EVENT_TYPE_PREFIX, StateTable, Transitions } from './transitions.ts';

const label = (s: string): string => (s === '' ? '(none)' : s);

/** States reachable from `start` over the table's edges (ignoring conditions). */
function reachable(start: ProvisioningState): Set<ProvisioningState | 'removed'> {
  const seen = new Set<ProvisioningState | 'removed'>([start]);
  const queue: (ProvisioningState | 'removed')[] = [start];
  while (queue.length > 0) {
    const s = queue.shift()!;
    if (s === 'removed') continue;
    for (const e of edgesFrom(s)) if (!seen.has(e.to)) { seen.add(e.to); queue.push(e.to); }
  }
  return seen;
}

/**
 * Walks a deleted host from `state` the way the shell would, with every
 * operation succeeding: intents as dueFor picks them, work ending in the
 * owner's `complete` edge. Returns the states visited.
 */
function deletionPath(state: ProvisioningState): (ProvisioningState | 'removed')[] {
  let host = aHost(state).withImage('http://images/os.qcow2').withOnline(true).withDeployedImage('http://images/os.qcow2').deleted().build();
  const path: (ProvisioningState | 'removed')[] = [state];
  for (let i = 0; i < 10; i++) {
    const due = dueFor(host, { now: T0.getTime() });
    let to: ProvisioningState | 'removed' | undefined;
    if (due.kind === 'intent') to = due.edge.to;
    else if (due.kind === 'work') to = exitEdge(host, due.state, due.by, 'complete')?.to;
    if (to === undefined) break;
    path.push(to);
    if (to === 'removed') break;
    host = { ...host, status: { ...host.status, provisioning: { ...host.status?.provisioning, state: to } } };
  }
  return path;
}

describe('StateTable', () => {
  it('has exactly one row per provisioning state', () => {
    // Assess
    expect(Object.keys(StateTable).sort()).toEqual([...ALL_STATES].sort());
  });

  it('gives an owner and an errorType to every transient state, and neither to stable ones', () => {
    for (const s of ALL_STATES) {
      const row = StateTable[s];
      if (STABLE_STATES.includes(s)) expect({ s, ...row }).toEqual({ s, owner: null, errorType: null });
      else expect({ s, owner: row.owner !== null, errorType: row.errorType !== null }).toEqual({ s, owner: true, errorType: true });
    }
  });
});

describe('Edges', () => {
  it.each(Edges.map((e) => ({ case: `${label(e.from)} → ${e.to} by ${e.by} (${e.on}: ${e.when})`, e })))(
    'names a defined condition: $case',
    ({ e }) => {
      expect(Object.keys(Conditions)).toContain(e.when);
      expect(TRANSITION_NAMES).toContain(e.by);
    },
  );

  it('lets only the state owner complete or fail the work of a transient state', () => {
    const wrong = Edges.filter((e) => (e.on === 'complete' || e.on === 'fail') && e.by !== StateTable[e.from].owner);
    expect(wrong).toEqual([]);
  });

  it('ends every owned state except the new one with an unconditional complete edge, so work can always finish', () => {
    const owned = ALL_STATES.filter((s) => StateTable[s].owner !== null && s !== S.None);
    const missing = owned.filter((s) => {
      const completes = edgesFrom(s).filter((e) => e.on === 'complete');
      return completes.at(-1)?.when !== 'always';
    });
    expect(missing).toEqual([]);
  });

  it('decides every new host by its intents: hasBmc and noBmc are complementary', () => {
    for (const host of [aHost('').build(), aHost('').withoutBmc().build()]) {
      expect(Conditions.hasBmc(host) !== Conditions.noBmc(host)).toBe(true);
    }
  });

  it('uses every transition name at least once', () => {
    expect(new Set(Edges.map((e) => e.by))).toEqual(new Set(TRANSITION_NAMES));
  });

  it('never has an intent that leads back to its own state', () => {
    expect(Edges.filter((e) => e.on === 'intent' && e.to === e.from)).toEqual([]);
  });

  it('keeps the state on maintain edges, only in power-managed states: detach, lost registration, new credentials, servicing (provisioned only), then reboot, power and a lifted delay', () => {
    const maintain = Edges.filter((e) => e.on === 'maintain');
    for (const by of ['enroll', 'power'] as const) {
      expect([...new Set(maintain.filter((e) => e.by === by).map((e) => e.from))].sort()).toEqual([...POWER_MANAGED_STATES].sort());
    }
    const errorTypeOf = (e: (typeof maintain)[number]): string => {
      if (e.by === 'power') return 'power management error';
      if (e.when === 'servicingRequested') return 'servicing error';
      if (e.when === 'detachRequested') return 'detach error';
      if (e.when === 'registrationLost' && e.from !== S.Available) return 'provisioned registration error';
      return 'registration error';
    };
    for (const e of maintain) expect({ to: e.to, errorType: e.errorType }).toEqual({ to: e.from, errorType: errorTypeOf(e) });
    for (const s of POWER_MANAGED_STATES) {
      const servicing = s === S.Provisioned ? ['provision:servicingRequested'] : [];
      expect(edgesFrom(s).filter((e) => e.on === 'maintain').map((e) => `${e.by}:${e.when}`)).toEqual(['enroll:detachRequested', 'enroll:registrationLost', 'enroll:credentialsChanged', ...servicing, 'power:rebootRequested', 'power:powerMismatch', 'power:delayLifted']);
    }
  });

  it('puts deletion first among the intents of every state that has one (deletion preempts everything); a detached host skips deprovisioning', () => {
    for (const s of ALL_STATES) {
      const intents = edgesFrom(s).filter((e) => e.on === 'intent');
      const deletions = intents.filter((e) => e.when === 'deleting' || e.when === 'deletingDetached');
      expect({ s, first: intents.slice(0, deletions.length) }).toEqual({ s, first: deletions });
      const detached = deletions.find((e) => e.when === 'deletingDetached');
      if (detached) expect(detached.to).toBe(S.Deleting);
    }
  });

  it('reaches every state from a new host', () => {
    const seen = reachable(S.None);
    expect(ALL_STATES.filter((s) => !seen.has(s))).toEqual([]);
    expect(seen.has('removed')).toBe(true);
  });

  it.each([
    { case: 'new host', from: S.None, path: [S.None, S.Deleting, 'removed'] },
    { case: 'unmanaged', from: S.Unmanaged, path: [S.Unmanaged, S.Deleting, 'removed'] },
    { case: 'registering', from: S.Registering, path: [S.Registering, S.Deleting, 'removed'] },
    { case: 'inspecting', from: S.Inspecting, path: [S.Inspecting, S.PoweringOffBeforeDelete, S.Deleting, 'removed'] },
    { case: 'preparing', from: S.Preparing, path: [S.Preparing, S.PoweringOffBeforeDelete, S.Deleting, 'removed'] },
    { case: 'available', from: S.Available, path: [S.Available, S.PoweringOffBeforeDelete, S.Deleting, 'removed'] },
    { case: 'externally provisioned', from: S.ExternallyProvisioned, path: [S.ExternallyProvisioned, S.PoweringOffBeforeDelete, S.Deleting, 'removed'] },
    { case: 'provisioning', from: S.Provisioning, path: [S.Provisioning, S.Deprovisioning, S.PoweringOffBeforeDelete, S.Deleting, 'removed'] },
    { case: 'provisioned', from: S.Provisioned, path: [S.Provisioned, S.Deprovisioning, S.PoweringOffBeforeDelete, S.Deleting, 'removed'] },
    { case: 'deprovisioning', from: S.Deprovisioning, path: [S.Deprovisioning, S.PoweringOffBeforeDelete, S.Deleting, 'removed'] },
    { case: 'powering off before delete', from: S.PoweringOffBeforeDelete, path: [S.PoweringOffBeforeDelete, S.Deleting, 'removed'] },
    { case: 'deleting', from: S.Deleting, path: [S.Deleting, 'removed'] },
  ] as const)('removes a deleted host by upstream\'s route from $case', ({ from, path }) => {
    // Act
    const walked = deletionPath(from);
    // Assess
    expect(walked).toEqual(path);
  });

  it('covers every state in the deletion routes above', () => {
    const routed = ALL_STATES.filter((s) => deletionPath(s).at(-1) === 'removed');
    expect(routed.sort()).toEqual([...ALL_STATES].sort());
  });
});

describe('event catalogue derived from the table', () => {
  it('has exactly one reverse-DNS event type per transition', () => {
    expect(ALL_EVENT_TYPES).toHaveLength(TRANSITION_NAMES.length);
    expect(new Set(ALL_EVENT_TYPES).size).toBe(TRANSITION_NAMES.length);
    for (const t of TRANSITION_NAMES) {
      expect(EventType[t]).toBe(Transitions[t].eventType);
      expect(EventType[t]).toBe(`${EVENT_TYPE_PREFIX}.${t}.requested`);
      expect(EventType[t]).toMatch(/^[a-z]+(\.[a-z0-9]+)+$/);
      expect(transitionOf(EventType[t])).toBe(t);
    }
    expect(EVENT_TYPE_PREFIX.split('.').slice(0, 2)).toEqual(['io', 'metal3']);
  });

  it('knows no type outside the catalogue', () => {
    expect(isEventType('io.metal3.baremetalhost.reboot.requested')).toBe(false);
    expect(isEventType(42)).toBe(false);
  });
});
