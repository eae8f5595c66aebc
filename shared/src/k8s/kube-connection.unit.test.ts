import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { inClusterConnection, KubeConfigError, kubeconfigConnection, kubeconfigObjectConnection, loadKubeConnection } from './kube-connection.ts';

const CA = '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n';
const TOKEN = 'tok-abcdef123456';
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A kubeconfig with one context "c" → cluster "k", user "u" (JSON is valid YAML; YAML text also accepted). */
const config = (cluster: object, user: object | undefined, extra: object = {}) => JSON.stringify({
  apiVersion: 'v1', kind: 'Config', 'current-context': 'c',
  clusters: [{ name: 'k', cluster }],
  users: user ? [{ name: 'u', user }] : [],
  contexts: [{ name: 'c', context: { cluster: 'k', ...(user ? { user: 'u' } : {}), namespace: 'metal3' } }],
  ...extra,
});

let dir: string;
let n = 0;
const file = async (text: string, name = `kc-${n++}.yaml`): Promise<string> => {
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
};
const errorOf = async (f: () => unknown): Promise<Error> => {
  try {
    await f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('did not throw');
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-connection-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('kubeconfigObjectConnection', () => {
  it('takes over a client-node KubeConfig exported as an object (the all-in-one runner hands its cluster on)', async () => {
    // Prepare
    const kc = new KubeConfig();
    kc.loadFromString(config({ server: 'https://10.0.0.2:6443', 'certificate-authority-data': b64(CA) }, { 'client-certificate-data': b64(CERT), 'client-key-data': b64(KEY), token: TOKEN }));
    // Act
    const c = kubeconfigObjectConnection(JSON.parse(kc.exportConfig()), { source: 'runner' });
    // Assess
    expect({ server: c.server, tls: c.tls, namespace: c.namespace, token: await c.bearerToken(), source: c.source })
      .toEqual({ server: 'https://10.0.0.2:6443', tls: { rejectUnauthorized: true, ca: CA, cert: CERT, key: KEY }, namespace: 'metal3', token: TOKEN, source: 'kubeconfig runner context "c"' });
  });

  it('refuses what is not a kubeconfig mapping, and a context it cannot resolve', () => {
    expect(() => kubeconfigObjectConnection(null)).toThrow(KubeConfigError);
    expect(() => kubeconfigObjectConnection({ 'current-context': 'gone' })).toThrow(/context "gone" not found/);
  });
});

describe('kubeconfigConnection', () => {
  it('takes server, CA data, token and namespace from the current context', async () => {
    // Prepare
    const path = await file(config({ server: 'https://10.0.0.1:6443/', 'certificate-authority-data': b64(CA) }, { token: TOKEN }));
    // Act
    const c = await kubeconfigConnection([path]);
    // Assess
    expect({ server: c.server, tls: c.tls, namespace: c.namespace, token: await c.bearerToken() })
      .toEqual({ server: 'https://10.0.0.1:6443', tls: { rejectUnauthorized: true, ca: CA }, namespace: 'metal3', token: TOKEN });
    expect(c.source).toContain(path);
  });

  it('reads CA and client certificate files relative to the kubeconfig that names them', async () => {
    // Prepare
    await mkdir(join(dir, 'pki'), { recursive: true });
    await Promise.all([writeFile(join(dir, 'pki', 'ca.crt'), CA), writeFile(join(dir, 'pki', 'c.crt'), CERT), writeFile(join(dir, 'pki', 'c.key'), KEY)]);
    const yaml = [
      'apiVersion: v1', 'kind: Config', 'current-context: c',
      'clusters:', '- name: k', '  cluster:', '    server: https://api.example:443', '    certificate-authority: pki/ca.crt', '    tls-server-name: kubernetes',
      'users:', '- name: u', '  user:', '    client-certificate: pki/c.crt', '    client-key: pki/c.key',
      'contexts:', '- name: c', '  context: {cluster: k, user: u}',
    ].join('\n');
    // Act
    const c = await kubeconfigConnection([await file(yaml)]);
    // Assess
    expect(c.tls).toEqual({ rejectUnauthorized: true, ca: CA, cert: CERT, key: KEY, servername: 'kubernetes' });
    expect(await c.bearerToken()).toBeUndefined();
    expect(c.namespace).toBeUndefined();
  });

  it('takes client certificate and key from -data fields', async () => {
    const c = await kubeconfigConnection([await file(config({ server: 'https://a:1' }, { 'client-certificate-data': b64(CERT), 'client-key-data': b64(KEY) }))]);
    expect(c.tls).toEqual({ rejectUnauthorized: true, cert: CERT, key: KEY });
  });

  it('turns verification off only when insecure-skip-tls-verify is true', async () => {
    const off = await kubeconfigConnection([await file(config({ server: 'http://127.0.0.1:8080', 'insecure-skip-tls-verify': true }, { token: TOKEN }))]);
    const on = await kubeconfigConnection([await file(config({ server: 'https://a:1', 'insecure-skip-tls-verify': 'true' }, { token: TOKEN }))]);
    expect([off.tls.rejectUnauthorized, on.tls.rejectUnauthorized]).toEqual([false, true]);
  });

  it('re-reads a tokenFile when it is older than tokenMaxAgeMs, and at once when asked to refresh', async () => {
    // Prepare
    const tokenPath = await file('first-token\n', 'token-file');
    let now = 0;
    const c = await kubeconfigConnection([await file(config({ server: 'https://a:1' }, { tokenFile: 'token-file' }))], { tokenMaxAgeMs: 1000, now: () => now });
    // Act
    const first = await c.bearerToken();
    await writeFile(tokenPath, 'second-token\n');
    const cached = await c.bearerToken();
    now = 1000;
    const aged = await c.bearerToken();
    await writeFile(tokenPath, 'third-token');
    const refreshed = await c.bearerToken({ refresh: true });
    // Assess
    expect([first, cached, aged, refreshed]).toEqual(['first-token', 'first-token', 'second-token', 'third-token']);
  });

  it.each([
    { case: 'exec plugin', user: { exec: { command: 'aws', args: ['eks', 'get-token'] } }, message: /exec plugin.*use a ServiceAccount token/ },
    { case: 'auth-provider plugin', user: { 'auth-provider': { name: 'oidc' } }, message: /auth-provider plugin.*use a ServiceAccount token/ },
    { case: 'basic auth', user: { username: 'admin', password: 'pw-123456' }, message: /basic auth.*use a token/ },
    { case: 'certificate without key', user: { 'client-certificate-data': b64(CERT) }, message: /both client-certificate and client-key/ },
  ])('refuses a user with $case with a KubeConfigError naming the fix', async ({ user, message }) => {
    // Prepare
    const path = await file(config({ server: 'https://a:1' }, user));
    // Act
    const err = await errorOf(() => kubeconfigConnection([path]));
    // Assess
    expect(err).toBeInstanceOf(KubeConfigError);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain('pw-123456');
  });

  it.each([
    { case: 'no current-context', text: config({ server: 'https://a:1' }, { token: TOKEN }, { 'current-context': '' }), message: /has no current-context/ },
    { case: 'an unknown context', text: config({ server: 'https://a:1' }, { token: TOKEN }, { 'current-context': 'other' }), message: /context "other" not found/ },
    { case: 'no server', text: config({}, { token: TOKEN }), message: /no valid server URL/ },
    { case: 'a proxy', text: config({ server: 'https://a:1', 'proxy-url': 'http://proxy:3128' }, { token: TOKEN }), message: /proxy-url is not supported/ },
    { case: 'a missing CA file', text: config({ server: 'https://a:1', 'certificate-authority': 'nope/ca.crt' }, { token: TOKEN }), message: /cannot read certificate-authority .*nope\/ca\.crt: ENOENT/ },
  ])('refuses a kubeconfig with $case', async ({ text, message }) => {
    const path = await file(text);
    const err = await errorOf(() => kubeconfigConnection([path]));
    expect(err).toBeInstanceOf(KubeConfigError);
    expect(err.message).toMatch(message);
  });

  it('never echoes the file when the YAML is invalid (it may hold a token)', async () => {
    const path = await file(`users:\n- name: u\n  user: {token: ${TOKEN}\n  bad: [`);
    const err = await errorOf(() => kubeconfigConnection([path]));
    expect(err).toBeInstanceOf(KubeConfigError);
    expect(err.message).not.toContain(TOKEN);
  });

  it('merges several files with the first one winning, as kubectl does', async () => {
    // Prepare: the first file names the context and the cluster; the second holds the user (and a shadowed cluster)
    const first = await file(JSON.stringify({ 'current-context': 'c', clusters: [{ name: 'k', cluster: { server: 'https://first:1' } }], contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }] }));
    const second = await file(config({ server: 'https://second:2' }, { token: TOKEN }, { 'current-context': 'other' }));
    // Act
    const c = await kubeconfigConnection([first, join(dir, 'absent.yaml'), second]);
    // Assess
    expect({ server: c.server, token: await c.bearerToken() }).toEqual({ server: 'https://first:1', token: TOKEN });
  });
});

