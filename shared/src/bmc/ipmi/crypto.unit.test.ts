import { describe, expect, it } from '@jest/globals';
import { createCipheriv, createHmac } from 'node:crypto';
import { CIPHER_SUITES } from './cipher-suites.ts';
import {
  decryptPayload, deriveSessionKeys, encryptPayload, integrityCode, passwordKey, rakp2Hmac, rakp3Hmac, rakp4Icv, sameBytes,
  type RakpExchange,
} from './crypto.ts';
import { decodeV2Packet, encodeV2Packet } from './rmcp.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// A real ipmitool <-> ipmi_sim session, suite 3 (shared/notes/bmc-protocols.md §4)
const suite3 = CIPHER_SUITES[3];
const kuid = passwordKey(Buffer.from('s3cret-pw'));
const exchange: RakpExchange = {
  consoleSessionId: 0xa0a2a3a4,
  bmcSessionId: 0x484,
  consoleRandom: hex('c3c2fc0faefcbf98e6e0805b3902afde'),
  bmcRandom: hex('bd83b23ef7ae63e4029884219106d6d8'),
  bmcGuid: hex('a123456789abcdefa123456789abcdef'),
  role: 0x14,
  username: Buffer.from('admin'),
};

describe('ipmi crypto (suite 3 test vectors)', () => {
  it('zero-pads the password to a 20-byte Kuid', () => {
    expect(kuid.toString('hex')).toBe('7333637265742d7077' + '00'.repeat(11));
  });

  it('computes the RAKP 2 and RAKP 3 HMACs of the recorded session', () => {
    expect(rakp2Hmac(suite3, kuid, exchange).toString('hex')).toBe('f73e5e963c85878e7d07c0746880ca168396c6f3');
    expect(rakp3Hmac(suite3, kuid, exchange).toString('hex')).toBe('973729a2072ba02e6c5944904a194f0dc6d1d5ae');
  });

  it('derives SIK, K1 and K2 (AES key = first 16 bytes) with KG = Kuid', () => {
    const keys = deriveSessionKeys(suite3, kuid, exchange);
    expect(keys.sik.toString('hex')).toBe('893dedd33d51a7d8015017068f1b1ecd2600268f');
    expect(keys.k1.toString('hex')).toBe('56b14a9cf4b15aa7ff56d574f574fbbabc66317c');
    expect(keys.aesKey.toString('hex')).toBe('186b625f717a61830c4fc07bddd1c94c');
  });

  it('computes the RAKP 4 ICV truncated to 12 bytes', () => {
    const { sik } = deriveSessionKeys(suite3, kuid, exchange);
    expect(rakp4Icv(suite3, sik, exchange).toString('hex')).toBe('f5fe370eb678fb048dd9a0ab');
  });

  it('encrypts the first in-session request to the recorded ciphertext and AuthCode', () => {
    // Prepare
    const keys = deriveSessionKeys(suite3, kuid, exchange);
    const message = hex('2018c881043b043c'); // Set Session Privilege Level(4), rqSeq 1
    const iv = hex('d52461e6ce347cd7f33a7a727c82451e');
    // Act
    const payload = encryptPayload(keys.aesKey, iv, message);
    const datagram = encodeV2Packet(
      { payloadType: 0, encrypted: true, authenticated: true, sessionId: 0x484, sequence: 3, payload },
      (covered) => integrityCode(suite3, keys.k1, covered),
    );
    // Assess
    expect(payload.subarray(16).toString('hex')).toBe('d24d2bfece15cdb94916b38ac1dce031');
    const decoded = decodeV2Packet(datagram, 12);
    expect(decoded.covered.toString('hex')).toBe(`06c0840400000300000020 00${iv.toString('hex')}d24d2bfece15cdb94916b38ac1dce031ffff0207`.replace(/ /g, ''));
    expect(decoded.authCode.toString('hex')).toBe('7495493414643b9cdeed462e');
  });

  it('round-trips a message through AES-CBC with the 01..N pad and pad length', () => {
    const key = hex('186b625f717a61830c4fc07bddd1c94c');
    for (let len = 0; len < 40; len++) {
      const message = Buffer.alloc(len, 0xab);
      const payload = encryptPayload(key, Buffer.alloc(16, 7), message);
      expect(payload.length % 16).toBe(0);
      expect(decryptPayload(key, payload)).toEqual(message);
    }
  });

  it('rejects a payload whose pad bytes are not 01..N', () => {
    // Prepare: encrypt a plaintext with a forged pad, bypassing encryptPayload
    const key = Buffer.alloc(16, 1);
    const iv = Buffer.alloc(16, 2);
    const bad = Buffer.concat([Buffer.alloc(13, 0x55), Buffer.from([0x01, 0x09, 0x02])]);
    const c = createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
    const payload = Buffer.concat([iv, c.update(bad), c.final()]);
    // Act + Assess
    expect(() => decryptPayload(key, payload)).toThrow(/pad/);
  });

  it('compares HMACs of different lengths as unequal instead of throwing', () => {
    expect(sameBytes(Buffer.alloc(12), Buffer.alloc(16))).toBe(false);
    expect(sameBytes(hex('0102'), hex('0102'))).toBe(true);
  });
});

describe('ipmi crypto (suite 17)', () => {
  const suite17 = CIPHER_SUITES[17];

  it('uses full 32-byte SHA-256 HMACs for RAKP and 16-byte truncation for the ICV and AuthCode', () => {
    const keys = deriveSessionKeys(suite17, kuid, exchange);
    expect(rakp2Hmac(suite17, kuid, exchange)).toHaveLength(32);
    expect(keys.sik).toHaveLength(32);
    expect(keys.k1).toHaveLength(32);
    expect(keys.aesKey).toHaveLength(16);
    expect(rakp4Icv(suite17, keys.sik, exchange)).toHaveLength(16);
    expect(integrityCode(suite17, keys.k1, Buffer.from('x'))).toHaveLength(16);
  });

  it('derives K1 from a 20-byte Const1, as ipmitool, FreeIPMI and OpenBMC do', () => {
    const keys = deriveSessionKeys(suite17, kuid, exchange);
    expect(keys.k1).toEqual(createHmac('sha256', keys.sik).update(Buffer.alloc(20, 1)).digest());
    expect(keys.k1).not.toEqual(createHmac('sha256', keys.sik).update(Buffer.alloc(32, 1)).digest());
  });
});
