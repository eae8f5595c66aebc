import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { BmcProtocolError } from '../../errors.ts';
import { CIPHER_SUITES } from './cipher-suites.ts';
import { checksum, decodeLanResponse, encodeLanRequest } from './lan-message.ts';
import { decodeV15Packet, decodeV2Packet, encodeV15Packet, encodeV2Packet, isRmcpPlus } from './rmcp.ts';
import {
  decodeOpenSessionResponse, decodeRakp2, decodeRakp4, encodeOpenSessionRequest, encodeRakp1,
} from './session-messages.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/[\s|]+/g, ''), 'hex');

describe('ipmi packets', () => {
  it('encodes the Open Session Request byte for byte as ipmitool sent it to ipmi_sim', () => {
    // Prepare: notes §3.2, ipmitool asked for max privilege 0; we always ask explicitly
    const payload = encodeOpenSessionRequest({ tag: 0, maxPrivilege: 0, consoleSessionId: 0xa0a2a3a4, suite: CIPHER_SUITES[3] });
    // Act
    const datagram = encodeV2Packet({ payloadType: 0x10, encrypted: false, authenticated: false, sessionId: 0, sequence: 0, payload });
    // Assess
    expect(datagram).toEqual(hex(`06 00 ff 07 | 06 10 | 00 00 00 00 | 00 00 00 00 | 20 00 |
      00 00 00 00 a4 a3 a2 a0 | 00 00 00 08 01 00 00 00 | 01 00 00 08 01 00 00 00 | 02 00 00 08 01 00 00 00`));
  });

  it('asks for algorithms 3/4/1 in a suite 17 Open Session Request', () => {
    const p = encodeOpenSessionRequest({ tag: 1, maxPrivilege: 4, consoleSessionId: 1, suite: CIPHER_SUITES[17] });
    expect([p[12], p[20], p[28]]).toEqual([3, 4, 1]);
  });

  it('encodes Set Session Privilege Level as the recorded plaintext LAN message', () => {
    expect(encodeLanRequest({ netFn: 0x06, cmd: 0x3b, rqSeq: 1, data: Buffer.from([4]) })).toEqual(hex('2018c881043b043c'));
  });

  it('decodes the recorded Set Session Privilege Level response', () => {
    expect(decodeLanResponse(hex('811c6320043b00049d'))).toEqual({ netFn: 7, cmd: 0x3b, rqSeq: 1, completionCode: 0, data: hex('04') });
  });

  it('rejects a LAN response whose checksum is wrong', () => {
    expect(() => decodeLanResponse(hex('811c6320043b00049e'))).toThrow(BmcProtocolError);
  });

  it('makes a checksum that brings the byte sum to zero', () => {
    const bytes = hex('2018');
    expect((bytes[0]! + bytes[1]! + checksum(bytes)) & 0xff).toBe(0);
  });

  it('round-trips an authenticated RMCP+ packet with the integrity pad to a multiple of 4', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 80 }), fc.integer({ min: 1, max: 0xffffffff }), (bytes, seq) => {
      const payload = Buffer.from(bytes);
      const sign = (c: Buffer): Buffer => Buffer.alloc(16, c.length & 0xff);
      const datagram = encodeV2Packet({ payloadType: 0, encrypted: true, authenticated: true, sessionId: 7, sequence: seq, payload }, sign);
      const decoded = decodeV2Packet(datagram, 16);
      expect(decoded.covered.length % 4).toBe(0);
      expect(decoded.payload).toEqual(payload);
      expect(decoded.sequence).toBe(seq);
      expect(decoded.authCode).toEqual(sign(decoded.covered));
    }));
  });

  it('wraps and unwraps an IPMI 1.5 Get Channel Authentication Capabilities message', () => {
    const msg = encodeLanRequest({ netFn: 6, cmd: 0x38, rqSeq: 0, data: hex('8e04') });
    const datagram = encodeV15Packet(msg);
    expect(isRmcpPlus(datagram)).toBe(false);
    expect(decodeV15Packet(datagram)).toEqual(msg);
  });

  it('reads an error Open Session Response that ipmi_sim cuts short after the status', () => {
    expect(decodeOpenSessionResponse(hex('0104'))).toMatchObject({ tag: 1, status: 4, consoleSessionId: undefined });
  });

  it('builds a 44-byte RAKP 1 with the name field padded to 16 bytes', () => {
    const p = encodeRakp1({ tag: 2, bmcSessionId: 0x484, consoleRandom: Buffer.alloc(16, 9), role: 0x14, username: Buffer.from('admin') });
    expect(p).toHaveLength(44);
    expect(p.subarray(24, 33)).toEqual(hex('1400000561646d696e'));
  });

  it('splits RAKP 2 and RAKP 4 into their fields', () => {
    const rakp2 = decodeRakp2(Buffer.concat([hex('0200 0000 a4a3a2a0'), Buffer.alloc(16, 1), Buffer.alloc(16, 2), Buffer.alloc(20, 3)]));
    expect(rakp2).toMatchObject({ tag: 2, status: 0, consoleSessionId: 0xa0a2a3a4, bmcRandom: Buffer.alloc(16, 1), bmcGuid: Buffer.alloc(16, 2), authCode: Buffer.alloc(20, 3) });
    expect(decodeRakp4(Buffer.concat([hex('0200 0000 a4a3a2a0'), Buffer.alloc(12, 5)]))).toMatchObject({ status: 0, icv: Buffer.alloc(12, 5) });
  });
});

