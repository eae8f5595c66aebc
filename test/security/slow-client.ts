/** @module security/slow-client: a client that never finishes its request headers (slowloris). */
import { connect } from 'node:net';

/** Opens a connection, sends a partial request line + one header, then nothing; resolves with ms until the server closes it. */
export function slowHeaders(url: string, giveUpMs: number): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const socket = connect(Number(u.port), u.hostname, () => socket.write('POST / HTTP/1.1\r\nHost: x\r\n'));
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`still open after ${giveUpMs} ms`)); }, giveUpMs);
    socket.on('data', () => undefined);
    socket.on('close', () => { clearTimeout(timer); resolve(Date.now() - t0); });
    socket.on('error', () => undefined);
  });
}
