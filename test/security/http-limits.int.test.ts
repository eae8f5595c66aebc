/**
 * Request limits on our HTTP servers: the broker ingress drops a client that
 * never finishes its headers (slowloris) and refuses bodies over 64 KiB
 * without buffering them (the 413 cases for the ingress and the function
 * servers are in test/reliability/malformed-events.int.test.ts; the function
 * servers' header timeout in test/packaging/bundles.int.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startBroker } from '../../shared/src/broker/broker.ts';
import type { Broker } from '../../shared/src/broker/broker.ts';
import { createLogger } from '../../shared/src/log.ts';
import { slowHeaders } from './slow-client.ts';

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
