/**
 * `npm start`: the watcher, the five host functions and the external function in one
 * process with the in-process broker. Uses KUBECONFIG and IRONIC_URL when both are given,
 * else starts the embedded bed (API fixture + Ironic + BMC simulators).
 */
import { KubeConfig } from '@kubernetes/client-node';
import { createLogger } from '../shared/src/log.ts';
import { startAllInOne } from '../shared/src/runner/all-in-one.ts';

const log = createLogger({ fields: { component: 'all-in-one' } });
let stopBed: (() => Promise<void>) | undefined;
let kubeConfig: KubeConfig;
let ironicUrl: string;
let env: Record<string, string> = {};
let ironicNotificationsUrl = process.env.IRONIC_NOTIFICATIONS_URL;

if (process.env.KUBECONFIG && process.env.IRONIC_URL) {
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  ironicUrl = process.env.IRONIC_URL;
} else {
  const { startBed } = await import('../test/bed/stack.ts');
  const bed = await startBed({ ipmiBmcs: Number(process.env.BED_IPMI_BMCS ?? 2), notifications: true });
  ironicNotificationsUrl = bed.bus?.url;
  const kubeconfigPath = await bed.kube.writeKubeconfig();
  kubeConfig = bed.kube.kubeConfig();
  ironicUrl = bed.ironic.url;
  env = bed.functionEnv;
  stopBed = bed.stop;
  log.info('embedded bed started', { kubeconfig: kubeconfigPath, ironic: ironicUrl, bmcs: bed.bmcs.map((b) => `${b.address} ${b.username}`), timings: bed.timings });
  process.stdout.write(`\nKubernetes API fixture: export KUBECONFIG=${kubeconfigPath}\nIronic: ${ironicUrl}\nBMCs: ${bed.bmcs.map((b) => b.address).join(', ')}\n`);
}

const app = await startAllInOne({ kubeConfig, ironicUrl, log, env, external: true, ...(ironicNotificationsUrl ? { ironicNotificationsUrl } : {}) });
process.stdout.write(`broker ingress: ${app.broker.url} (authenticated events: the watcher and the functions' replies hold tokens signed by the broker; a request without one is answered 401)\nfunctions: ${Object.entries(app.functionUrls).map(([k, v]) => `${k} ${v}`).join(', ')}\nexternal triggers: ${app.externalUrl} (a ServiceAccount token for audience ${app.externalAudience}; the API server's RBAC decides what each sender may change)\nCtrl-C to stop.\n`);

const shutdown = async () => {
  await app.stop();
  await stopBed?.();
  process.exit(0);
};
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
