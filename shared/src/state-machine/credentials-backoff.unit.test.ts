import { describe, expect, it } from '@jest/globals';
import { aHost, T0 } from '../../../test/builders/host.ts';
import { dueFor } from './guard.ts';

describe('dueFor with changed BMC credentials', () => {
  const failed = () => aHost('registering').withCredentials({ tried: 'rv-1' }).withError({ errorType: 'registration error', count: 4, at: T0 }).build();
  const now = T0.getTime() + 1_000; // deep inside a 2^4-minute backoff

  it('holds the retry back while the Secret is the one already tried', () => {
    expect(dueFor(failed(), { now, facts: { credentialsVersion: 'rv-1' } })).toMatchObject({ kind: 'none', reason: 'backoff' });
  });

  it('retries at once when the watcher reports a newer Secret version (BMO reconciles on Secret events)', () => {
    expect(dueFor(failed(), { now, facts: { credentialsVersion: 'rv-2' } })).toMatchObject({ kind: 'work', by: 'enroll' });
  });

  it('keeps the backoff when nothing reports the Secret', () => {
    expect(dueFor(failed(), { now })).toMatchObject({ kind: 'none', reason: 'backoff' });
  });
});
