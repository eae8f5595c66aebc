import { describe, expect, it } from '@jest/globals';
import { EventValidationError } from '../../shared/src/errors.ts';
import { loadFixture } from './fixtures.ts';
import { parseEvent } from './parse.ts';
import { EventType } from './types.ts';

describe('parseEvent with raw bytes as data (binary mode, non-JSON content type)', () => {
  it('names the data as not JSON instead of listing Buffer internals', () => {
    // Prepare
    const ev = { ...loadFixture(EventType.enroll), data: Buffer.from('<xml/>') } as Record<string, unknown>;
    // Act
    let err: unknown;
    try { parseEvent(ev); } catch (e) { err = e; }
    // Assess
    expect(err).toBeInstanceOf(EventValidationError);
    expect((err as Error).message).toContain('data: not valid JSON');
    expect((err as Error).message).not.toContain('readBigUInt64LE');
  });

  it('accepts JSON bytes', () => {
    const fixture = loadFixture(EventType.enroll) as Record<string, unknown>;
    const ev = { ...fixture, data: Buffer.from(JSON.stringify(fixture.data)) };
    expect(parseEvent(ev).data.host.name).toBe((fixture.data as { host: { name: string } }).host.name);
  });
});
