/**
 * @module bmc/ipmi/session: one RMCP+ session with one BMC: Get Channel Authentication
 * Capabilities, Open Session, RAKP 1–4, Set Session Privilege Level, authenticated and
 * encrypted requests with bounded retries, and Close Session.
 */
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { BmcAuthError, BmcCommandError, BmcProtocolError, BmcUnsupportedError } from '../../errors.ts';
import { CIPHER_SUITES, type CipherSuite, type CipherSuiteId } from './cipher-suites.ts';
import { describeCompletionCode } from './completion-codes.ts';
import { NetFn, PayloadType, rmcpPlusStatusName } from './constants.ts';
import {
  decryptPayload, deriveSessionKeys, encryptPayload, integrityCode, rakp2Hmac, rakp3Hmac, rakp4Icv, sameBytes,
  type RakpExchange, type SessionKeys,
} from './crypto.ts';
import { BmcDowngradeError, BmcSessionUnavailableError } from './errors.ts';
import { decodeLanResponse, encodeLanRequest, type LanResponse } from './lan-message.ts';
import { createReplayWindow, type ReplayWindow } from './replay-window.ts';
import { decodeV15Packet, decodeV2Packet, encodeV15Packet, encodeV2Packet, isRmcpPlus } from './rmcp.ts';
import {
  decodeOpenSessionResponse, decodeRakp2, decodeRakp4, encodeOpenSessionRequest, encodeRakp1, encodeRakp3,
} from './session-messages.ts';
import { NoReplyError, openTransport, type SocketFactory, type UdpTransport } from './transport.ts';

export interface SessionOptions {
  host: string;
  port: number;
  username: Buffer;
  /** password zero-padded to 20 bytes */
  kuid: Buffer;
  /** BMC key; defaults to Kuid */
  kg?: Buffer;
  /** 'auto' tries 17, then 3 when the BMC refuses 17's algorithms */
  cipherSuite: CipherSuiteId | 'auto';
  privilege: number;
  timeoutMs: number;
  retries: number;
  socketFactory?: SocketFactory;
  randomBytes?: (n: number) => Buffer;
  /** jitter source in [0, 1) */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface RequestOptions {
  /** false: sent once, never resent (power cycle, hard reset) */
  idempotent: boolean;
}

export interface IpmiSession {
  readonly suite: CipherSuite;
  /** true once the outbound sequence nears 2^32 and a new session is due */
  readonly exhausted: boolean;
  /** The response, whatever its completion code; NoReplyError when nothing came back. */
  request(netFn: number, cmd: number, data: Buffer, options: RequestOptions): Promise<LanResponse>;
  close(): Promise<void>;
}

/** Open Session statuses that mean "not this suite", so 'auto' may try the next one. */
const SUITE_REFUSED = new Set([0x04, 0x05, 0x10, 0x11]);
const SEQUENCE_LIMIT = 0xfffffff0;
const CLOSE_SESSION_TIMEOUT_MS = 500;

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function openIpmiSession(options: SessionOptions): Promise<IpmiSession> {
  const { randomBytes = cryptoRandomBytes, random = Math.random, sleep = defaultSleep } = options;
  const transport = await openTransport(options.host, options.port, options.socketFactory);
  try {
    const backoff = (attempt: number): Promise<void> =>
      sleep(Math.min(options.timeoutMs / 4, 250) * 2 ** attempt * (0.5 + random()));
    await getChannelAuthCapabilities(transport, options, backoff);
    const candidates: CipherSuiteId[] = options.cipherSuite === 'auto' ? [17, 3] : [options.cipherSuite];
    for (const [i, id] of candidates.entries()) {
      try {
        const established = await withRetries(options.retries, backoff, () => handshake(transport, CIPHER_SUITES[id], options, randomBytes));
        const session = createSession(transport, established, options, backoff, randomBytes);
        await setPrivilege(session, options.privilege);
        return session;
      } catch (e) {
        if (e instanceof SuiteRefusedError && i < candidates.length - 1) continue;
        if (e instanceof SuiteRefusedError) throw new BmcUnsupportedError(`BMC refused cipher suite ${id}: ${e.message}`);
        throw e;
      }
    }
    throw new BmcUnsupportedError('no cipher suite to try');
  } catch (e) {
    await transport.close();
    throw e;
  }
}

class SuiteRefusedError extends Error {
  override readonly name = 'SuiteRefusedError';
}

/** Whole-exchange retry: session set-up messages are not individually retryable. */
async function withRetries<T>(retries: number, backoff: (attempt: number) => Promise<void>, run: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (e) {
      if (!(e instanceof NoReplyError) || attempt >= retries) throw e;
      await backoff(attempt);
    }
  }
}

