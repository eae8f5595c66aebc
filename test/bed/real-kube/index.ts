/**
 * @module real-kube: a real kube-apiserver (with etcd) on 127.0.0.1, the second Kubernetes target
 * next to the in-process fixture (`kube-api/`).
 *
 * Binaries come from `scripts/install-kube-apiserver.sh` (pinned, built from Go modules, cached
 * outside the repo). The server runs with RBAC authorization, a service-account signing key and a
 * static token for an admin in `system:masters`; the project's CRDs are installed and Established
 * before `startRealKube` returns. `stop()` ends both processes and removes the state directory.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ApiException, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { BedSetupError } from '../errors.ts';
import { readManifests } from '../kube-api/manifests.ts';
import { freeTcpPort } from '../ports.ts';
import { logTail, spawnManaged, type ManagedProcess } from '../processes.ts';

/** Pinned in scripts/install-kube-apiserver.sh and kube/go.mod. */
export const KUBE_VERSION = 'v1.32.13';
export const REAL_KUBE_BIN = join(process.env.REAL_KUBE_CACHE ?? '/var/cache/metal3-functions', `kube-${KUBE_VERSION}`, 'bin');
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const PROJECT_CRDS = ['baremetalhosts', 'hardwaredata', 'hostclaims', 'hostdeploypolicies', 'hostfirmwaresettings', 'firmwareschemas', 'hostfirmwarecomponents', 'hostupdatepolicies'].map((plural) => join(REPO, `manifests/crds/metal3.io_${plural}.yaml`));

export interface RealKube {
  /** https://127.0.0.1:<port> */
  server: string;
  /** Admin (system:masters) kubeconfig file. */
  kubeconfigPath: string;
  /** Bearer token of the admin identity. */
  adminToken: string;
  stateDir: string;
  stop(): Promise<void>;
}

export interface RealKubeOptions {
  /** Directory holding `etcd` and `kube-apiserver` (default: the install script's cache). */
  binDir?: string;
  /** CRD objects or YAML paths to install (default: the project's CRDs). */
  crds?: readonly (object | string)[];
  /** How long to wait for /readyz (default 90 s: the first start on 2 busy cores is slow). */
  readyTimeoutMs?: number;
}

/** Why the real target cannot run here, or undefined when its binaries are built. */
export function realKubeUnavailable(binDir = REAL_KUBE_BIN): string | undefined {
  const missing = ['etcd', 'kube-apiserver'].filter((b) => !existsSync(join(binDir, b)));
  return missing.length === 0 ? undefined : `${missing.join(' and ')} not built in ${binDir}: run scripts/install-kube-apiserver.sh`;
}

