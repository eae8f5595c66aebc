/** @module kube-api/kubectl-runner: run kubectl (pinned v1.32.13) against a kubeconfig with a fresh discovery cache, for tests. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type ClusterHandle, connectCluster } from '../cluster.ts';

/** The kubectl the tests are proven with: built by scripts/install-kube-apiserver.sh next to kube-apiserver. */
export const PINNED_KUBECTL_VERSION = 'v1.32.13';
export const PINNED_KUBECTL = join(process.env.REAL_KUBE_CACHE ?? '/var/cache/metal3-functions', `kube-${PINNED_KUBECTL_VERSION}`, 'bin', 'kubectl');

/**
 * `KUBECTL` when set; else the pinned build; else the versioned kubectl.1.32 next to a
 * google-cloud-sdk dispatcher, or `kubectl` on PATH; else undefined (kubectl tests skip).
 */
export function findKubectl(): string | undefined {
  if (process.env.KUBECTL) return process.env.KUBECTL;
  if (existsSync(PINNED_KUBECTL)) return PINNED_KUBECTL;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = join(dir, 'kubectl');
    if (!existsSync(candidate)) continue;
    const versioned = join(dirname(realpathSync(candidate)), 'kubectl.1.32');
    return existsSync(versioned) ? versioned : candidate;
  }
  return undefined;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Kubectl {
  run(args: readonly string[], options?: { stdin?: string }): Promise<KubectlResult>;
  /** A long-running kubectl (e.g. `get -w`); stop it with `.kill()`. */
  spawn(args: readonly string[]): { child: ChildProcess; output: () => string };
  dispose(): Promise<void>;
}

/** kubectl bound to one kubeconfig and namespace, with its own `--cache-dir` (removed by `dispose`). */
export async function createKubectl(options: { binary: string; kubeconfig: string; namespace: string }): Promise<Kubectl> {
  const cacheDir = await mkdtemp(join(tmpdir(), 'kubectl-cache-'));
  const base = ['--kubeconfig', options.kubeconfig, '--cache-dir', cacheDir, '-n', options.namespace];
  const children = new Set<ChildProcess>();
  return {
    run(args, opts = {}) {
      return new Promise((resolve) => {
        const child = execFile(options.binary, [...base, ...args], { timeout: 60_000, env: { ...process.env, KUBECONFIG: '' } }, (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        });
        if (opts.stdin !== undefined) child.stdin?.end(opts.stdin);
      });
    },
    spawn(args) {
      const child = spawn(options.binary, [...base, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.add(child);
      child.on('exit', () => children.delete(child));
      let out = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
      return { child, output: () => out };
    },
    async dispose() {
      for (const c of children) c.kill('SIGKILL');
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
}

/** Poll until `check` returns true (or throw after `timeoutMs`). */
export async function eventually(check: () => boolean | Promise<boolean>, { timeoutMs = 15_000, intervalMs = 100 } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * kubectl apply's stderr without the warning it prints when the object already exists but was
 * created by another client (no last-applied annotation). On a shared real cluster another suite
 * may have installed the same CRD first; the fixture starts empty, so there it never appears.
 */
export function applyStderrExceptPreexisting(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !/^Warning: resource \S+ is missing the kubectl\.kubernetes\.io\/last-applied-configuration annotation/.test(line))
    .join('\n')
    .trim();
}

/** kubectl bound to a fresh namespace of the cluster under test, with a scratch folder for manifests. */
export interface KubectlSession {
  cluster: ClusterHandle;
  kubectl: Kubectl;
  /** writes `text` to a file of the scratch folder and returns its path */
  file(name: string, text: string): Promise<string>;
  close(): Promise<void>;
}

export async function openKubectlSession(binary: string, namespacePrefix: string): Promise<KubectlSession> {
  const dir = await mkdtemp(join(tmpdir(), `${namespacePrefix}-kubectl-`));
  const cluster = await connectCluster({ namespacePrefix });
  const kubectl = await createKubectl({ binary, kubeconfig: await cluster.kubeconfigPath(), namespace: cluster.namespace });
  return {
    cluster, kubectl,
    async file(name, text) {
      const path = join(dir, name);
      await writeFile(path, text);
      return path;
    },
    async close() {
      await kubectl.dispose();
      await cluster.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

