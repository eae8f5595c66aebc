/**
 * watcher: when a host gives up a provisioning-limit slot, the delayed host that has waited longest is
 * emitted again at once (without waiting for the resync), and only that one.
 */
import { describe, expect, it } from '@jest/globals';
import type { CloudEvent } from 'cloudevents';
import { aHost } from '../../../test/builders/host.ts';
import { FakeIronic } from '../../../test/fakes/fake-ironic.ts';
import type { RequestedData } from '../../../events/src/schemas.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import { createWatcher } from '../src/watcher.ts';

const IMG = 'http://images/os.qcow2';
const delayed = (name: string, lastUpdated: string): StoredHost => {
  const h = aHost('available').named(name).withUid(`uid-${name}`).withImage(IMG).withOnline(true).build();
  h.status = { ...h.status, operationalStatus: 'delayed', lastUpdated } as StoredHost['status'];
  return h;
};

describe('watcher and the provisioning limit', () => {
  it('wakes the longest-delayed host when a busy host leaves its slot', async () => {
    // Prepare: one host provisioning, two delayed behind it (emitted once each when first seen)
    const emitted: CloudEvent<RequestedData>[] = [];
    const watcher = createWatcher({ ironic: new FakeIronic(), log: silentLogger, emit: async (e) => { emitted.push(e as CloudEvent<RequestedData>); }, resyncMs: 3_600_000 });
    const busy = aHost('provisioning').named('busy').withUid('uid-busy').withImage(IMG).withOnline(true);
    watcher.onInformerEvent({ type: 'upsert', host: busy.build() });
    watcher.onInformerEvent({ type: 'upsert', host: delayed('newer', '2026-01-01T00:02:00Z') });
    watcher.onInformerEvent({ type: 'upsert', host: delayed('older', '2026-01-01T00:01:00Z') });
    const before = emitted.length;
    // Act: the busy host is provisioned
    const done = busy.build();
    done.status = { ...done.status, provisioning: { ...(done.status?.provisioning ?? {}), state: 'provisioned' } } as StoredHost['status'];
    watcher.onInformerEvent({ type: 'upsert', host: done });
    // Assess: one more provision event, for the host that waited longest
    const woken = emitted.slice(before).filter((e) => (e.data as RequestedData).host.name !== 'busy');
    expect(woken.map((e) => (e.data as RequestedData).host.name)).toEqual(['older']);
    expect(woken[0]?.type).toMatch(/provision/);
    watcher.stop();
  });
});
