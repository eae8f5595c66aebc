/**
 * @module amqp/frames: the AMQP 0-9-1 wire format a consumer needs, as pure functions (no I/O).
 *
 * Frames (§2.3.5 of the spec), the field types (§4.2.5, with RabbitMQ's errata for field-table
 * type letters), the methods of the connection, channel, exchange, queue and basic classes that
 * a declare-bind-consume client sends or receives, and content headers. Integers are big-endian.
 */
import { AmqpError } from './errors.ts';

/** Sent first by the client: "AMQP", 0, then protocol 0-9-1. */
export const PROTOCOL_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0x00, 0x00, 0x09, 0x01]);

export const FrameType = {
  Method: 1,
  Header: 2,
  Body: 3,
  Heartbeat: 8,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/** Every frame ends with this octet; anything else means we lost framing. */
export const FRAME_END = 0xce;
/** type (1) + channel (2) + size (4). */
export const FRAME_HEADER_SIZE = 7;
/** Header plus the frame-end octet: what a frame costs beyond its payload. */
export const FRAME_OVERHEAD = FRAME_HEADER_SIZE + 1;
/** The smallest frame-max a peer may negotiate (spec: frame-min-size). */
export const FRAME_MIN_SIZE = 4096;

export interface Frame {
  readonly type: FrameType;
  readonly channel: number;
  readonly payload: Buffer;
}

// ---- field values -----------------------------------------------------------

/** A decimal field value ('D'): `value` × 10^-`scale`. */
export class AmqpDecimal {
  readonly scale: number;
  readonly value: number;
  constructor(scale: number, value: number) {
    this.scale = scale;
    this.value = value;
  }
}

/**
 * A field-table value. Decoding maps 64-bit integers ('l', 'L') to bigint, timestamps ('T')
 * to Date, long strings ('S') to string, byte arrays ('x') to Buffer and void ('V') to null.
 */
export type FieldValue = boolean | number | bigint | string | Buffer | Date | AmqpDecimal | null | FieldTable | readonly FieldValue[];
export interface FieldTable {
  readonly [key: string]: FieldValue;
}

// ---- writing ----------------------------------------------------------------

/** Appends big-endian fields to a growing buffer; consecutive `bit`s share one octet (§4.2.5.2). */
export class FieldWriter {
  private buf = Buffer.alloc(256);
  private length = 0;
  private bitOffset = -1; // position of the octet collecting bits, or -1
  private bitCount = 0;

  private reserve(n: number): void {
    this.bitOffset = -1;
    if (this.length + n <= this.buf.length) return;
    const bigger = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }

  octet(v: number): this {
    this.reserve(1);
    this.buf.writeUInt8(v, this.length);
    this.length += 1;
    return this;
  }

  short(v: number): this {
    this.reserve(2);
    this.buf.writeUInt16BE(v, this.length);
    this.length += 2;
    return this;
  }

  long(v: number): this {
    this.reserve(4);
    this.buf.writeUInt32BE(v, this.length);
    this.length += 4;
    return this;
  }

  longlong(v: bigint | number): this {
    this.reserve(8);
    this.buf.writeBigUInt64BE(BigInt(v), this.length);
    this.length += 8;
    return this;
  }

  /** Up to 255 octets of UTF-8. */
  shortstr(s: string): this {
    const bytes = Buffer.from(s, 'utf8');
    if (bytes.length > 255) throw new AmqpError('protocol', `short string of ${bytes.length} bytes exceeds 255`);
    this.octet(bytes.length);
    return this.raw(bytes);
  }

  longstr(s: string | Buffer): this {
    const bytes = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
    this.long(bytes.length);
    return this.raw(bytes);
  }

  raw(bytes: Buffer): this {
    this.reserve(bytes.length);
    bytes.copy(this.buf, this.length);
    this.length += bytes.length;
    return this;
  }

  /** Packs into the current bit octet until 8 bits, then starts a new one. */
  bit(v: boolean): this {
    if (this.bitOffset < 0 || this.bitCount === 8) {
      this.reserve(1);
      this.bitOffset = this.length;
      this.bitCount = 0;
      this.buf[this.length] = 0;
      this.length += 1;
    }
    if (v) this.buf[this.bitOffset] = (this.buf[this.bitOffset] ?? 0) | (1 << this.bitCount);
    this.bitCount += 1;
    return this;
  }

  table(t: FieldTable): this {
    const inner = new FieldWriter();
    for (const [key, value] of Object.entries(t)) {
      inner.shortstr(key);
      inner.fieldValue(value);
    }
    return this.longstr(inner.toBuffer());
  }

  /** Picks the type letter from the JS type: 't', 'I' / 'l' / 'd' for numbers, 'S', 'x', 'T', 'D', 'V', 'F', 'A'. */
  fieldValue(v: FieldValue): this {
    if (typeof v === 'boolean') return this.octet(0x74).octet(v ? 1 : 0); // 't'
    if (typeof v === 'string') return this.octet(0x53).longstr(v); // 'S'
    if (typeof v === 'bigint') {
      this.octet(0x6c); // 'l'
      this.reserve(8);
      this.buf.writeBigInt64BE(v, this.length);
      this.length += 8;
      return this;
    }
    if (typeof v === 'number') {
      if (Number.isInteger(v) && v >= -0x8000_0000 && v <= 0x7fff_ffff) {
        this.octet(0x49); // 'I'
        this.reserve(4);
        this.buf.writeInt32BE(v, this.length);
        this.length += 4;
        return this;
      }
      if (Number.isSafeInteger(v)) return this.fieldValue(BigInt(v));
      this.octet(0x64); // 'd'
      this.reserve(8);
      this.buf.writeDoubleBE(v, this.length);
      this.length += 8;
      return this;
    }
    if (v === null) return this.octet(0x56); // 'V'
    if (Buffer.isBuffer(v)) return this.octet(0x78).longstr(v); // 'x'
    if (v instanceof Date) return this.octet(0x54).longlong(Math.floor(v.getTime() / 1000)); // 'T'
    if (v instanceof AmqpDecimal) {
      this.octet(0x44).octet(v.scale); // 'D'
      this.reserve(4);
      this.buf.writeInt32BE(v.value, this.length);
      this.length += 4;
      return this;
    }
    if (Array.isArray(v)) {
      const inner = new FieldWriter();
      for (const item of v as readonly FieldValue[]) inner.fieldValue(item);
      return this.octet(0x41).longstr(inner.toBuffer()); // 'A'
    }
    return this.octet(0x46).table(v as FieldTable); // 'F'
  }

  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length));
  }
}