describe('inClusterConnection', () => {
  it('uses KUBERNETES_SERVICE_HOST/PORT and the ServiceAccount token, CA and namespace', async () => {
    // Prepare
    const sa = join(dir, 'sa');
    await mkdir(sa, { recursive: true });
    await Promise.all([writeFile(join(sa, 'token'), `${TOKEN}\n`), writeFile(join(sa, 'ca.crt'), CA), writeFile(join(sa, 'namespace'), 'metal3\n')]);
    // Act
    const c = inClusterConnection({ env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir: sa });
    // Assess
    expect({ server: c.server, tls: c.tls, namespace: c.namespace, token: await c.bearerToken() })
      .toEqual({ server: 'https://[fd00::1]:443', tls: { rejectUnauthorized: true, ca: CA }, namespace: 'metal3', token: TOKEN });
  });

  it('fails on the first request, not at load, when the token file cannot be read', async () => {
    const c = inClusterConnection({ env: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir: join(dir, 'no-sa') });
    await expect(c.bearerToken()).rejects.toThrow(/cannot read the Kubernetes token file .*no-sa\/token: ENOENT/);
  });
});

describe('loadKubeConnection', () => {
  it('prefers KUBECONFIG over ~/.kube/config and in-cluster settings', async () => {
    // Prepare
    const home = join(dir, 'home');
    await mkdir(join(home, '.kube'), { recursive: true });
    await writeFile(join(home, '.kube', 'config'), config({ server: 'https://home:1' }, { token: TOKEN }));
    const env = { KUBECONFIG: await file(config({ server: 'https://env:1' }, { token: TOKEN })), KUBERNETES_SERVICE_HOST: 'x', KUBERNETES_SERVICE_PORT: '1' };
    // Act
    const fromEnv = await loadKubeConnection({ env, home });
    const fromHome = await loadKubeConnection({ env: { KUBERNETES_SERVICE_HOST: 'x', KUBERNETES_SERVICE_PORT: '1' }, home });
    // Assess
    expect([fromEnv.server, fromHome.server]).toEqual(['https://env:1', 'https://home:1']);
  });

  it('falls back to in-cluster settings, and says to set KUBECONFIG when there are none', async () => {
    const home = join(dir, 'empty-home');
    expect((await loadKubeConnection({ env: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '6443' }, home, serviceAccountDir: join(dir, 'no-sa') })).server).toBe('https://10.0.0.1:6443');
    const err = await errorOf(() => loadKubeConnection({ env: {}, home }));
    expect(err).toBeInstanceOf(KubeConfigError);
    expect(err.message).toMatch(/set KUBECONFIG/);
  });
});
