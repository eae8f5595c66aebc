/**
 * The request check: 401 without a valid token for the audience, 403 for an
 * identity the table does not let send the type, allowed otherwise.
 */
import { describe, expect, it } from '@jest/globals';
import { CATALOGUE_EVENT_TYPES, EventType } from '../../../events/src/types.ts';
import { authorizeEvent, bearerTokenOf } from './authorize.ts';
import type { EventAuth } from './authorize.ts';
import { allowedTypes, brokerSenders, functionSenders } from './policy.ts';
import type { TokenVerifier } from './verifier.ts';

/** pure-logic fake: token text → identity, for one audience */
const verifier = (tokens: Record<string, string>, audience: string): TokenVerifier => ({
  verify: async (token, aud) => (tokens[token] && aud === audience ? { ok: true, identity: tokens[token] } : { ok: false, reason: `token not accepted for audience ${aud}` }),
});

describe('authorizeEvent', () => {
  const trigger = functionSenders('provision')[0]!.identity;
  const auth: EventAuth = { verifier: verifier({ good: trigger, other: 'system:serviceaccount:metal3:intruder' }, 'aud-provision'), audience: 'aud-provision', allowed: allowedTypes(functionSenders('provision')) };

  it.each([
    ['no header', undefined, 'unauthenticated'],
    ['a Basic header', 'Basic Z29vZA==', 'unauthenticated'],
    ['an unknown token', 'Bearer forged', 'unauthenticated'],
    ['a valid identity the table does not know', 'Bearer other', 'forbidden'],
    ['its Trigger', 'Bearer good', 'allowed'],
  ])('%s → %s', async (_case, header, kind) => {
    expect((await authorizeEvent(auth, header, EventType.provision)).kind).toBe(kind);
  });

  it('refuses the right identity sending another type (403)', async () => {
    expect(await authorizeEvent(auth, 'Bearer good', EventType.deprovision)).toMatchObject({ kind: 'forbidden', reason: expect.stringContaining(EventType.deprovision) });
  });

  it('reads only a well-formed bearer header', () => {
    expect(bearerTokenOf('Bearer abc')).toBe('abc');
    expect(bearerTokenOf('bearer abc')).toBe('abc');
    expect(bearerTokenOf('Bearer a b')).toBeUndefined();
    expect(bearerTokenOf(['Bearer x', 'Bearer y'])).toBe('x');
  });
});

describe('the policy table', () => {
  it('lets no reply carry its own function\'s type (no loops) and lets the watcher send every type', () => {
    const senders = brokerSenders('metal3');
    for (const s of senders.filter((x) => x.id.startsWith('replies-'))) expect(s.types).not.toContain(EventType[s.id.slice('replies-'.length) as 'enroll']);
    expect(senders.find((s) => s.id === 'watcher')?.types).toHaveLength(CATALOGUE_EVENT_TYPES.length);
  });

  it('adds external senders only when named, limited to their types', () => {
    const senders = brokerSenders('metal3', [{ namespace: 'ops', serviceAccount: 'bot', types: [EventType.power] }]);
    expect(allowedTypes(senders).get('system:serviceaccount:ops:bot')).toEqual(new Set([EventType.power]));
    expect(allowedTypes(brokerSenders('metal3')).has('system:serviceaccount:ops:bot')).toBe(false);
  });
});