// ---- reading ----------------------------------------------------------------

/** Reads fields from one payload; running past its end is a protocol error, never a RangeError. */
export class FieldReader {
  private offset = 0;
  private bitOffset = -1;
  private bitCount = 0;
  private readonly buf: Buffer;
  constructor(buf: Buffer) {
    this.buf = buf;
  }

  private take(n: number, what: string): number {
    this.bitOffset = -1;
    if (this.offset + n > this.buf.length) {
      throw new AmqpError('protocol', `truncated ${what}: needs ${n} bytes at offset ${this.offset} of ${this.buf.length}`);
    }
    const at = this.offset;
    this.offset += n;
    return at;
  }

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  octet(): number { return this.buf.readUInt8(this.take(1, 'octet')); }
  short(): number { return this.buf.readUInt16BE(this.take(2, 'short')); }
  long(): number { return this.buf.readUInt32BE(this.take(4, 'long')); }
  longlong(): bigint { return this.buf.readBigUInt64BE(this.take(8, 'longlong')); }

  bytes(n: number, what = 'bytes'): Buffer {
    const at = this.take(n, what);
    return this.buf.subarray(at, at + n);
  }

  shortstr(): string {
    return this.bytes(this.octet(), 'short string').toString('utf8');
  }

  longstrBytes(): Buffer {
    return this.bytes(this.long(), 'long string');
  }

  longstr(): string {
    return this.longstrBytes().toString('utf8');
  }

  bit(): boolean {
    if (this.bitOffset < 0 || this.bitCount === 8) {
      const at = this.take(1, 'bit octet');
      this.bitOffset = at;
      this.bitCount = 0;
    }
    const set = ((this.buf[this.bitOffset] ?? 0) >> this.bitCount) & 1;
    this.bitCount += 1;
    return set === 1;
  }

  table(): FieldTable {
    const inner = new FieldReader(this.longstrBytes());
    const out: Record<string, FieldValue> = {};
    while (inner.remaining > 0) {
      const key = inner.shortstr();
      out[key] = inner.fieldValue();
    }
    return out;
  }

