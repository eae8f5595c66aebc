/**
 * @module redfish-emulator/firmware: UpdateService.SimpleUpdate as a BMC does it.
 * The BMC downloads the image itself (loopback URLs only: the bed never sends
 * anywhere else), checks it is an image for the component it targets, and runs
 * the update as a task; a BIOS image takes effect at the system's next reset
 * (the version changes after the reboot), a BMC image when the task completes.
 *
 * An emulated firmware image is a small JSON document of ours:
 * `{"metal3FirmwareImage": 1, "component": "bios" | "bmc", "version": "2.20.0"}`;
 * anything else fails the task, like a real BMC given a corrupt file.
 */
import { isIP } from 'node:net';

export type FirmwareComponent = 'bios' | 'bmc';

export interface FirmwareState {
  /** the running BMC firmware */
  bmc: string;
  /** a BIOS image flashed but not active until the next reset */
  stagedBios?: string | undefined;
}

/** An image answer that passed: what it carries. */
export interface FirmwareImage { component: FirmwareComponent; version: string }

const MAX_IMAGE_BYTES = 1024 * 1024;

/** Only loopback: the emulator is a test BMC on this machine. */
export function isLoopbackUrl(raw: string): boolean {
  let u: URL;
  try { u = new URL(raw); } catch { return false; }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/**
 * Downloads and checks an image; throws with the message the task reports. `target` undefined: the
 * update targets the system (or nothing), and the image says which component it is for, as a real
 * BMC reads it from the package (Ironic targets only the system, never an inventory item).
 */
export async function fetchFirmwareImage(imageUri: string, target: FirmwareComponent | undefined, timeoutMs = 10_000): Promise<FirmwareImage> {
  if (!isLoopbackUrl(imageUri)) throw new Error(`cannot download ${imageUri}: the emulated BMC reaches loopback addresses only`);
  let res: Response;
  try {
    res = await fetch(imageUri, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  } catch (e) {
    throw new Error(`cannot download ${imageUri}: ${(e as Error).message}`);
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    throw new Error(`cannot download ${imageUri}: HTTP ${res.status}`);
  }
  const bytes = Buffer.from(await res.arrayBuffer());
  if (bytes.length > MAX_IMAGE_BYTES) throw new Error(`image ${imageUri} is larger than ${MAX_IMAGE_BYTES} bytes`);
  let doc: { metal3FirmwareImage?: unknown; component?: unknown; version?: unknown };
  try { doc = JSON.parse(bytes.toString('utf8')) as typeof doc; } catch { throw new Error(`image ${imageUri} is not a firmware image (corrupt or wrong file)`); }
  if (doc.metal3FirmwareImage !== 1 || (doc.component !== 'bios' && doc.component !== 'bmc') || typeof doc.version !== 'string' || !/^[\w.-]{1,32}$/.test(doc.version)) {
    throw new Error(`image ${imageUri} is not a firmware image (corrupt or wrong file)`);
  }
  if (target !== undefined && doc.component !== target) throw new Error(`image ${imageUri} is for the ${doc.component}, not the ${target}`);
  return { component: doc.component, version: doc.version };
}

/** Writes a firmware image file (tests and the bed's file server). */
export const firmwareImage = (component: FirmwareComponent, version: string): string => JSON.stringify({ metal3FirmwareImage: 1, component, version });

/** A reset: a staged BIOS image becomes the running one (returns the BIOS version now running). */
export function activateStaged(fw: FirmwareState, biosVersion: string): string {
  const running = fw.stagedBios ?? biosVersion;
  fw.stagedBios = undefined;
  return running;
}