/** The decoders a hostile datagram reaches, in the order the session applies them. */
function parseAnything(d: Buffer): void {
  if (isRmcpPlus(d)) {
    const p = decodeV2Packet(d, 16);
    decodeOpenSessionResponse(p.payload);
    decodeRakp2(p.payload);
    decodeRakp4(p.payload);
    decodeLanResponse(p.payload);
  } else {
    decodeLanResponse(decodeV15Packet(d));
  }
}

const onlyTypedErrors = (d: Buffer): boolean => {
  try {
    parseAnything(d);
  } catch (e) {
    if (!(e instanceof BmcProtocolError)) throw e;
  }
  return true;
};

describe('ipmi packet parser (fuzz)', () => {
  it('throws nothing but BmcProtocolError on random datagrams', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => onlyTypedErrors(Buffer.from(bytes))), { numRuns: 3000 });
  });

  it('throws nothing but BmcProtocolError on random datagrams behind a valid RMCP+ header', () => {
    const arb = fc.tuple(fc.constantFrom(0x00, 0x06), fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 300 }))
      .map(([format, type, rest]) => Buffer.concat([hex('0600ff07'), Buffer.from([format, type]), Buffer.from(rest)]));
    fc.assert(fc.property(arb, onlyTypedErrors), { numRuns: 3000 });
  });

  it('throws nothing but BmcProtocolError on every truncation of valid packets', () => {
    // Prepare: real packets of each kind
    const valid = [
      encodeV2Packet({ payloadType: 0, encrypted: true, authenticated: true, sessionId: 1, sequence: 1, payload: Buffer.alloc(32, 1) }, () => Buffer.alloc(16)),
      encodeV2Packet({ payloadType: 0x11, encrypted: false, authenticated: false, sessionId: 0, sequence: 0, payload: Buffer.alloc(36, 0) }),
      encodeV15Packet(hex('811c6320043b00049d')),
    ];
    // Act + Assess
    for (const d of valid) for (let n = 0; n <= d.length; n++) expect(onlyTypedErrors(d.subarray(0, n))).toBe(true);
  });

  it('does bounded work: a length field claiming 65535 bytes is refused without allocation', () => {
    const d = Buffer.concat([hex('0600ff07 06 00 00000000 00000000 ffff'), Buffer.alloc(10)]);
    expect(() => decodeV2Packet(d)).toThrow(/exceeds the datagram/);
    expect(() => decodeV2Packet(Buffer.alloc(5000, 6))).toThrow(/oversized/);
  });
});
