/**
 * `npm run test:real-kube`: the suites that honour KUBECONFIG, against one real kube-apiserver
 * (started once in globalSetup). Without the binaries every suite is skipped with a message
 * naming the install script.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import base from '../../../jest.config.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const binDir = join(process.env.REAL_KUBE_CACHE ?? '/var/cache/metal3-functions', 'kube-v1.32.13', 'bin');
const built = ['etcd', 'kube-apiserver'].every((b) => existsSync(join(binDir, b)));

/** Suites that reach Kubernetes only through KUBECONFIG (connectCluster or the project loader). */
export const REAL_KUBE_SUITES = [
  'shared/src/api/crd-apply.int.test.ts',
  'shared/src/eventauth/token-review.int.test.ts',
  'shared/src/k8s/rest-host-store.int.test.ts',
  'shared/src/k8s/shipped-store-handler.int.test.ts',
  'test/bed/kube-api/access-review.int.test.ts',
  'test/bed/kube-api/bmh-crd.int.test.ts',
  'test/bed/kube-api/cel-validation.int.test.ts',
  'test/bed/kube-api/client-node.int.test.ts',
  'test/bed/kube-api/cluster.int.test.ts',
  'test/bed/kube-api/fidelity.int.test.ts',
  'test/bed/kube-api/kubectl.int.test.ts',
  'test/integration/bmc/direct-mode.int.test.ts',
  'test/integration/capm3/capm3.int.test.ts',
  'test/integration/claims/claim-delete-race.int.test.ts',
  'test/integration/claims/claim-e2e.int.test.ts',
  'test/integration/claims/claim-lifecycle.int.test.ts',
  'test/integration/claims/claim-provision.int.test.ts',
  'test/integration/claims/claim-race.int.test.ts',
  'test/integration/bmc/enroll-precheck.int.test.ts',
  'test/integration/bmc/firmware-settings.int.test.ts',
  'test/integration/bmc/power-direct.int.test.ts',
  'test/integration/bmc/redfish-lifecycle.int.test.ts',
  'test/integration/bmc/servicing.int.test.ts',
  'test/integration/bmc/firmware-updates.int.test.ts',
  'test/integration/external/external-triggers.int.test.ts',
  'test/integration/functions/deprovision.int.test.ts',
  'test/integration/functions/detach-and-restore.int.test.ts',
  'test/integration/functions/disable-power-off.int.test.ts',
  'test/integration/functions/enroll.int.test.ts',
  'test/integration/functions/idempotency.int.test.ts',
  'test/integration/functions/inspect.int.test.ts',
  'test/integration/functions/power.int.test.ts',
  'test/integration/functions/provision.int.test.ts',
  'test/integration/functions/provisioning-limit.int.test.ts',
  'test/integration/functions/reboot.int.test.ts',
  'test/integration/watcher/claim-watcher.int.test.ts',
  'test/integration/watcher/secret-metadata.int.test.ts',
  'test/integration/watcher/watcher.int.test.ts',
  'test/packaging/bundles.int.test.ts',
  'test/packaging/manifests-apply.int.test.ts',
  'test/packaging/uninstall.int.test.ts',
  'test/security/event-authentication.int.test.ts',
  'test/security/forged-credentials-event.int.test.ts',
];

/** Suites that reach Kubernetes but run on the fixture only, and why. */
export const FIXTURE_ONLY_SUITES = {
  'test/bed/kube-api/protocol.int.test.ts': 'tests of the fixture itself (its fault injection and wire details)',
  'test/bed/kube-api/rbac.int.test.ts': 'tests of the fixture itself (its RBAC evaluator)',
  'test/bed/kube-api/scale.int.test.ts': 'tests of the fixture itself (its list and watch cost at 10,000 objects)',
  'test/bed/real-kube/real-kube.int.test.ts': 'tests of the real-kube launcher, which it starts itself',
  'test/packaging/claim-rbac.int.test.ts': 'reads the fixture\'s request log to prove the claim function made only the calls its Roles allow',
  'test/packaging/claim-bundle.int.test.ts': 'the bundled claim function against fixed tenant and host namespaces it creates on a fixture of its own',
  'test/packaging/external-rbac.int.test.ts': 'reads the fixture\'s request log to prove the external function made only the calls its Roles allow',
  'test/packaging/rbac.int.test.ts': 'reads the fixture\'s request log to prove each function made only the calls its Role allows',
  'test/e2e/lifecycle.int.test.ts': 'the demo\'s embedded bed as shipped (`npm run demo` starts the fixture)',
  'test/e2e/claims.int.test.ts': 'the demo\'s pool on its embedded bed as shipped (`npm run demo -- --claims N` starts the fixture)',
  'test/e2e/demo.int.test.ts': 'runs `scripts/demo.ts` itself, which starts the fixture as shipped',
  'test/reliability/chaos.int.test.ts': 'the chaos harness injects API faults (500s, 409s, cut watches) through the fixture',
  'test/integration/agent/agent-inspection.int.test.ts': 'simulated machines with a real IPA: their cost is in Ironic and the agents; the Kubernetes side is redfish-lifecycle\'s, which runs on both',
  'test/integration/agent/agent-custom-deploy.int.test.ts': 'simulated machines with a real IPA: their cost is in Ironic and the agents; the Kubernetes side is redfish-lifecycle\'s, which runs on both',
  'test/integration/agent/agent-deploy.int.test.ts': 'simulated machines with a real IPA: their cost is in Ironic and the agents; the Kubernetes side is redfish-lifecycle\'s, which runs on both',
  'test/integration/agent/agent-live-iso.int.test.ts': 'simulated machines with a real IPA: their cost is in Ironic and the agents; the Kubernetes side is redfish-lifecycle\'s, which runs on both',
  'test/integration/agent/agent-raid.int.test.ts': 'simulated machines with a real IPA: their cost is in Ironic and the agents; the Kubernetes side is redfish-lifecycle\'s, which runs on both',
};

if (!built) process.stderr.write(`\nreal-kube: skipped: etcd/kube-apiserver not built in ${binDir}; run scripts/install-kube-apiserver.sh\n\n`);

const integration = base.projects.find((p) => p.displayName === 'integration');

/** @type {import('jest').Config} */
export default {
  rootDir: repo,
  projects: [{
    ...integration,
    rootDir: repo,
    displayName: 'real-kube',
    // an empty testMatch would mean Jest's default (every test): match nothing instead
    testMatch: built ? REAL_KUBE_SUITES.map((s) => `<rootDir>/${s}`) : ['<rootDir>/test/bed/real-kube/no-suites-without-binaries'],
  }],
  globalSetup: built ? '<rootDir>/test/bed/real-kube/global-setup.js' : undefined,
  globalTeardown: built ? '<rootDir>/test/bed/real-kube/global-teardown.js' : undefined,
  passWithNoTests: !built,
  testTimeout: base.testTimeout,
};
