/** The harness's parsers: Ironic's conductor log and V8 CPU profiles; request counting. */
import { describe, expect, it } from '@jest/globals';
import { firstIronicEvent, parseIronicLog } from './ironic-log.ts';
import { areaOf, summarizeCpuProfile } from './profile.ts';
import type { CpuProfile } from './profile.ts';
import { addCounts, countRequest, diffCounts, emptyCounts, steadyRate } from './request-counter.ts';

const U = '698e3cb8-fa5a-45fc-b0bc-2044c895384c';
const LOG = [
  `2026-11-25 20:24:28.658 8207 INFO ironic.conductor.task_manager [None req-1 - - - - - -] Node ${U} moved to provision state "verifying" from state "enroll"; target provision state is "manageable"\u001b[00m`,
  '2026-11-25 20:24:28.700 8207 INFO eventlet.wsgi.server [None req-2 - - - - - -] 127.0.0.1 "GET /v1/nodes HTTP/1.1" status: 200',
  `2026-11-25 20:24:28.780 8207 INFO ironic.conductor.task_manager [None req-1 - - - - - -] Node ${U} moved to provision state "manageable" from state "verifying"; target provision state is "None"`,
  `2026-11-25 20:24:30.411 8207 INFO ironic.conductor.utils [None req-3 - - - - - -] Successfully set node ${U} power state to power off by power off.\u001b[00m`,
  'a continuation line without a timestamp',
].join('\n');

describe('parseIronicLog', () => {
  it('extracts provision moves and completed power actions with ms timestamps when given conductor lines', () => {
    // Act
    const events = parseIronicLog(LOG);
    // Assess
    expect(events).toEqual([
      { at: Date.parse('2026-11-25T20:24:28.658'), node: U, kind: 'provision', state: 'verifying', from: 'enroll', target: 'manageable' },
      { at: Date.parse('2026-11-25T20:24:28.780'), node: U, kind: 'provision', state: 'manageable', from: 'verifying', target: 'None' },
      { at: Date.parse('2026-11-25T20:24:30.411'), node: U, kind: 'power', state: 'power off' },
    ]);
  });

  it('finds the first matching event at or after a time when asked for one node', () => {
    // Prepare
    const events = parseIronicLog(LOG);
    // Act
    const e = firstIronicEvent(events, U, Date.parse('2026-11-25T20:24:28.700'), (x) => x.kind === 'provision');
    // Assess
    expect(e?.kind === 'provision' && e.state).toBe('manageable');
    expect(firstIronicEvent(events, 'other', 0, () => true)).toBeUndefined();
  });
});

describe('summarizeCpuProfile', () => {
  const profile: CpuProfile = {
    startTime: 0, endTime: 10_000,
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 } },
      { id: 2, callFrame: { functionName: 'decide', url: 'file:///repo/functions/power/src/decide.ts', lineNumber: 9 } },
      { id: 3, callFrame: { functionName: 'parse', url: 'file:///repo/node_modules/zod/v4/core.js', lineNumber: 0 } },
      { id: 4, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
    ],
    // each sample lasts until the next one: decide 3000 + 1000 µs, parse 2000 µs, idle 4000 µs, the last 0
    samples: [2, 3, 4, 2, 2],
    timeDeltas: [0, 3_000, 2_000, 4_000, 1_000],
  };

  it('ranks functions by self time, excluding idle from the shares, when given samples and time deltas', () => {
    // Act
    const s = summarizeCpuProfile(profile, { root: '/repo' });
    // Assess
    expect(s.top[0]).toEqual({ function: 'decide (functions/power/src/decide.ts:10)', selfMs: 4, selfPct: 66.7 });
    expect(s.top[1]).toEqual({ function: 'parse (node_modules/zod/v4/core.js:1)', selfMs: 2, selfPct: 33.3 });
    expect(s.totalMs).toBe(6);
    expect(s.byArea).toMatchObject({ ours: 4, 'dep:zod': 2, idle: 4 });
  });

  it('names the area of code by where it lives', () => {
    expect(areaOf('file:///x/node_modules/@kubernetes/client-node/dist/a.js', 'f')).toBe('dep:@kubernetes/client-node');
    expect(areaOf('node:internal/http', 'f')).toBe('node internals');
    expect(areaOf('', '(garbage collector)')).toBe('gc');
  });
});

