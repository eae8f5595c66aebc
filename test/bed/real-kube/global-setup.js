// Starts one real kube-apiserver for the whole run; workers inherit KUBECONFIG.
import { startRealKube } from './index.ts';

export default async function globalSetup() {
  const started = Date.now();
  const kube = await startRealKube();
  globalThis.__realKube = kube;
  process.env.KUBECONFIG = kube.kubeconfigPath;
  process.stderr.write(`\nreal-kube: kube-apiserver on ${kube.server} ready in ${Date.now() - started} ms (state ${kube.stateDir})\n`);
}
