/**
 * @module bmc/ipmi/pool: one IPMI client (so one session) per BMC and user, shared by every
 * caller in the process. A changed password replaces the cached client.
 */
import { createHash } from 'node:crypto';
import { createIpmiClient, type IpmiClient, type IpmiClientOptions } from './client.ts';

export interface IpmiClientPool {
  /** The cached client for (host, port, username), created on first use. Do not close it yourself. */
  get(options: IpmiClientOptions): IpmiClient;
  /** Close and forget one BMC's client (e.g. its host was deleted). */
  release(host: string, port?: number, username?: string): Promise<void>;
  closeAll(): Promise<void>;
  readonly size: number;
}

export function createIpmiClientPool(create: (o: IpmiClientOptions) => IpmiClient = createIpmiClient): IpmiClientPool {
  const clients = new Map<string, { client: IpmiClient; secret: string }>();
  const keyOf = (host: string, port = 623, username = ''): string => `${host}\u0000${port}\u0000${username}`;
  // compare passwords without keeping a second copy of them
  const fingerprint = (o: IpmiClientOptions): string => createHash('sha256').update(o.password).update('\u0000').update(String(o.cipherSuite ?? 'auto')).digest('hex');

  const drop = async (key: string): Promise<void> => {
    const entry = clients.get(key);
    clients.delete(key);
    await entry?.client.close();
  };

  return {
    get size() {
      return clients.size;
    },
    get: function get(options) {
      const key = keyOf(options.host, options.port, options.username);
      const secret = fingerprint(options);
      const cached = clients.get(key);
      if (cached && cached.secret === secret) return cached.client;
      if (cached) void drop(key);
      const client = create(options);
      clients.set(key, { client, secret });
      return client;
    },
    release: function release(host, port, username) {
      if (username !== undefined) return drop(keyOf(host, port, username));
      const prefix = `${host}\u0000${port ?? 623}\u0000`;
      return Promise.all([...clients.keys()].filter((k) => k.startsWith(prefix)).map(drop)).then(() => undefined);
    },
    closeAll: async function closeAll() {
      await Promise.allSettled([...clients.keys()].map(drop));
    },
  };
}
