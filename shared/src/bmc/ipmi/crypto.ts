/**
 * @module bmc/ipmi/crypto: RAKP HMACs, session keys (SIK, K1, K2), integrity AuthCodes and
 * AES-CBC-128 payload encryption for RMCP+ (IPMI 2.0 §13.28–13.32).
 */
import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import { BmcProtocolError } from '../../errors.ts';
import type { CipherSuite } from './cipher-suites.ts';

/** Const1/Const2 are 20 bytes for SHA-256 too: ipmitool, FreeIPMI and OpenBMC agree (notes §3.7). */
const CONST_LENGTH = 20;
const CONST1 = Buffer.alloc(CONST_LENGTH, 0x01);
const CONST2 = Buffer.alloc(CONST_LENGTH, 0x02);
const AES_BLOCK = 16;

/** What both sides know after RAKP 1/2; every key and HMAC is computed from it. */
export interface RakpExchange {
  consoleSessionId: number;
  bmcSessionId: number;
  consoleRandom: Buffer;
  bmcRandom: Buffer;
  bmcGuid: Buffer;
  /** ROLEm: requested privilege | 0x10 (name-only lookup) */
  role: number;
  username: Buffer;
}

export interface SessionKeys {
  sik: Buffer;
  k1: Buffer;
  /** AES-128 key: the first 16 bytes of K2 */
  aesKey: Buffer;
}

const u32le = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};

const hmac = (suite: CipherSuite, key: Buffer, ...parts: Buffer[]): Buffer => {
  const h = createHmac(suite.hash, key);
  for (const p of parts) h.update(p);
  return h.digest();
};

const nameParts = (x: RakpExchange): Buffer[] => [Buffer.from([x.role, x.username.length]), x.username];

/** Kuid: the password zero-padded to 20 bytes (the caller has rejected longer ones). */
export function passwordKey(password: Buffer): Buffer {
  const kuid = Buffer.alloc(20);
  password.copy(kuid);
  return kuid;
}

/** RAKP 2 auth code, sent by the BMC: proves it knows the password. */
export function rakp2Hmac(suite: CipherSuite, kuid: Buffer, x: RakpExchange): Buffer {
  return hmac(suite, kuid, u32le(x.consoleSessionId), u32le(x.bmcSessionId), x.consoleRandom, x.bmcRandom, x.bmcGuid, ...nameParts(x));
}

/** RAKP 3 auth code, sent by us: proves we know the password. */
export function rakp3Hmac(suite: CipherSuite, kuid: Buffer, x: RakpExchange): Buffer {
  return hmac(suite, kuid, x.bmcRandom, u32le(x.consoleSessionId), ...nameParts(x));
}

/** SIK, K1 and the AES key. KG defaults to Kuid when the BMC has no BMC key configured. */
export function deriveSessionKeys(suite: CipherSuite, kg: Buffer, x: RakpExchange): SessionKeys {
  const sik = hmac(suite, kg, x.consoleRandom, x.bmcRandom, ...nameParts(x));
  const k1 = hmac(suite, sik, CONST1);
  const k2 = hmac(suite, sik, CONST2);
  return { sik, k1, aesKey: k2.subarray(0, AES_BLOCK) };
}

/** RAKP 4 integrity check value, sent by the BMC: proves it derived the same SIK. */
export function rakp4Icv(suite: CipherSuite, sik: Buffer, x: RakpExchange): Buffer {
  return hmac(suite, sik, x.consoleRandom, u32le(x.bmcSessionId), x.bmcGuid).subarray(0, suite.integrityLength);
}

/** Session AuthCode over AuthType..Next Header: HMAC-SHA1-96 or HMAC-SHA256-128. */
export function integrityCode(suite: CipherSuite, k1: Buffer, covered: Buffer): Buffer {
  return hmac(suite, k1, covered).subarray(0, suite.integrityLength);
}

/** Constant-time comparison; different lengths are simply unequal. */
export function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** IV ‖ AES-CBC-128(message ‖ 01 02 … N ‖ N), Table 13-20. */
export function encryptPayload(aesKey: Buffer, iv: Buffer, message: Buffer): Buffer {
  const padLength = (AES_BLOCK - ((message.length + 1) % AES_BLOCK)) % AES_BLOCK;
  const pad = Buffer.from(Array.from({ length: padLength }, (_, i) => i + 1));
  const plaintext = Buffer.concat([message, pad, Buffer.from([padLength])]);
  const cipher = createCipheriv('aes-128-cbc', aesKey, iv).setAutoPadding(false);
  return Buffer.concat([iv, cipher.update(plaintext), cipher.final()]);
}

/**
 * The IPMI message inside an encrypted payload. The MAC has been checked before this is called.
 * A pad of 16 (OpenBMC's off-by-one, notes §3.9) is tolerated: its bytes are still checked.
 */
export function decryptPayload(aesKey: Buffer, payload: Buffer): Buffer {
  if (payload.length < 2 * AES_BLOCK || payload.length % AES_BLOCK !== 0) {
    throw new BmcProtocolError(`encrypted payload of ${payload.length} bytes is not IV plus whole AES blocks`);
  }
  const decipher = createDecipheriv('aes-128-cbc', aesKey, payload.subarray(0, AES_BLOCK)).setAutoPadding(false);
  const plaintext = Buffer.concat([decipher.update(payload.subarray(AES_BLOCK)), decipher.final()]);
  const padLength = plaintext[plaintext.length - 1] ?? 0;
  if (padLength > AES_BLOCK || padLength + 1 > plaintext.length) {
    throw new BmcProtocolError(`malformed confidentiality pad length ${padLength}`);
  }
  const end = plaintext.length - 1 - padLength;
  for (let i = 0; i < padLength; i++) {
    if (plaintext[end + i] !== i + 1) throw new BmcProtocolError('malformed confidentiality pad bytes');
  }
  return plaintext.subarray(0, end);
}
