/** @module bmc/ipmi/session-messages: Open Session and RAKP 1–4 payloads (IPMI 2.0 §13.17–13.24). */
import { BmcProtocolError } from '../../errors.ts';
import type { CipherSuite } from './cipher-suites.ts';

export interface OpenSessionRequest {
  tag: number;
  maxPrivilege: number;
  consoleSessionId: number;
  suite: CipherSuite;
}

export interface OpenSessionResponse {
  tag: number;
  status: number;
  maxPrivilege: number;
  /** undefined only in a truncated error reply */
  consoleSessionId: number | undefined;
  bmcSessionId: number;
  authAlgorithm: number;
  integrityAlgorithm: number;
  confidentialityAlgorithm: number;
}

const algorithmRecord = (type: number, algorithm: number): Buffer => Buffer.from([type, 0, 0, 0x08, algorithm & 0x3f, 0, 0, 0]);

export function encodeOpenSessionRequest({ tag, maxPrivilege, consoleSessionId, suite }: OpenSessionRequest): Buffer {
  const head = Buffer.alloc(8);
  head[0] = tag;
  head[1] = maxPrivilege & 0x0f;
  head.writeUInt32LE(consoleSessionId >>> 0, 4);
  return Buffer.concat([
    head,
    algorithmRecord(0, suite.authAlgorithm),
    algorithmRecord(1, suite.integrityAlgorithm),
    algorithmRecord(2, suite.confidentialityAlgorithm),
  ]);
}

const need = (p: Buffer, n: number, what: string): void => {
  if (p.length < n) throw new BmcProtocolError(`${what} of ${p.length} bytes is too short`);
};

/** Console session ID of an error reply, which may be cut short after the status (ipmi_sim: 2 bytes). */
const consoleIdOf = (p: Buffer): number | undefined => (p.length >= 8 ? p.readUInt32LE(4) : undefined);

/** On a non-zero status the BMC may send only tag and status; algorithms are then 0xff. */
export function decodeOpenSessionResponse(p: Buffer): OpenSessionResponse {
  need(p, 2, 'Open Session Response');
  const status = p[1] ?? 0xff;
  const base = { tag: p[0] ?? 0, status, maxPrivilege: (p[2] ?? 0) & 0x0f, consoleSessionId: consoleIdOf(p) };
  if (status !== 0) {
    return { ...base, bmcSessionId: 0, authAlgorithm: 0xff, integrityAlgorithm: 0xff, confidentialityAlgorithm: 0xff };
  }
  need(p, 36, 'Open Session Response');
  return {
    ...base,
    consoleSessionId: p.readUInt32LE(4),
    bmcSessionId: p.readUInt32LE(8),
    authAlgorithm: (p[16] ?? 0) & 0x3f,
    integrityAlgorithm: (p[24] ?? 0) & 0x3f,
    confidentialityAlgorithm: (p[32] ?? 0) & 0x3f,
  };
}

export interface Rakp1 {
  tag: number;
  bmcSessionId: number;
  consoleRandom: Buffer;
  role: number;
  username: Buffer;
}

/** 44 bytes: the name field is always 16 bytes on the wire (as ipmitool sends it). */
export function encodeRakp1({ tag, bmcSessionId, consoleRandom, role, username }: Rakp1): Buffer {
  const p = Buffer.alloc(44);
  p[0] = tag;
  p.writeUInt32LE(bmcSessionId >>> 0, 4);
  consoleRandom.copy(p, 8, 0, 16);
  p[24] = role;
  p[27] = username.length;
  username.copy(p, 28, 0, 16);
  return p;
}

export interface Rakp2 {
  tag: number;
  status: number;
  consoleSessionId: number | undefined;
  bmcRandom: Buffer;
  bmcGuid: Buffer;
  authCode: Buffer;
}

export function decodeRakp2(p: Buffer): Rakp2 {
  need(p, 2, 'RAKP 2');
  const base = { tag: p[0] ?? 0, status: p[1] ?? 0xff, consoleSessionId: consoleIdOf(p) };
  if (base.status !== 0) return { ...base, bmcRandom: Buffer.alloc(0), bmcGuid: Buffer.alloc(0), authCode: Buffer.alloc(0) };
  need(p, 40, 'RAKP 2');
  return {
    ...base,
    consoleSessionId: p.readUInt32LE(4),
    bmcRandom: Buffer.from(p.subarray(8, 24)),
    bmcGuid: Buffer.from(p.subarray(24, 40)),
    authCode: Buffer.from(p.subarray(40)),
  };
}

export function encodeRakp3({ tag, status, bmcSessionId, authCode }: { tag: number; status: number; bmcSessionId: number; authCode: Buffer }): Buffer {
  const head = Buffer.alloc(8);
  head[0] = tag;
  head[1] = status;
  head.writeUInt32LE(bmcSessionId >>> 0, 4);
  return Buffer.concat([head, authCode]);
}

export interface Rakp4 {
  tag: number;
  status: number;
  consoleSessionId: number | undefined;
  icv: Buffer;
}

export function decodeRakp4(p: Buffer): Rakp4 {
  need(p, 2, 'RAKP 4');
  const status = p[1] ?? 0xff;
  if (status === 0) need(p, 8, 'RAKP 4');
  return { tag: p[0] ?? 0, status, consoleSessionId: consoleIdOf(p), icv: Buffer.from(p.subarray(8)) };
}
