/**
 * kube-rest over real TLS (node:https server, openssl certificates), configured from a
 * kubeconfig file as the functions do: a pinned CA, system trust refusing a self-signed
 * server, insecure-skip-tls-verify, and client-certificate authentication.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { KubeUnavailableError } from '../errors.ts';
import { createSelfSignedCertificate } from '../../../test/bed/redfish-emulator/certificate.ts';
import type { SelfSignedCertificate } from '../../../test/bed/redfish-emulator/certificate.ts';
import { kubeconfigConnection } from './kube-connection.ts';
import { createKubeRest } from './kube-rest.ts';
import type { KubeRest } from './kube-rest.ts';

let dir: string;
let serverCert: SelfSignedCertificate;
let clientCert: SelfSignedCertificate;
const servers: Server[] = [];
const clients: KubeRest[] = [];

/** An API stand-in answering who it saw: bearer token and client certificate subject. */
async function startApi(options: { requireClientCert?: boolean } = {}): Promise<string> {
  const server = createServer({
    cert: serverCert.certPem, key: serverCert.keyPem,
    ...(options.requireClientCert ? { requestCert: true, rejectUnauthorized: true, ca: clientCert.certPem } : {}),
  }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    res.writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ auth: req.headers.authorization ?? null, clientCN: peer?.subject?.CN ?? null }));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let n = 0;
async function restFor(server: string, cluster: object, user: object): Promise<KubeRest> {
  const path = join(dir, `kubeconfig-${n++}.yaml`);
  await writeFile(path, JSON.stringify({
    'current-context': 'c', clusters: [{ name: 'k', cluster: { server, ...cluster } }], users: [{ name: 'u', user }],
    contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
  }));
  const rest = createKubeRest({ connection: await kubeconfigConnection([path]), timeoutMs: 10_000 });
  clients.push(rest);
  return rest;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-rest-tls-'));
  await Promise.all([mkdir(join(dir, 'server')), mkdir(join(dir, 'client'))]);
  [serverCert, clientCert] = await Promise.all([createSelfSignedCertificate(join(dir, 'server')), createSelfSignedCertificate(join(dir, 'client'))]);
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
  await rm(dir, { recursive: true, force: true });
});

describe('createKubeRest over TLS', () => {
  it('trusts the server through the kubeconfig\'s certificate-authority file and sends the token', async () => {
    // Prepare
    const rest = await restFor(await startApi(), { 'certificate-authority': 'server/cert.pem' }, { token: 'tls-token-1' });
    // Act
    const res = await rest.request({ method: 'GET', path: '/version', what: 'get version' });
    // Assess
    expect(res).toEqual({ status: 200, body: { auth: 'Bearer tls-token-1', clientCN: null } });
  });

  it('refuses a self-signed server when no CA is given (system trust), as KubeUnavailableError', async () => {
    const rest = await restFor(await startApi(), {}, { token: 'tls-token-1' });
    const err = await rest.request({ method: 'GET', path: '/version', what: 'get version' }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(KubeUnavailableError);
    expect((err as Error).message).toMatch(/^get version: .*SELF_SIGNED/);
  });

  it('refuses a server whose certificate another CA signed', async () => {
    const rest = await restFor(await startApi(), { 'certificate-authority-data': Buffer.from(clientCert.certPem).toString('base64') }, {});
    await expect(rest.request({ method: 'GET', path: '/version', what: 'get version' })).rejects.toBeInstanceOf(KubeUnavailableError);
  });

  it('accepts any server certificate with insecure-skip-tls-verify', async () => {
    const rest = await restFor(await startApi(), { 'insecure-skip-tls-verify': true }, {});
    await expect(rest.request({ method: 'GET', path: '/version', what: 'get version' })).resolves.toMatchObject({ status: 200 });
  });

  it('authenticates with the kubeconfig\'s client certificate and key, and fails without them', async () => {
    // Prepare
    const server = await startApi({ requireClientCert: true });
    const withCert = await restFor(server, { 'certificate-authority': 'server/cert.pem' }, { 'client-certificate': 'client/cert.pem', 'client-key': 'client/key.pem' });
    const without = await restFor(server, { 'certificate-authority': 'server/cert.pem' }, {});
    // Act
    const ok = await withCert.request({ method: 'GET', path: '/version', what: 'get version' });
    const err = await without.request({ method: 'GET', path: '/version', what: 'get version' }).catch((e: unknown) => e);
    // Assess
    expect(ok.body).toEqual({ auth: null, clientCN: '127.0.0.1' });
    expect(err).toBeInstanceOf(KubeUnavailableError);
  });
});
