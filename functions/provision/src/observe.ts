/** @module provision/observe: the node, its validation, and the config-drive Secrets. */
import { load as loadYaml } from 'js-yaml';
import { ironicDriverFor } from '../../../shared/src/bmc/access-details.ts';
import { HostSpecError, messageOf } from '../../../shared/src/errors.ts';
import { driverConfigOf } from '../../../shared/src/handler/driver-config.ts';
import type { HandlerDeps } from '../../../shared/src/handler/types.ts';
import { findNode } from '../../../shared/src/ironic/lookup.ts';
import { IronicProvisionState as N } from '../../../shared/src/ironic/states.ts';
import type { IronicNode, ValidationResult } from '../../../shared/src/ironic/types.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import { redact } from '../../../shared/src/log.ts';
import type { ConfigDriveInputs } from './instance-info.ts';

export interface ProvisionObserved {
  node: IronicNode | null;
  /** the deploy interface the host's image needs (ramdisk for live-iso, …) */
  deployInterface: string | undefined;
  validation?: ValidationResult | undefined;
  /** read only when a deploy is about to be requested; holds user data: never logged */
  configDrive?: ConfigDriveInputs | undefined;
}

interface SecretRef { name?: string; namespace?: string }

async function secretValue(host: StoredHost, deps: HandlerDeps, ref: SecretRef | undefined, key: string, field: string): Promise<string | undefined> {
  if (!ref?.name) return undefined;
  const ns = host.metadata.namespace ?? 'default';
  // upstream: same namespace only
  if (ref.namespace && ref.namespace !== ns) throw new HostSpecError(`spec.${field}: Secret must be in the host's namespace ${ns}`);
  const s = await deps.hosts.readSecret(ns, ref.name);
  if (!s) throw new HostSpecError(`spec.${field}: Secret ${ns}/${ref.name} not found`);
  const v = s.data[key] ?? s.data.value;
  if (v === undefined) throw new HostSpecError(`spec.${field}: Secret ${ns}/${ref.name} has no "${key}" or "value" key`);
  redact.add(v);
  return v;
}

function parseStructured(text: string | undefined, field: string): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const v = loadYaml(text) as unknown; // YAML is a superset of JSON
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a mapping');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new HostSpecError(`spec.${field}: not valid YAML/JSON (${messageOf(e).split('\n')[0]})`);
  }
}

export async function observeProvision(host: StoredHost, deps: HandlerDeps): Promise<ProvisionObserved> {
  const { node } = await findNode(deps.ironic, host);
  let deployInterface: string | undefined;
  try {
    deployInterface = ironicDriverFor(host.spec.bmc?.address ?? '', { username: '', password: '' }, {
      image: host.spec.image, customDeploy: host.spec.customDeploy, inspectionMode: host.spec.inspectionMode, config: driverConfigOf(deps.config),
    }).interfaces.deploy;
  } catch (e) {
    throw new HostSpecError(messageOf(e));
  }
  if (!node || node.provision_state !== N.Available) return { node, deployInterface };
  const validation = await deps.ironic.validate(node.uuid);
  const spec = host.spec as StoredHost['spec'] & { userData?: SecretRef; networkData?: SecretRef; metaData?: SecretRef };
  const configDrive: ConfigDriveInputs = {
    userData: await secretValue(host, deps, spec.userData, 'userData', 'userData'),
    networkData: parseStructured(await secretValue(host, deps, spec.networkData, 'networkData', 'networkData'), 'networkData'),
    metaData: parseStructured(await secretValue(host, deps, spec.metaData, 'metaData', 'metaData'), 'metaData'),
  };
  return { node, deployInterface, validation, configDrive };
}
