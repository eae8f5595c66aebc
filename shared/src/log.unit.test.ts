/**
 * Redaction by structure: random passwords full of quotes, backslashes, unicode and JSON
 * metacharacters go through every logging path (message, fields at any depth, arrays, Error
 * messages, child loggers, secret-named fields), and no line holds them in any form.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createLogger, createSecretRegistry, MAX_SECRETS, redact, SECRET_TTL_MS } from './log.ts';

const forms = (v: string): string[] => [v, JSON.stringify(v).slice(1, -1), Buffer.from(v, 'utf8').toString('base64'), encodeURIComponent(v)];

/** Strings a BMC password could be: printable ASCII with JSON/shell metacharacters weighted in, and unicode. */
const password = fc.oneof(
  fc.string({ minLength: 8, maxLength: 24, unit: fc.constantFrom(...'abcXYZ019"\\\'{}[]:,/ \n\t<>&%+=$`'.split('')) }),
  fc.string({ minLength: 8, maxLength: 16, unit: 'grapheme' }),
  fc.string({ minLength: 8, maxLength: 16, unit: 'binary' }),
).filter((s) => s.trim().length >= 8);

describe('logger redaction', () => {
  it('keeps a registered secret out of every line, in every encoding, through every path', () => {
    fc.assert(fc.property(password, (secret) => {
      // Prepare
      redact.add(secret);
      const lines: string[] = [];
      const log = createLogger({ level: 'debug', write: (l) => lines.push(l), fields: { host: 'ns/h' } });
      const child = log.child({ step: `stepped ${secret}` });
      // Act: every way a secret could ride along
      log.info(`login with ${secret} failed`);
      log.warn('nested', { error: new Error(`BMC said: "${secret}"`), detail: { deep: [{ value: `x${secret}y` }] } });
      log.error('encoded', { b64: Buffer.from(secret, 'utf8').toString('base64'), url: `http://bmc/?p=${encodeURIComponent(secret)}` });
      child.debug('child');
      log.info('by field name', { password: 'never-registered-pw', userData: '#cloud-config', Authorization: 'Bearer abc' });
      // Assess
      const out = lines.join('\n');
      for (const f of forms(secret)) if (f.length >= 4) expect(out).not.toContain(f);
      expect(out).not.toContain('never-registered-pw');
      expect(out).not.toContain('#cloud-config');
      for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
    }), { numRuns: 300, seed: 42 });
  });

  it('forgets a value once its time is up, and keeps at most MAX_SECRETS', () => {
    // Prepare
    let now = 0;
    const registry = createSecretRegistry(() => now);
    registry.add('first-secret-value');
    // Act + Assess: scrubbed while fresh, forgotten after the TTL
    expect(registry.scrub('x first-secret-value x')).toBe('x [REDACTED] x');
    now = SECRET_TTL_MS + 1;
    expect(registry.scrub('x first-secret-value x')).toBe('x first-secret-value x');
    expect(registry.size).toBe(0);
    // bounded: the least recently registered go first
    for (let i = 0; i < MAX_SECRETS + 10; i++) registry.add(`value-number-${i}`);
    expect(registry.size).toBe(MAX_SECRETS);
    expect(registry.scrub('value-number-0')).toBe('value-number-0');
    expect(registry.scrub(`value-number-${MAX_SECRETS + 9}`)).toBe('[REDACTED]');
  });
});