export async function startRealKube(options: RealKubeOptions = {}): Promise<RealKube> {
  const binDir = options.binDir ?? REAL_KUBE_BIN;
  const why = realKubeUnavailable(binDir);
  if (why) throw new BedSetupError(why);
  const stateDir = await mkdtemp(join(tmpdir(), 'bed-real-kube-'));
  const started: ManagedProcess[] = [];
  const stop = async (): Promise<void> => {
    // apiserver first: it holds etcd connections
    for (const p of [...started].reverse()) await p.stop({ graceMs: 10_000 });
    await rm(stateDir, { recursive: true, force: true });
  };
  try {
    const [etcdClient, etcdPeer] = [await freeTcpPort(), await freeTcpPort()];
    const etcd = await spawnManaged({
      name: 'etcd',
      command: join(binDir, 'etcd'),
      args: ['--data-dir', join(stateDir, 'etcd'), '--listen-client-urls', `http://127.0.0.1:${etcdClient}`, '--listen-peer-urls', `http://127.0.0.1:${etcdPeer}`],
      logPath: join(stateDir, 'etcd.log'),
    });
    started.push(etcd);
    await waitFor(`etcd on ${etcdClient}`, etcd, 30_000, async () => (await fetch(`http://127.0.0.1:${etcdClient}/health`)).ok);

    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(join(stateDir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    await writeFile(join(stateDir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const adminToken = randomBytes(24).toString('hex');
    await writeFile(join(stateDir, 'tokens.csv'), `${adminToken},admin,admin-uid,"system:masters"\n`, { mode: 0o600 });

    // a port found free can be taken (an ephemeral client port) before the apiserver binds it: try another
    let apiPort = 0;
    let server = '';
    const ca = join(stateDir, 'certs', 'apiserver.crt');
    for (let attempt = 1; ; attempt++) {
      apiPort = await freeTcpPort();
      server = `https://127.0.0.1:${apiPort}`;
      const apiserver = await spawnManaged({
        name: 'kube-apiserver',
        command: join(binDir, 'kube-apiserver'),
        args: [
          `--etcd-servers=http://127.0.0.1:${etcdClient}`,
          '--bind-address=127.0.0.1',
          '--advertise-address=127.0.0.1',
          `--secure-port=${apiPort}`,
          `--cert-dir=${join(stateDir, 'certs')}`,
          `--token-auth-file=${join(stateDir, 'tokens.csv')}`,
          '--authorization-mode=RBAC',
          `--service-account-key-file=${join(stateDir, 'sa.pub')}`,
          `--service-account-signing-key-file=${join(stateDir, 'sa.key')}`,
          '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
          '--service-cluster-ip-range=10.96.0.0/24',
          // a loopback address is not a valid Endpoints address: do not publish the kubernetes service
          '--endpoint-reconciler-type=none',
          '--anonymous-auth=false',
          '--v=1',
        ],
        logPath: join(stateDir, 'kube-apiserver.log'),
        env: { ...process.env, GOMAXPROCS: process.env.GOMAXPROCS ?? '2' },
      });
      started.push(apiserver);
      const readyz = async (): Promise<boolean> => {
        if (!existsSync(ca)) return false;
        return fetchReadyz(server, adminToken, await readFile(ca, 'utf8'));
      };
      try {
        await waitFor(`kube-apiserver on ${apiPort}`, apiserver, options.readyTimeoutMs ?? 90_000, readyz);
        break;
      } catch (err) {
        if (attempt >= 3 || !/address already in use/.test((err as Error).message)) throw err;
        started.pop();
        await apiserver.stop({ graceMs: 1_000 });
      }

    }
    const caPem = await readFile(ca, 'utf8');
    const kubeconfigPath = join(stateDir, 'kubeconfig');
    await writeFile(kubeconfigPath, kubeconfigYaml(server, adminToken, caPem), { mode: 0o600 });
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    await installCrds(kc, options.crds ?? PROJECT_CRDS);
    return { server, kubeconfigPath, adminToken, stateDir, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

/** JSON is valid YAML; kubectl, client-node and the project's loader all read it. */
function kubeconfigYaml(server: string, token: string, caPem: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'real-kube', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: 'admin', user: { token } }],
    contexts: [{ name: 'real-kube', context: { cluster: 'real-kube', user: 'admin' } }],
    'current-context': 'real-kube',
  }, null, 2);
}

/** GET /readyz with the admin token, trusting only the server's own certificate. */
function fetchReadyz(server: string, token: string, caPem: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpsGet(`${server}/readyz`, { ca: caPem, headers: { authorization: `Bearer ${token}` }, timeout: 5_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

async function waitFor(what: string, proc: ManagedProcess, timeoutMs: number, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!proc.isRunning()) throw new BedSetupError(`${what} exited before it was ready:\n${await logTail(proc.logPath)}`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) throw new BedSetupError(`${what} not ready within ${timeoutMs} ms:\n${await logTail(proc.logPath)}`);
    await sleep(250);
  }
}

// Through CustomObjectsApi: the typed ApiextensionsV1Api serialiser drops wire names such as
// `x-kubernetes-preserve-unknown-fields`.
async function installCrds(kc: KubeConfig, crds: readonly (object | string)[], timeoutMs = 60_000): Promise<void> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const where = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions' };
  type Crd = { metadata?: { name?: string }; status?: { conditions?: { type: string; status: string }[] } };
  const objects: object[] = [];
  for (const c of crds) objects.push(...(typeof c === 'string' ? await readManifests(c) : [c]));
  for (const crd of objects as Crd[]) {
    await api.createClusterCustomObject({ ...where, body: crd }).catch((e: unknown) => {
      if (!(e instanceof ApiException && e.code === 409)) throw e;
    });
  }
  const deadline = Date.now() + timeoutMs;
  for (const crd of objects as Crd[]) {
    const name = crd.metadata?.name ?? '';
    for (;;) {
      const got = (await api.getClusterCustomObject({ ...where, name })) as Crd;
      if (got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new BedSetupError(`CRD ${name} not Established within ${timeoutMs} ms`);
      await sleep(250);
    }
  }
}