  /** One type letter and its value; the letters RabbitMQ sends (its 0-9-1 errata). */
  fieldValue(): FieldValue {
    const letter = String.fromCharCode(this.octet());
    switch (letter) {
      case 't': return this.octet() !== 0;
      case 'b': return this.buf.readInt8(this.take(1, 'field b'));
      case 'B': return this.octet();
      case 's': return this.buf.readInt16BE(this.take(2, 'field s'));
      case 'u': return this.short();
      case 'I': return this.buf.readInt32BE(this.take(4, 'field I'));
      case 'i': return this.long();
      case 'l': return this.buf.readBigInt64BE(this.take(8, 'field l'));
      case 'L': return this.longlong();
      case 'f': return this.buf.readFloatBE(this.take(4, 'field f'));
      case 'd': return this.buf.readDoubleBE(this.take(8, 'field d'));
      case 'D': {
        const scale = this.octet();
        return new AmqpDecimal(scale, this.buf.readInt32BE(this.take(4, 'field D')));
      }
      case 'T': return new Date(Number(this.longlong()) * 1000);
      case 'S': return this.longstr();
      case 'x': return Buffer.from(this.longstrBytes());
      case 'F': return this.table();
      case 'A': {
        const inner = new FieldReader(this.longstrBytes());
        const items: FieldValue[] = [];
        while (inner.remaining > 0) items.push(inner.fieldValue());
        return items;
      }
      case 'V': return null;
      default: throw new AmqpError('protocol', `unknown field-table value type 0x${letter.charCodeAt(0).toString(16)}`);
    }
  }
}

// ---- methods ----------------------------------------------------------------

/** Both a Connection.Close and a Channel.Close carry these. */
export interface CloseArgs {
  replyCode: number;
  replyText: string;
  /** The method that caused the close, or 0. */
  classId: number;
  methodId: number;
}

/** The methods this client sends or understands, by their spec names. */
export type Method =
  | { name: 'connection.start'; versionMajor: number; versionMinor: number; serverProperties: FieldTable; mechanisms: string; locales: string }
  | { name: 'connection.start-ok'; clientProperties: FieldTable; mechanism: string; response: Buffer; locale: string }
  | { name: 'connection.tune'; channelMax: number; frameMax: number; heartbeat: number }
  | { name: 'connection.tune-ok'; channelMax: number; frameMax: number; heartbeat: number }
  | { name: 'connection.open'; virtualHost: string }
  | { name: 'connection.open-ok' }
  | ({ name: 'connection.close' } & CloseArgs)
  | { name: 'connection.close-ok' }
  | { name: 'channel.open' }
  | { name: 'channel.open-ok' }
  | ({ name: 'channel.close' } & CloseArgs)
  | { name: 'channel.close-ok' }
  | { name: 'exchange.declare'; exchange: string; type: string; passive: boolean; durable: boolean; autoDelete: boolean; internal: boolean; noWait: boolean; arguments: FieldTable }
  | { name: 'exchange.declare-ok' }
  | { name: 'queue.declare'; queue: string; passive: boolean; durable: boolean; exclusive: boolean; autoDelete: boolean; noWait: boolean; arguments: FieldTable }
  | { name: 'queue.declare-ok'; queue: string; messageCount: number; consumerCount: number }
  | { name: 'queue.bind'; queue: string; exchange: string; routingKey: string; noWait: boolean; arguments: FieldTable }
  | { name: 'queue.bind-ok' }
  | { name: 'basic.consume'; queue: string; consumerTag: string; noLocal: boolean; noAck: boolean; exclusive: boolean; noWait: boolean; arguments: FieldTable }
  | { name: 'basic.consume-ok'; consumerTag: string }
  | { name: 'basic.cancel'; consumerTag: string; noWait: boolean }
  | { name: 'basic.deliver'; consumerTag: string; deliveryTag: bigint; redelivered: boolean; exchange: string; routingKey: string };

export type MethodName = Method['name'];
export type MethodOf<N extends MethodName> = Extract<Method, { name: N }>;

interface MethodCodec<M extends Method> {
  readonly classId: number;
  readonly methodId: number;
  /** Arguments only; class and method ids are written by `encodeMethod`. */
  encode(w: FieldWriter, m: M): void;
  decode(r: FieldReader): M;
}

function writeClose(w: FieldWriter, m: CloseArgs): void {
  w.short(m.replyCode).shortstr(m.replyText).short(m.classId).short(m.methodId);
}

function readClose(r: FieldReader): CloseArgs {
  return { replyCode: r.short(), replyText: r.shortstr(), classId: r.short(), methodId: r.short() };
}

