import { describe, expect, it, jest } from '@jest/globals';
import type { IpmiClient, IpmiClientOptions } from './client.ts';
import { createIpmiClientPool } from './pool.ts';

const fakeClient = (): IpmiClient => ({ close: jest.fn(async () => undefined) }) as unknown as IpmiClient;
const opts = (o: Partial<IpmiClientOptions> = {}): IpmiClientOptions => ({ host: '10.0.0.1', username: 'admin', password: 'pw-one', ...o });

describe('ipmi client pool', () => {
  it('returns the same client for the same BMC and user', () => {
    const pool = createIpmiClientPool(fakeClient);
    expect(pool.get(opts())).toBe(pool.get(opts({ port: 623 })));
    expect(pool.size).toBe(1);
  });

  it('keeps separate clients per host, port and user', () => {
    const pool = createIpmiClientPool(fakeClient);
    const a = pool.get(opts());
    expect(pool.get(opts({ host: '10.0.0.2' }))).not.toBe(a);
    expect(pool.get(opts({ port: 6230 }))).not.toBe(a);
    expect(pool.get(opts({ username: 'ops' }))).not.toBe(a);
    expect(pool.size).toBe(4);
  });

  it('replaces and closes the cached client when the password changed', () => {
    const pool = createIpmiClientPool(fakeClient);
    const old = pool.get(opts());
    const fresh = pool.get(opts({ password: 'pw-two' }));
    expect(fresh).not.toBe(old);
    expect(old.close).toHaveBeenCalledTimes(1);
  });

  it('closes every client on closeAll', async () => {
    const pool = createIpmiClientPool(fakeClient);
    const a = pool.get(opts());
    const b = pool.get(opts({ host: '10.0.0.2' }));
    await pool.closeAll();
    expect(a.close).toHaveBeenCalled();
    expect(b.close).toHaveBeenCalled();
    expect(pool.size).toBe(0);
  });

  it('releases one BMC without touching the others', async () => {
    const pool = createIpmiClientPool(fakeClient);
    const a = pool.get(opts());
    const b = pool.get(opts({ host: '10.0.0.2' }));
    await pool.release('10.0.0.1');
    expect(a.close).toHaveBeenCalled();
    expect(b.close).not.toHaveBeenCalled();
  });
});
