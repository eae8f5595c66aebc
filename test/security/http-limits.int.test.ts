/**
 * Request limits on our HTTP servers: the broker ingress drops a client that
 * never finishes its headers (slowloris) and refuses bodies over 64 KiB
 * without buffering them (the 413 cases for the ingress and the function
 * servers are in test/reliability/malformed-events.int.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect } from 'node:net';
import { startBroker } from '../../shared/src/broker/broker.ts';
import type { Broker } from '../../shared/src/broker/broker.ts';
import { createLogger } from '../../shared/src/log.ts';

/** Opens a connection, sends a partial request line + one header, then nothing; resolves with ms until the server closes it. */
function slowHeaders(url: string, giveUpMs: number): Promise<number> {
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

describe('the broker ingress', () => {
  let broker: Broker;
  beforeAll(async () => { broker = await startBroker({ log: createLogger({ level: 'silent' }) }); });
  afterAll(async () => { await broker?.close(); });

  it('closes a connection whose headers never finish (headersTimeout 10 s, checked every 30 s)', async () => {
    // Act
    const ms = await slowHeaders(broker.url, 55_000);
    // Assess: not at once (it is a timeout, not a parse error), and well before the give-up
    expect(ms).toBeGreaterThanOrEqual(9_000);
    expect(ms).toBeLessThan(55_000);
  }, 70_000);
});
