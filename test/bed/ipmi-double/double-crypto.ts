/**
 * @module ipmi-double/double-crypto: the BMC side of RAKP and RMCP+ session protection,
 * written separately from the client's crypto (shared/src/bmc/ipmi/crypto.ts) on purpose:
 * a test of the client against the double proves something only if they share no code.
 * Source of truth: IPMI 2.0 §13.28–13.32, with ipmitool/FreeIPMI/OpenBMC's 20-byte constants.
 */
import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';

export type Digest = 'sha1' | 'sha256';

export interface SuiteParams {
  digest: Digest;
  /** truncated length of RAKP 4 ICV and per-packet AuthCode */
  icvBytes: number;
}

export const DOUBLE_SUITES: Readonly<Record<number, SuiteParams & { algorithms: [number, number, number] }>> = {
  3: { digest: 'sha1', icvBytes: 12, algorithms: [1, 1, 1] },
  17: { digest: 'sha256', icvBytes: 16, algorithms: [3, 4, 1] },
};

const mac = (digest: Digest, key: Buffer, data: Buffer): Buffer => createHmac(digest, key).update(data).digest();

const le32 = (value: number): Buffer => Buffer.from([value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff]);

export interface HandshakeValues {
  sidM: number;
  sidC: number;
  rM: Buffer;
  rC: Buffer;
  guidC: Buffer;
  roleM: number;
  userName: Buffer;
  /** password bytes, zero-filled to 20 */
  kUid: Buffer;
}

const userBlock = (v: HandshakeValues): Buffer => Buffer.concat([Buffer.from([v.roleM, v.userName.length]), v.userName]);

export function bmcRakp2Code(p: SuiteParams, v: HandshakeValues): Buffer {
  return mac(p.digest, v.kUid, Buffer.concat([le32(v.sidM), le32(v.sidC), v.rM, v.rC, v.guidC, userBlock(v)]));
}

export function expectedRakp3Code(p: SuiteParams, v: HandshakeValues): Buffer {
  return mac(p.digest, v.kUid, Buffer.concat([v.rC, le32(v.sidM), userBlock(v)]));
}

export interface BmcSessionKeys {
  sik: Buffer;
  k1: Buffer;
  k2: Buffer;
}

export function bmcSessionKeys(p: SuiteParams, v: HandshakeValues): BmcSessionKeys {
  const sik = mac(p.digest, v.kUid, Buffer.concat([v.rM, v.rC, userBlock(v)]));
  return { sik, k1: mac(p.digest, sik, Buffer.alloc(20, 1)), k2: mac(p.digest, sik, Buffer.alloc(20, 2)) };
}

export function bmcRakp4Icv(p: SuiteParams, keys: BmcSessionKeys, v: HandshakeValues): Buffer {
  return mac(p.digest, keys.sik, Buffer.concat([v.rM, le32(v.sidC), v.guidC])).subarray(0, p.icvBytes);
}

export function packetAuthCode(p: SuiteParams, keys: BmcSessionKeys, signed: Buffer): Buffer {
  return mac(p.digest, keys.k1, signed).subarray(0, p.icvBytes);
}

export const equalCodes = (a: Buffer, b: Buffer): boolean => a.length === b.length && timingSafeEqual(a, b);

/** IV ‖ AES-128-CBC(data ‖ 1..n ‖ n) */
export function sealPayload(keys: BmcSessionKeys, iv: Buffer, data: Buffer): Buffer {
  const n = 15 - (data.length % 16);
  const pad = Buffer.alloc(n + 1);
  for (let i = 0; i < n; i++) pad[i] = i + 1;
  pad[n] = n;
  const c = createCipheriv('aes-128-cbc', keys.k2.subarray(0, 16), iv);
  c.setAutoPadding(false);
  return Buffer.concat([iv, c.update(Buffer.concat([data, pad])), c.final()]);
}

/** The plaintext message, or undefined when the padding is wrong. */
export function openPayload(keys: BmcSessionKeys, payload: Buffer): Buffer | undefined {
  if (payload.length < 32 || payload.length % 16 !== 0) return undefined;
  const d = createDecipheriv('aes-128-cbc', keys.k2.subarray(0, 16), payload.subarray(0, 16));
  d.setAutoPadding(false);
  const plain = Buffer.concat([d.update(payload.subarray(16)), d.final()]);
  const n = plain[plain.length - 1]!;
  if (n > 15) return undefined;
  for (let i = 0; i < n; i++) if (plain[plain.length - 1 - n + i] !== i + 1) return undefined;
  return plain.subarray(0, plain.length - 1 - n);
}
