/**
 * @module bmc/ipmi/rmcp: RMCP datagram framing: the IPMI 1.5 session wrapper (pre-session
 * Get Channel Authentication Capabilities only) and the IPMI 2.0 / RMCP+ session header and trailer.
 * Decoders throw only BmcProtocolError, and never read past the datagram.
 */
import { BmcProtocolError } from '../../errors.ts';
import { MAX_DATAGRAM_BYTES, PAYLOAD_AUTHENTICATED, PAYLOAD_ENCRYPTED } from './constants.ts';

/** version 1.0, reserved, sequence 0xFF (no RMCP ACK), class IPMI */
const RMCP_HEADER = Buffer.from([0x06, 0x00, 0xff, 0x07]);
const AUTH_FORMAT_RMCP_PLUS = 0x06;
const NEXT_HEADER = 0x07;
/** AuthType/Format (1) + payload type (1) + session ID (4) + sequence (4) + length (2) */
const V2_HEADER_BYTES = 12;

export interface V2Packet {
  payloadType: number;
  encrypted: boolean;
  authenticated: boolean;
  sessionId: number;
  sequence: number;
  payload: Buffer;
}

export interface DecodedV2Packet extends V2Packet {
  /** bytes the AuthCode covers: AuthType/Format through Next Header */
  covered: Buffer;
  authCode: Buffer;
}

/** Signs AuthType..Next Header; returns the (truncated) AuthCode. */
export type Signer = (covered: Buffer) => Buffer;

function checkRmcpHeader(datagram: Buffer): void {
  if (datagram.length > MAX_DATAGRAM_BYTES) throw new BmcProtocolError(`datagram of ${datagram.length} bytes is oversized`);
  if (datagram.length < 4) throw new BmcProtocolError('datagram shorter than the RMCP header');
  if (datagram[0] !== 0x06 || (datagram[3] ?? 0) !== 0x07) throw new BmcProtocolError('not an RMCP IPMI-class datagram');
}

/** True for RMCP+ (IPMI 2.0) framing, false for IPMI 1.5 framing. Throws on non-IPMI datagrams. */
export function isRmcpPlus(datagram: Buffer): boolean {
  checkRmcpHeader(datagram);
  if (datagram.length < 5) throw new BmcProtocolError('datagram has no session header');
  return datagram[4] === AUTH_FORMAT_RMCP_PLUS;
}

/** IPMI 1.5 packet with AuthType NONE, session 0: only for Get Channel Authentication Capabilities. */
export function encodeV15Packet(message: Buffer): Buffer {
  const header = Buffer.alloc(10); // auth type 0, sequence 0, session ID 0, length
  header[9] = message.length;
  return Buffer.concat([RMCP_HEADER, header, message]);
}

/** The IPMI message of an IPMI 1.5 reply with AuthType NONE. */
export function decodeV15Packet(datagram: Buffer): Buffer {
  checkRmcpHeader(datagram);
  if (datagram.length < 14) throw new BmcProtocolError('IPMI 1.5 datagram too short');
  if (datagram[4] !== 0x00) throw new BmcProtocolError(`IPMI 1.5 reply with auth type ${datagram[4]}, expected none`);
  const length = datagram[13] ?? 0;
  if (14 + length > datagram.length) throw new BmcProtocolError('IPMI 1.5 message length exceeds the datagram');
  return Buffer.from(datagram.subarray(14, 14 + length));
}

/** An RMCP+ datagram; with `sign`, the integrity trailer is appended (encrypt-then-MAC: payload is final). */
export function encodeV2Packet(packet: V2Packet, sign?: Signer): Buffer {
  const header = Buffer.alloc(V2_HEADER_BYTES);
  header[0] = AUTH_FORMAT_RMCP_PLUS;
  header[1] = (packet.payloadType & 0x3f) | (packet.encrypted ? PAYLOAD_ENCRYPTED : 0) | (packet.authenticated ? PAYLOAD_AUTHENTICATED : 0);
  header.writeUInt32LE(packet.sessionId >>> 0, 2);
  header.writeUInt32LE(packet.sequence >>> 0, 6);
  header.writeUInt16LE(packet.payload.length, 10);
  if (!packet.authenticated) return Buffer.concat([RMCP_HEADER, header, packet.payload]);
  if (!sign) throw new BmcProtocolError('authenticated packet needs a signer');
  const pad = (4 - ((V2_HEADER_BYTES + packet.payload.length + 2) % 4)) % 4;
  const covered = Buffer.concat([header, packet.payload, Buffer.alloc(pad, 0xff), Buffer.from([pad, NEXT_HEADER])]);
  return Buffer.concat([RMCP_HEADER, covered, sign(covered)]);
}

/**
 * Splits an RMCP+ datagram. `authCodeLength` is the session's AuthCode size (12 or 16), used
 * only when the authenticated bit is set; verifying it is the caller's job.
 */
export function decodeV2Packet(datagram: Buffer, authCodeLength = 0): DecodedV2Packet {
  checkRmcpHeader(datagram);
  if (datagram.length < 4 + V2_HEADER_BYTES) throw new BmcProtocolError('RMCP+ datagram shorter than its session header');
  const h = datagram.subarray(4);
  if (h[0] !== AUTH_FORMAT_RMCP_PLUS) throw new BmcProtocolError('not an RMCP+ datagram');
  const typeByte = h[1] ?? 0;
  const payloadType = typeByte & 0x3f;
  if (payloadType === 0x02) throw new BmcProtocolError('OEM payloads are not supported');
  const length = h.readUInt16LE(10);
  const payloadEnd = V2_HEADER_BYTES + length;
  if (payloadEnd > h.length) throw new BmcProtocolError('RMCP+ payload length exceeds the datagram');
  const base = {
    payloadType,
    encrypted: (typeByte & PAYLOAD_ENCRYPTED) !== 0,
    authenticated: (typeByte & PAYLOAD_AUTHENTICATED) !== 0,
    sessionId: h.readUInt32LE(2),
    sequence: h.readUInt32LE(6),
    payload: Buffer.from(h.subarray(V2_HEADER_BYTES, payloadEnd)),
  };
  if (!base.authenticated) {
    if (payloadEnd !== h.length) throw new BmcProtocolError('trailing bytes after an unauthenticated RMCP+ payload');
    return { ...base, covered: Buffer.alloc(0), authCode: Buffer.alloc(0) };
  }
  if (authCodeLength <= 0) throw new BmcProtocolError('authenticated RMCP+ packet outside a session');
  const coveredEnd = h.length - authCodeLength;
  const pad = coveredEnd - 2 - payloadEnd;
  if (pad < 0 || pad > 3) throw new BmcProtocolError('malformed RMCP+ integrity trailer');
  if (h[coveredEnd - 2] !== pad || h[coveredEnd - 1] !== NEXT_HEADER) throw new BmcProtocolError('malformed RMCP+ integrity trailer');
  for (let i = payloadEnd; i < payloadEnd + pad; i++) if (h[i] !== 0xff) throw new BmcProtocolError('malformed RMCP+ integrity pad');
  return { ...base, covered: Buffer.from(h.subarray(0, coveredEnd)), authCode: Buffer.from(h.subarray(coveredEnd)) };
}
