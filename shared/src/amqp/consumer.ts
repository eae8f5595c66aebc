/**
 * @module amqp/consumer: a minimal AMQP 0-9-1 consumer on `node:net`, enough to follow OpenStack
 * Ironic's versioned notifications on RabbitMQ without a client library.
 *
 * One connection, one channel: declare the exchange, declare one server-named exclusive
 * auto-delete queue, bind it once per routing key, consume with no-ack, hand each message's
 * body bytes to the caller. PLAIN auth only, no TLS. The URL's password never leaves this
 * module: errors and `where` name the server as host:port/vhost.
 */
import { connect, type Socket } from 'node:net';
import { AmqpError } from './errors.ts';
import {
  decodeContentHeader, decodeMethod, encodeHeartbeatFrame, encodeMethodFrame, FRAME_MIN_SIZE, FrameReader, FrameType, PROTOCOL_HEADER,
  type CloseArgs, type DecodedMethod, type Frame, type Method, type MethodName, type MethodOf,
} from './frames.ts';

export { AmqpError, AmqpErrorCode, isAmqpError } from './errors.ts';

export interface AmqpMessage {
  exchange: string;
  routingKey: string;
  body: Buffer;
}

export interface AmqpSubscription {
  /** settles when the connection ends: undefined after close(), the error otherwise (server close, socket error, missed heartbeats) */
  readonly ended: Promise<Error | undefined>;
  close(): Promise<void>;
}

export interface SubscribeOptions {
  /** amqp://user:pass@host:port/vhost (vhost URL-encoded; default "/"; default port 5672) */
  url: string;
  /** Declared as type topic, durable false, auto_delete false: oslo.messaging's declaration, which must match exactly or the server answers 406. */
  exchange: string;
  /** Each bound to one server-named, exclusive, auto-delete queue. */
  routingKeys: readonly string[];
  onMessage: (m: AmqpMessage) => void;
  /** Called with what `onMessage` threw (or its promise rejected with); the consumer keeps going either way. */
  onHandlerError?: (error: unknown, m: AmqpMessage) => void;
  /** Default 30; heartbeats go out every heartbeat/2 s, and two intervals of silence from the server end the connection. 0 disables. */
  heartbeatS?: number;
  /** Default 10_000; covers TCP connect through Basic.ConsumeOk. */
  connectTimeoutMs?: number;
}

export interface ProbeOptions {
  url: string;
  /** Default 10_000; covers TCP connect through Connection.OpenOk. */
  timeoutMs?: number;
}

/** Our ceiling for frame-max (the server's offer wins when smaller). */
export const CLIENT_FRAME_MAX = 131_072;
/** We only ever open channel 1. */
const CLIENT_CHANNEL_MAX = 1;
const CHANNEL = 1;
/** How long close() waits for Connection.CloseOk before dropping the socket. */
const CLOSE_OK_WAIT_MS = 1_000;
/** Connection.Close reply code for a normal shutdown (spec constant reply-success). */
const REPLY_SUCCESS = 200;
const ACCESS_REFUSED = 403;

interface AmqpEndpoint {
  readonly host: string;
  readonly port: number;
  readonly vhost: string;
  /** host:port/vhost, the vhost URL-encoded: how messages name the server. */
  readonly where: string;
  /** `\0user\0password`: the PLAIN response. Secret. */
  readonly plainResponse: Buffer;
}

/** Parse `amqp://user:pass@host:port/vhost` (RabbitMQ's URI spec, no query options). Never echoes the URL. */
function parseAmqpUrl(url: string): AmqpEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // no cause: Node's URL error carries the input, password included
    throw new AmqpError('invalid-url', 'AMQP URL is not a valid URL (expected amqp://user:pass@host:port/vhost)');
  }
  if (parsed.protocol !== 'amqp:') throw new AmqpError('invalid-url', `AMQP URL scheme must be amqp:, got ${parsed.protocol} (TLS is not supported)`);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new AmqpError('invalid-url', 'AMQP URL has no host');
  const port = parsed.port === '' ? 5672 : Number(parsed.port);
  const path = parsed.pathname;
  let vhost: string;
  let user: string;
  let password: string;
  try {
    // an empty path or a bare "/" means the default vhost "/"; "%2F" spells it explicitly
    vhost = path === '' || path === '/' ? '/' : decodeURIComponent(path.slice(1));
    user = parsed.username === '' ? 'guest' : decodeURIComponent(parsed.username);
    password = parsed.username === '' && parsed.password === '' ? 'guest' : decodeURIComponent(parsed.password);
  } catch {
    throw new AmqpError('invalid-url', 'AMQP URL has a malformed percent-encoding in its user, password or vhost');
  }
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    host, port, vhost,
    where: `${hostPart}:${port}/${encodeURIComponent(vhost)}`,
    plainResponse: Buffer.concat([Buffer.from([0]), Buffer.from(user, 'utf8'), Buffer.from([0]), Buffer.from(password, 'utf8')]),
  };
}

