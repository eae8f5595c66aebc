import { describe, expect, it } from '@jest/globals';
import { CloudEvent, HTTP } from 'cloudevents';
import { buildClaimRequestedEvent } from './build.ts';
import { loadFixture } from './fixtures.ts';
import { cloudEventToRecord, decodeHttpEvent, parseClaimEvent, parseEvent } from './parse.ts';
import { ClaimEventType } from './types.ts';

const claim = { metadata: { name: 'worker-0', namespace: 'team-a', uid: 'u-1', generation: 2, resourceVersion: '9' }, status: { phase: 'Pending' } };

describe('parseClaimEvent', () => {
  it('parses the canonical fixture, also through the SDK in binary mode', () => {
    // Prepare
    const fixture = loadFixture(ClaimEventType.claim);
    const msg = HTTP.binary(new CloudEvent(fixture));
    // Act
    const direct = parseClaimEvent(fixture);
    const viaSdk = parseClaimEvent(decodeHttpEvent(msg.headers as Record<string, string>, msg.body as string));
    // Assess
    expect(direct.data.claim).toMatchObject({ namespace: 'team-a', name: 'worker-0' });
    expect(viaSdk).toEqual(direct);
  });

  it('parses what buildClaimRequestedEvent builds, with a deterministic id', () => {
    // Act
    const a = buildClaimRequestedEvent({ claim, reason: 'resync', source: '/metal3/watcher/x' });
    const b = buildClaimRequestedEvent({ claim, reason: 'spec-changed', source: '/metal3/watcher/x' });
    const moved = buildClaimRequestedEvent({ claim: { ...claim, status: { phase: 'Bound' } }, reason: 'resync', source: '/metal3/watcher/x' });
    // Assess
    expect(parseClaimEvent(cloudEventToRecord(a)).data).toEqual(a.data);
    expect(a.id).toBe(b.id);
    expect(moved.id).not.toBe(a.id);
  });

  it.each([
    { case: 'a host event type', edit: (e: Record<string, unknown>) => { e.type = 'io.metal3.baremetalhost.power.requested'; }, path: 'type' },
    { case: 'subject not matching the claim', edit: (e: Record<string, unknown>) => { e.subject = 'team-a/other'; }, path: 'subject' },
    { case: 'an extra data field (say, a password)', edit: (e: Record<string, unknown>) => { (e.data as Record<string, unknown>).password = 'x'; }, path: 'data' },
    { case: 'claimuid not matching', edit: (e: Record<string, unknown>) => { e.claimuid = 'other'; }, path: 'claimuid' },
  ])('refuses $case with every issue named', ({ edit, path }) => {
    // Prepare
    const ev = loadFixture(ClaimEventType.claim);
    edit(ev);
    // Act / Assess
    expect(() => parseClaimEvent(ev)).toThrow(expect.objectContaining({ name: 'EventValidationError', issues: expect.arrayContaining([expect.objectContaining({ path: expect.stringContaining(path) })]) }));
  });

  it('is refused by the host functions\' parser', () => {
    expect(() => parseEvent(loadFixture(ClaimEventType.claim))).toThrow(expect.objectContaining({ name: 'EventValidationError' }));
  });

  it('refuses a source outside the allowed prefixes (403)', () => {
    expect(() => parseClaimEvent(loadFixture(ClaimEventType.claim), { allowedSources: ['/metal3/functions'] })).toThrow(expect.objectContaining({ name: 'EventUnauthorizedError' }));
  });
});
