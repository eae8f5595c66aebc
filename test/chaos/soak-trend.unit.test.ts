/** soakTrend: steady growth is caught, bounded noise is not. */
import { describe, expect, it } from '@jest/globals';
import { soakTrend } from './soak-trend.ts';
import type { SoakRow, SoakSample } from './soak-trend.ts';

/** 61 samples (one unloaded, then 60), `row(i)` for the loaded ones. */
const run = (row: (i: number) => SoakRow): SoakSample[] =>
  [{ rows: { p: { rssMiB: 40, fds: 10 } } }, ...Array.from({ length: 60 }, (_, i) => ({ rows: { p: row(i) } }))];
// a fixed pseudo-random swing, so the test is repeatable
const swing = (i: number, amplitude: number) => Math.round(Math.sin(i * 12.9898) * amplitude);

describe('soakTrend', () => {
  it.each([
    { case: 'constant memory and fds', row: () => ({ rssMiB: 150, fds: 24 }), flat: true },
    { case: 'sockets swinging ±40 around 230 (a server under churn)', row: (i: number) => ({ rssMiB: 300, fds: 230 + swing(i, 40) }), flat: true },
    { case: 'heap after GC in a bounded sawtooth while RSS creeps', row: (i: number) => ({ rssMiB: 300 + i, fds: 230, heapAfterGcMiB: 65 + (i % 17) }), flat: true },
    { case: 'one fd leaked per sample', row: (i: number) => ({ rssMiB: 150, fds: 24 + i }), flat: false },
    { case: 'one leaked socket per sample on a busy server', row: (i: number) => ({ rssMiB: 300, fds: 230 + swing(i, 40) + i }), flat: false },
    { case: 'RSS growing 1 MiB per sample', row: (i: number) => ({ rssMiB: 150 + i, fds: 24 }), flat: false },
    { case: 'heap after GC growing 0.5 MiB per sample', row: (i: number) => ({ rssMiB: 300, fds: 230, heapAfterGcMiB: 60 + i / 2 }), flat: false },
  ])('$case → flat: $flat', ({ row, flat }) => {
    expect(soakTrend(run(row)).p?.flat).toBe(flat);
  });

  it('judges memory by the heap after GC when every settled sample has it', () => {
    expect(soakTrend(run((i) => ({ rssMiB: 300 + i, fds: 5, heapAfterGcMiB: 70 }))).p).toMatchObject({ measure: 'heap after GC', growthMiB: 0 });
    expect(soakTrend(run((i) => ({ rssMiB: 300 + i, fds: 5 }))).p?.measure).toBe('RSS');
  });
});