/** Class and method ids and argument order from the AMQP 0-9-1 XML spec; `reserved-*` fields are written as zero/empty. */
const CODECS: { readonly [N in MethodName]: MethodCodec<MethodOf<N>> } = {
  'connection.start': {
    classId: 10, methodId: 10,
    encode: (w, m) => { w.octet(m.versionMajor).octet(m.versionMinor).table(m.serverProperties).longstr(m.mechanisms).longstr(m.locales); },
    decode: (r) => ({ name: 'connection.start', versionMajor: r.octet(), versionMinor: r.octet(), serverProperties: r.table(), mechanisms: r.longstr(), locales: r.longstr() }),
  },
  'connection.start-ok': {
    classId: 10, methodId: 11,
    encode: (w, m) => { w.table(m.clientProperties).shortstr(m.mechanism).longstr(m.response).shortstr(m.locale); },
    decode: (r) => ({ name: 'connection.start-ok', clientProperties: r.table(), mechanism: r.shortstr(), response: Buffer.from(r.longstrBytes()), locale: r.shortstr() }),
  },
  'connection.tune': {
    classId: 10, methodId: 30,
    encode: (w, m) => { w.short(m.channelMax).long(m.frameMax).short(m.heartbeat); },
    decode: (r) => ({ name: 'connection.tune', channelMax: r.short(), frameMax: r.long(), heartbeat: r.short() }),
  },
  'connection.tune-ok': {
    classId: 10, methodId: 31,
    encode: (w, m) => { w.short(m.channelMax).long(m.frameMax).short(m.heartbeat); },
    decode: (r) => ({ name: 'connection.tune-ok', channelMax: r.short(), frameMax: r.long(), heartbeat: r.short() }),
  },
  'connection.open': {
    classId: 10, methodId: 40,
    // reserved-1 (capabilities) shortstr, reserved-2 (insist) bit
    encode: (w, m) => { w.shortstr(m.virtualHost).shortstr('').bit(false); },
    decode: (r) => { const virtualHost = r.shortstr(); r.shortstr(); r.bit(); return { name: 'connection.open', virtualHost }; },
  },
  'connection.open-ok': {
    classId: 10, methodId: 41,
    encode: (w) => { w.shortstr(''); }, // reserved-1 (known-hosts)
    decode: (r) => { r.shortstr(); return { name: 'connection.open-ok' }; },
  },
  'connection.close': {
    classId: 10, methodId: 50,
    encode: writeClose,
    decode: (r) => ({ name: 'connection.close', ...readClose(r) }),
  },
  'connection.close-ok': {
    classId: 10, methodId: 51,
    encode: () => undefined,
    decode: () => ({ name: 'connection.close-ok' }),
  },
  'channel.open': {
    classId: 20, methodId: 10,
    encode: (w) => { w.shortstr(''); }, // reserved-1 (out-of-band)
    decode: (r) => { r.shortstr(); return { name: 'channel.open' }; },
  },
  'channel.open-ok': {
    classId: 20, methodId: 11,
    encode: (w) => { w.longstr(''); }, // reserved-1 (channel-id)
    decode: (r) => { r.longstrBytes(); return { name: 'channel.open-ok' }; },
  },
  'channel.close': {
    classId: 20, methodId: 40,
    encode: writeClose,
    decode: (r) => ({ name: 'channel.close', ...readClose(r) }),
  },
  'channel.close-ok': {
    classId: 20, methodId: 41,
    encode: () => undefined,
    decode: () => ({ name: 'channel.close-ok' }),
  },
  'exchange.declare': {
    classId: 40, methodId: 10,
    encode: (w, m) => {
      w.short(0).shortstr(m.exchange).shortstr(m.type)
        .bit(m.passive).bit(m.durable).bit(m.autoDelete).bit(m.internal).bit(m.noWait)
        .table(m.arguments);
    },
    decode: (r) => {
      r.short();
      return {
        name: 'exchange.declare', exchange: r.shortstr(), type: r.shortstr(),
        passive: r.bit(), durable: r.bit(), autoDelete: r.bit(), internal: r.bit(), noWait: r.bit(), arguments: r.table(),
      };
    },
  },
  'exchange.declare-ok': {
    classId: 40, methodId: 11,
    encode: () => undefined,
    decode: () => ({ name: 'exchange.declare-ok' }),
  },
  'queue.declare': {
    classId: 50, methodId: 10,
    encode: (w, m) => {
      w.short(0).shortstr(m.queue)
        .bit(m.passive).bit(m.durable).bit(m.exclusive).bit(m.autoDelete).bit(m.noWait)
        .table(m.arguments);
    },
    decode: (r) => {
      r.short();
      return {
        name: 'queue.declare', queue: r.shortstr(),
        passive: r.bit(), durable: r.bit(), exclusive: r.bit(), autoDelete: r.bit(), noWait: r.bit(), arguments: r.table(),
      };
    },
  },
  'queue.declare-ok': {
    classId: 50, methodId: 11,
    encode: (w, m) => { w.shortstr(m.queue).long(m.messageCount).long(m.consumerCount); },
    decode: (r) => ({ name: 'queue.declare-ok', queue: r.shortstr(), messageCount: r.long(), consumerCount: r.long() }),
  },
  'queue.bind': {
    classId: 50, methodId: 20,
    encode: (w, m) => { w.short(0).shortstr(m.queue).shortstr(m.exchange).shortstr(m.routingKey).bit(m.noWait).table(m.arguments); },
    decode: (r) => {
      r.short();
      return { name: 'queue.bind', queue: r.shortstr(), exchange: r.shortstr(), routingKey: r.shortstr(), noWait: r.bit(), arguments: r.table() };
    },
  },
  'queue.bind-ok': {
    classId: 50, methodId: 21,
    encode: () => undefined,
    decode: () => ({ name: 'queue.bind-ok' }),
  },
  'basic.consume': {
    classId: 60, methodId: 20,
    encode: (w, m) => {
      w.short(0).shortstr(m.queue).shortstr(m.consumerTag)
        .bit(m.noLocal).bit(m.noAck).bit(m.exclusive).bit(m.noWait)
        .table(m.arguments);
    },
    decode: (r) => {
      r.short();
      return {
        name: 'basic.consume', queue: r.shortstr(), consumerTag: r.shortstr(),
        noLocal: r.bit(), noAck: r.bit(), exclusive: r.bit(), noWait: r.bit(), arguments: r.table(),
      };
    },
  },
  'basic.consume-ok': {
    classId: 60, methodId: 21,
    encode: (w, m) => { w.shortstr(m.consumerTag); },
    decode: (r) => ({ name: 'basic.consume-ok', consumerTag: r.shortstr() }),
  },
  'basic.cancel': {
    classId: 60, methodId: 30,
    encode: (w, m) => { w.shortstr(m.consumerTag).bit(m.noWait); },
    decode: (r) => ({ name: 'basic.cancel', consumerTag: r.shortstr(), noWait: r.bit() }),
  },
  'basic.deliver': {
    classId: 60, methodId: 60,
    encode: (w, m) => { w.shortstr(m.consumerTag).longlong(m.deliveryTag).bit(m.redelivered).shortstr(m.exchange).shortstr(m.routingKey); },
    decode: (r) => ({
      name: 'basic.deliver', consumerTag: r.shortstr(), deliveryTag: r.longlong(), redelivered: r.bit(), exchange: r.shortstr(), routingKey: r.shortstr(),
    }),
  },
};

