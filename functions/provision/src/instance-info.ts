/**
 * @module provision/instance-info: spec.image, rootDeviceHints and bootMode →
 * Ironic instance_info and config drive, as upstream BMO builds them. Pure.
 */
import type { FunctionConfig } from '../../../shared/src/handler/config.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import { canonicalJson } from '../../../shared/src/canonical-json.ts';
import { rootDeviceOf } from '../../../shared/src/ironic/device-hints.ts';
import type { RootDeviceHints } from '../../../shared/src/ironic/device-hints.ts';

type Json = Record<string, unknown>;

export const bootModeOf = (bootMode: string | undefined): string => (bootMode === 'legacy' ? 'bios' : 'uefi');

export const isLiveIso = (host: StoredHost): boolean => host.spec.image?.format === 'live-iso';

/** spec.image's checksum as Ironic's instance_info fields. */
function checksumFieldsOf(image: { checksum?: string | undefined; checksumType?: string | undefined }): Json {
  if (!image.checksum) return {};
  const type = image.checksumType ?? '';
  if (type === 'sha256' || type === 'sha512') return { image_os_hash_algo: type, image_os_hash_value: image.checksum };
  // md5, auto or empty: Ironic detects the algorithm from the value (or fetches a checksum URL)
  return { image_checksum: image.checksum };
}

/** Upstream's priority for the custom deploy step (baremetal-operator `customDeployPriority`). */
export const CUSTOM_DEPLOY_PRIORITY = 80;

export const customDeployMethodOf = (host: StoredHost): string | undefined => host.spec.customDeploy?.method || undefined;

/** The deploy steps Ironic runs besides its own: the custom deploy step, when the spec names one. */
export function deployStepsOf(host: StoredHost): Json[] | undefined {
  const method = customDeployMethodOf(host);
  return method ? [{ interface: 'deploy', step: method, args: {}, priority: CUSTOM_DEPLOY_PRIORITY }] : undefined;
}

/** The instance_info our deploy needs; compared key by key with the node's. */
export function desiredInstanceInfo(host: StoredHost, config: Pick<FunctionConfig, 'DEPLOY_KERNEL_URL' | 'DEPLOY_RAMDISK_URL'>, deployInterface: string | undefined): Json {
  const image = host.spec.image;
  const custom = customDeployMethodOf(host) !== undefined;
  if (!image && !custom) return {};
  const spec = host.spec as StoredHost['spec'] & { rootDeviceHints?: RootDeviceHints; bootMode?: string };
  const info: Json = { capabilities: { boot_mode: bootModeOf(spec.bootMode), ...(spec.bootMode === 'UEFISecureBoot' ? { secure_boot: 'true' } : {}) } };
  const root = rootDeviceOf(spec.rootDeviceHints);
  if (custom) {
    // the custom step gets the image as given, every field optional (upstream setCustomDeployUpdateOptsForNode)
    if (image?.url) {
      info.image_source = image.url;
      if (image.format) info.image_disk_format = image.format;
      Object.assign(info, checksumFieldsOf(image));
    }
    if (root) info.root_device = root;
    return info;
  }
  if (!image) return info;
  if (isLiveIso(host)) {
    info.boot_iso = image.url;
    return info;
  }
  info.image_source = image.url;
  if (image.format) info.image_disk_format = image.format;
  Object.assign(info, checksumFieldsOf(image));
  if (root) info.root_device = root;
  // the ramdisk deploy interface boots a kernel + ramdisk instead of writing the image (test bed, no agent)
  if (deployInterface === 'ramdisk' && config.DEPLOY_KERNEL_URL && config.DEPLOY_RAMDISK_URL) {
    info.kernel = config.DEPLOY_KERNEL_URL;
    info.ramdisk = config.DEPLOY_RAMDISK_URL;
  }
  return info;
}

const same = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);

/** Keys of `want` whose value on the node differs. */
export function instanceInfoDiff(want: Json, have: Json | undefined): string[] {
  return Object.keys(want).filter((k) => !same(want[k], have?.[k]));
}

export interface ConfigDriveInputs {
  userData?: string | undefined;
  networkData?: Json | undefined;
  metaData?: Json | undefined;
}

/** Ironic JSON config drive with upstream's default meta data. */
export function configDriveOf(host: StoredHost, inputs: ConfigDriveInputs): Json {
  const name = host.metadata.name;
  const meta: Json = {
    uuid: host.metadata.uid,
    'metal3-namespace': host.metadata.namespace ?? 'default',
    'metal3-name': name,
    'local-hostname': name,
    local_hostname: name,
    name,
    ...(inputs.metaData ?? {}),
  };
  return {
    meta_data: meta,
    ...(inputs.userData !== undefined ? { user_data: inputs.userData } : {}),
    ...(inputs.networkData !== undefined ? { network_data: inputs.networkData } : {}),
  };
}