async function getChannelAuthCapabilities(transport: UdpTransport, options: SessionOptions, backoff: (n: number) => Promise<void>): Promise<void> {
  // IPMI 1.5 framing, channel 0x0E (this one) | 0x80 (IPMI 2.0 extended data), administrator
  const datagram = encodeV15Packet(encodeLanRequest({ netFn: NetFn.App, cmd: 0x38, rqSeq: 0, data: Buffer.from([0x8e, 0x04]) }));
  const reply = await withRetries(options.retries, backoff, () =>
    transport.exchange(datagram, (d) => {
      if (isRmcpPlus(d)) return undefined;
      const r = decodeLanResponse(decodeV15Packet(d));
      return r.cmd === 0x38 && r.netFn === NetFn.App + 1 ? r : undefined;
    }, options.timeoutMs));
  if (reply.completionCode !== 0) {
    throw new BmcCommandError(`Get Channel Authentication Capabilities: ${describeCompletionCode(reply.completionCode)}`, reply.completionCode);
  }
  const d = reply.data;
  if (d.length < 8 || ((d[1] ?? 0) & 0x80) === 0 || ((d[3] ?? 0) & 0x02) === 0) {
    throw new BmcUnsupportedError('BMC does not offer IPMI 2.0 (RMCP+) on this channel');
  }
}

/** Same tag and console session ID; an error reply cut short after its status matches on the tag alone. */
const isOurs = (r: { tag: number; status: number; consoleSessionId: number | undefined }, tag: number, consoleSessionId: number): boolean =>
  r.tag === tag && (r.consoleSessionId === consoleSessionId || (r.consoleSessionId === undefined && r.status !== 0));

interface Established {
  suite: CipherSuite;
  consoleSessionId: number;
  bmcSessionId: number;
  keys: SessionKeys;
}

let tagCounter = 0;
const nextTag = (): number => (tagCounter = (tagCounter + 1) & 0xff);