/**
 * `amqp://user:secret@host/vhost` → `amqp://host:5672/vhost`: the form in which a log line or an
 * error may name the bus (the consumer's own errors name it so too). Never throws.
 */
export function amqpServerName(url: string): string {
  try {
    return `amqp://${parseAmqpUrl(url).where}`;
  } catch {
    return '(invalid AMQP URL)';
  }
}

/** Where the connection is; decides what an unexpected socket close means. */
type Stage = 'connecting' | 'handshake' | 'auth' | 'opening' | 'open' | 'closing' | 'ended';

interface Waiter {
  readonly channel: number;
  readonly expect: MethodName;
  resolve(m: Method): void;
  reject(e: Error): void;
}

interface PartialDelivery {
  readonly exchange: string;
  readonly routingKey: string;
  bodySize: number | undefined;
  readonly parts: Buffer[];
  received: number;
}

/** One AMQP connection with channel 1; the handshake and consume steps are driven from outside. */
class AmqpConnection {
  readonly ended: Promise<Error | undefined>;
  private readonly endpoint: AmqpEndpoint;
  private readonly socket: Socket;
  private readonly reader = new FrameReader(CLIENT_FRAME_MAX);
  private stage: Stage = 'connecting';
  private waiter: Waiter | undefined;
  private settleEnded!: (e: Error | undefined) => void;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private lastReceivedAt = Date.now();
  private closing: Promise<void> | undefined;
  private onCloseOk: (() => void) | undefined;
  private delivery: PartialDelivery | undefined;
  private deliver: ((m: AmqpMessage) => void) | undefined;

