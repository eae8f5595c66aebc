/**
 * @module k8s/kube-connection: where the Kubernetes API is and how to authenticate,
 * without @kubernetes/client-node (its import alone costs ~50 MB and most of a second at
 * cold start). Same lookup order as client-node's `loadFromDefault()`: `KUBECONFIG`
 * (colon-separated, first file wins per name), then `~/.kube/config`, then in-cluster.
 *
 * Supported: bearer `token`/`tokenFile` (re-read when it rotates), client certificates,
 * a CA file or data, `insecure-skip-tls-verify`, `tls-server-name`. Not supported: `exec`
 * and `auth-provider` plugins, basic auth and proxies: a KubeConfigError says so.
 * js-yaml is imported only when a kubeconfig is read: in a cluster the pod never needs it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { PermanentError } from '../errors.ts';
import { redact } from '../log.ts';

/** The Kubernetes connection cannot be configured (missing or unsupported kubeconfig entries). */
export class KubeConfigError extends PermanentError {
  override readonly name = 'KubeConfigError';
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeTls {
  /** PEM; absent: the system's trusted CAs */
  ca?: string;
  /** client certificate and key, PEM */
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
  servername?: string;
}

export interface KubeConnection {
  /** `https://host:port` or `http://…`, no trailing slash */
  server: string;
  tls: KubeTls;
  /** The bearer token for the next request, if any. `refresh` forces a re-read (after a 401). */
  bearerToken(options?: { refresh?: boolean }): Promise<string | undefined>;
  /** The context's (or the pod's) namespace, when one is set. */
  namespace: string | undefined;
  /** Where the settings came from, for messages (never holds a secret). */
  source: string;
}

export interface LoadConnectionOptions {
  env?: NodeJS.ProcessEnv;
  home?: string;
  /** where the in-cluster token, CA and namespace live */
  serviceAccountDir?: string;
  /** a projected token file is re-read at most this often, and on every 401 (default 60 s) */
  tokenMaxAgeMs?: number;
  now?: () => number;
}

/** A token read from a file, re-read when older than `maxAgeMs` (kubelet rotates projected tokens). */
export function fileToken(path: string, maxAgeMs: number, now: () => number = Date.now): KubeConnection['bearerToken'] {
  let cached: { value: string; at: number } | undefined;
  return async function bearerToken({ refresh = false } = {}) {
    if (!cached || refresh || now() - cached.at >= maxAgeMs) {
      let value: string;
      try {
        value = (await readFile(path, 'utf8')).trim();
      } catch (e) {
        throw new KubeConfigError(`cannot read the Kubernetes token file ${path}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`, { cause: e });
      }
      redact.add(value);
      cached = { value, at: now() };
    }
    return cached.value;
  };
}

const fixedToken = (token: string | undefined): KubeConnection['bearerToken'] => {
  if (token) redact.add(token);
  return async () => token;
};

/** In-cluster: the pod's ServiceAccount, as client-node's `loadFromCluster()`. */
export function inClusterConnection({
  env = process.env, serviceAccountDir = SERVICE_ACCOUNT_DIR, tokenMaxAgeMs = 60_000, now = Date.now,
}: LoadConnectionOptions = {}): KubeConnection {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new KubeConfigError('not running in a cluster: KUBERNETES_SERVICE_HOST/PORT are not set, and no kubeconfig was found (set KUBECONFIG)');
  const caPath = join(serviceAccountDir, 'ca.crt');
  const nsPath = join(serviceAccountDir, 'namespace');
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    tls: { rejectUnauthorized: true, ...(existsSync(caPath) ? { ca: readFileSync(caPath, 'utf8') } : {}) },
    bearerToken: fileToken(join(serviceAccountDir, 'token'), tokenMaxAgeMs, now),
    namespace: existsSync(nsPath) ? readFileSync(nsPath, 'utf8').trim() || undefined : undefined,
    source: 'in-cluster service account',
  };
}

