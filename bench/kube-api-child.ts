/**
 * @module bench/kube-api-child: the Kubernetes API fixture in its own process,
 * so the benchmarks can tell its CPU and memory apart from ours.
 *
 * As a script: starts the fixture with our CRDs, writes a kubeconfig and
 * prints one JSON line `{ kubeconfig, url }`; exits on SIGTERM or when stdin
 * closes (the parent died). `startKubeApiChild()` is the parent's side.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface KubeApiChild {
  pid: number;
  url: string;
  kubeconfigPath: string;
  kubeConfig(): KubeConfig;
  stop(): Promise<void>;
}

const SELF = fileURLToPath(import.meta.url);

export async function startKubeApiChild({ namespaces = ['metal3'], timeoutMs = 30_000 }: { namespaces?: readonly string[]; timeoutMs?: number } = {}): Promise<KubeApiChild> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-kube-'));
  const child = spawn(process.execPath, ['--experimental-strip-types', '--no-warnings', SELF, dir, namespaces.join(',')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(t);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const line = await new Promise<string>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`kube API child gave no address in ${timeoutMs} ms`)), timeoutMs);
      createInterface({ input: child.stdout! }).once('line', (l) => { clearTimeout(t); res(l); });
      child.once('exit', (code) => { clearTimeout(t); rej(new Error(`kube API child exited (${code}) before starting`)); });
    });
    const { kubeconfig, url } = JSON.parse(line) as { kubeconfig: string; url: string };
    return {
      pid: child.pid!, url, stop, kubeconfigPath: kubeconfig,
      kubeConfig: () => { const kc = new KubeConfig(); kc.loadFromFile(kubeconfig); return kc; },
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function main(dir: string, namespaces: string[]): Promise<void> {
  const { startKubeApi } = await import('../test/bed/kube-api/index.ts');
  const { buildBareMetalHostCrd, buildHardwareDataCrd } = await import('../shared/src/api/crd.ts');
  const api = await startKubeApi({ crds: [buildBareMetalHostCrd(), buildHardwareDataCrd()], namespaces: ['default', 'kube-system', ...namespaces] });
  const kubeconfig = await api.writeKubeconfig(join(dir, 'kubeconfig'));
  const shutdown = () => { void api.stop().finally(() => process.exit(0)); };
  process.once('SIGTERM', shutdown);
  process.stdin.once('close', shutdown);
  process.stdin.resume();
  process.stdout.write(`${JSON.stringify({ kubeconfig, url: api.url })}\n`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === SELF) {
  await main(process.argv[2]!, (process.argv[3] ?? 'metal3').split(',').filter(Boolean));
}
