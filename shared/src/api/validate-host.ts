/**
 * @module api/validate-host: the BareMetalHost rules a CRD schema cannot
 * express, as upstream's admission webhook and registration step enforce them
 * (baremetal-operator `internal/webhooks/metal3.io/v1alpha1/baremetalhost_validation.go`).
 *
 * Pure: returns every problem found, each naming the field to fix.
 */
import { parseBmcAddress } from '../bmc/address.ts';
import { imageUrlProblem, type AddressPolicy } from '../bmc/address-policy.ts';
import { messageOf } from '../errors.ts';
import type { BareMetalHostSpecInput } from './baremetalhost.ts';

export interface SpecProblem {
  /** Dotted path of the field, e.g. `spec.image.checksum` (or `metadata.name`). */
  path: string;
  message: string;
}
export type SpecValidation = { ok: true } | { ok: false; problems: SpecProblem[] };

export interface ValidateHostOptions {
  /** metadata.name: checked for upstream's naming rules when given. */
  name?: string;
  /** metadata.namespace: Secret references must stay in it when given. */
  namespace?: string;
  /** Accept the test-only `fake://` BMC scheme. */
  allowFakeBmc?: boolean;
  /** The `inspect.metal3.io` annotation (`disabled` disables inspection, deprecated). */
  inspectAnnotation?: string;
  /** Hosts BMC addresses and image URLs may not name; default: the process's policy. */
  addressPolicy?: AddressPolicy;
}

const UUID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

export function validateHostSpec(spec: BareMetalHostSpecInput, options: ValidateHostOptions = {}): SpecValidation {
  const problems: SpecProblem[] = [
    ...checkName(options.name),
    ...checkBmc(spec, options),
    ...checkImage(spec, options.addressPolicy),
    ...checkRootDeviceHints(spec),
    ...checkRaid(spec),
    ...checkSecretReferences(spec, options.namespace),
    ...checkPower(spec),
  ];
  return problems.length === 0 ? { ok: true } : { ok: false, problems };
}

function checkName(name: string | undefined): SpecProblem[] {
  if (name === undefined) return [];
  if (/[^A-Za-z0-9._-]/.test(name)) {
    return [{ path: 'metadata.name', message: `name "${name}" may contain only the characters [A-Za-z0-9._-]` }];
  }
  // Go's uuid.Parse also accepts urn:uuid: and {…} forms, which contain characters refused above
  if (UUID.test(name)) return [{ path: 'metadata.name', message: `name "${name}" must not be a UUID (Ironic would confuse it with a node UUID)` }];
  return [];
}

function checkBmc(spec: BareMetalHostSpecInput, options: ValidateHostOptions): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const inspectionDisabled = spec.inspectionMode === 'disabled' || options.inspectAnnotation === 'disabled';
  if (inspectionDisabled && spec.bmc?.address && !spec.bootMACAddress) {
    problems.push({ path: 'spec.bootMACAddress', message: 'spec.bootMACAddress is required when inspection is disabled (no inspection discovers the boot NIC)' });
  }
  if (!spec.bmc?.address) {
    if (spec.inspectionMode === 'fast') problems.push({ path: 'spec.inspectionMode', message: 'inspectionMode "fast" needs spec.bmc with a Redfish-based address' });
    return problems;
  }
  let bmc;
  try {
    bmc = parseBmcAddress(spec.bmc.address, { allowFake: options.allowFakeBmc === true, ...(options.addressPolicy ? { policy: options.addressPolicy } : {}) });
  } catch (e) {
    return [...problems, { path: 'spec.bmc.address', message: messageOf(e) }];
  }
  if (bmc.needsMAC && !spec.bootMACAddress) {
    problems.push({ path: 'spec.bootMACAddress', message: `spec.bootMACAddress is required for BMC type "${bmc.scheme}"` });
  }
  if (spec.bootMode === 'UEFISecureBoot' && !bmc.supportsSecureBoot) {
    problems.push({ path: 'spec.bootMode', message: `bootMode UEFISecureBoot is not supported by BMC type "${bmc.scheme}"; use a Redfish-based address` });
  }
  if ((spec.raid?.hardwareRAIDVolumes?.length ?? 0) > 0 && !bmc.supportsRaid) {
    problems.push({ path: 'spec.raid.hardwareRAIDVolumes', message: `BMC type "${bmc.scheme}" does not support configuring hardware RAID` });
  }
  if (spec.inspectionMode === 'fast' && bmc.protocol !== 'redfish') {
    problems.push({ path: 'spec.inspectionMode', message: `inspectionMode "fast" needs a Redfish-based BMC; "${bmc.scheme}" is not one` });
  }
  return problems;
}

