import { describe, expect, it } from '@jest/globals';
import { loadAllYaml } from '@kubernetes/client-node';
import fc from 'fast-check';
import { toYaml, toYamlDocuments, type JsonValue } from './yaml.ts';

/** Parse with js-yaml (through client-node); wrapped so no Kubernetes type mapping applies. */
const readBack = (text: string): unknown[] => (loadAllYaml(text) as { doc: unknown }[]).map((d) => d.doc);

describe('toYaml', () => {
  it('writes block YAML with lists at their key\'s indent', () => {
    // Act
    const text = toYaml({ a: { b: [1, 'x', { c: true, d: null }], e: {} }, f: [] });
    // Assess
    expect(text).toBe('a:\n  b:\n  - 1\n  - x\n  - c: true\n    d: null\n  e: {}\nf: []\n');
  });

  it.each(['true', 'no', 'Yes', 'off', 'null', '~', '1.0', '0x1F', '.5', '-1', '', ' lead', 'a: b', 'a #b', '- x', '@x', "it's", 'line\nbreak', 'y'])(
    'quotes %j so it reads back as the same string',
    (value) => {
      // Act
      const [parsed] = readBack(toYaml({ doc: { [value]: value, list: [value] } }));
      // Assess
      expect(parsed).toEqual({ [value]: value, list: [value] });
    },
  );

  it('reads back as the same data for any JSON value', () => {
    // Prepare
    const json = fc.jsonValue({ maxDepth: 4 });
    // Act + Assess
    fc.assert(
      fc.property(json, (value) => {
        // the same data as JSON carries it (-0 is written as 0 by JSON too)
        expect(readBack(toYaml({ doc: value as JsonValue }))).toEqual([JSON.parse(JSON.stringify(value))]);
      }),
      { numRuns: 500 },
    );
  });

  it('separates documents with ---', () => {
    // Act
    const text = toYamlDocuments([{ doc: 1 }, { doc: [2] }]);
    // Assess
    expect(text).toBe('---\ndoc: 1\n---\ndoc:\n- 2\n');
    expect(readBack(text)).toEqual([1, [2]]);
  });

  it('refuses numbers YAML cannot carry', () => {
    // Act + Assess
    expect(() => toYaml({ x: Number.NaN })).toThrow(TypeError);
  });
});
