/** The RabbitMQ bed: starts a node on loopback only, and leaves no Erlang process behind. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { probeAmqp } from '../../shared/src/amqp/consumer.ts';
import { PortInUseError } from './errors.ts';
import { isRabbitMqInstalled, rabbitMqNodePids, rabbitTransportUrl, startRabbitMq, tcpListenAddresses, type RabbitMqInstance } from './rabbitmq.ts';

describe('RabbitMQ bed', () => {
  let bus: RabbitMqInstance;

  beforeAll(async () => {
    bus = await startRabbitMq();
  });

  afterAll(async () => {
    await bus?.stop();
  });

  it('is installed', () => {
    expect(isRabbitMqInstalled()).toBe(true);
  });

  it('accepts its own user with the random password at the URL it reports', async () => {
    expect(bus.url).toBe(`amqp://ironic:${bus.password}@127.0.0.1:${bus.port}/`);
    expect(bus.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(rabbitTransportUrl(bus)).toBe(`rabbit://ironic:${bus.password}@127.0.0.1:${bus.port}/`);
    await expect(probeAmqp({ url: bus.url })).resolves.toBeUndefined();
  });

  it('refuses the built-in guest account', async () => {
    await expect(probeAmqp({ url: `amqp://guest:guest@127.0.0.1:${bus.port}/` })).rejects.toMatchObject({ code: 'auth-failed' });
  });

  it('listens for AMQP and for Erlang distribution on 127.0.0.1 only', async () => {
    expect(await tcpListenAddresses(bus.port)).toEqual(['127.0.0.1']);
    expect(await tcpListenAddresses(bus.distPort)).toEqual(['127.0.0.1']);
  });

  it('rejects a port that is taken before starting anything', async () => {
    await expect(startRabbitMq({ port: bus.port })).rejects.toBeInstanceOf(PortInUseError);
  });

  it('stops every process of its node and removes its dir, idempotently', async () => {
    expect((await rabbitMqNodePids(bus.nodeName)).length).toBeGreaterThan(0);
    await Promise.all([bus.stop(), bus.stop()]);
    expect(await rabbitMqNodePids(bus.nodeName)).toEqual([]);
    expect(existsSync(bus.dir)).toBe(false);
    await expect(probeAmqp({ url: bus.url, timeoutMs: 2_000 })).rejects.toMatchObject({ code: 'connect-failed' });
  });
});