async function handshake(transport: UdpTransport, suite: CipherSuite, o: SessionOptions, randomBytes: (n: number) => Buffer): Promise<Established> {
  const consoleSessionId = randomBytes(4).readUInt32LE(0) || 1;
  const tag = nextTag();
  const unauth = (payloadType: number, payload: Buffer): Buffer =>
    encodeV2Packet({ payloadType, encrypted: false, authenticated: false, sessionId: 0, sequence: 0, payload });
  const expect = (type: number) => (d: Buffer): Buffer | undefined => {
    if (!isRmcpPlus(d)) return undefined;
    const p = decodeV2Packet(d);
    return p.payloadType === type && !p.authenticated ? p.payload : undefined;
  };

  // Open Session: requested maximum privilege stated explicitly (ipmi_sim echoes it back)
  const open = await transport.exchange(unauth(PayloadType.OpenSessionRequest, encodeOpenSessionRequest({ tag, maxPrivilege: o.privilege, consoleSessionId, suite })), (d) => {
    const payload = expect(PayloadType.OpenSessionResponse)(d);
    if (!payload) return undefined;
    const r = decodeOpenSessionResponse(payload);
    if (!isOurs(r, tag, consoleSessionId)) return undefined;
    if (r.status !== 0) {
      if (SUITE_REFUSED.has(r.status)) throw new SuiteRefusedError(rmcpPlusStatusName(r.status));
      if (r.status === 0x01 || r.status === 0x0b) throw new BmcSessionUnavailableError(`Open Session: ${rmcpPlusStatusName(r.status)}`);
      throw new BmcAuthError(`Open Session refused: ${rmcpPlusStatusName(r.status)}`);
    }
    if (r.authAlgorithm !== suite.authAlgorithm || r.integrityAlgorithm !== suite.integrityAlgorithm || r.confidentialityAlgorithm !== suite.confidentialityAlgorithm) {
      throw new BmcDowngradeError(
        `Open Session: BMC answered algorithms ${r.authAlgorithm}/${r.integrityAlgorithm}/${r.confidentialityAlgorithm}, requested cipher suite ${suite.id} (${suite.authAlgorithm}/${suite.integrityAlgorithm}/${suite.confidentialityAlgorithm}); refused`,
      );
    }
    if (r.bmcSessionId === 0) throw new BmcProtocolError('Open Session: BMC session ID 0');
    return r;
  }, o.timeoutMs);

  const x: RakpExchange = {
    consoleSessionId,
    bmcSessionId: open.bmcSessionId,
    consoleRandom: randomBytes(16),
    bmcRandom: Buffer.alloc(0),
    bmcGuid: Buffer.alloc(0),
    role: 0x10 | o.privilege, // name-only lookup
    username: o.username,
  };
  const rakp2 = await transport.exchange(unauth(PayloadType.Rakp1, encodeRakp1({ tag, bmcSessionId: x.bmcSessionId, consoleRandom: x.consoleRandom, role: x.role, username: x.username })), (d) => {
    const payload = expect(PayloadType.Rakp2)(d);
    if (!payload) return undefined;
    const r = decodeRakp2(payload);
    if (!isOurs(r, tag, consoleSessionId)) return undefined;
    if (r.status === 0x01 || r.status === 0x0b) throw new BmcSessionUnavailableError(`RAKP 2: ${rmcpPlusStatusName(r.status)}`);
    if (r.status !== 0) throw new BmcAuthError(`authentication failed: RAKP 2 status ${rmcpPlusStatusName(r.status)}`);
    const withBmc = { ...x, bmcRandom: r.bmcRandom, bmcGuid: r.bmcGuid };
    // a wrong password shows up only here: the BMC signs with the real one
    if (!sameBytes(r.authCode, rakp2Hmac(suite, o.kuid, withBmc))) throw new BmcAuthError('authentication failed: RAKP 2 HMAC mismatch (wrong password or BMC key)');
    return r;
  }, o.timeoutMs);
  x.bmcRandom = rakp2.bmcRandom;
  x.bmcGuid = rakp2.bmcGuid;

  const keys = deriveSessionKeys(suite, o.kg ?? o.kuid, x);
  await transport.exchange(unauth(PayloadType.Rakp3, encodeRakp3({ tag, status: 0, bmcSessionId: x.bmcSessionId, authCode: rakp3Hmac(suite, o.kuid, x) })), (d) => {
    const payload = expect(PayloadType.Rakp4)(d);
    if (!payload) return undefined;
    const r = decodeRakp4(payload);
    if (!isOurs(r, tag, consoleSessionId)) return undefined;
    if (r.status !== 0) throw new BmcAuthError(`authentication failed: RAKP 4 status ${rmcpPlusStatusName(r.status)}`);
    if (!sameBytes(r.icv, rakp4Icv(suite, keys.sik, x))) throw new BmcAuthError('authentication failed: RAKP 4 integrity check value mismatch');
    return r;
  }, o.timeoutMs);
  x.consoleRandom.fill(0);
  return { suite, consoleSessionId, bmcSessionId: x.bmcSessionId, keys };
}