describe('countRequest', () => {
  it('splits requests into list calls, single-node reads and writes, per component', () => {
    // Prepare
    const c = emptyCounts();
    // Act
    countRequest(c, { method: 'GET', path: '/v1/nodes?fields=uuid,name', status: 200, ms: 3, component: 'watcher' });
    countRequest(c, { method: 'GET', path: '/v1/nodes/abc', status: 200, ms: 3, component: 'power' });
    countRequest(c, { method: 'PUT', path: '/v1/nodes/abc/states/power', status: 202, ms: 3, component: 'power' });
    // Assess
    expect(c).toEqual({ total: 3, list: 1, get: 1, write: 1, byComponent: { watcher: 1, power: 2 } });
  });

  it('adds and subtracts counts field by field', () => {
    const a = { total: 5, list: 2, get: 2, write: 1, byComponent: { watcher: 2, power: 3 } };
    const b = { total: 1, list: 1, get: 0, write: 0, byComponent: { watcher: 1 } };
    expect(addCounts(a, b)).toEqual({ total: 6, list: 3, get: 2, write: 1, byComponent: { watcher: 3, power: 3 } });
    expect(diffCounts(a, b)).toEqual({ total: 4, list: 1, get: 2, write: 1, byComponent: { watcher: 1, power: 3 } });
  });
});

describe('steadyRate', () => {
  it('reads one request per host per minute from a 60 s poll that a 62 s window holds once per host', () => {
    // Prepare: 10 hosts each read once at its own phase inside a 125 s window, twice 60 s apart
    const trace = Array.from({ length: 10 }, (_, h) => [0, 60_000].map((t) => ({ at: 1_000 + h * 500 + t, method: 'GET', path: `/v1/nodes/n${h}` }))).flat();
    // Act
    const r = steadyRate(trace, 125_000);
    // Assess: a count over the window (20 ÷ 125 s) would read 9.6 per minute
    expect(r.perMinute).toBeCloseTo(10, 6);
    expect(r).toMatchObject({ streams: 10, singles: 0 });
  });

  it('sums a shared list stream with per-node streams, ignoring the query, and counts a single sighting once per window', () => {
    // Prepare: a list every 6 s (5 in 24 s) plus one node read seen once
    const trace = [0, 6_000, 12_000, 18_000, 24_000].map((at) => ({ at, method: 'GET', path: `/v1/nodes?fields=uuid` }));
    trace.push({ at: 3_000, method: 'GET', path: '/v1/nodes/a/' });
    // Act: the caller strips queries (system child); here the list paths carry one, so strip as it does
    const r = steadyRate(trace.map((x) => ({ ...x, path: x.path.split('?')[0]! })), 30_000);
    // Assess: 10 lists a minute + 2 (one read per 30 s window)
    expect(r.perMinute).toBeCloseTo(12, 6);
    expect(r).toMatchObject({ streams: 2, singles: 1 });
  });
});

describe('sampleProcessTree', () => {
  it('counts the CPU of a child process (the PyPI Ironic serves from a worker child)', async () => {
    // Prepare: a shell whose child does a fixed amount of work and stays alive, while the shell waits
    const { spawn } = await import('node:child_process');
    const { processTree, sampleProcess, sampleProcessTree } = await import('./machine.ts');
    const parent = spawn('sh', ['-c', 'node -e "let x = 0; for (let i = 0; i < 4e8; i++) x += i; setTimeout(() => x, 20000)"'], { stdio: 'ignore' });
    try {
      // Act: until the child's work shows (bounded; a loaded machine only makes it take longer)
      let tree = sampleProcessTree(parent.pid!)!;
      for (const deadline = Date.now() + 20_000; tree.cpuSeconds < 0.2 && Date.now() < deadline;) {
        await new Promise((r) => setTimeout(r, 100));
        tree = sampleProcessTree(parent.pid!)!;
      }
      // Assess
      expect(tree.cpuSeconds).toBeGreaterThanOrEqual(0.2);
      expect(sampleProcess(parent.pid!)!.cpuSeconds).toBeLessThan(0.1);
    } finally {
      for (const pid of processTree(parent.pid!).reverse()) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
  }, 30_000);
});