const methodKey = (classId: number, methodId: number): number => classId * 0x1_0000 + methodId;

const CODECS_BY_ID: ReadonlyMap<number, MethodCodec<Method>> = new Map(
  Object.values(CODECS).map((codec) => [methodKey(codec.classId, codec.methodId), codec as MethodCodec<Method>]),
);

/** A method frame's payload: class id, method id, arguments. */
export function encodeMethod(m: Method): Buffer {
  const codec = CODECS[m.name] as MethodCodec<Method>;
  const w = new FieldWriter().short(codec.classId).short(codec.methodId);
  codec.encode(w, m);
  return w.toBuffer();
}

/** The ids of a method by name (e.g. to name the method a Close refers to). */
export function methodIds(name: MethodName): { classId: number; methodId: number } {
  const { classId, methodId } = CODECS[name];
  return { classId, methodId };
}

/** Decoded method, or `unknown` with its ids for a method this client does not handle. */
export type DecodedMethod = Method | { name: 'unknown'; classId: number; methodId: number };

export function decodeMethod(payload: Buffer): DecodedMethod {
  const r = new FieldReader(payload);
  const classId = r.short();
  const methodId = r.short();
  const codec = CODECS_BY_ID.get(methodKey(classId, methodId));
  if (codec === undefined) return { name: 'unknown', classId, methodId };
  return codec.decode(r);
}

// ---- content header and body -------------------------------------------------

export interface ContentHeader {
  classId: number;
  bodySize: number;
  /** Raw property flags; the properties themselves are not decoded. */
  propertyFlags: number;
}

