/** The steady section's request kinds and the CPU attributed to them (bench/scenarios/steady-seeded.ts). */
import { describe, expect, it } from '@jest/globals';
import { attributedCpuSPerHostHour, countKinds, steadyRequestKind } from './scenarios/steady-seeded.ts';

describe('steadyRequestKind', () => {
  it.each([
    ['GET', '/v1/nodes?fields=uuid,name,provision_state', 'list'],
    ['GET', '/v1/nodes?fields=uuid&marker=abc&limit=1000', 'list'],
    ['GET', '/v1/nodes', 'list'],
    ['GET', '/v1/nodes?fields=uuid,name&limit=1&sort_key=updated_at&sort_dir=desc', 'probe'],
    ['GET', '/v1/nodes/metal3~host-1', 'node GET'],
    ['GET', '/v1/nodes/0b7b3c62-5c1c-4a55-9f43-8b7b4f1c2d3e?fields=uuid', 'node GET'],
    ['GET', '/v1/nodes/abc/states', 'other'],
    ['PUT', '/v1/nodes/abc/states/power', 'other'],
    ['GET', '/', 'other'],
  ])('%s %s → %s', (method, path, kind) => {
    expect(steadyRequestKind({ method, path })).toBe(kind);
  });
});

describe('countKinds', () => {
  it('counts each kind seen, in a fixed order, leaving out kinds with none', () => {
    const trace = [
      { method: 'GET', path: '/v1/nodes?fields=uuid&limit=1&sort_key=updated_at&sort_dir=desc' },
      { method: 'GET', path: '/v1/nodes?fields=uuid' },
      { method: 'GET', path: '/v1/nodes?fields=uuid&limit=1&sort_key=updated_at&sort_dir=desc' },
    ];
    expect(countKinds(trace)).toEqual([{ kind: 'list', count: 1 }, { kind: 'probe', count: 2 }]);
    expect(countKinds([])).toEqual([]);
  });
});

describe('attributedCpuSPerHostHour', () => {
  it('sums count × CPU per request over the window, per host-hour', () => {
    // 20 GETs × 4.5 ms = 0.09 s in 125 s over 10 hosts → 0.09 / (10 × 125/3600) = 0.2592
    expect(attributedCpuSPerHostHour([{ kind: 'node GET', count: 20, cpuMsPerRequest: 4.5 }], 10, 125_000)).toBeCloseTo(0.2592, 4);
    expect(attributedCpuSPerHostHour([{ kind: 'list', count: 2, cpuMsPerRequest: 5 }, { kind: 'probe', count: 19, cpuMsPerRequest: 4 }], 10, 125_000)).toBeCloseTo((0.01 + 0.076) / (10 * 125 / 3600), 6);
  });

  it('is undefined when a kind seen has no measured cost, and 0 for an empty window', () => {
    expect(attributedCpuSPerHostHour([{ kind: 'list', count: 2, cpuMsPerRequest: 5 }, { kind: 'other', count: 1 }], 10, 125_000)).toBeUndefined();
    expect(attributedCpuSPerHostHour([], 10, 125_000)).toBe(0);
  });
});
