/**
 * @module eventauth/jwt: short-lived EdDSA (Ed25519) JSON Web Tokens with
 * node:crypto, the in-process stand-in for the ServiceAccount tokens Knative
 * requests per sender identity. Compact form only; `alg` is fixed (a token
 * naming another algorithm, `none` included, is refused).
 */
import { generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export interface TokenClaims { iss: string; sub: string; aud: string[]; iat: number; nbf: number; exp: number; jti: string }

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: string };

const b64 = (v: Buffer | string): string => Buffer.from(v).toString('base64url');
const HEADER = b64(JSON.stringify({ alg: 'EdDSA', typ: 'JWT' }));

export interface TokenIssuer {
  readonly issuer: string;
  /** the public half, for verifiers */
  readonly publicKey: KeyObject;
  /** a token for `subject`, valid for `audience` during `ttlSeconds` */
  issue(subject: string, audience: string, ttlSeconds?: number): string;
}

/** A fresh Ed25519 key pair per issuer: tokens from another process or run never verify. */
export function createTokenIssuer({ issuer, now = () => Date.now(), defaultTtlSeconds = 600 }: { issuer: string; now?: () => number; defaultTtlSeconds?: number }): TokenIssuer {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    issuer,
    publicKey,
    issue: function issue(subject, audience, ttlSeconds = defaultTtlSeconds) {
      const iat = Math.floor(now() / 1000);
      const claims: TokenClaims = { iss: issuer, sub: subject, aud: [audience], iat, nbf: iat, exp: iat + ttlSeconds, jti: randomUUID() };
      const signingInput = `${HEADER}.${b64(JSON.stringify(claims))}`;
      return `${signingInput}.${b64(sign(null, Buffer.from(signingInput), privateKey))}`;
    },
  };
}

/**
 * Checks signature, issuer, audience and lifetime (no leeway on `exp`, 5 s on `nbf`).
 * Reasons never contain the token.
 */
export function verifyToken(token: string, { publicKey, issuer, audience, now = () => Date.now() }: { publicKey: KeyObject; issuer: string; audience: string; now?: () => number }): TokenCheck {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'not a compact JWT' };
  const [h, p, s] = parts as [string, string, string];
  let header: { alg?: unknown };
  let claims: Partial<TokenClaims>;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: unknown };
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Partial<TokenClaims>;
  } catch {
    return { ok: false, reason: 'token is not valid JSON' };
  }
  if (header.alg !== 'EdDSA') return { ok: false, reason: `token algorithm ${JSON.stringify(header.alg)} is not accepted` };
  let signed = false;
  try {
    signed = verify(null, Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, 'base64url'));
  } catch {
    signed = false;
  }
  if (!signed) return { ok: false, reason: 'token signature is invalid' };
  if (claims.iss !== issuer) return { ok: false, reason: 'token issuer is not trusted' };
  const t = Math.floor(now() / 1000);
  if (typeof claims.exp !== 'number' || claims.exp <= t) return { ok: false, reason: 'token has expired' };
  if (typeof claims.nbf === 'number' && claims.nbf > t + 5) return { ok: false, reason: 'token is not valid yet' };
  if (!Array.isArray(claims.aud) || !claims.aud.includes(audience)) return { ok: false, reason: `token is not valid for audience ${audience}` };
  if (typeof claims.sub !== 'string' || claims.sub === '') return { ok: false, reason: 'token has no subject' };
  return { ok: true, claims: claims as TokenClaims };
}
