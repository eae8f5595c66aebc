import { describe, expect, it } from '@jest/globals';
import { defFromCrd } from './resources.ts';
import { widgetCrd } from './fixtures/widget-crd.ts';
import { evalJsonPath, humanDuration, toTable } from './tables.ts';
import type { KubeObject } from './types.ts';

describe('evalJsonPath', () => {
  const obj = { a: { b: [{ c: 1 }, { c: 2 }] }, status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'X', status: 'False' }] } };
  it.each([
    { path: '.a.b[1].c', want: [2] },
    { path: '.a.b[*].c', want: [1, 2] },
    { path: '{.a.b[0].c}', want: [1] },
    { path: '.status.conditions[?(@.type=="Ready")].status', want: ['True'] },
    { path: '.missing.x', want: [] },
  ])('$path → $want', ({ path, want }) => {
    expect(evalJsonPath(obj, path)).toEqual(want);
  });
});

describe('humanDuration', () => {
  it.each([[5_000, '5s'], [226_000, '3m46s'], [3 * 3600_000, '3h'], [50 * 3600_000, '2d2h']])('%d ms → %s', (ms, want) => {
    expect(humanDuration(ms)).toBe(want);
  });
});

describe('toTable', () => {
  it('renders Name then printer columns with priorities, ages and PartialObjectMetadata rows', () => {
    // Prepare
    const def = defFromCrd(widgetCrd() as unknown as KubeObject);
    const obj: KubeObject = { metadata: { name: 'w', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { size: 2, color: 'red' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } };
    // Act
    const table = toTable(def, [obj], { now: Date.parse('2026-01-01T00:00:07Z'), resourceVersion: '9' }) as { columnDefinitions: { name: string; priority: number }[]; rows: { cells: unknown[]; object: { kind: string } }[]; metadata: object };
    // Assess
    expect(table.columnDefinitions.map((c) => [c.name, c.priority])).toEqual([['Name', 0], ['Size', 0], ['Phase', 0], ['Ready', 0], ['Color', 1], ['Age', 0]]);
    expect(table.rows[0]!.cells).toEqual(['w', 2, null, 'True', 'red', '7s']);
    expect(table.rows[0]!.object.kind).toBe('PartialObjectMetadata');
    expect(table.metadata).toEqual({ resourceVersion: '9' });
  });
});
