/**
 * The in-process tokens: what verifies, and each way a forged or stale one is refused.
 */
import { describe, expect, it } from '@jest/globals';
import { createTokenIssuer, verifyToken } from './jwt.ts';

const AUD = 'eventing.knative.dev/broker/metal3/bmh';

describe('Ed25519 event tokens', () => {
  const issuer = createTokenIssuer({ issuer: 'test-issuer' });
  const check = (token: string, o: { audience?: string; now?: () => number } = {}) =>
    verifyToken(token, { publicKey: issuer.publicKey, issuer: issuer.issuer, audience: o.audience ?? AUD, ...(o.now ? { now: o.now } : {}) });

  it('verifies a fresh token and names its subject', () => {
    const r = check(issuer.issue('system:serviceaccount:metal3:sender', AUD, 60));
    expect(r).toMatchObject({ ok: true, claims: { sub: 'system:serviceaccount:metal3:sender', aud: [AUD], iss: 'test-issuer' } });
  });

  it.each([
    ['another issuer\'s key', () => createTokenIssuer({ issuer: 'test-issuer' }).issue('x', AUD), /signature is invalid/],
    ['a changed payload', () => {
      const [h, , s] = issuer.issue('a', AUD).split('.');
      const forged = Buffer.from(JSON.stringify({ iss: 'test-issuer', sub: 'admin', aud: [AUD], exp: 9_999_999_999 })).toString('base64url');
      return `${h}.${forged}.${s}`;
    }, /signature is invalid/],
    ['alg none', () => {
      const [, p] = issuer.issue('a', AUD).split('.');
      return `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`;
    }, /algorithm "none"/],
    ['not a JWT', () => 'opaque-token', /not a compact JWT/],
  ])('refuses %s', (_case, make, reason) => {
    const r = check(make());
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(reason);
  });

  it('refuses a token for another audience', () => {
    const r = check(issuer.issue('a', 'serving.knative.dev/service/metal3/bmh-power'));
    expect(!r.ok && r.reason).toMatch(/not valid for audience eventing.knative.dev\/broker\/metal3\/bmh/);
  });

  it('refuses a token once expired, and not a second before', () => {
    const t0 = Date.now();
    const token = createTokenIssuer({ issuer: 'clocked', now: () => t0 });
    const tok = token.issue('a', AUD, 30);
    const at = (ms: number) => verifyToken(tok, { publicKey: token.publicKey, issuer: 'clocked', audience: AUD, now: () => ms });
    expect(at(t0 + 29_000).ok).toBe(true);
    expect(at(t0 + 30_000)).toEqual({ ok: false, reason: 'token has expired' });
  });

  it('never puts the token in a reason', () => {
    const tok = createTokenIssuer({ issuer: 'other' }).issue('a', AUD);
    const r = check(tok);
    expect(JSON.stringify(r)).not.toContain(tok.split('.')[2]);
  });
});