type Named<K extends string> = { name?: unknown } & { [key in K]?: Record<string, unknown> };
interface RawKubeconfig {
  'current-context'?: unknown;
  clusters?: Named<'cluster'>[];
  users?: Named<'user'>[];
  contexts?: Named<'context'>[];
}

interface Entry { value: Record<string, unknown>; dir: string }

interface MergedKubeconfig { current?: string; clusters: Map<string, Entry>; users: Map<string, Entry>; contexts: Map<string, Entry>; source: string }

/** Reads and merges kubeconfig files, first file wins for each name and for current-context (kubectl's rule). */
async function readKubeconfigs(paths: readonly string[]): Promise<MergedKubeconfig> {
  const { load: loadYaml } = await import('js-yaml');
  const docs: { doc: RawKubeconfig; dir: string; source: string }[] = [];
  for (const path of paths) {
    if (!existsSync(path)) continue;
    let doc: RawKubeconfig;
    try {
      doc = (loadYaml(readFileSync(path, 'utf8')) ?? {}) as RawKubeconfig;
    } catch (e) {
      // js-yaml quotes the offending line: never echo it, it may hold a token
      throw new KubeConfigError(`kubeconfig ${path} is not valid YAML`, { cause: e });
    }
    if (typeof doc !== 'object' || doc === null) throw new KubeConfigError(`kubeconfig ${path} is not a mapping`);
    docs.push({ doc, dir: dirname(path), source: path });
  }
  return mergeKubeconfigs(docs);
}

