/**
 * Ironic credentials on the wire: basic auth over TLS verified against a private CA, refused
 * over plain http, and a wrong password is a permanent typed error, asked once.
 * A local HTTPS server with a certificate made for the test stands in for Ironic's API.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IronicAuthError, IronicUnavailableError } from '../errors.ts';
import { ironicConnectionOf } from '../handler/config.ts';
import { createIronicHttp } from './http.ts';

const USER = 'metal3-functions';
const PASSWORD = 'pa"ss\\wörd{1}';

let dir: string;
let server: Server;
let url: string;
let caPem: string;
const seen: Array<string | undefined> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ironic-tls-'));
  const run = (...args: string[]): void => { execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' }); };
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=test-ca', '-keyout', 'ca.key', '-out', 'ca.pem');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'tls.key', '-out', 'tls.csr');
  execFileSync('sh', ['-c', 'printf "subjectAltName=IP:127.0.0.1\\n" > ext.cnf'], { cwd: dir });
  run('x509', '-req', '-in', 'tls.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'ext.cnf', '-out', 'tls.pem');
  caPem = readFileSync(join(dir, 'ca.pem'), 'utf8');
  const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  server = createServer({ key: readFileSync(join(dir, 'tls.key')), cert: readFileSync(join(dir, 'tls.pem')) }, (req, res) => {
    seen.push(req.headers.authorization);
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Basic realm="Baremetal API"' });
      res.end(JSON.stringify({ error_message: 'Unauthorized' }));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ nodes: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('Ironic basic auth over TLS', () => {
  it('sends the credentials to an Ironic whose certificate chains to IRONIC_CA_BUNDLE', async () => {
    // Prepare
    const http = createIronicHttp({ url, auth: { username: USER, password: PASSWORD }, caPem, retry: false });
    // Act
    const answer = await http.send({ method: 'GET', path: '/v1/nodes' });
    // Assess
    expect(answer).toEqual({ status: 200, text: JSON.stringify({ nodes: [] }) });
  });

  it('does not trust the certificate without the CA bundle (no silent fallback to unverified TLS)', async () => {
    const http = createIronicHttp({ url, auth: { username: USER, password: PASSWORD }, retry: false });
    const before = seen.length;
    const err = await http.send({ method: 'GET', path: '/v1/nodes' }).then(() => new Error('resolved unexpectedly'), (e: unknown) => e);
    expect(err).toBeInstanceOf(IronicUnavailableError);
    expect(seen.length).toBe(before); // the request, and so the password, never reached the server
  });

  it('turns a wrong password into IronicAuthError, asked once (no retry), without the password', async () => {
    // Prepare
    const http = createIronicHttp({ url, auth: { username: USER, password: 'wrong-password' }, caPem, retry: { limit: 3, backoffLimitMs: 10 } });
    const before = seen.length;
    // Act
    const err = await http.send({ method: 'GET', path: '/v1/nodes' }).then(() => new Error('resolved unexpectedly'), (e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(IronicAuthError);
    expect((err as IronicAuthError).disposition).toBe('permanent');
    expect((err as Error).message).toMatch(/401 Ironic rejected the credentials/);
    expect((err as Error).message).not.toContain('wrong-password');
    expect(seen.length - before).toBe(1);
  });

  it('refuses to send credentials over plain http unless explicitly allowed', () => {
    expect(() => createIronicHttp({ url: 'http://127.0.0.1:6385', auth: { username: USER, password: PASSWORD } })).toThrow(IronicAuthError);
    expect(() => createIronicHttp({ url: 'http://127.0.0.1:6385', auth: { username: USER, password: PASSWORD }, allowInsecureAuth: true })).not.toThrow();
    expect(() => createIronicHttp({ url: 'http://127.0.0.1:6385' })).not.toThrow();
  });

  it('reads IRONIC_USERNAME / IRONIC_PASSWORD / IRONIC_CA_BUNDLE from the configuration, both credentials or neither', () => {
    const base = { IRONIC_URL: url, IRONIC_CA_BUNDLE: join(dir, 'ca.pem'), IRONIC_INSECURE_HTTP_AUTH: false };
    expect(ironicConnectionOf({ ...base, IRONIC_USERNAME: USER, IRONIC_PASSWORD: PASSWORD })).toEqual({ url, auth: { username: USER, password: PASSWORD }, caPem, allowInsecureAuth: false });
    expect(() => ironicConnectionOf({ ...base, IRONIC_USERNAME: USER, IRONIC_PASSWORD: '' })).toThrow(/set together/);
  });
});
