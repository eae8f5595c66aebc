/** @module bmc/ipmi: our IPMI 2.0 (RMCP+) client, public surface. */
export { createIpmiClient, type IpmiClient, type IpmiClientOptions } from './client.ts';
export { createIpmiClientPool, type IpmiClientPool } from './pool.ts';
export { BmcDowngradeError, BmcOutcomeUnknownError, BmcSessionUnavailableError } from './errors.ts';
export type { CipherSuiteId } from './cipher-suites.ts';
export type { SocketFactory, DatagramSocket } from './transport.ts';
