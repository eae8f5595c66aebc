/**
 * The watcher's sink token: Knative's SinkBinding renews `/oidc/token` in place; the watcher
 * reads the current one (at most every maxAgeMs) and sends nothing when there is no file.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tokenFileReader } from '../src/index.ts';

describe('tokenFileReader', () => {
  it('reads the token, picks up a renewed one after maxAgeMs, and answers undefined without a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'oidc-'));
    try {
      const path = join(dir, 'token');
      let now = 0;
      const read = tokenFileReader(path, 1_000, () => now);
      expect(read()).toBeUndefined();
      now = 1_000;
      await writeFile(path, 'first-token\n');
      expect(read()).toBe('first-token');
      await writeFile(path, 'renewed-token');
      now = 1_500;
      expect(read()).toBe('first-token');
      now = 2_000;
      expect(read()).toBe('renewed-token');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
