/** watcher: the poller backs off when Ironic answers its list call slowly (Ironic busy, or many nodes). */
import { describe, expect, it } from '@jest/globals';
import { FakeIronic } from '../../../test/fakes/fake-ironic.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import type { IronicClient } from '../../../shared/src/ironic/types.ts';
import { createWatcher, idlePollMs } from '../src/watcher.ts';
import { aHost } from '../../../test/builders/host.ts';

/**
 * A FakeIronic whose list call takes `ms` (as a real one does with many nodes or a busy conductor),
 * holding enough nodes (600) that the idle floor of one list per 60 s / nodes (100 ms) stays below the rates tested.
 */
async function slowList(ms: number): Promise<IronicClient> {
  const ironic = new FakeIronic();
  for (let i = 0; i < 600; i++) await ironic.createNode({ name: `ns~h${i}`, driver: 'fake-hardware' } as never);
  const list = ironic.listNodes.bind(ironic);
  ironic.listNodes = async (o) => {
    await new Promise((r) => setTimeout(r, ms));
    return list(o);
  };
  return ironic;
}

describe('idlePollMs', () => {
  it('polls a settled fleet at POLL_IDLE_MS, or less often while that would mean more calls than upstream\'s one GET per host per minute', () => {
    // Assess: 10 hosts → 6 s (10 calls a minute, upstream's 10 GETs); from 12 hosts on the floor
    expect([0, 1, 10, 12, 30, 1000].map((n) => idlePollMs(n))).toEqual([60_000, 60_000, 6_000, 5_000, 5_000, 5_000]);
    expect(idlePollMs(30, 1_000)).toBe(2_000);
  });
});

describe('watcher poll rate', () => {
  it('polls at the configured rate while list calls are quick', async () => {
    // Prepare
    const w = createWatcher({ ironic: await slowList(0), emit: async () => undefined, log: silentLogger, pollActiveMs: 100, pollIdleMs: 1_000 });
    // Act
    await w.poll();
    // Assess: nothing busy → the idle rate
    expect(w.nextPollDelay()).toBe(1_000);
  });

  it('waits at least 4× the last list call (Ironic spends ≤ 20 % of its time on our polls)', async () => {
    // Prepare
    const w = createWatcher({ ironic: await slowList(150), emit: async () => undefined, log: silentLogger, pollActiveMs: 100, pollIdleMs: 100 });
    // Act
    await w.poll();
    // Assess
    expect(w.stats.lastPollMs).toBeGreaterThanOrEqual(140);
    expect(w.nextPollDelay()).toBeGreaterThanOrEqual(4 * 140);
    expect(w.nextPollDelay()).toBe(Math.round(w.stats.lastPollMs * 4));
  });

  it('takes another share when configured (0.5: at least as long as the call)', async () => {
    // Prepare
    const w = createWatcher({ ironic: await slowList(150), emit: async () => undefined, log: silentLogger, pollActiveMs: 10, pollIdleMs: 10, maxPollShare: 0.5 });
    // Act
    await w.poll();
    // Assess
    expect(w.nextPollDelay()).toBe(Math.round(w.stats.lastPollMs));
  });
});

describe('watcher idle poll against upstream\'s steady load', () => {
  async function watcherOver(nodes: number, pollIdleMs: number) {
    const ironic = new FakeIronic();
    for (let i = 0; i < nodes; i++) await ironic.createNode({ name: `ns~h${i}`, driver: 'fake-hardware' } as never);
    const w = createWatcher({ ironic, emit: async () => undefined, log: silentLogger, pollActiveMs: 100, pollIdleMs });
    await w.poll();
    return w;
  }

  it.each([[1, 60_000], [10, 6_000], [12, 5_000], [100, 5_000], [1000, 5_000]])(
    'with %i settled nodes waits %i ms: never more list calls than one GET per host per minute, never less often than configured',
    async (nodes, expected) => {
      const w = await watcherOver(nodes, 5_000);
      expect(w.stats.lastListSize).toBe(nodes);
      expect(w.nextPollDelay()).toBe(expected);
    });
});

describe('watcher: work arriving during a long idle wait', () => {
  it('polls at the active rate at once, not after the idle wait (up to 60 s on an empty or small fleet)', async () => {
    // Prepare: an empty Ironic, so the idle wait is the 60 s floor
    const w = createWatcher({ ironic: new FakeIronic(), emit: async () => undefined, log: silentLogger, pollActiveMs: 50, pollIdleMs: 5_000, resyncMs: 3_600_000 });
    await w.poll();
    w.start();
    try {
      const polls = w.stats.polls;
      // Act: a host starts registering
      w.onInformerEvent({ type: 'upsert', host: aHost('registering').build() });
      await new Promise((r) => setTimeout(r, 400));
      // Assess
      expect(w.stats.polls).toBeGreaterThan(polls);
    } finally {
      w.stop();
    }
  });
});

describe('watcher start', () => {
  it('reads Ironic at once when started, not a full idle minute later (it knows no fleet size yet)', async () => {
    // Prepare: 3 nodes, so the idle delay would be 20 s
    const ironic = new FakeIronic();
    for (let i = 0; i < 3; i++) await ironic.createNode({ name: `ns~h${i}`, driver: 'fake-hardware' } as never);
    const w = createWatcher({ ironic, emit: async () => undefined, log: silentLogger, pollActiveMs: 100, pollIdleMs: 5_000 });
    try {
      // Act
      w.start();
      for (const until = Date.now() + 2_000; w.stats.polls === 0 && Date.now() < until;) await new Promise((r) => setTimeout(r, 5));
      // Assess
      expect(w.stats.polls).toBe(1);
      expect(w.stats.lastListSize).toBe(3);
      expect(w.nextPollDelay()).toBe(20_000);
    } finally {
      w.stop();
    }
  });
});
