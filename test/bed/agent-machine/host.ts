/**
 * @module host: the host-side commands behind simulated machines (network namespaces, veth pairs,
 * a bridge, loop devices), with cleanup that also runs when the test process dies and a reaper
 * for what a killed process left behind. Every name carries the creating PID so that a later run
 * removes only leftovers of processes that are gone.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BedSetupError, MissingPackageError } from '../errors.ts';
import { ensurePackages } from '../install.ts';
import { isPidAlive } from '../processes.ts';

const run = promisify(execFile);

/** Run a host command; a failure becomes a BedSetupError quoting its stderr. */
export async function sh(command: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run(command, args, { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim() ?? (err as Error).message;
    throw new BedSetupError(`${command} ${args.join(' ')} failed: ${stderr}`, { cause: err });
  }
}

/** Best effort, synchronous: for cleanup on the way out. */
export function shSync(command: string, args: readonly string[]): void {
  try { execFileSync(command, args, { stdio: 'ignore', timeout: 10_000 }); } catch { /* already gone */ }
}

/** Interface and namespace names: `m3b<pid>n<k>` (bridge), `m3v<pid>m<k>` (veth, root side), `m3fm-<pid>-<k>` (netns). */
export const NAME_PREFIX = { bridge: 'm3b', veth: 'm3v', netns: 'm3fm-' } as const;
/** Disk image files: `<tmp>/bed-machine-<pid>-…/disk-<n>.img`. */
export const DISK_DIR_PREFIX = 'bed-machine-';

export const QEMU_UTILS = { binaries: ['/usr/bin/qemu-img'], packages: ['qemu-utils'] } as const;
const HOST_TOOLS = { binaries: ['/usr/sbin/ip', '/usr/sbin/losetup', '/usr/bin/unshare', '/usr/sbin/sfdisk'], packages: ['iproute2', 'mount', 'util-linux', 'fdisk'] } as const;
/** What IPA runs on the machine's disks and for its inventory (besides util-linux and qemu-img). */
export const AGENT_TOOLS = {
  binaries: ['/usr/sbin/sgdisk', '/usr/sbin/parted', '/usr/sbin/partprobe', '/usr/sbin/dmidecode', '/usr/bin/lshw', '/usr/bin/genisoimage', '/usr/bin/fuser', '/usr/bin/hexdump'],
  // genisoimage: Ironic builds the config drive ISO with it; fuser (psmisc): IPA checks nothing holds
  // a disk before it writes; hexdump (bsdextrautils): the disk identifier after an image write
  packages: ['gdisk', 'parted', 'dmidecode', 'lshw', 'genisoimage', 'psmisc', 'bsdextrautils'],
} as const;

let checked: Promise<void> | undefined;

/**
 * Simulated machines need root (namespaces, loop devices), the iproute2/util-linux tools and
 * qemu-img (IPA converts qcow2 with it). Fails with a message that says what is missing.
 */
export function requireMachineSupport(): Promise<void> {
  checked ??= (async () => {
    if (process.getuid?.() !== 0) {
      throw new BedSetupError('simulated machines need root: network namespaces, veth pairs and loop devices (run the agent suites as root, as .ci/run does)');
    }
    await ensurePackages(HOST_TOOLS);
    await ensurePackages(AGENT_TOOLS);
    try {
      await ensurePackages(QEMU_UTILS);
    } catch (err) {
      if (err instanceof MissingPackageError) throw err;
      throw new BedSetupError(`cannot install qemu-utils: ${(err as Error).message}`, { cause: err });
    }
    const probe = `${NAME_PREFIX.netns}${process.pid}-probe`;
    try {
      await sh('ip', ['netns', 'add', probe]);
    } catch (err) {
      throw new BedSetupError(`cannot create network namespaces here (ip netns add): ${(err as Error).message}`, { cause: err });
    } finally {
      shSync('ip', ['netns', 'del', probe]);
    }
    await reapLeftovers();
  })();
  checked.catch(() => { checked = undefined; });
  return checked;
}

/** Remove namespaces, links and loop devices whose creating process is gone. */
export async function reapLeftovers(): Promise<void> {
  const dead = (pid: string): boolean => { const n = Number(pid); return Number.isInteger(n) && n > 1 && !isPidAlive(n); };
  const netns = (await sh('ip', ['netns', 'list']).catch(() => '')).split('\n').map((l) => l.split(/\s+/)[0] ?? '');
  for (const ns of netns) {
    const m = ns.match(/^m3fm-(\d+)-/);
    if (m?.[1] && dead(m[1])) shSync('ip', ['netns', 'del', ns]);
  }
  const links = (await sh('ip', ['-o', 'link', 'show']).catch(() => '')).split('\n');
  for (const line of links) {
    const m = line.match(/^\d+:\s+(m3[bv](\d+)[nm]\d+)[@:]/);
    if (m?.[1] && m[2] && dead(m[2])) shSync('ip', ['link', 'del', m[1]]);
  }
  const loops = JSON.parse((await sh('losetup', ['-J', '-l']).catch(() => '')) || '{"loopdevices":[]}') as { loopdevices?: { name: string; 'back-file'?: string }[] };
  for (const loop of loops.loopdevices ?? []) {
    const m = loop['back-file']?.match(/\/bed-machine-(\d+)-/);
    if (m?.[1] && dead(m[1])) shSync('losetup', ['-d', loop.name]);
  }
  for (const entry of await readdir(tmpdir()).catch(() => [] as string[])) {
    const m = entry.match(/^bed-machine-(\d+)-/);
    if (m?.[1] && dead(m[1])) await rm(join(tmpdir(), entry), { recursive: true, force: true });
  }
}
