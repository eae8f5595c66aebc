/**
 * @module bmc/factory: builds (and caches) a BmcClient for a host's BMC from
 * its address and credentials Secret. The registry of protocol clients is
 * keyed by the address scheme.
 */
import type { StoredHost } from '../k8s/host-store.ts';
import type { BmcClient } from './types.ts';

export interface BmcClientFactory {
  forHost(host: StoredHost, address: string, credentialsSecret: string, options?: { disableCertificateVerification?: boolean | undefined }): Promise<BmcClient>;
  close(): Promise<void>;
}
