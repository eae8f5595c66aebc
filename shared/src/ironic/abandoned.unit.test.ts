/** abandonedSince: a node a stopped conductor left mid-step, told apart from every node that is still moving. */
import { describe, expect, it } from '@jest/globals';
import { ABANDONED_NODE_AFTER_MS, IRONIC_CONDUCTOR_STATES, abandonedSince } from './states.ts';

const NOW = new Date('2026-11-26T02:00:00.000Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();
const node = (fields: Partial<{ provision_state: string; reservation: string | null; provision_updated_at: string | null; updated_at: string | null }>) =>
  ({ provision_state: 'deploying', reservation: null, provision_updated_at: ago(ABANDONED_NODE_AFTER_MS), updated_at: null, ...fields });

describe('abandonedSince', () => {
  it.each(IRONIC_CONDUCTOR_STATES.map((s) => [s]))('`%s` with no lock past the limit → abandoned since its last state change', (state) => {
    expect(abandonedSince(node({ provision_state: state }), NOW)).toBe(ago(ABANDONED_NODE_AFTER_MS));
  });

  it.each([
    { case: 'a conductor holds the lock', n: node({ reservation: 'conductor-1', provision_updated_at: ago(86_400_000) }) },
    { case: 'younger than the limit', n: node({ provision_updated_at: ago(ABANDONED_NODE_AFTER_MS - 1) }) },
    { case: 'a wait state (an agent works, no lock by design)', n: node({ provision_state: 'wait call-back', provision_updated_at: ago(86_400_000) }) },
    { case: 'a stable state', n: node({ provision_state: 'active', provision_updated_at: ago(86_400_000) }) },
    { case: 'a failure state', n: node({ provision_state: 'deploy failed', provision_updated_at: ago(86_400_000) }) },
    { case: 'no timestamp at all (age unknown)', n: node({ provision_updated_at: null, updated_at: null }) },
    { case: 'an unparseable timestamp', n: node({ provision_updated_at: 'yesterday' }) },
    { case: 'a timestamp in the future (clock skew)', n: node({ provision_updated_at: ago(-60_000) }) },
  ])('$case → not abandoned', ({ n }) => {
    expect(abandonedSince(n, NOW)).toBeUndefined();
  });

  it('falls back to updated_at when Ironic gives no provision_updated_at', () => {
    expect(abandonedSince(node({ provision_updated_at: null, updated_at: ago(ABANDONED_NODE_AFTER_MS + 5) }), NOW)).toBe(ago(ABANDONED_NODE_AFTER_MS + 5));
  });

  it('takes the limit it is given', () => {
    const n = node({ provision_updated_at: ago(10_000) });
    expect(abandonedSince(n, NOW, 10_000)).toBe(ago(10_000));
    expect(abandonedSince(n, NOW, 10_001)).toBeUndefined();
  });

  it('reads Ironic\'s own timestamp format (microseconds, +00:00)', () => {
    expect(abandonedSince(node({ provision_updated_at: '2026-11-26T01:01:23.970775+00:00' }), NOW)).toBe('2026-11-26T01:01:23.970Z');
  });
});
