/** @module amqp/frames tests: byte vectors worked out by hand from the AMQP 0-9-1 spec (§2.3.5 frames, §4.2.5 fields, amqp0-9-1.xml ids). */
import { describe, expect, it } from '@jest/globals';
import { AmqpError } from './errors.ts';
import {
  AmqpDecimal, decodeContentHeader, decodeMethod, encodeContent, encodeContentHeader, encodeFrame, encodeHeartbeatFrame, encodeMethod,
  encodeMethodFrame, FieldReader, FieldWriter, FrameReader, FrameType, PROTOCOL_HEADER, type FieldTable, type Frame, type Method,
} from './frames.ts';

/** "01 0a ff" → bytes; spaces are for reading only. */
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const str = (s: string): string => Buffer.from(s, 'latin1').toString('hex');

function expectProtocolError(fn: () => unknown, message: RegExp): void {
  let thrown: unknown;
  try { fn(); } catch (err) { thrown = err; }
  expect(thrown).toBeInstanceOf(AmqpError);
  expect((thrown as AmqpError).code).toBe('protocol');
  expect((thrown as AmqpError).message).toMatch(message);
}

describe('amqp frames', () => {
  describe('fixed vectors from the spec', () => {
    it('opens with the protocol header AMQP 0 0 9 1', () => {
      expect(PROTOCOL_HEADER).toEqual(hex('414d5150 00 00 09 01'));
    });

    it('encodes a heartbeat as type 8, channel 0, size 0, frame-end', () => {
      expect(encodeHeartbeatFrame()).toEqual(hex('08 0000 00000000 ce'));
    });

    it.each<{ case: string; method: Method; payload: string }>([
      {
        case: 'Connection.Tune-Ok (10,31): channel-max short, frame-max long, heartbeat short',
        method: { name: 'connection.tune-ok', channelMax: 1, frameMax: 131_072, heartbeat: 30 },
        payload: '000a 001f 0001 00020000 001e',
      },
      {
        case: 'Connection.Open (10,40): vhost "/", empty reserved shortstr, one zero bit octet',
        method: { name: 'connection.open', virtualHost: '/' },
        payload: '000a 0028 01 2f 00 00',
      },
      {
        case: 'Connection.Close (10,50): 200 "Goodbye", class 0, method 0',
        method: { name: 'connection.close', replyCode: 200, replyText: 'Goodbye', classId: 0, methodId: 0 },
        payload: `000a 0032 00c8 07 ${str('Goodbye')} 0000 0000`,
      },
      { case: 'Connection.Close-Ok (10,51): no arguments', method: { name: 'connection.close-ok' }, payload: '000a 0033' },
      { case: 'Channel.Open (20,10): empty reserved shortstr', method: { name: 'channel.open' }, payload: '0014 000a 00' },
      { case: 'Channel.Close-Ok (20,41)', method: { name: 'channel.close-ok' }, payload: '0014 0029' },
      {
        case: 'Exchange.Declare (40,10): ticket 0, "ironic", "topic", all five bits clear (durable false, auto_delete false), empty table',
        method: { name: 'exchange.declare', exchange: 'ironic', type: 'topic', passive: false, durable: false, autoDelete: false, internal: false, noWait: false, arguments: {} },
        payload: `0028 000a 0000 06 ${str('ironic')} 05 ${str('topic')} 00 00000000`,
      },
      {
        case: 'Queue.Declare (50,10): server-named, exclusive (bit 2) + auto-delete (bit 3) = 0x0c',
        method: { name: 'queue.declare', queue: '', passive: false, durable: false, exclusive: true, autoDelete: true, noWait: false, arguments: {} },
        payload: '0032 000a 0000 00 0c 00000000',
      },
      {
        case: 'Queue.Bind (50,20): queue, exchange, routing key, no-wait clear, empty table',
        method: { name: 'queue.bind', queue: 'q', exchange: 'ironic', routingKey: 'a.b', noWait: false, arguments: {} },
        payload: `0032 0014 0000 01 71 06 ${str('ironic')} 03 ${str('a.b')} 00 00000000`,
      },
      {
        case: 'Basic.Consume (60,20): server-chosen tag, no-ack (bit 1) = 0x02',
        method: { name: 'basic.consume', queue: 'q', consumerTag: '', noLocal: false, noAck: true, exclusive: false, noWait: false, arguments: {} },
        payload: '003c 0014 0000 01 71 00 02 00000000',
      },
    ])('encodes $case', ({ method, payload }) => {
      expect(encodeMethod(method).toString('hex')).toBe(hex(payload).toString('hex'));
    });

    it('wraps a method in a type-1 frame with its size', () => {
      expect(encodeMethodFrame(1, { name: 'channel.open' })).toEqual(hex('01 0001 00000005 0014000a00 ce'));
    });

    it('decodes Basic.Deliver (60,60): tag, delivery tag longlong, redelivered bit, exchange, routing key', () => {
      const rk = 'ironic_versioned_notifications.info';
      const payload = hex(`003c 003c 03 ${str('ctg')} 0000000000000007 01 06 ${str('ironic')} ${rk.length.toString(16)} ${str(rk)}`);
      expect(decodeMethod(payload)).toEqual({ name: 'basic.deliver', consumerTag: 'ctg', deliveryTag: 7n, redelivered: true, exchange: 'ironic', routingKey: rk });
    });

    it('decodes Connection.Close 403 with the method it answers', () => {
      const text = 'ACCESS_REFUSED - Login was refused';
      const payload = hex(`000a 0032 0193 ${text.length.toString(16)} ${str(text)} 000a 000b`);
      expect(decodeMethod(payload)).toEqual({ name: 'connection.close', replyCode: 403, replyText: text, classId: 10, methodId: 11 });
    });

    it('decodes Queue.Declare-Ok with the server-chosen name and counts', () => {
      const payload = hex(`0032 000b 04 ${str('amq.')} 00000002 00000001`);
      expect(decodeMethod(payload)).toEqual({ name: 'queue.declare-ok', queue: 'amq.', messageCount: 2, consumerCount: 1 });
    });

    it('returns the ids of a method it does not know instead of failing', () => {
      // Connection.Blocked (10,60): only sent to clients that ask for it
      expect(decodeMethod(hex('000a 003c 00'))).toEqual({ name: 'unknown', classId: 10, methodId: 60 });
    });

    it('encodes and decodes a content header: class 60, weight 0, body size, no property flags', () => {
      const payload = encodeContentHeader({ bodySize: 5 });
      expect(payload).toEqual(hex('003c 0000 0000000000000005 0000'));
      expect(decodeContentHeader(payload)).toEqual({ classId: 60, bodySize: 5, propertyFlags: 0 });
    });

    it('skips over content properties it does not decode', () => {
      // content-type present (flag bit 15) followed by its shortstr: the body size is still read
      expect(decodeContentHeader(hex(`003c 0000 0000000000000100 8000 10 ${str('application/json')}`)).bodySize).toBe(256);
    });
  });

  describe('field types', () => {
    it('packs consecutive bits into octets, least significant first, a ninth bit into a new octet', () => {
      const w = new FieldWriter();
      for (const b of [true, false, true, false, false, false, false, true, true]) w.bit(b);
      w.octet(0xff).bit(true);
      expect(w.toBuffer()).toEqual(hex('85 01 ff 01'));
      const r = new FieldReader(w.toBuffer());
      expect([...Array(9)].map(() => r.bit())).toEqual([true, false, true, false, false, false, false, true, true]);
      expect(r.octet()).toBe(0xff);
      expect(r.bit()).toBe(true);
    });

    it('encodes an empty table as a zero length', () => {
      expect(new FieldWriter().table({}).toBuffer()).toEqual(hex('00000000'));
    });

    it('encodes string, boolean and integer values with letters S, t and I', () => {
      const table = new FieldWriter().table({ k: 'v', b: true, n: -2 }).toBuffer();
      expect(table).toEqual(hex(`00000013 01 6b 53 00000001 76 01 62 74 01 01 6e 49 fffffffe`));
    });

    it('decodes every value type RabbitMQ sends in Connection.Start', () => {
      const entries = [
        `01 ${str('t')} 74 01`,
        `01 ${str('b')} 62 ff`,
        `01 ${str('B')} 42 ff`,
        `01 ${str('s')} 73 fffe`,
        `01 ${str('u')} 75 fffe`,
        `01 ${str('I')} 49 fffffffd`,
        `01 ${str('i')} 69 fffffffd`,
        `01 ${str('l')} 6c fffffffffffffffc`,
        `01 ${str('L')} 4c 0000000000000004`,
        `01 ${str('f')} 66 3fc00000`, // 1.5
        `01 ${str('d')} 64 3ff8000000000000`, // 1.5
        `01 ${str('D')} 44 02 000004d2`, // 12.34
        `01 ${str('T')} 54 0000000065000000`,
        `01 ${str('S')} 53 00000002 ${str('hi')}`,
        `01 ${str('x')} 78 00000002 cafe`,
        `01 ${str('F')} 46 00000004 01 ${str('z')} 74 00`,
        `01 ${str('A')} 41 00000007 74 01 49 00000005`,
        `01 ${str('V')} 56`,
      ].map(hex);
      const inner = Buffer.concat(entries);
      const wire = Buffer.concat([hex(inner.length.toString(16).padStart(8, '0')), inner]);
      expect(new FieldReader(wire).table()).toEqual({
        t: true, b: -1, B: 255, s: -2, u: 65_534, I: -3, i: 4_294_967_293, l: -4n, L: 4n, f: 1.5, d: 1.5,
        D: new AmqpDecimal(2, 1234), T: new Date(0x6500_0000 * 1000), S: 'hi', x: hex('cafe'), F: { z: false }, A: [true, 5], V: null,
      });
    });

    it('round-trips nested tables, arrays and 64-bit values', () => {
      const table: FieldTable = {
        capabilities: { authentication_failure_close: true, consumer_cancel_notify: true },
        list: ['a', 1, [false]], big: 1n << 40n, fraction: 0.25, bytes: hex('00ff'), none: null, when: new Date(1_700_000_000_000),
      };
      expect(new FieldReader(new FieldWriter().table(table).toBuffer()).table()).toEqual(table);
    });

    it('rejects an unknown field type letter', () => {
      expectProtocolError(() => new FieldReader(hex(`00000003 01 ${str('q')} 7a`)).table(), /unknown field-table value type 0x7a/);
    });

    it('rejects a short string over 255 bytes', () => {
      expectProtocolError(() => new FieldWriter().shortstr('x'.repeat(256)), /exceeds 255/);
    });

    it('reports a payload cut short as a protocol error, not a RangeError', () => {
      expectProtocolError(() => decodeMethod(hex('000a 001e 0001 0002')), /truncated long/);
    });
  });

  describe('methods round trip', () => {
    it.each<Method>([
      {
        name: 'connection.start', versionMajor: 0, versionMinor: 9,
        serverProperties: { product: 'RabbitMQ', capabilities: { publisher_confirms: true } }, mechanisms: 'AMQPLAIN PLAIN', locales: 'en_US',
      },
      { name: 'connection.start-ok', clientProperties: { product: 'metal3-functions' }, mechanism: 'PLAIN', response: hex('00 75 00 70'), locale: 'en_US' },
      { name: 'connection.tune', channelMax: 2047, frameMax: 131_072, heartbeat: 60 },
      { name: 'connection.tune-ok', channelMax: 1, frameMax: 4096, heartbeat: 0 },
      { name: 'connection.open', virtualHost: 'metal3' },
      { name: 'connection.open-ok' },
      { name: 'connection.close', replyCode: 320, replyText: 'CONNECTION_FORCED', classId: 0, methodId: 0 },
      { name: 'connection.close-ok' },
      { name: 'channel.open' },
      { name: 'channel.open-ok' },
      { name: 'channel.close', replyCode: 406, replyText: 'PRECONDITION_FAILED', classId: 40, methodId: 10 },
      { name: 'channel.close-ok' },
      { name: 'exchange.declare', exchange: 'ironic', type: 'topic', passive: true, durable: true, autoDelete: true, internal: true, noWait: true, arguments: { x: 1 } },
      { name: 'exchange.declare-ok' },
      { name: 'queue.declare', queue: 'q', passive: true, durable: false, exclusive: true, autoDelete: false, noWait: true, arguments: {} },
      { name: 'queue.declare-ok', queue: 'amq.gen-1', messageCount: 0, consumerCount: 0 },
      { name: 'queue.bind', queue: 'q', exchange: 'ironic', routingKey: 'ironic_versioned_notifications.error', noWait: true, arguments: {} },
      { name: 'queue.bind-ok' },
      { name: 'basic.consume', queue: 'q', consumerTag: 'me', noLocal: true, noAck: true, exclusive: true, noWait: false, arguments: {} },
      { name: 'basic.consume-ok', consumerTag: 'amq.ctag-1' },
      { name: 'basic.cancel', consumerTag: 'amq.ctag-1', noWait: true },
      { name: 'basic.deliver', consumerTag: 't', deliveryTag: 2n ** 63n, redelivered: false, exchange: '', routingKey: 'k' },
    ])('$name', (method) => {
      expect(decodeMethod(encodeMethod(method))).toEqual(method);
    });
  });

  describe('FrameReader', () => {
    const body = Buffer.from('x'.repeat(9000));
    const stream = Buffer.concat([
      encodeMethodFrame(1, { name: 'basic.deliver', consumerTag: 't', deliveryTag: 1n, redelivered: false, exchange: 'ironic', routingKey: 'k' }),
      ...encodeContent(1, body, 4096),
      encodeHeartbeatFrame(),
      ...encodeContent(1, Buffer.alloc(0), 4096),
    ]);
    const expected = [
      { type: FrameType.Method, channel: 1 },
      { type: FrameType.Header, channel: 1 },
      { type: FrameType.Body, channel: 1, size: 4088 },
      { type: FrameType.Body, channel: 1, size: 4088 },
      { type: FrameType.Body, channel: 1, size: 9000 - 2 * 4088 },
      { type: FrameType.Heartbeat, channel: 0, size: 0 },
      { type: FrameType.Header, channel: 1 },
    ];
    const shape = (frames: Frame[]): unknown[] =>
      frames.map((f, i) => (expected[i] !== undefined && 'size' in expected[i] ? { type: f.type, channel: f.channel, size: f.payload.length } : { type: f.type, channel: f.channel }));

    it('splits a body into frames of frame-max minus 8 bytes, and sends no body frame for an empty body', () => {
      expect(shape(new FrameReader(4096).push(stream))).toEqual(expected);
    });

    it('yields the same frames wherever the stream is cut in two', () => {
      const whole = new FrameReader(4096).push(stream);
      const mismatches: number[] = [];
      for (let cut = 0; cut <= stream.length; cut++) {
        const reader = new FrameReader(4096);
        const frames = [...reader.push(stream.subarray(0, cut)), ...reader.push(stream.subarray(cut))];
        const same = frames.length === whole.length && frames.every((f, i) => f.type === whole[i]?.type && f.channel === whole[i].channel && f.payload.equals(whole[i].payload));
        if (!same) mismatches.push(cut);
      }
      expect(mismatches).toEqual([]);
    });

    it('yields the same frames when fed one byte at a time', () => {
      const reader = new FrameReader(4096);
      const frames: Frame[] = [];
      for (let i = 0; i < stream.length; i++) frames.push(...reader.push(stream.subarray(i, i + 1)));
      expect(shape(frames)).toEqual(expected);
      expect(Buffer.concat(frames.filter((f) => f.type === FrameType.Body).map((f) => f.payload))).toEqual(body);
    });

    it('accepts a frame of exactly frame-max bytes', () => {
      const frame = encodeFrame(FrameType.Body, 1, Buffer.alloc(4096 - 8));
      expect(new FrameReader(4096).push(frame)).toHaveLength(1);
    });

    it('rejects a frame larger than frame-max as soon as its header arrives', () => {
      const frame = encodeFrame(FrameType.Body, 1, Buffer.alloc(4096 - 7));
      expectProtocolError(() => new FrameReader(4096).push(frame.subarray(0, 7)), /frame of 4097 bytes exceeds frame-max 4096/);
    });

    it('applies a frame-max negotiated later', () => {
      const reader = new FrameReader(131_072);
      reader.setFrameMax(4096);
      expectProtocolError(() => reader.push(encodeFrame(FrameType.Body, 1, Buffer.alloc(5000))), /exceeds frame-max 4096/);
    });

    it('rejects a frame whose end octet is not 0xCE', () => {
      const frame = Buffer.from(encodeHeartbeatFrame());
      frame[7] = 0x00;
      expectProtocolError(() => new FrameReader(4096).push(frame), /bad frame end 0x00/);
    });

    it('rejects an unknown frame type (e.g. a server answering with its protocol header)', () => {
      expectProtocolError(() => new FrameReader(4096).push(PROTOCOL_HEADER), /unknown frame type 65/);
    });
  });
});
