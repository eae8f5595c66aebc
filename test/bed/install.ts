/**
 * @module install: make sure the Debian packages behind the bed's binaries are present.
 *
 * Installs with apt-get only when we are root; otherwise fails with the exact package names.
 * `--no-install-recommends` keeps Ironic to the all-in-one binary (no TFTP, iSCSI or services).
 */
import { execFile } from 'node:child_process';
import { access, constants, readdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { MissingPackageError } from './errors.ts';

const run = promisify(execFile);

export interface PackageRequirement {
  /** Absolute paths that must exist and be executable. */
  binaries: readonly string[];
  /** Debian packages that provide them. */
  packages: readonly string[];
}

export interface EnsureOptions {
  /** Install when missing (only effective as root). */
  install?: boolean;
  isRoot?: () => boolean;
  /** Runs apt-get; injectable for tests. */
  aptGet?: (args: readonly string[]) => Promise<void>;
}

export const IRONIC_PACKAGES: PackageRequirement = {
  binaries: ['/usr/bin/ironic', '/usr/bin/ironic-dbsync'],
  packages: ['python3-ironic', 'ironic-common'],
};

export const OPENIPMI_PACKAGES: PackageRequirement = {
  binaries: ['/usr/bin/ipmi_sim', '/usr/bin/ipmitool'],
  packages: ['openipmi', 'ipmitool'],
};

/** Binaries from `req.binaries` that are missing or not executable. */
export async function missingBinaries(binaries: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const bin of binaries) {
    try {
      await access(bin, constants.X_OK);
    } catch {
      missing.push(bin);
    }
  }
  return missing;
}

async function defaultAptGet(args: readonly string[]): Promise<void> {
  await run('apt-get', ['-o', 'DPkg::Lock::Timeout=300', ...args], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    maxBuffer: 64 * 1024 * 1024,
  });
}

async function aptListsEmpty(): Promise<boolean> {
  try {
    return (await readdir('/var/lib/apt/lists')).every((f) => !f.endsWith('_Packages'));
  } catch {
    return true;
  }
}

/** Check the binaries; install the packages as root if allowed; otherwise throw naming them. */
export async function ensurePackages(
  req: PackageRequirement,
  { install = true, isRoot = () => process.getuid?.() === 0, aptGet = defaultAptGet }: EnsureOptions = {},
): Promise<void> {
  const missing = await missingBinaries(req.binaries);
  if (missing.length === 0) return;
  const pkgs = req.packages.join(' ');
  const hint = `apt-get install -y --no-install-recommends ${pkgs}`;
  if (!install || !isRoot()) {
    throw new MissingPackageError(`missing ${missing.join(', ')}: install the Debian package(s) ${pkgs} (${hint})`, req.packages);
  }
  const installArgs = ['install', '-y', '--no-install-recommends', ...req.packages];
  try {
    if (await aptListsEmpty()) await aptGet(['update']);
    try {
      await aptGet(installArgs);
    } catch {
      // stale package lists are the usual cause: refresh once and retry
      await aptGet(['update']);
      await aptGet(installArgs);
    }
  } catch (err) {
    const detail = (err as { stderr?: string }).stderr?.trim().split('\n').slice(-3).join(' | ') ?? String(err);
    throw new MissingPackageError(`installing ${pkgs} failed: ${detail}`, req.packages, { cause: err });
  }
  const still = await missingBinaries(req.binaries);
  if (still.length > 0) throw new MissingPackageError(`installed ${pkgs} but ${still.join(', ')} still missing`, req.packages);
}

/** Ironic's all-in-one `/usr/bin/ironic` and `ironic-dbsync` (Debian python3-ironic + ironic-common). */
export function ensureIronicInstalled(options?: EnsureOptions): Promise<void> {
  return ensurePackages(IRONIC_PACKAGES, options);
}

/** OpenIPMI's `ipmi_sim` and `ipmitool` (Debian openipmi + ipmitool). */
export function ensureOpenIpmiInstalled(options?: EnsureOptions): Promise<void> {
  return ensurePackages(OPENIPMI_PACKAGES, options);
}
