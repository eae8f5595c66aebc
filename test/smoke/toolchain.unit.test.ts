import { describe, expect, it } from '@jest/globals';

describe('toolchain', () => {
  it('runs on the pinned Node 24 LTS', () => {
    expect(Number(process.versions.node.split('.')[0])).toBe(24);
  });
});
