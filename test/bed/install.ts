/**
 * @module install: make sure the software behind the bed's binaries is present.
 *
 * Ironic comes in two builds (IRONIC_BED): `pypi` (default) is a pinned release from PyPI in a
 * cached venv outside the repo, set up by scripts/install-ironic.sh; `debian` is Debian 12's
 * Ironic 21.4 from apt. The BMC tools always come from Debian.
 * apt-get runs only when we are root; otherwise it fails with the exact package names.
 * `--no-install-recommends` keeps Ironic to the all-in-one binary (no TFTP, iSCSI or services).
 */
import { execFile } from 'node:child_process';
import { access, constants, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

/** Which Ironic the bed runs. */
export type IronicBuild = 'pypi' | 'debian';

/** The PyPI release the bed pins; its dependencies are pinned in test/bed/ironic-venv/constraints.txt. */
export const IRONIC_PYPI_VERSION = '39.0.0';

/** Where one Ironic build's programs are. */
export interface IronicInstallation {
  readonly build: IronicBuild;
  /** Release, e.g. 39.0.0 or 21.4 (Debian's). */
  readonly version: string;
  /** All-in-one API + conductor. */
  readonly ironicBin: string;
  readonly dbsyncBin: string;
  /** The interpreter that runs it (for probing importable drivers such as sushy). */
  readonly python: string;
  /** Newest API microversion this build serves (checked by the bed's setup test). */
  readonly maxMicroversion: string;
}

/** `IRONIC_BED=debian` selects Debian's 21.4; unset or `pypi` the pinned PyPI release. */
export function ironicBuildFromEnv(env: NodeJS.ProcessEnv = process.env): IronicBuild {
  const value = env.IRONIC_BED?.trim() || 'pypi';
  if (value !== 'pypi' && value !== 'debian') throw new TypeError(`IRONIC_BED must be "pypi" or "debian", got "${value}"`);
  return value;
}

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const INSTALL_IRONIC_SCRIPT = join(REPO_ROOT, 'scripts', 'install-ironic.sh');

const DEBIAN_IRONIC: IronicInstallation = {
  build: 'debian', version: '21.4', ironicBin: '/usr/bin/ironic', dbsyncBin: '/usr/bin/ironic-dbsync',
  python: '/usr/bin/python3', maxMicroversion: '1.82',
};

export interface EnsureIronicOptions extends EnsureOptions {
  build?: IronicBuild;
  /** Runs scripts/install-ironic.sh and returns the venv path it prints; injectable for tests. */
  installVenv?: () => Promise<string>;
}

async function defaultInstallVenv(): Promise<string> {
  const { stdout } = await run('bash', [INSTALL_IRONIC_SCRIPT], {
    env: { ...process.env, IRONIC_VERSION: IRONIC_PYPI_VERSION },
    timeout: 15 * 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout.trim().split('\n').at(-1) ?? '';
}

// one install per process and installer; the script itself is idempotent and takes a lock
const venvs = new WeakMap<() => Promise<string>, Promise<string>>();

/** The chosen Ironic build, installed if missing (PyPI venv: any user with write access to the cache; Debian: root). */
export async function ensureIronicInstalled({ build = ironicBuildFromEnv(), installVenv = defaultInstallVenv, ...options }: EnsureIronicOptions = {}): Promise<IronicInstallation> {
  if (build === 'debian') {
    await ensurePackages(IRONIC_PACKAGES, options);
    return DEBIAN_IRONIC;
  }
  let pending = venvs.get(installVenv);
  if (!pending) {
    pending = installVenv().catch((err: unknown) => {
      venvs.delete(installVenv);
      const detail = (err as { stderr?: string }).stderr?.trim().split('\n').slice(-5).join(' | ') ?? String(err);
      throw new MissingPackageError(`installing Ironic ${IRONIC_PYPI_VERSION} from PyPI (${INSTALL_IRONIC_SCRIPT}) failed: ${detail}`, [`ironic==${IRONIC_PYPI_VERSION}`], { cause: err });
    });
    venvs.set(installVenv, pending);
  }
  const venv = await pending;
  const installation: IronicInstallation = {
    build: 'pypi', version: IRONIC_PYPI_VERSION, ironicBin: join(venv, 'bin', 'ironic'), dbsyncBin: join(venv, 'bin', 'ironic-dbsync'),
    python: join(venv, 'bin', 'python3'), maxMicroversion: '1.115',
  };
  const missing = await missingBinaries([installation.ironicBin, installation.dbsyncBin]);
  if (missing.length > 0) throw new MissingPackageError(`Ironic venv ${venv} lacks ${missing.join(', ')}`, [`ironic==${IRONIC_PYPI_VERSION}`]);
  return installation;
}

/** OpenIPMI's `ipmi_sim` and `ipmitool` (Debian openipmi + ipmitool). */
export function ensureOpenIpmiInstalled(options?: EnsureOptions): Promise<void> {
  return ensurePackages(OPENIPMI_PACKAGES, options);
}
