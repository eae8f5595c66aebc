/**
 * Real Ironic (Debian's all-in-one `ironic`) in the mode the bundled manifests run it:
 * `auth_strategy = http_basic` with a bcrypt htpasswd file, and TLS from `[api] enable_ssl_api`
 * with `[ssl] cert_file` / `key_file`. Our Ironic client logs in with the right password over
 * TLS verified against the CA bundle; a wrong password is a permanent IronicAuthError after
 * exactly one request; credentials over plain http are refused before anything is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IronicAuthError } from '../../shared/src/errors.ts';
import { createIronicClient } from '../../shared/src/ironic/client.ts';
import { ensureIronicInstalled } from '../bed/install.ts';
import { ironicConfigSections, renderIni } from '../bed/ironic-config.ts';
import { freeTcpPort } from '../bed/ports.ts';

const USER = 'metal3-functions';
const PASSWORD = 'c0rrect "horse" \\ battery';
const PYTHON = '/usr/bin/python3';

let dir: string;
let ironic: ChildProcess | undefined;
let url: string;
let caPem: string;
const requests: number[] = [];

async function waitForTls(deadlineMs: number): Promise<void> {
  const { Agent } = await import('undici');
  const dispatcher = new Agent({ connect: { ca: caPem } });
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/`, { dispatcher } as unknown as RequestInit);
      if (res.status === 200) return;
    } catch { /* not listening yet */ }
    if (ironic?.exitCode !== null) throw new Error(`ironic exited: ${readFileSync(join(dir, 'ironic.log'), 'utf8').slice(-2000)}`);
    if (Date.now() > until) throw new Error(`ironic did not answer over TLS in ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ironic-basic-tls-'));
  for (const sub of ['state', 'lock', 'tftpboot/master_images', 'httpboot', 'images', 'master_images']) mkdirSync(join(dir, sub), { recursive: true });
  const openssl = (...args: string[]): void => { execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' }); };
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=bed-ca', '-keyout', 'ca.key', '-out', 'ca.pem');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'tls.key', '-out', 'tls.csr');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', 'tls.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'ext.cnf', '-out', 'tls.pem');
  caPem = readFileSync(join(dir, 'ca.pem'), 'utf8');
  // Ironic accepts bcrypt entries only
  const hash = execFileSync(PYTHON, ['-c', 'import bcrypt,sys; print(bcrypt.hashpw(sys.argv[1].encode(), bcrypt.gensalt(4)).decode())', PASSWORD], { encoding: 'utf8' }).trim();
  writeFileSync(join(dir, 'htpasswd'), `${USER}:${hash}\n`);

  const port = await freeTcpPort();
  url = `https://127.0.0.1:${port}`;
  const conf = join(dir, 'ironic.conf');
  // the bed's Ironic build (PyPI 39.0.0, or Debian's with IRONIC_BED=debian)
  const installed = await ensureIronicInstalled();
  writeFileSync(conf, renderIni(ironicConfigSections({
    dir, port, hardwareTypes: ['ipmi'], build: installed.build,
    extraConfig: {
      DEFAULT: { auth_strategy: 'http_basic', http_basic_auth_user_file: join(dir, 'htpasswd') },
      api: { enable_ssl_api: true },
      ssl: { cert_file: join(dir, 'tls.pem'), key_file: join(dir, 'tls.key') },
    },
  })));
  execFileSync(installed.dbsyncBin, ['--config-file', conf, 'create_schema'], { stdio: 'ignore', timeout: 120_000 });
  const log = join(dir, 'ironic.log');
  writeFileSync(log, '');
  ironic = spawn(installed.ironicBin, ['--config-file', conf, '--log-file', log], { stdio: 'ignore', detached: true });
  await waitForTls(90_000);
}, 180_000);

afterAll(async () => {
  if (ironic?.exitCode === null) {
    const exited = new Promise((r) => ironic!.once('exit', r));
    ironic.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    // the supervisor's worker too (PyPI Ironic forks one): the whole process group
    try { process.kill(-ironic.pid!, 'SIGKILL'); } catch { /* already gone */ }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('real Ironic with http_basic over TLS', () => {
  it('lists nodes with the right credentials, verified against the CA bundle', async () => {
    const client = createIronicClient({ url, auth: { username: USER, password: PASSWORD }, caPem, retry: false });
    await expect(client.listNodes()).resolves.toEqual(expect.any(Array));
  });

  it('answers a wrong password with 401: IronicAuthError, permanent, asked once', async () => {
    const client = createIronicClient({
      url, auth: { username: USER, password: 'wrong-password' }, caPem, retry: { limit: 3, backoffLimitMs: 10 },
      onRequest: (info) => requests.push(info.status),
    });
    const err = await client.listNodes().then(() => new Error('resolved unexpectedly'), (e: unknown) => e);
    expect(err).toBeInstanceOf(IronicAuthError);
    expect((err as IronicAuthError).disposition).toBe('permanent');
    expect((err as Error).message).toMatch(/401 Ironic rejected the credentials/);
    expect((err as Error).message).not.toContain('wrong-password');
    // the version document (microversion negotiation) is public; the protected call is made once, never retried
    expect(requests.filter((status) => status !== 200)).toEqual([401]);
  });

  it('answers no credentials with 401 too (the API is not open)', async () => {
    const client = createIronicClient({ url, caPem, retry: false });
    await expect(client.listNodes()).rejects.toBeInstanceOf(IronicAuthError);
  });

  it('refuses to send the credentials to a plain http:// Ironic URL', () => {
    expect(() => createIronicClient({ url: url.replace('https:', 'http:'), auth: { username: USER, password: PASSWORD } })).toThrow(IronicAuthError);
  });
});