function mergeKubeconfigs(docs: readonly { doc: RawKubeconfig; dir: string; source: string }[]): MergedKubeconfig {
  const clusters = new Map<string, Entry>();
  const users = new Map<string, Entry>();
  const contexts = new Map<string, Entry>();
  let current: string | undefined;
  for (const { doc, dir } of docs) {
    if (current === undefined && typeof doc['current-context'] === 'string' && doc['current-context']) current = doc['current-context'];
    const collect = <K extends 'cluster' | 'user' | 'context'>(list: Named<K>[] | undefined, key: K, into: Map<string, Entry>) => {
      for (const item of Array.isArray(list) ? list : []) {
        if (typeof item?.name === 'string' && !into.has(item.name)) into.set(item.name, { value: (item[key] ?? {}) as Record<string, unknown>, dir });
      }
    };
    collect(doc.clusters, 'cluster', clusters);
    collect(doc.users, 'user', users);
    collect(doc.contexts, 'context', contexts);
  }
  return { ...(current !== undefined ? { current } : {}), clusters, users, contexts, source: docs.map((d) => d.source).join(delimiter) };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const resolveFrom = (dir: string, p: string): string => (isAbsolute(p) ? p : join(dir, p));

/** `<field>-data` (base64) or `<field>` (a path, relative to the kubeconfig that names it). */
function pemFrom(entry: Entry, field: string, what: string): string | undefined {
  const data = str(entry.value[`${field}-data`]);
  if (data) return Buffer.from(data, 'base64').toString('utf8');
  const path = str(entry.value[field]);
  if (!path) return undefined;
  const abs = resolveFrom(entry.dir, path);
  try {
    return readFileSync(abs, 'utf8');
  } catch (e) {
    throw new KubeConfigError(`${what}: cannot read ${field} ${abs}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`, { cause: e });
  }
}

/** The current context of the kubeconfig file(s) at `paths`. */
export async function kubeconfigConnection(paths: readonly string[], options: LoadConnectionOptions = {}): Promise<KubeConnection> {
  const cfg = await readKubeconfigs(paths);
  if (!cfg.source) throw new KubeConfigError(`no kubeconfig file found at ${paths.join(delimiter)}`);
  return connectionFrom(cfg, options);
}

/**
 * A kubeconfig already in memory (e.g. `JSON.parse(kubeConfig.exportConfig())` of a client-node
 * KubeConfig), so one process can hand its cluster to the light REST client too.
 * Relative file paths in it resolve against `dir`.
 */
export function kubeconfigObjectConnection(doc: unknown, { source = 'in-memory kubeconfig', dir = process.cwd(), ...options }: LoadConnectionOptions & { source?: string; dir?: string } = {}): KubeConnection {
  if (typeof doc !== 'object' || doc === null) throw new KubeConfigError(`${source} is not a mapping`);
  return connectionFrom(mergeKubeconfigs([{ doc: doc as RawKubeconfig, dir, source }]), options);
}

function connectionFrom(cfg: MergedKubeconfig, { tokenMaxAgeMs = 60_000, now = Date.now }: LoadConnectionOptions): KubeConnection {
  const contextName = cfg.current;
  if (!contextName) throw new KubeConfigError(`kubeconfig ${cfg.source} has no current-context`);
  const context = cfg.contexts.get(contextName);
  if (!context) throw new KubeConfigError(`kubeconfig ${cfg.source}: context "${contextName}" not found`);
  const clusterName = str(context.value.cluster);
  const cluster = clusterName ? cfg.clusters.get(clusterName) : undefined;
  if (!cluster) throw new KubeConfigError(`kubeconfig ${cfg.source}: cluster "${clusterName ?? ''}" of context "${contextName}" not found`);
  const userName = str(context.value.user);
  const user = userName ? cfg.users.get(userName) : undefined;
  if (userName && !user) throw new KubeConfigError(`kubeconfig ${cfg.source}: user "${userName}" of context "${contextName}" not found`);
  const where = `kubeconfig ${cfg.source} context "${contextName}"`;

  const server = str(cluster.value.server)?.replace(/\/+$/, '');
  if (!server || !/^https?:\/\/[^/]/.test(server)) throw new KubeConfigError(`${where}: cluster "${clusterName}" has no valid server URL`);
  if (str(cluster.value['proxy-url'])) throw new KubeConfigError(`${where}: proxy-url is not supported; reach the API server directly`);

  const u = user?.value ?? {};
  for (const plugin of ['exec', 'auth-provider'] as const) {
    if (u[plugin] !== undefined && u[plugin] !== null) {
      throw new KubeConfigError(`${where}: user "${userName}" authenticates with an ${plugin} plugin, which the functions do not run; use a ServiceAccount token (user.token or user.tokenFile), or run in the cluster`);
    }
  }
  if (str(u.username) || str(u.password)) throw new KubeConfigError(`${where}: basic auth (username/password) is not supported; use a token`);

  const cert = user ? pemFrom(user, 'client-certificate', where) : undefined;
  const key = user ? pemFrom(user, 'client-key', where) : undefined;
  if ((cert === undefined) !== (key === undefined)) throw new KubeConfigError(`${where}: a client certificate needs both client-certificate and client-key`);
  if (key) redact.add(key);

  const tokenFile = str(u.tokenFile);
  const bearerToken = str(u.token) !== undefined
    ? fixedToken(str(u.token))
    : tokenFile ? fileToken(resolveFrom(user!.dir, tokenFile), tokenMaxAgeMs, now) : fixedToken(undefined);
  const ca = pemFrom(cluster, 'certificate-authority', where);
  const servername = str(cluster.value['tls-server-name']);
  return {
    server,
    tls: {
      rejectUnauthorized: cluster.value['insecure-skip-tls-verify'] !== true,
      ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), ...(servername ? { servername } : {}),
    },
    bearerToken,
    namespace: str(context.value.namespace),
    source: where,
  };
}

/** KUBECONFIG, else ~/.kube/config, else in-cluster: client-node's `loadFromDefault()` order. */
export async function loadKubeConnection(options: LoadConnectionOptions = {}): Promise<KubeConnection> {
  const env = options.env ?? process.env;
  const fromEnv = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p.length > 0);
  if (fromEnv.length > 0) return kubeconfigConnection(fromEnv, options);
  const home = options.home ?? env.HOME ?? homedir();
  const userConfig = home ? join(home, '.kube', 'config') : undefined;
  if (userConfig && existsSync(userConfig)) return kubeconfigConnection([userConfig], options);
  return inClusterConnection(options);
}