function checkImage(spec: BareMetalHostSpecInput, policy: AddressPolicy | undefined): SpecProblem[] {
  const image = spec.image;
  if (image === undefined) return [];
  if (!image.url) return [{ path: 'spec.image.url', message: 'spec.image.url must not be empty; remove spec.image to deprovision' }];
  const problems: SpecProblem[] = [];
  if (!isRequestUri(image.url)) problems.push({ path: 'spec.image.url', message: `image URL "${image.url}" is not a valid URL` });
  // a local path or file:// would have Ironic read its own filesystem; a denied host is an SSRF target
  else if (image.url.startsWith('/')) problems.push({ path: 'spec.image.url', message: 'spec.image.url must be an http, https or oci URL, not a local path' });
  else {
    const problem = imageUrlProblem(image.url, policy);
    if (problem !== undefined) problems.push({ path: 'spec.image.url', message: problem });
  }
  const isOci = image.url.startsWith('oci://');
  if (isOci && image.checksum) {
    problems.push({ path: 'spec.image.checksum', message: 'spec.image.checksum must be empty for oci:// images (the registry digest is used)' });
  }
  // a custom deploy step takes the image as it is: upstream leaves every image field optional there
  if (!isOci && image.format !== 'live-iso' && !image.checksum && !spec.customDeploy?.method) {
    problems.push({ path: 'spec.image.checksum', message: `spec.image.checksum is required for format "${image.format ?? 'unset'}" (only live-iso and oci:// images may omit it)` });
  }
  if (image.ociAuthSecretName && !isOci) {
    problems.push({ path: 'spec.image.ociAuthSecretName', message: 'spec.image.ociAuthSecretName applies only to oci:// image URLs' });
  }
  return problems;
}

/** Go's url.ParseRequestURI: an absolute URL with a scheme, or an absolute path. */
function isRequestUri(url: string): boolean {
  if (/\s/.test(url)) return false;
  if (url.startsWith('/')) return true;
  try {
    return new URL(url).protocol.length > 1;
  } catch {
    return false;
  }
}

function checkRootDeviceHints(spec: BareMetalHostSpecInput): SpecProblem[] {
  const name = spec.rootDeviceHints?.deviceName;
  if (!name) return [];
  const path = 'spec.rootDeviceHints.deviceName';
  if (!name.startsWith('/dev/')) return [{ path, message: `device name "${name}" must be a /dev/ path` }];
  const rest = name.slice('/dev/'.length);
  const leaf = rest.startsWith('disk/by-path/') ? rest.slice('disk/by-path/'.length) : rest;
  if (leaf === '' || leaf.includes('/')) return [{ path, message: `device name "${name}" must be a path in /dev/ or /dev/disk/by-path/` }];
  return [];
}

function checkRaid(spec: BareMetalHostSpecInput): SpecProblem[] {
  const hw = spec.raid?.hardwareRAIDVolumes ?? [];
  const sw = spec.raid?.softwareRAIDVolumes ?? [];
  const problems: SpecProblem[] = [];
  if (hw.length > 0 && sw.length > 0) {
    problems.push({ path: 'spec.raid', message: 'hardwareRAIDVolumes and softwareRAIDVolumes cannot both be set' });
  }
  hw.forEach((volume, i) => {
    const disks = volume.physicalDisks ?? [];
    if (disks.length > 0 && !volume.controller) {
      problems.push({ path: `spec.raid.hardwareRAIDVolumes[${i}].controller`, message: `hardware RAID volume ${i} names physicalDisks but no controller` });
    }
    if (disks.length > 0 && volume.numberOfPhysicalDisks !== undefined && volume.numberOfPhysicalDisks !== disks.length) {
      problems.push({
        path: `spec.raid.hardwareRAIDVolumes[${i}].numberOfPhysicalDisks`,
        message: `hardware RAID volume ${i}: numberOfPhysicalDisks is ${volume.numberOfPhysicalDisks} but ${disks.length} physicalDisks are listed`,
      });
    }
  });
  // the first software volume is the deploy target: RAID-1 keeps it bootable after a disk failure
  if (sw.length > 0 && sw[0]!.level !== '1') {
    problems.push({ path: 'spec.raid.softwareRAIDVolumes[0].level', message: `the first software RAID volume must be level "1", not "${sw[0]!.level}"` });
  }
  // upstream: rootVolume "can only be set for one of the volumes"
  if (sw.filter((v) => v.rootVolume === true).length > 1) {
    problems.push({ path: 'spec.raid.softwareRAIDVolumes', message: 'rootVolume may be true for one software RAID volume only' });
  }
  return problems;
}

function checkSecretReferences(spec: BareMetalHostSpecInput, namespace: string | undefined): SpecProblem[] {
  if (namespace === undefined) return [];
  const problems: SpecProblem[] = [];
  for (const field of ['userData', 'networkData', 'metaData'] as const) {
    const ref = spec[field];
    if (ref?.namespace && ref.namespace !== namespace) {
      problems.push({
        path: `spec.${field}.namespace`,
        message: `spec.${field} refers to namespace "${ref.namespace}"; cross-namespace Secret references are not allowed (host is in "${namespace}")`,
      });
    }
  }
  return problems;
}

function checkPower(spec: BareMetalHostSpecInput): SpecProblem[] {
  if (spec.disablePowerOff === true && spec.online === false) {
    return [{ path: 'spec.disablePowerOff', message: 'spec.disablePowerOff cannot be true while spec.online is false' }];
  }
  return [];
}
