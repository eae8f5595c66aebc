/**
 * `node scripts/real-kube.ts`: start a real kube-apiserver + etcd on 127.0.0.1 with the project's
 * CRDs, print the admin kubeconfig to export, and run until Ctrl-C (then stop both and clean up).
 * Build the binaries first with scripts/install-kube-apiserver.sh.
 */
import { KUBE_VERSION, realKubeUnavailable, startRealKube } from '../test/bed/real-kube/index.ts';

const why = realKubeUnavailable();
if (why) {
  process.stderr.write(`real-kube: ${why}\n`);
  process.exit(1);
}
const kube = await startRealKube();
process.stdout.write(`kube-apiserver ${KUBE_VERSION} on ${kube.server} (logs in ${kube.stateDir})\nexport KUBECONFIG=${kube.kubeconfigPath}\n`);
const stop = async (): Promise<void> => {
  await kube.stop();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
setInterval(() => undefined, 1 << 30);
