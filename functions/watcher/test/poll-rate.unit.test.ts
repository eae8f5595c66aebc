/** watcher: the poller backs off when Ironic answers its list call slowly (Ironic busy, or many nodes). */
import { describe, expect, it } from '@jest/globals';
import { FakeIronic } from '../../../test/fakes/fake-ironic.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import type { IronicClient } from '../../../shared/src/ironic/types.ts';
import { createWatcher } from '../src/watcher.ts';

/** A FakeIronic whose list call takes `ms` (as a real one does with many nodes or a busy conductor). */
function slowList(ms: number): IronicClient {
  const ironic = new FakeIronic();
  const list = ironic.listNodes.bind(ironic);
  ironic.listNodes = async (o) => {
    await new Promise((r) => setTimeout(r, ms));
    return list(o);
  };
  return ironic;
}

describe('watcher poll rate', () => {
  it('polls at the configured rate while list calls are quick', async () => {
    // Prepare
    const w = createWatcher({ ironic: slowList(0), emit: async () => undefined, log: silentLogger, pollActiveMs: 100, pollIdleMs: 1_000 });
    // Act
    await w.poll();
    // Assess: nothing busy → the idle rate
    expect(w.nextPollDelay()).toBe(1_000);
  });

  it('waits at least 4× the last list call (Ironic spends ≤ 20 % of its time on our polls)', async () => {
    // Prepare
    const w = createWatcher({ ironic: slowList(150), emit: async () => undefined, log: silentLogger, pollActiveMs: 100, pollIdleMs: 100 });
    // Act
    await w.poll();
    // Assess
    expect(w.stats.lastPollMs).toBeGreaterThanOrEqual(140);
    expect(w.nextPollDelay()).toBeGreaterThanOrEqual(4 * 140);
    expect(w.nextPollDelay()).toBe(Math.round(w.stats.lastPollMs * 4));
  });

  it('takes another share when configured (0.5: at least as long as the call)', async () => {
    // Prepare
    const w = createWatcher({ ironic: slowList(150), emit: async () => undefined, log: silentLogger, pollActiveMs: 10, pollIdleMs: 10, maxPollShare: 0.5 });
    // Act
    await w.poll();
    // Assess
    expect(w.nextPollDelay()).toBe(Math.round(w.stats.lastPollMs));
  });
});
