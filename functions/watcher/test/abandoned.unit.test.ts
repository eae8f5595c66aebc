/**
 * watcher: a node a stopped conductor left mid-step sends no progress. When its time without a lock passes
 * IRONIC_ABANDONED_AFTER_MS the watcher evaluates the host again and says so in the event, so the function
 * owning the state reports it (an event identical to the last one would be suppressed, and deduplicated).
 */
import { describe, expect, it } from '@jest/globals';
import type { CloudEvent } from 'cloudevents';
import { aHost } from '../../../test/builders/host.ts';
import { FakeIronic } from '../../../test/fakes/fake-ironic.ts';
import type { RequestedData } from '../../../events/src/schemas.ts';
import { nodeNameFor } from '../../../shared/src/ironic/lookup.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import { createWatcher } from '../src/watcher.ts';

const LIMIT_MS = 300_000;
const LEFT_AT = Date.parse('2026-11-26T01:00:00.000Z');

function setUp(lockedBy: string | null) {
  const host = aHost('provisioning').withImage('http://images/os.qcow2').withOnline(true).build();
  const ironic = new FakeIronic().withNode({
    name: nodeNameFor(host), provisionState: 'deploying', target_provision_state: 'active', powerState: 'power off',
    reservation: lockedBy, provision_updated_at: new Date(LEFT_AT).toISOString(),
  });
  const emitted: CloudEvent<RequestedData>[] = [];
  let clock = LEFT_AT + 60_000;
  const watcher = createWatcher({
    ironic, log: silentLogger, emit: async (e) => { emitted.push(e as CloudEvent<RequestedData>); },
    abandonedAfterMs: LIMIT_MS, resyncMs: 3_600_000, now: () => clock,
  });
  watcher.onInformerEvent({ type: 'upsert', host });
  return { watcher, emitted, advanceTo: (ms: number) => { clock = ms; } };
}

describe('watcher and abandoned Ironic nodes', () => {
  it('emits once more, naming the abandonment, when a node without a lock passes the limit', async () => {
    // Prepare: the host's event went out; Ironic shows the node deploying, no lock, since LEFT_AT
    const t = setUp(null);
    await t.watcher.poll();
    const before = t.emitted.length;
    expect(t.emitted.at(-1)?.data?.observed.ironic?.abandonedSince).toBeUndefined();
    // Act: polls before the limit change nothing; the first one after it does
    t.advanceTo(LEFT_AT + LIMIT_MS - 1_000);
    await t.watcher.poll();
    const beforeLimit = t.emitted.length;
    t.advanceTo(LEFT_AT + LIMIT_MS + 1_000);
    await t.watcher.poll();
    await t.watcher.poll();
    // Assess
    expect(beforeLimit).toBe(before);
    expect(t.emitted.length).toBe(before + 1);
    const last = t.emitted.at(-1)!;
    expect(last.data?.observed.ironic).toMatchObject({ provisionState: 'deploying', abandonedSince: new Date(LEFT_AT).toISOString() });
    expect(last.id).not.toBe(t.emitted[before - 1]?.id);
    t.watcher.stop();
  });

  it('stays quiet about a node a conductor is working on, however long', async () => {
    // Prepare
    const t = setUp('conductor-1');
    await t.watcher.poll();
    const before = t.emitted.length;
    // Act
    t.advanceTo(LEFT_AT + 10 * LIMIT_MS);
    await t.watcher.poll();
    // Assess
    expect(t.emitted.length).toBe(before);
    t.watcher.stop();
  });
});
