import { describe, expect, it } from '@jest/globals';
import { createReplayWindow } from './replay-window.ts';

describe('replay window', () => {
  it('accepts increasing sequence numbers and refuses 0', () => {
    const w = createReplayWindow();
    expect(w.accept(0)).toBe(false);
    expect([1, 2, 3, 5].map((s) => w.accept(s))).toEqual([true, true, true, true]);
    expect(w.highest).toBe(5);
  });

  it('refuses a duplicate, whether the highest or an older one', () => {
    const w = createReplayWindow();
    [1, 2, 3].forEach((s) => w.accept(s));
    expect(w.accept(3)).toBe(false);
    expect(w.accept(2)).toBe(false);
  });

  it('accepts a late packet once when it is inside the window', () => {
    const w = createReplayWindow({ size: 8 });
    [1, 2, 4].forEach((s) => w.accept(s));
    expect(w.accept(3)).toBe(true);
    expect(w.accept(3)).toBe(false);
  });

  it('ignores a packet older than the window', () => {
    const w = createReplayWindow({ size: 8 });
    w.accept(1);
    w.accept(20);
    expect(w.accept(12)).toBe(false);
    expect(w.accept(13)).toBe(true);
  });

  it('ignores a packet too far ahead (a replay from another epoch or garbage)', () => {
    const w = createReplayWindow({ maxAhead: 32 });
    w.accept(1);
    expect(w.accept(1000)).toBe(false);
    expect(w.accept(33)).toBe(true);
  });

  it('keeps working across the 2^32 wrap, skipping 0', () => {
    const w = createReplayWindow({ start: 0xfffffffd });
    expect(w.accept(0xfffffffe)).toBe(true);
    expect(w.accept(0xffffffff)).toBe(true);
    expect(w.accept(0)).toBe(false);
    expect(w.accept(1)).toBe(true);
    expect(w.accept(0xffffffff)).toBe(false);
    expect(w.accept(0xfffffffd)).toBe(false);
  });
});