  constructor(endpoint: AmqpEndpoint) {
    this.endpoint = endpoint;
    this.ended = new Promise((resolve) => { this.settleEnded = resolve; });
    this.socket = connect({ host: endpoint.host, port: endpoint.port });
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err: NodeJS.ErrnoException) => this.onSocketError(err));
    this.socket.on('close', () => this.onSocketClose());
  }

  get where(): string {
    return this.endpoint.where;
  }

  /** TCP connect, protocol header, Start/StartOk, Tune/TuneOk, Open/OpenOk. */
  async open(heartbeatS: number): Promise<void> {
    const connected = this.expectNext(0, 'connection.start');
    this.socket.once('connect', () => {
      this.stage = 'handshake';
      this.socket.write(PROTOCOL_HEADER);
    });
    const start = await connected;
    if (start.versionMajor !== 0 || start.versionMinor !== 9) {
      throw new AmqpError('protocol', `AMQP server ${this.where} speaks ${start.versionMajor}-${start.versionMinor}, not 0-9-1`);
    }
    if (!start.mechanisms.split(' ').includes('PLAIN')) {
      throw new AmqpError('protocol', `AMQP server ${this.where} does not offer PLAIN authentication (offers: ${start.mechanisms})`);
    }
    this.stage = 'auth';
    const tune = await this.call(0, {
      name: 'connection.start-ok',
      clientProperties: {
        product: 'metal3-functions',
        platform: `Node.js ${process.version}`,
        // authentication_failure_close: a bad login gets a 403 Close instead of a bare hang-up
        capabilities: { authentication_failure_close: true, consumer_cancel_notify: true },
      },
      mechanism: 'PLAIN',
      response: this.endpoint.plainResponse,
      locale: 'en_US',
    }, 'connection.tune');
    const frameMax = tune.frameMax === 0 ? CLIENT_FRAME_MAX : Math.min(tune.frameMax, CLIENT_FRAME_MAX);
    if (frameMax < FRAME_MIN_SIZE) throw new AmqpError('protocol', `AMQP server ${this.where} offers frame-max ${frameMax}, below the minimum ${FRAME_MIN_SIZE}`);
    const channelMax = tune.channelMax === 0 ? CLIENT_CHANNEL_MAX : Math.min(tune.channelMax, CLIENT_CHANNEL_MAX);
    // 0 on either side means "no heartbeats" only when we asked for none; otherwise the smaller non-zero wins
    const heartbeat = heartbeatS === 0 ? 0 : tune.heartbeat === 0 ? heartbeatS : Math.min(tune.heartbeat, heartbeatS);
    this.send(0, { name: 'connection.tune-ok', channelMax, frameMax, heartbeat });
    this.reader.setFrameMax(frameMax);
    this.startHeartbeats(heartbeat);
    this.stage = 'opening';
    await this.call(0, { name: 'connection.open', virtualHost: this.endpoint.vhost }, 'connection.open-ok');
    this.stage = 'open';
  }

  /** Send a method and wait for its synchronous reply on the same channel. */
  call<N extends MethodName>(channel: number, request: Method, reply: N): Promise<MethodOf<N>> {
    const pending = this.expectNext(channel, reply);
    this.send(channel, request);
    return pending;
  }

  /** From now on, Deliver + header + body frames on channel 1 become messages for `deliver`. */
  consume(deliver: (m: AmqpMessage) => void): void {
    this.deliver = deliver;
  }

  /** Connection.Close, wait briefly for CloseOk, drop the socket; `ended` gets `error`. Idempotent. */
  shutdown(error: Error | undefined): Promise<void> {
    this.closing ??= (async () => {
      if (this.stage === 'ended') return;
      if (this.stage === 'connecting') {
        this.settle(error);
        return;
      }
      this.stage = 'closing';
      const closeOk = new Promise<void>((resolve) => {
        this.onCloseOk = resolve;
        const timer = setTimeout(resolve, CLOSE_OK_WAIT_MS);
        timer.unref();
        void this.ended.then(() => { clearTimeout(timer); resolve(); });
      });
      this.send(0, { name: 'connection.close', replyCode: REPLY_SUCCESS, replyText: 'Goodbye', classId: 0, methodId: 0 });
      await closeOk;
      this.settle(error);
    })();
    return this.closing;
  }

  /** End now: no goodbye (timeouts, protocol errors, lost sockets). */
  fail(error: Error): void {
    this.settle(error);
  }

  private expectNext<N extends MethodName>(channel: number, expect: N): Promise<MethodOf<N>> {
    if (this.stage === 'ended') return Promise.reject(new AmqpError('connection-lost', `AMQP connection to ${this.where} has ended`));
    return new Promise<MethodOf<N>>((resolve, reject) => {
      this.waiter = { channel, expect, resolve: resolve as (m: Method) => void, reject };
    });
  }

  private send(channel: number, m: Method): void {
    if (this.socket.writable) this.socket.write(encodeMethodFrame(channel, m));
  }

  private startHeartbeats(heartbeatS: number): void {
    if (heartbeatS <= 0) return;
    const silenceMs = 2 * heartbeatS * 1000;
    this.heartbeatTimer = setInterval(() => {
      if (Date.now() - this.lastReceivedAt > silenceMs) {
        this.fail(new AmqpError('heartbeat-missed', `AMQP server ${this.where} sent nothing for ${silenceMs / 1000} s (heartbeat ${heartbeatS} s)`));
        return;
      }
      if (this.socket.writable) this.socket.write(encodeHeartbeatFrame());
    }, (heartbeatS * 1000) / 2);
    // the socket keeps the process alive while it is open; the timer must not on its own
    this.heartbeatTimer.unref();
  }

  private onData(chunk: Buffer): void {
    if (this.stage === 'ended') return;
    this.lastReceivedAt = Date.now();
    let frames: Frame[];
    try {
      frames = this.reader.push(chunk);
    } catch (err) {
      // a server refusing our protocol version answers with its own header and hangs up
      const detail = chunk.subarray(0, 4).toString('latin1') === 'AMQP' ? 'it answered with another protocol header (not AMQP 0-9-1)' : (err as Error).message;
      this.fail(new AmqpError('protocol', `AMQP server ${this.where}: ${detail}`, { cause: err }));
      return;
    }
    for (const frame of frames) {
      if (this.hasEnded()) return; // an earlier frame in this chunk ended the connection
      try {
        this.onFrame(frame);
      } catch (err) {
        this.fail(err instanceof AmqpError ? err : new AmqpError('protocol', `AMQP server ${this.where}: ${(err as Error).message}`, { cause: err }));
        return;
      }
    }
  }

  private hasEnded(): boolean {
    return this.stage === 'ended';
  }

  private onFrame(frame: Frame): void {
    switch (frame.type) {
      case FrameType.Heartbeat:
        return;
      case FrameType.Method:
        return this.onMethod(frame.channel, decodeMethod(frame.payload));
      case FrameType.Header:
        return this.onContentHeader(frame);
      case FrameType.Body:
        return this.onContentBody(frame);
    }
  }

  private onMethod(channel: number, m: DecodedMethod): void {
    if (m.name === 'connection.close') {
      this.send(0, { name: 'connection.close-ok' });
      this.socket.end();
      this.fail(this.serverCloseError(m, 'connection'));
      return;
    }
    if (m.name === 'connection.close-ok') {
      if (this.stage === 'closing') this.onCloseOk?.();
      return;
    }
    if (this.stage === 'closing') return; // late replies while we say goodbye
    if (m.name === 'channel.close') {
      this.send(channel, { name: 'channel.close-ok' });
      void this.shutdown(this.serverCloseError(m, `channel ${channel}`));
      return;
    }
    if (m.name === 'basic.cancel') {
      void this.shutdown(new AmqpError('closed-by-server', `AMQP server ${this.where} cancelled consumer ${m.consumerTag} (queue deleted?)`));
      return;
    }
    if (m.name === 'basic.deliver' && this.deliver !== undefined && channel === CHANNEL) {
      if (this.delivery !== undefined) throw new AmqpError('protocol', `AMQP server ${this.where} sent Basic.Deliver before the previous message's body was complete`);
      this.delivery = { exchange: m.exchange, routingKey: m.routingKey, bodySize: undefined, parts: [], received: 0 };
      return;
    }
    const waiter = this.waiter;
    if (waiter !== undefined && waiter.channel === channel && waiter.expect === m.name) {
      this.waiter = undefined;
      waiter.resolve(m);
      return;
    }
    const got = m.name === 'unknown' ? `method ${m.classId}.${m.methodId}` : m.name;
    const wanted = waiter === undefined ? 'nothing' : waiter.expect;
    throw new AmqpError('protocol', `AMQP server ${this.where} sent ${got} on channel ${channel} while we expected ${wanted}`);
  }

  private onContentHeader(frame: Frame): void {
    const d = this.delivery;
    if (d === undefined || d.bodySize !== undefined || frame.channel !== CHANNEL) {
      throw new AmqpError('protocol', `AMQP server ${this.where} sent a content header on channel ${frame.channel} without a Basic.Deliver`);
    }
    d.bodySize = decodeContentHeader(frame.payload).bodySize;
    // a zero-size body has no body frame
    if (d.bodySize === 0) this.completeDelivery(d);
  }

  private onContentBody(frame: Frame): void {
    const d = this.delivery;
    if (d === undefined || d.bodySize === undefined || frame.channel !== CHANNEL) {
      throw new AmqpError('protocol', `AMQP server ${this.where} sent a body frame on channel ${frame.channel} without a content header`);
    }
    d.parts.push(frame.payload);
    d.received += frame.payload.length;
    if (d.received > d.bodySize) throw new AmqpError('protocol', `AMQP server ${this.where} sent ${d.received} body bytes for a ${d.bodySize}-byte message`);
    if (d.received === d.bodySize) this.completeDelivery(d);
  }

  private completeDelivery(d: PartialDelivery): void {
    this.delivery = undefined;
    // concat copies: the frames' bytes belong to the reader's buffers
    this.deliver?.({ exchange: d.exchange, routingKey: d.routingKey, body: Buffer.concat(d.parts, d.received) });
  }

  private serverCloseError(m: CloseArgs, what: string): AmqpError {
    const inReplyTo = m.classId === 0 ? '' : ` (in reply to method ${m.classId}.${m.methodId})`;
    const reply = `${m.replyCode} ${m.replyText}`;
    if (m.replyCode === ACCESS_REFUSED && (this.stage === 'auth' || this.stage === 'opening')) {
      return new AmqpError('auth-failed', `AMQP server ${this.where} refused the login: ${reply}`, { replyCode: m.replyCode, replyText: m.replyText });
    }
    return new AmqpError('closed-by-server', `AMQP server ${this.where} closed the ${what}: ${reply}${inReplyTo}`, { replyCode: m.replyCode, replyText: m.replyText });
  }

  /** Destroy now, unless a last frame (a Close-Ok) is still queued: then flush it first, briefly. */
  private dropSocket(): void {
    if (this.socket.destroyed) return;
    if (this.socket.writableLength === 0) {
      this.socket.destroy();
      return;
    }
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 200).unref();
  }

  private onSocketError(err: NodeJS.ErrnoException): void {
    const detail = err.code ?? err.message;
    if (this.stage === 'connecting') {
      this.fail(new AmqpError('connect-failed', `cannot connect to AMQP server ${this.where}: ${detail}`, { cause: err }));
    } else {
      this.fail(new AmqpError('connection-lost', `AMQP connection to ${this.where} failed: ${detail}`, { cause: err }));
    }
  }

  private onSocketClose(): void {
    switch (this.stage) {
      case 'ended':
        return;
      case 'closing':
        this.onCloseOk?.();
        return;
      case 'connecting':
        this.fail(new AmqpError('connect-failed', `cannot connect to AMQP server ${this.where}: connection closed`));
        return;
      case 'auth':
        // the spec's answer to bad credentials when the peer lacks authentication_failure_close
        this.fail(new AmqpError('auth-failed', `AMQP server ${this.where} closed the connection after Start-Ok (login refused?)`));
        return;
      default:
        this.fail(new AmqpError('connection-lost', `AMQP server ${this.where} closed the connection without Connection.Close`));
    }
  }

  private settle(error: Error | undefined): void {
    if (this.stage === 'ended') return;
    this.stage = 'ended';
    if (this.heartbeatTimer !== undefined) clearInterval(this.heartbeatTimer);
    this.dropSocket();
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(error ?? new AmqpError('connection-lost', `AMQP connection to ${this.where} was closed`));
    this.settleEnded(error);
  }
}

