/**
 * @module ipmi-double/bmc-double: a test-only IPMI 2.0 BMC on 127.0.0.1 (node:dgram) speaking
 * RMCP+ with cipher suites 17 and 3: Get Channel Authentication Capabilities, Get Channel
 * Cipher Suites, Open Session, RAKP 1–4, Set Session Privilege Level, Get Device ID, Get
 * Chassis Status, Chassis Control, Set/Get System Boot Options, Close Session.
 *
 * Exists because no local BMC speaks suite 17 (ipmi_sim stops at 14). It is validated with
 * `ipmitool -C 17` and FreeIPMI before our client is tested against it, and it shares no
 * code with the client. Knobs make it misbehave on purpose (downgrade, lost replies).
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo } from 'node:dgram';
import {
  bmcRakp2Code, bmcRakp4Icv, bmcSessionKeys, DOUBLE_SUITES, equalCodes, expectedRakp3Code, openPayload, packetAuthCode,
  sealPayload, type BmcSessionKeys, type HandshakeValues, type SuiteParams,
} from './double-crypto.ts';

export interface IpmiDoubleOptions {
  username?: string;
  password?: string;
  /** suites this BMC accepts (default 17 and 3) */
  suites?: number[];
  port?: number;
  /** answer every Open Session with these algorithms instead of the requested ones (downgrade) */
  answerAlgorithms?: [number, number, number];
  /** execute the command but lose its reply (e.g. to test that power cycle is not resent) */
  loseReplyTo?: (netFn: number, cmd: number, data: Buffer) => boolean;
  /**
   * Before each genuine reply to Get Chassis Status, send forgeries claiming the opposite
   * power state: a wrong MAC, no authentication, a wrong session ID, and a replay of an
   * older genuine reply to a request with the same rqSeq (only the sequence window stops that). A correct client ignores all four.
   */
  sendForgeries?: boolean;
}

export interface DoubleCommand {
  netFn: number;
  cmd: number;
  data: string;
  rqSeq: number;
}

export interface IpmiDouble {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly username: string;
  readonly password: string;
  /** hardware state the BMC controls */
  readonly state: { power: boolean; bootFlags: Buffer };
  /** every in-session command executed, in order */
  readonly commands: DoubleCommand[];
  /** algorithms requested by each Open Session */
  readonly openSessions: { requested: [number, number, number]; suite: number | undefined }[];
  /** sessions currently open */
  sessionCount(): number;
  /** forget every session, as a rebooted BMC would */
  dropSessions(): void;
  stop(): Promise<void>;
}

interface DoubleSession {
  sidM: number;
  sidC: number;
  suite: SuiteParams;
  maxPriv: number;
  priv: number;
  hs?: HandshakeValues;
  keys?: BmcSessionKeys;
  outSeq: number;
  active: boolean;
  /** genuine Get Chassis Status replies by rqSeq, for replay forgeries */
  repliesByRqSeq: Map<number, Buffer>;
}

const GUID = Buffer.from('d0ub1e00d0ub1e00d0ub1e00d0ub1e00'.replace(/[^0-9a-f]/g, '0'), 'hex');
const RMCP = Buffer.from([0x06, 0x00, 0xff, 0x07]);

const sum8 = (b: Buffer): number => (0x100 - (b.reduce((a, x) => a + x, 0) & 0xff)) & 0xff;

/** A response LAN message to a request message `req`. */
function lanReply(req: Buffer, cc: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.from([req[3]!, (((req[1]! >> 2) + 1) << 2) | (req[4]! & 0x03)]);
  const body = Buffer.concat([Buffer.from([0x20, req[4]!, req[5]!, cc]), data]);
  return Buffer.concat([head, Buffer.from([sum8(head)]), body, Buffer.from([sum8(body)])]);
}

function rmcpPlus(type: number, sid: number, seq: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x06;
  h[1] = type;
  h.writeUInt32LE(sid >>> 0, 2);
  h.writeUInt32LE(seq >>> 0, 6);
  h.writeUInt16LE(payload.length, 10);
  return Buffer.concat([RMCP, h, payload]);
}

