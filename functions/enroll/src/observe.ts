/**
 * @module enroll/observe: what registration needs to know, read once per step:
 * the BMC credentials Secret, the Ironic driver for the address, the node.
 */
import { ironicDriverFor } from '../../../shared/src/bmc/access-details.ts';
import type { IronicDriver } from '../../../shared/src/bmc/access-details.ts';
import { messageOf } from '../../../shared/src/errors.ts';
import { driverConfigOf } from '../../../shared/src/handler/driver-config.ts';
import type { HandlerDeps } from '../../../shared/src/handler/types.ts';
import { findNode } from '../../../shared/src/ironic/lookup.ts';
import type { IronicNode, IronicPort } from '../../../shared/src/ironic/types.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import { redact } from '../../../shared/src/log.ts';
import { defaultMetrics } from '../../../shared/src/metrics/metrics.ts';
import { HOST_FINALIZER } from '../../../shared/src/state-machine/states.ts';

export type Credentials =
  | { ok: true; username: string; password: string; secretName: string; resourceVersion: string }
  | { ok: false; message: string };

export interface EnrollObserved {
  credentials: Credentials;
  driver: { ok: true; value: IronicDriver } | { ok: false; message: string };
  node: IronicNode | null;
  ports: readonly IronicPort[];
  macConflict?: string | undefined;
  /** the newest Ironic API version, read only when the spec needs one (disablePowerOff: 1.95) */
  ironicMaxVersion?: string | undefined;
  /** direct BMC check before Ironic is involved; undefined when not run */
  bmcCheck?: { ok: true } | { ok: false; message: string } | undefined;
}

export async function readCredentials(host: StoredHost, deps: HandlerDeps): Promise<Credentials> {
  const ns = host.metadata.namespace ?? 'default';
  const name = host.spec.bmc?.credentialsName ?? '';
  const metrics = deps.metrics ?? defaultMetrics();
  if (!name) { metrics.credentials('missing'); return { ok: false, message: 'spec.bmc.credentialsName is empty' }; }
  const secret = await deps.hosts.readSecret(ns, name);
  if (!secret) { metrics.credentials('missing'); return { ok: false, message: `BMC credentials Secret ${ns}/${name} not found` }; }
  const username = (secret.data.username ?? '').trim();
  const password = (secret.data.password ?? '').trim();
  redact.add(password);
  const missing = [!username && 'username', !password && 'password'].filter(Boolean);
  if (missing.length > 0) {
    metrics.credentials('invalid');
    return { ok: false, message: `BMC credentials Secret ${ns}/${name} has no ${missing.join(' or ')}` };
  }
  return { ok: true, username, password, secretName: name, resourceVersion: secret.resourceVersion };
}

export async function observeEnroll(host: StoredHost, deps: HandlerDeps): Promise<EnrollObserved> {
  const credentials = await readCredentials(host, deps);
  let driver: EnrollObserved['driver'];
  try {
    driver = {
      ok: true,
      value: ironicDriverFor(host.spec.bmc?.address ?? '', credentials.ok ? credentials : { username: '', password: '' }, {
        disableCertificateVerification: host.spec.bmc?.disableCertificateVerification === true,
        image: host.spec.image,
        customDeploy: host.spec.customDeploy,
        inspectionMode: host.spec.inspectionMode,
        config: driverConfigOf(deps.config),
      }),
    };
  } catch (e) {
    driver = { ok: false, message: messageOf(e) };
  }
  // direct mode runs without Ironic: the BMC check is the whole registration
  const direct = deps.config.MANAGEMENT_MODE === 'direct';
  const { node, macConflict } = direct ? { node: null, macConflict: undefined } : await findNode(deps.ironic, host);
  const ports = node ? await deps.ironic.listPorts({ node: node.uuid }) : [];
  const ironicMaxVersion = !direct && host.spec.disablePowerOff === true ? (await deps.ironic.versions()).max : undefined;
  let bmcCheck: EnrollObserved['bmcCheck'];
  // check the BMC ourselves only before the node exists: a wrong password or a dead BMC
  // becomes a precise registration error in seconds instead of an Ironic verify timeout
  // (not on the step that only adds the finalizer: decide would not look at it)
  const finalized = (host.metadata.finalizers ?? []).includes(HOST_FINALIZER);
  if (!node && finalized && credentials.ok && driver.ok && deps.bmc && (direct || (deps.config.BMC_PRECHECK && driver.value.driver !== 'fake-hardware'))) {
    try {
      const client = await deps.bmc.forHost(host, host.spec.bmc?.address ?? '', credentials.secretName, {
        disableCertificateVerification: host.spec.bmc?.disableCertificateVerification,
      });
      await client.powerState();
      bmcCheck = { ok: true };
    } catch (e) {
      bmcCheck = { ok: false, message: `BMC ${host.spec.bmc?.address} check failed: ${messageOf(e)}` };
    }
  }
  return { credentials, driver, node, ports, macConflict, bmcCheck, ironicMaxVersion };
}