/**
 * Connect, declare, bind and consume; resolves once the server confirmed the consumer
 * (Basic.ConsumeOk), rejects with an AmqpError otherwise.
 *
 * @example
 * const sub = await subscribeAmqp({
 *   url: 'amqp://ironic:secret@rabbitmq:5672/', exchange: 'ironic',
 *   routingKeys: ['ironic_versioned_notifications.info'], onMessage: (m) => handle(m.body),
 * });
 * const why = await sub.ended; // undefined after sub.close()
 */
export async function subscribeAmqp({
  url, exchange, routingKeys, onMessage, onHandlerError, heartbeatS = 30, connectTimeoutMs = 10_000,
}: SubscribeOptions): Promise<AmqpSubscription> {
  if (!Number.isInteger(heartbeatS) || heartbeatS < 0 || heartbeatS > 0xffff) throw new RangeError(`heartbeatS must be an integer 0..65535, got ${heartbeatS}`);
  const conn = new AmqpConnection(parseAmqpUrl(url));
  const timer = setTimeout(() => {
    conn.fail(new AmqpError('timeout', `AMQP server ${conn.where} did not confirm the consumer within ${connectTimeoutMs} ms`));
  }, connectTimeoutMs);
  try {
    await conn.open(heartbeatS);
    await conn.call(CHANNEL, { name: 'channel.open' }, 'channel.open-ok');
    await conn.call(CHANNEL, {
      name: 'exchange.declare', exchange, type: 'topic', passive: false, durable: false, autoDelete: false, internal: false, noWait: false, arguments: {},
    }, 'exchange.declare-ok');
    const { queue } = await conn.call(CHANNEL, {
      name: 'queue.declare', queue: '', passive: false, durable: false, exclusive: true, autoDelete: true, noWait: false, arguments: {},
    }, 'queue.declare-ok');
    for (const routingKey of routingKeys) {
      await conn.call(CHANNEL, { name: 'queue.bind', queue, exchange, routingKey, noWait: false, arguments: {} }, 'queue.bind-ok');
    }
    conn.consume(function deliverMessage(m) {
      try {
        const result: unknown = onMessage(m);
        if (result instanceof Promise) result.catch((err: unknown) => onHandlerError?.(err, m));
      } catch (err) {
        // the caller's bug, not the connection's: keep consuming
        onHandlerError?.(err, m);
      }
    });
    await conn.call(CHANNEL, {
      name: 'basic.consume', queue, consumerTag: '', noLocal: false, noAck: true, exclusive: false, noWait: false, arguments: {},
    }, 'basic.consume-ok');
  } catch (err) {
    await conn.shutdown(err as Error);
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return {
    ended: conn.ended,
    close: async function close() {
      await conn.shutdown(undefined);
    },
  };
}

/** Complete the connection handshake (through Connection.OpenOk), then close: proves a server is up and takes these credentials. */
export async function probeAmqp({ url, timeoutMs = 10_000 }: ProbeOptions): Promise<void> {
  const conn = new AmqpConnection(parseAmqpUrl(url));
  const timer = setTimeout(() => {
    conn.fail(new AmqpError('timeout', `AMQP server ${conn.where} did not complete the handshake within ${timeoutMs} ms`));
  }, timeoutMs);
  try {
    await conn.open(0);
  } catch (err) {
    await conn.shutdown(err as Error);
    throw err;
  } finally {
    clearTimeout(timer);
  }
  await conn.shutdown(undefined);
}
