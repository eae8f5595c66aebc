import { describe, expect, it } from '@jest/globals';
import { eventNameFor } from './host-store.ts';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

describe('eventNameFor', () => {
  it('is <host>.<hex nanoseconds><4 hex>, a valid name', () => {
    const name = eventNameFor('worker-0', new Date('2026-12-05T10:00:00.000Z'));
    expect(name).toMatch(/^worker-0\.[0-9a-f]+$/);
    expect(name.startsWith(`worker-0.${(BigInt(Date.parse('2026-12-05T10:00:00.000Z')) * 1_000_000n).toString(16)}`)).toBe(true);
    expect(name).toMatch(DNS_SUBDOMAIN);
  });

  it('differs for two Events in the same instant', () => {
    const at = new Date();
    const names = new Set(Array.from({ length: 50 }, () => eventNameFor('h', at)));
    expect(names.size).toBeGreaterThan(45);
  });

  it.each([
    ['a 253-character host name', `${'a'.repeat(200)}.${'b'.repeat(52)}`],
    ['a cut that would end in a dot', `${'a'.repeat(232)}.${'b'.repeat(20)}`],
    ['a cut that would end in a dash', `${'a'.repeat(232)}-${'b'.repeat(20)}`],
  ])('stays a valid name of at most 253 characters for %s', (_case, host) => {
    const name = eventNameFor(host, new Date());
    expect(name.length).toBeLessThanOrEqual(253);
    expect(name).toMatch(DNS_SUBDOMAIN);
  });
});
