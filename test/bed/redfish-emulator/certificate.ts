/** @module redfish-emulator/certificate: a throw-away self-signed loopback certificate (openssl CLI). */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SelfSignedCertificate {
  certPem: string;
  keyPem: string;
  /** the certificate file: pin it (it is its own CA) */
  certPath: string;
}

/** Writes cert.pem/key.pem into `dir`; CN and SAN are 127.0.0.1 so hostname checks pass. */
export async function createSelfSignedCertificate(dir: string, host = '127.0.0.1'): Promise<SelfSignedCertificate> {
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  await run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath,
    '-days', '2', '-subj', `/CN=${host}`, '-addext', `subjectAltName=IP:${host}`,
  ], { timeout: 30_000 });
  const [certPem, keyPem] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
  return { certPem, keyPem, certPath };
}