function createSession(
  transport: UdpTransport, s: Established, o: SessionOptions, backoff: (n: number) => Promise<void>, randomBytes: (n: number) => Buffer,
): IpmiSession {
  let outSequence = 1;
  let rqSeq = 0;
  let closed = false;
  const window: ReplayWindow = createReplayWindow();
  const { suite, keys } = s;

  const accept = (netFn: number, cmd: number, seq: number) => (d: Buffer): LanResponse | undefined => {
    if (!isRmcpPlus(d)) return undefined;
    const p = decodeV2Packet(d, suite.integrityLength);
    // in-session replies must be authenticated, encrypted, ours, MAC-valid and fresh, in that order
    if (p.payloadType !== PayloadType.Ipmi || !p.authenticated || !p.encrypted) return undefined;
    if (p.sessionId !== s.consoleSessionId) return undefined;
    if (!sameBytes(p.authCode, integrityCode(suite, keys.k1, p.covered))) return undefined;
    if (!window.accept(p.sequence)) return undefined;
    const r = decodeLanResponse(decryptPayload(keys.aesKey, p.payload));
    return r.netFn === netFn + 1 && r.cmd === cmd && r.rqSeq === seq ? r : undefined;
  };

  async function send(netFn: number, cmd: number, data: Buffer, attempts: number, timeoutMs: number): Promise<LanResponse> {
    if (closed) throw new NoReplyError('socket', 'session closed');
    rqSeq = (rqSeq % 63) + 1;
    const seq = rqSeq;
    const message = encodeLanRequest({ netFn, cmd, rqSeq: seq, data });
    for (let attempt = 0; ; attempt++) {
      // every transmission gets a new session sequence number, the same rqSeq
      const datagram = encodeV2Packet(
        { payloadType: PayloadType.Ipmi, encrypted: true, authenticated: true, sessionId: s.bmcSessionId, sequence: outSequence++, payload: encryptPayload(keys.aesKey, randomBytes(16), message) },
        (covered) => integrityCode(suite, keys.k1, covered),
      );
      try {
        return await transport.exchange(datagram, accept(netFn, cmd, seq), timeoutMs);
      } catch (e) {
        if (!(e instanceof NoReplyError) || attempt + 1 >= attempts) throw e;
        await backoff(attempt);
      }
    }
  }

  return {
    suite,
    get exhausted() {
      return outSequence >= SEQUENCE_LIMIT;
    },
    request: function request(netFn, cmd, data, { idempotent }) {
      return send(netFn, cmd, data, idempotent ? o.retries + 1 : 1, o.timeoutMs);
    },
    close: async function close() {
      if (closed) return;
      const data = Buffer.alloc(4);
      data.writeUInt32LE(s.bmcSessionId);
      try {
        // best effort, once: the BMC frees the slot; if the reply is lost, its idle timer does
        await send(NetFn.App, 0x3c, data, 1, Math.min(o.timeoutMs, CLOSE_SESSION_TIMEOUT_MS)).catch(() => undefined);
      } finally {
        closed = true;
        keys.sik.fill(0);
        keys.k1.fill(0);
        keys.aesKey.fill(0);
        await transport.close();
      }
    },
  };
}

async function setPrivilege(session: IpmiSession, privilege: number): Promise<void> {
  // RMCP+ sessions start at USER; chassis control and boot options need OPERATOR or more
  const r = await session.request(NetFn.App, 0x3b, Buffer.from([privilege]), { idempotent: true });
  if (r.completionCode === 0) return;
  await session.close();
  if (r.completionCode >= 0x80 && r.completionCode <= 0x82) {
    throw new BmcAuthError(`Set Session Privilege Level ${privilege}: 0x${r.completionCode.toString(16).toUpperCase()} requested privilege not available for this user`);
  }
  throw new BmcCommandError(`Set Session Privilege Level: ${describeCompletionCode(r.completionCode)}`, r.completionCode);
}
