/**
 * @module chaos/function-process: one transition function as its own OS
 * process, the way a Knative revision runs it: faas-js-runtime `start()` on
 * FUNCTION_PORT, the real Kubernetes host store (KUBECONFIG, the function's
 * own ServiceAccount token) and the real Ironic client (IRONIC_URL), with the
 * crash points of crash-points.ts armed when CHAOS_CRASH_RATE > 0.
 * Logs are JSON lines on stderr (the parent greps them for secrets).
 *
 *   FUNCTION_NAME=provision FUNCTION_PORT=8081 KUBECONFIG=… IRONIC_URL=… node test/chaos/function-process.ts
 */
import { createBmcRegistry } from '../../shared/src/bmc/registry.ts';
import { loadFunctionConfig } from '../../shared/src/handler/config.ts';
import { createFunctionModule } from '../../shared/src/handler/runtime.ts';
import { serveFunction } from '../../shared/src/handler/serve.ts';
import type { HandlerDeps, TransitionFunction } from '../../shared/src/handler/types.ts';
import { createIronicClient } from '../../shared/src/ironic/client.ts';
import { loadKubeConnection } from '../../shared/src/k8s/kube-connection.ts';
import { createKubeRest } from '../../shared/src/k8s/kube-rest.ts';
import { createRestHostStore } from '../../shared/src/k8s/rest-host-store.ts';
import { createLogger } from '../../shared/src/log.ts';
import type { TransitionName } from '../../shared/src/state-machine/states.ts';
import { deprovision } from '../../functions/deprovision/src/transition.ts';
import { enroll } from '../../functions/enroll/src/transition.ts';
import { inspect } from '../../functions/inspect/src/transition.ts';
import { power } from '../../functions/power/src/transition.ts';
import { provision } from '../../functions/provision/src/transition.ts';
import { crashPlanFromEnv, withHostStoreCrashPoints, withIronicCrashPoints } from './crash-points.ts';

const FUNCTIONS = { enroll, inspect, provision, power, deprovision } as unknown as Record<TransitionName, TransitionFunction<never>>;

const name = process.env.FUNCTION_NAME as TransitionName;
const fn = FUNCTIONS[name];
if (!fn) throw new Error(`FUNCTION_NAME must be one of ${Object.keys(FUNCTIONS).join(', ')}`);
const port = Number(process.env.FUNCTION_PORT);

const config = loadFunctionConfig();
const log = createLogger({ level: (process.env.LOG_LEVEL as never) ?? 'info', fields: { function: name, pid: process.pid } });
const plan = crashPlanFromEnv();
// as a deployed function: KUBECONFIG read by our own loader, the store that ships
const plainHosts = createRestHostStore({ kube: createKubeRest({ connection: await loadKubeConnection() }), instance: `${name}-${process.pid}`, log });
const hosts = plan ? withHostStoreCrashPoints(plainHosts, plan) : plainHosts;
const plainIronic = createIronicClient({ url: config.IRONIC_URL });
const ironic = plan ? withIronicCrashPoints(plainIronic, plan) : plainIronic;
const bmc = createBmcRegistry({ hosts, allowFake: config.ENABLE_FAKE_BMC, ...(config.IPMI_CIPHER_SUITE === 3 || config.IPMI_CIPHER_SUITE === 17 ? { ipmiCipherSuite: config.IPMI_CIPHER_SUITE } : {}) });
const deps: HandlerDeps = { hosts, ironic, bmc, config, log };
const module = createFunctionModule(fn, { deps: () => deps });

await serveFunction(module, { FUNC_PORT: String(port), FUNC_LOG_LEVEL: 'silent', METRICS_PORT: 'off' });
log.info('function process ready', { port });