/** A content header with no properties (flags 0): what a body-only publisher needs. */
export function encodeContentHeader({ classId = 60, bodySize }: { classId?: number; bodySize: number }): Buffer {
  return new FieldWriter().short(classId).short(0).longlong(bodySize).short(0).toBuffer();
}

export function decodeContentHeader(payload: Buffer): ContentHeader {
  const r = new FieldReader(payload);
  const classId = r.short();
  r.short(); // weight, always 0
  const size = r.longlong();
  if (size > BigInt(Number.MAX_SAFE_INTEGER)) throw new AmqpError('protocol', `content body size ${size} is too large`);
  return { classId, bodySize: Number(size), propertyFlags: r.short() };
}

// ---- frames -------------------------------------------------------------------

export function encodeFrame(type: FrameType, channel: number, payload: Buffer): Buffer {
  const out = Buffer.alloc(FRAME_OVERHEAD + payload.length);
  out.writeUInt8(type, 0);
  out.writeUInt16BE(channel, 1);
  out.writeUInt32BE(payload.length, 3);
  payload.copy(out, FRAME_HEADER_SIZE);
  out.writeUInt8(FRAME_END, FRAME_HEADER_SIZE + payload.length);
  return out;
}

export function encodeMethodFrame(channel: number, m: Method): Buffer {
  return encodeFrame(FrameType.Method, channel, encodeMethod(m));
}

/** Heartbeats always travel on channel 0 with an empty payload. */
export function encodeHeartbeatFrame(): Buffer {
  return encodeFrame(FrameType.Heartbeat, 0, Buffer.alloc(0));
}

/** Header frame plus as many body frames as `frameMax` requires (none for an empty body). */
export function encodeContent(channel: number, body: Buffer, frameMax: number): Buffer[] {
  const frames = [encodeFrame(FrameType.Header, channel, encodeContentHeader({ bodySize: body.length }))];
  const chunk = frameMax - FRAME_OVERHEAD;
  for (let at = 0; at < body.length; at += chunk) frames.push(encodeFrame(FrameType.Body, channel, body.subarray(at, at + chunk)));
  return frames;
}

const FRAME_TYPES: ReadonlySet<number> = new Set(Object.values(FrameType));

/**
 * Turns TCP chunks of any size into whole frames. Throws AmqpError('protocol') on an unknown
 * frame type, a missing frame-end octet, or a frame larger than the negotiated frame-max;
 * after a throw the stream has lost framing and the connection must be dropped.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes the next incomplete frame needs in total, so partial chunks are not joined again and again. */
  private needed = FRAME_HEADER_SIZE;
  private frameMax: number;

  /** `frameMax` counts the whole frame, header and frame-end included (spec: Connection.Tune). */
  constructor(frameMax: number) {
    this.frameMax = frameMax;
  }

  setFrameMax(frameMax: number): void {
    this.frameMax = frameMax;
  }

  push(chunk: Buffer): Frame[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Frame[] = [];
    if (this.buffered < this.needed) return frames;
    // one copy per push at most; a large frame arriving in many chunks is joined once it is complete
    let buf = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.buffered);
    let at = 0;
    while (buf.length - at >= FRAME_HEADER_SIZE) {
      const type = buf.readUInt8(at);
      const channel = buf.readUInt16BE(at + 1);
      const size = buf.readUInt32BE(at + 3);
      if (!FRAME_TYPES.has(type)) throw new AmqpError('protocol', `unknown frame type ${type}`);
      if (size + FRAME_OVERHEAD > this.frameMax) {
        throw new AmqpError('protocol', `frame of ${size + FRAME_OVERHEAD} bytes exceeds frame-max ${this.frameMax}`);
      }
      const end = at + FRAME_HEADER_SIZE + size;
      if (buf.length <= end) {
        this.needed = end + 1 - at;
        break;
      }
      if (buf[end] !== FRAME_END) {
        throw new AmqpError('protocol', `bad frame end 0x${(buf[end] ?? 0).toString(16).padStart(2, '0')} (expected 0xce)`);
      }
      frames.push({ type: type as FrameType, channel, payload: buf.subarray(at + FRAME_HEADER_SIZE, end) });
      at = end + 1;
      this.needed = FRAME_HEADER_SIZE;
    }
    buf = buf.subarray(at);
    this.chunks = buf.length > 0 ? [buf] : [];
    this.buffered = buf.length;
    return frames;
  }
}