export async function startIpmiDouble({
  username = 'admin',
  password = `pw${randomBytes(5).toString('hex')}`,
  suites = [17, 3],
  port: wantedPort = 0,
  answerAlgorithms,
  loseReplyTo = () => false,
  sendForgeries = false,
}: IpmiDoubleOptions = {}): Promise<IpmiDouble> {
  const kUid = Buffer.alloc(20);
  Buffer.from(password, 'utf8').copy(kUid);
  const sessions = new Map<number, DoubleSession>();
  const state = { power: false, bootFlags: Buffer.from([0x00, 0x00, 0x00, 0x00, 0x00]) };
  const commands: DoubleCommand[] = [];
  const openSessions: IpmiDouble['openSessions'] = [];
  const socket = createSocket('udp4');

  const send = (d: Buffer, to: RemoteInfo): void => socket.send(d, to.port, to.address);

  const onV15 = (d: Buffer, to: RemoteInfo): void => {
    const msg = d.subarray(14, 14 + (d[13] ?? 0));
    if (msg.length < 7 || msg[5] !== 0x38) return;
    // channel 1; v2.0 extended + MD5 listed; non-null usernames; IPMI 2.0 supported
    const reply = lanReply(msg, 0x00, Buffer.from([0x01, 0x84, 0x04, 0x02, 0, 0, 0, 0]));
    const h = Buffer.alloc(10);
    h[9] = reply.length;
    send(Buffer.concat([RMCP, h, reply]), to);
  };

  const sessionless = (msg: Buffer, to: RemoteInfo): void => {
    // Get Channel Cipher Suites (App 0x54), list index 0: every record at once
    if (msg[5] !== 0x54) return;
    const records = suites.flatMap((s) => {
      const [a, i, c] = DOUBLE_SUITES[s]!.algorithms;
      return [0xc0, s, a, 0x40 | i, 0x80 | c];
    });
    const index = (msg[8] ?? 0) & 0x3f;
    const data = Buffer.concat([Buffer.from([0x01]), index === 0 ? Buffer.from(records) : Buffer.alloc(0)]);
    send(rmcpPlus(0x00, 0, 0, lanReply(msg, 0x00, data)), to);
  };

  const openSession = (p: Buffer, to: RemoteInfo): void => {
    const requested: [number, number, number] = [p[12]! & 0x3f, p[20]! & 0x3f, p[28]! & 0x3f];
    const sidM = p.readUInt32LE(4);
    const suite = suites.find((s) => DOUBLE_SUITES[s]!.algorithms.every((alg, i) => alg === requested[i]));
    openSessions.push({ requested, suite });
    if (suite === undefined) {
      send(rmcpPlus(0x11, 0, 0, Buffer.from([p[0]!, 0x11, 0, 0, ...p.subarray(4, 8)])), to);
      return;
    }
    const sidC = (randomBytes(4).readUInt32LE(0) | 0x100) >>> 0;
    const maxPriv = (p[1]! & 0x0f) || 4;
    sessions.set(sidC, { sidM, sidC, suite: DOUBLE_SUITES[suite]!, maxPriv, priv: 2, outSeq: 0, active: false, repliesByRqSeq: new Map() });
    const algorithms = answerAlgorithms ?? requested;
    const r = Buffer.alloc(36);
    r[0] = p[0]!;
    r[2] = maxPriv;
    r.writeUInt32LE(sidM, 4);
    r.writeUInt32LE(sidC, 8);
    algorithms.forEach((alg, i) => {
      r[12 + 8 * i] = i;
      r[15 + 8 * i] = 8;
      r[16 + 8 * i] = alg;
    });
    send(rmcpPlus(0x11, 0, 0, r), to);
  };

  const rakp1 = (p: Buffer, to: RemoteInfo): void => {
    const s = sessions.get(p.readUInt32LE(4));
    if (!s) return;
    const nameLength = p[27]!;
    const userName = p.subarray(28, 28 + nameLength);
    const head = Buffer.alloc(8);
    head[0] = p[0]!;
    head.writeUInt32LE(s.sidM, 4);
    if (userName.toString('utf8') !== username || nameLength > 16) {
      head[1] = 0x0d; // unauthorized name
      send(rmcpPlus(0x13, 0, 0, head), to);
      return;
    }
    s.hs = { sidM: s.sidM, sidC: s.sidC, rM: Buffer.from(p.subarray(8, 24)), rC: randomBytes(16), guidC: GUID, roleM: p[24]!, userName: Buffer.from(userName), kUid };
    send(rmcpPlus(0x13, 0, 0, Buffer.concat([head, s.hs.rC, GUID, bmcRakp2Code(s.suite, s.hs)])), to);
  };

  const rakp3 = (p: Buffer, to: RemoteInfo): void => {
    const s = sessions.get(p.readUInt32LE(4));
    if (!s?.hs) return;
    const head = Buffer.alloc(8);
    head[0] = p[0]!;
    head.writeUInt32LE(s.sidM, 4);
    if (p[1] !== 0 || !equalCodes(p.subarray(8), expectedRakp3Code(s.suite, s.hs))) {
      head[1] = 0x0f; // invalid integrity check value
      sessions.delete(s.sidC);
      send(rmcpPlus(0x15, 0, 0, head), to);
      return;
    }
    s.keys = bmcSessionKeys(s.suite, s.hs);
    s.active = true;
    send(rmcpPlus(0x15, 0, 0, Buffer.concat([head, bmcRakp4Icv(s.suite, s.keys, s.hs)])), to);
  };

  const execute = (s: DoubleSession, msg: Buffer): { cc: number; data?: Buffer } => {
    const netFn = msg[1]! >> 2;
    const cmd = msg[5]!;
    const data = msg.subarray(6, msg.length - 1);
    commands.push({ netFn, cmd, data: data.toString('hex'), rqSeq: msg[4]! >> 2 });
    const needOperator = (): boolean => s.priv < 3;
    if (netFn === 0x06 && cmd === 0x3b) {
      const want = data[0]! & 0x0f;
      if (want > s.maxPriv) return { cc: 0x81 };
      s.priv = want || s.priv;
      return { cc: 0, data: Buffer.from([s.priv]) };
    }
    if (netFn === 0x06 && cmd === 0x3c) {
      sessions.delete(data.readUInt32LE(0));
      return { cc: 0 };
    }
    if (netFn === 0x06 && cmd === 0x01) return { cc: 0, data: Buffer.from([0x20, 0x01, 0x02, 0x17, 0x02, 0xbf, 0x57, 0x01, 0x00, 0x11, 0x00]) };
    if (netFn === 0x00 && cmd === 0x01) return { cc: 0, data: Buffer.from([state.power ? 0x01 : 0x00, 0x00, 0x00, 0x00]) };
    if (netFn === 0x00 && cmd === 0x02) {
      if (needOperator()) return { cc: 0xd4 };
      const action = data[0];
      if (action === 0x00 || action === 0x05) state.power = false;
      else if (action === 0x01 || action === 0x02) state.power = true;
      else if (action !== 0x03) return { cc: 0xcc };
      return { cc: 0 };
    }
    if (netFn === 0x00 && cmd === 0x08) {
      if (needOperator()) return { cc: 0xd4 };
      const param = data[0]! & 0x7f;
      if (param === 0x05 && data.length >= 6) state.bootFlags = Buffer.from(data.subarray(1, 6));
      else if (param !== 0x00 && param !== 0x04) return { cc: 0x80 };
      return { cc: 0 };
    }
    if (netFn === 0x00 && cmd === 0x09) {
      if ((data[0]! & 0x7f) !== 0x05) return { cc: 0x80 };
      return { cc: 0, data: Buffer.concat([Buffer.from([0x01, 0x05]), state.bootFlags]) };
    }
    return { cc: 0xc1 };
  };

  const inSession = (d: Buffer, to: RemoteInfo): void => {
    const s = sessions.get(d.readUInt32LE(6));
    if (!s?.active || !s.keys) return;
    const typeByte = d[5]!;
    if ((typeByte & 0xc0) !== 0xc0) return; // only authenticated + encrypted
    const length = d.readUInt16LE(14);
    const signedEnd = d.length - s.suite.icvBytes;
    if (signedEnd < 16 + length + 2) return;
    if (!equalCodes(d.subarray(signedEnd), packetAuthCode(s.suite, s.keys, d.subarray(4, signedEnd)))) return;
    const msg = openPayload(s.keys, d.subarray(16, 16 + length));
    if (!msg || msg.length < 7) return;
    const { cc, data } = execute(s, msg);
    if (loseReplyTo(msg[1]! >> 2, msg[5]!, msg.subarray(6, msg.length - 1))) return;
    if (sendForgeries && (msg[1]! >> 2) === 0x00 && msg[5] === 0x01 && data) {
      const lie = lanReply(msg, cc, Buffer.from([data[0]! ^ 0x01, ...data.subarray(1)]));
      const wrongKeys = { sik: randomBytes(32), k1: randomBytes(32), k2: s.keys.k2 };
      send(sealed(s, wrongKeys, s.sidM, s.outSeq + 1, lie, 0xc0), to); // wrong MAC
      send(rmcpPlus(0x00, s.sidM, s.outSeq + 1, lie), to); // unauthenticated, plaintext
      send(sealed(s, s.keys, (s.sidM + 1) >>> 0, s.outSeq + 1, lie, 0xc0), to); // someone else's session
      const old = s.repliesByRqSeq.get(msg[4]! >> 2);
      if (old) send(old, to); // replay of an older genuine reply to a request with the same rqSeq
    }
    s.outSeq += 1;
    const genuine = sealed(s, s.keys, s.sidM, s.outSeq, lanReply(msg, cc, data), 0xc0);
    if ((msg[1]! >> 2) === 0x00 && msg[5] === 0x01) s.repliesByRqSeq.set(msg[4]! >> 2, genuine);
    send(genuine, to);
  };

  /** An authenticated, encrypted RMCP+ packet signed with `keys`. */
  const sealed = (s: DoubleSession, keys: BmcSessionKeys, sid: number, seq: number, message: Buffer, typeByte: number): Buffer => {
    const payload = sealPayload(keys, randomBytes(16), message);
    const h = Buffer.alloc(12);
    h[0] = 0x06;
    h[1] = typeByte;
    h.writeUInt32LE(sid >>> 0, 2);
    h.writeUInt32LE(seq >>> 0, 6);
    h.writeUInt16LE(payload.length, 10);
    const padCount = (4 - ((12 + payload.length + 2) % 4)) % 4;
    const signed = Buffer.concat([h, payload, Buffer.alloc(padCount, 0xff), Buffer.from([padCount, 0x07])]);
    return Buffer.concat([RMCP, signed, packetAuthCode(s.suite, keys, signed)]);
  };

  socket.on('message', (d, from) => {
    try {
      if (d.length < 16 || d[0] !== 0x06 || d[3] !== 0x07) return;
      if (d[4] === 0x00) return onV15(d, from);
      if (d[4] !== 0x06) return;
      const type = d[5]! & 0x3f;
      const payload = d.subarray(16, 16 + d.readUInt16LE(14));
      if (type === 0x10) return openSession(payload, from);
      if (type === 0x12) return rakp1(payload, from);
      if (type === 0x14) return rakp3(payload, from);
      if (type === 0x00 && d.readUInt32LE(6) === 0) return sessionless(payload, from);
      if (type === 0x00) return inSession(d, from);
    } catch {
      // a malformed datagram: a BMC ignores it
    }
  });

  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(wantedPort, '127.0.0.1', () => resolve());
  });
  const port = socket.address().port;
  return {
    host: '127.0.0.1', port, username, password, state, commands, openSessions,
    sessionCount: () => sessions.size,
    dropSessions: () => sessions.clear(),
    stop: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
