/** @module bmc/ipmi/lan-message: the IPMI LAN message inside a session payload (checksummed request/response). */
import { BmcProtocolError } from '../../errors.ts';

const BMC_ADDRESS = 0x20;
/** remote console software ID */
const CONSOLE_ADDRESS = 0x81;

export interface LanRequest {
  netFn: number;
  cmd: number;
  /** 6-bit request sequence; identical across retransmissions */
  rqSeq: number;
  data?: Buffer;
}

export interface LanResponse {
  netFn: number;
  cmd: number;
  rqSeq: number;
  completionCode: number;
  data: Buffer;
}

/** Two's complement of the byte sum, so the bytes plus the checksum sum to 0 mod 256. */
export function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (const b of bytes) sum = (sum + b) & 0xff;
  return (0x100 - sum) & 0xff;
}

export function encodeLanRequest({ netFn, cmd, rqSeq, data = Buffer.alloc(0) }: LanRequest): Buffer {
  const head = Buffer.from([BMC_ADDRESS, (netFn << 2) & 0xfc]);
  const body = Buffer.concat([Buffer.from([CONSOLE_ADDRESS, (rqSeq & 0x3f) << 2, cmd]), data]);
  return Buffer.concat([head, Buffer.from([checksum(head)]), body, Buffer.from([checksum(body)])]);
}

/** A BMC's response; both checksums are checked. Minimum: 7 header/checksum bytes + completion code. */
export function decodeLanResponse(msg: Buffer): LanResponse {
  if (msg.length < 8) throw new BmcProtocolError(`IPMI response of ${msg.length} bytes is too short`);
  if (checksum(msg.subarray(0, 2)) !== msg[2]) throw new BmcProtocolError('IPMI response header checksum mismatch');
  if (checksum(msg.subarray(3, msg.length - 1)) !== msg[msg.length - 1]) {
    throw new BmcProtocolError('IPMI response data checksum mismatch');
  }
  return {
    netFn: (msg[1] ?? 0) >> 2,
    rqSeq: (msg[4] ?? 0) >> 2,
    cmd: msg[5] ?? 0,
    completionCode: msg[6] ?? 0,
    data: Buffer.from(msg.subarray(7, msg.length - 1)),
  };
}
