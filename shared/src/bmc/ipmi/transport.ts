/**
 * @module bmc/ipmi/transport: one connected UDP socket per session. A connected socket drops
 * datagrams from any other source; `exchange` sends one datagram and waits for the first reply
 * the caller accepts, ignoring the rest (stale, forged, out-of-window).
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { MAX_DATAGRAM_BYTES } from './constants.ts';

/** The smallest socket surface we need; tests inject their own. */
export interface DatagramSocket {
  send(datagram: Buffer): Promise<void>;
  /** every received datagram; `error` carries socket errors (e.g. ECONNREFUSED from ICMP) */
  onMessage(listener: (datagram: Buffer) => void, onError: (error: Error) => void): void;
  close(): Promise<void>;
}

export type SocketFactory = (host: string, port: number) => Promise<DatagramSocket>;

/** Why an attempt got no answer; the session layer decides whether to retry. */
export class NoReplyError extends Error {
  override readonly name = 'NoReplyError';
  readonly reason: 'timeout' | 'refused' | 'socket';
  constructor(reason: 'timeout' | 'refused' | 'socket', message: string) {
    super(message);
    this.reason = reason;
  }
}

export const createUdpSocket: SocketFactory = function createUdpSocket(host, port) {
  return new Promise((resolve, reject) => {
    const socket: Socket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
    const fail = (e: Error): void => {
      socket.close();
      reject(e);
    };
    socket.once('error', fail);
    socket.connect(port, host, () => {
      socket.off('error', fail);
      resolve({
        send: (datagram) => new Promise((ok, ko) => socket.send(datagram, (err) => (err ? ko(err) : ok()))),
        onMessage: (listener, onError) => {
          socket.on('message', (msg) => listener(msg));
          socket.on('error', onError);
        },
        close: () => new Promise((ok) => {
          try {
            socket.close(() => ok());
          } catch {
            ok(); // already closed
          }
        }),
      });
    });
  });
};

export interface UdpTransport {
  /** Send `datagram`; resolve with the first reply `accept` maps to a value (undefined = ignore). */
  exchange<T>(datagram: Buffer, accept: (reply: Buffer) => T | undefined, timeoutMs: number): Promise<T>;
  close(): Promise<void>;
}

export async function openTransport(host: string, port: number, socketFactory: SocketFactory = createUdpSocket): Promise<UdpTransport> {
  const socket = await socketFactory(host, port);
  // at most one exchange waits at a time: the session layer serialises requests
  let waiter: { onReply: (d: Buffer) => void; onError: (e: Error) => void } | undefined;
  socket.onMessage(
    (d) => {
      if (d.length <= MAX_DATAGRAM_BYTES) waiter?.onReply(d);
    },
    (e) => waiter?.onError(e),
  );
  return {
    exchange: function exchange<T>(datagram: Buffer, accept: (reply: Buffer) => T | undefined, timeoutMs: number): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const done = (): void => {
          clearTimeout(timer);
          waiter = undefined;
        };
        const timer = setTimeout(() => {
          done();
          reject(new NoReplyError('timeout', `no reply within ${timeoutMs} ms`));
        }, timeoutMs);
        waiter = {
          onReply: (d) => {
            let value: T | undefined;
            try {
              value = accept(d);
            } catch (e) {
              // a typed, permanent answer (auth failure, downgrade) ends the exchange; garbage is ignored
              if (e instanceof Error && e.name !== 'BmcProtocolError') {
                done();
                reject(e);
              }
              return;
            }
            if (value !== undefined) {
              done();
              resolve(value);
            }
          },
          onError: (e) => {
            done();
            const code = (e as NodeJS.ErrnoException).code;
            reject(new NoReplyError(code === 'ECONNREFUSED' ? 'refused' : 'socket', code === 'ECONNREFUSED' ? 'port unreachable (ICMP)' : `socket error ${code ?? ''}`.trim()));
          },
        };
        socket.send(datagram).catch((e: unknown) => waiter?.onError(e instanceof Error ? e : new Error(String(e))));
      });
    },
    close: () => socket.close(),
  };
}
