/**
 * @module bmc/registry: scheme → protocol client, with one cached session per
 * BMC (IPMI sessions and Redfish sessions are reused across calls, closed on
 * shutdown). Credentials come from the host's Secret through the HostStore.
 */
import { BmcAuthError, BmcUnsupportedError } from '../errors.ts';
import type { HostStore, StoredHost } from '../k8s/host-store.ts';
import { redact } from '../log.ts';
import { parseBmcAddress } from './address.ts';
import type { BmcAddress } from './address.ts';
import type { BmcClientFactory } from './factory.ts';
import { createIpmiClientPool } from './ipmi/pool.ts';
import { createRedfishClient } from './redfish/client.ts';
import type { BmcClient } from './types.ts';

export interface BmcRegistryOptions {
  hosts: Pick<HostStore, 'readSecret'>;
  /** ipmi_cipher_suite to use (3 or 17); default: our client's negotiation */
  ipmiCipherSuite?: 3 | 17 | undefined;
  /** PEM CA bundle trusted for Redfish BMCs (per process; a host may still opt out) */
  redfishCaPem?: string | undefined;
  allowFake?: boolean;
}

type ProtocolFactory = (addr: BmcAddress, creds: { username: string; password: string }, opts: { disableCertificateVerification?: boolean | undefined }) => BmcClient;

export function createBmcRegistry({ hosts, ipmiCipherSuite, redfishCaPem, allowFake = false }: BmcRegistryOptions): BmcClientFactory {
  const ipmi = createIpmiClientPool();
  const redfish = new Map<string, { client: BmcClient; key: string }>();

  const factories: Record<'ipmi' | 'redfish', ProtocolFactory> = {
    ipmi: (addr, creds) => ipmi.get({ host: addr.host, port: addr.port ?? 623, username: creds.username, password: creds.password, ...(ipmiCipherSuite ? { cipherSuite: ipmiCipherSuite } : {}) }),
    redfish: (addr, creds, opts) => {
      const key = `${addr.baseUrl}|${addr.systemPath ?? ''}|${creds.username}|${creds.password.length}|${opts.disableCertificateVerification === true}`;
      const cached = redfish.get(`${addr.baseUrl}|${addr.systemPath ?? ''}`);
      if (cached && cached.key === key) return cached.client;
      if (cached) void cached.client.close();
      const client = createRedfishClient({
        baseUrl: addr.baseUrl as string, ...(addr.systemPath ? { systemPath: addr.systemPath } : {}),
        username: creds.username, password: creds.password,
        tls: opts.disableCertificateVerification ? { disableCertificateVerification: true } : redfishCaPem ? { caPem: redfishCaPem } : {},
      });
      redfish.set(`${addr.baseUrl}|${addr.systemPath ?? ''}`, { client, key });
      return client;
    },
  };

  return {
    forHost: async function forHost(host: StoredHost, address, credentialsSecret, options = {}) {
      const addr = parseBmcAddress(address, { allowFake });
      if (addr.protocol === 'fake') throw new BmcUnsupportedError('fake:// BMCs have no direct access');
      const ns = host.metadata.namespace ?? 'default';
      const secret = await hosts.readSecret(ns, credentialsSecret);
      const username = secret?.data.username?.trim();
      const password = secret?.data.password?.trim();
      if (!username || !password) throw new BmcAuthError(`BMC credentials Secret ${ns}/${credentialsSecret} is missing or incomplete`);
      redact.add(password);
      return factories[addr.protocol](addr, { username, password }, options);
    },
    close: async function close() {
      await ipmi.closeAll();
      await Promise.allSettled([...redfish.values()].map((r) => r.client.close()));
      redfish.clear();
    },
  };
}
