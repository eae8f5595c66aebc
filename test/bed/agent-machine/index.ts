/**
 * @module agent-machine: simulated machines that run a real ironic-python-agent (IPA).
 *
 * A provisioning network is a bridge in the root namespace with 10.254.K.1/24 (K free on this
 * host). Each machine is a network namespace whose only interface, `eth0`, is one end of a veth
 * pair on that bridge, with the host's boot MAC and 10.254.K.x/24, plus file-backed loop disks.
 * The network forwards chosen loopback ports (Ironic's API, the file server) to its gateway
 * address, so IPA reaches Ironic, and Ironic reaches IPA, only through addresses the bed created.
 *
 * Power is driven by a BMC: `powerOn('pxe')` is the firmware's network boot. It reads the boot
 * config Ironic wrote for the MAC (or the bed's default one, for unmanaged inspection) and, when
 * that is the deploy ramdisk, starts IPA in the namespace with the `ipa-*` kernel parameters as
 * options; `powerOff()` stops it. IPA runs in a private mount namespace with
 * /proc/sysrq-trigger masked, METAL3_BED_DISKS naming the loop disks, and the bed's hardware
 * manager (test/bed/agent-machine/ipa) confining it to them.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, truncate, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { BedSetupError, MissingPackageError } from '../errors.ts';
import { onExitCleanup, spawnManaged, type ManagedProcess } from '../processes.ts';
import { agentOptionsFromParams, bootConfigPaths, kernelCommandLine, parseBootConfig, type BootChoice } from './boot-config.ts';
import { DISK_DIR_PREFIX, NAME_PREFIX, requireMachineSupport, sh, shSync } from './host.ts';

export { requireMachineSupport } from './host.ts';
export type { BootChoice } from './boot-config.ts';

const run = promisify(execFile);
const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
export const INSTALL_IPA_SCRIPT = join(REPO_ROOT, 'scripts', 'install-ipa.sh');
/** The PyPI release the bed pins; its dependencies are in test/bed/agent-machine/ipa/constraints.txt. */
export const IPA_VERSION = '13.0.0';
/** PATH of IPA's processes: ipa/bin first, for the machine's udevadm (see there). */
export const AGENT_PATH = `${join(import.meta.dirname, 'ipa', 'bin')}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
/** IPA's API port inside each machine's namespace. */
export const AGENT_PORT = 9999;

let ipaVenv: Promise<string> | undefined;

/** The cached IPA venv (scripts/install-ipa.sh, idempotent), installed on first use. */
export function ensureIpaInstalled(): Promise<string> {
  ipaVenv ??= run('bash', [INSTALL_IPA_SCRIPT], { env: { ...process.env, IPA_VERSION }, timeout: 10 * 60_000, maxBuffer: 16 * 1024 * 1024 })
    .then(({ stdout }) => stdout.trim().split('\n').at(-1) ?? '')
    .catch((err: unknown) => {
      ipaVenv = undefined;
      const detail = (err as { stderr?: string }).stderr?.trim().split('\n').slice(-5).join(' | ') ?? String(err);
      throw new MissingPackageError(`installing ironic-python-agent ${IPA_VERSION} (${INSTALL_IPA_SCRIPT}) failed: ${detail}`, [`ironic-python-agent==${IPA_VERSION}`], { cause: err });
    });
  return ipaVenv;
}

let counter = 0;
const nextId = (): number => ++counter;

export interface ProvisioningNetwork {
  readonly bridge: string;
  /** the root namespace's address on the bridge, e.g. 10.254.17.1 */
  readonly gateway: string;
  /** Make 127.0.0.1:`port` reachable from the machines as gateway:`port`. */
  forward(port: number): Promise<void>;
  /** `http://127.0.0.1:P/x` → `http://<gateway>:P/x` (the port must be forwarded). */
  onNetwork(url: string): string;
  /** The next free machine address. */
  allocateAddress(): string;
  stop(): Promise<void>;
}

/** Create the bridge on a free 10.254.K.0/24. */
export async function startProvisioningNetwork(): Promise<ProvisioningNetwork> {
  await requireMachineSupport();
  const used = new Set((await sh('ip', ['-4', '-o', 'addr', 'show'])).match(/10\.254\.\d+/g) ?? []);
  const free = Array.from({ length: 250 }, (_, i) => i + 1).filter((k) => !used.has(`10.254.${k}`));
  const k = free[randomBytes(1)[0]! % free.length];
  if (k === undefined) throw new BedSetupError('no free 10.254.K.0/24 for a provisioning network');
  const bridge = `${NAME_PREFIX.bridge}${process.pid}n${nextId()}`;
  const gateway = `10.254.${k}.1`;
  const forgetLink = onExitCleanup(() => shSync('ip', ['link', 'del', bridge]));
  const servers: Server[] = [];
  const sockets = new Set<import('node:net').Socket>();
  try {
    await sh('ip', ['link', 'add', bridge, 'type', 'bridge']);
    await sh('ip', ['addr', 'add', `${gateway}/24`, 'dev', bridge]);
    await sh('ip', ['link', 'set', bridge, 'up']);
  } catch (err) {
    shSync('ip', ['link', 'del', bridge]);
    forgetLink();
    throw err;
  }
  let nextHost = 10;
  return {
    bridge,
    gateway,
    async forward(port) {
      const server = createServer((inbound) => {
        const outbound = createConnection({ host: '127.0.0.1', port });
        sockets.add(inbound).add(outbound);
        inbound.pipe(outbound).pipe(inbound);
        const close = (): void => { inbound.destroy(); outbound.destroy(); sockets.delete(inbound); sockets.delete(outbound); };
        inbound.on('error', close);
        outbound.on('error', close);
        inbound.on('close', close);
        outbound.on('close', close);
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, gateway, () => { server.off('error', reject); resolve(); });
      });
      servers.push(server);
    },
    onNetwork(url) {
      return url.replace(/^(https?:\/\/)127\.0\.0\.1(?=[:/])/, `$1${gateway}`);
    },
    allocateAddress() {
      if (nextHost > 250) throw new BedSetupError(`provisioning network ${gateway}/24 is full`);
      return `10.254.${k}.${nextHost++}`;
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
      shSync('ip', ['link', 'del', bridge]);
      forgetLink();
    },
  };
}

export interface AgentMachineOptions {
  network: ProvisioningNetwork;
  /** the host's bootMACAddress: the MAC of the machine's eth0 */
  mac: string;
  /** one sparse loop disk per entry; IPA takes no disk under 4 GiB as a root device */
  diskSizesBytes?: readonly number[];
  /** Ironic's state dir: where it writes the PXE/iPXE configs (tftpboot/, httpboot/) */
  ironicDir: string;
  /** what the network boots when Ironic wrote nothing for this MAC (unmanaged inspection) */
  defaultKernelParams?: Record<string, string>;
  /** a label for logs */
  name?: string;
  /**
   * Firmware self-test and ramdisk load before IPA starts (default 5 s). Ironic moves a node to
   * its `… wait` state only after the power-on call returns; an agent calling back before that is
   * turned away, and a real machine never is that fast.
   */
  bootDelayMs?: number;
}

export interface MachineDisk {
  /** the backing file (read it back in tests) */
  file: string;
  /** /dev/loopN */
  device: string;
  sizeBytes: number;
}

/** One power-on: the device, what the firmware found, and where (Ironic's file for the MAC, or `default`). */
export interface MachineBoot {
  device: 'pxe' | 'disk' | 'cd';
  choice: BootChoice | { kind: 'local-disk' } | { kind: 'virtual-media' };
  source?: string;
}

export interface AgentMachine {
  readonly name: string;
  readonly netns: string;
  readonly mac: string;
  /** eth0's address inside the namespace */
  readonly ip: string;
  readonly disks: readonly MachineDisk[];
  /** IPA's log (appended across boots) */
  readonly agentLogPath: string;
  /** every power-on: what the firmware booted */
  readonly boots: readonly MachineBoot[];
  agentRunning(): boolean;
  /**
   * Power on and boot from `device`; `pxe` may start IPA. Serialised with powerOff. `bootAfter`:
   * the firmware's boot delay starts only once it settles (the BMC has told its caller the machine
   * is on), so a slow caller never finds the agent calling back before it recorded the power-on.
   */
  powerOn(device: 'pxe' | 'disk' | 'cd', options?: { bootAfter?: Promise<unknown> }): Promise<void>;
  /** Power off: IPA (if running) is stopped. */
  powerOff(): Promise<void>;
  /** Stop IPA, delete the namespace, detach and remove the disks. Idempotent. */
  stop(): Promise<void>;
}

/** Build one machine on `network`. Undone completely on failure and on stop(). */
export async function createAgentMachine({ network, mac, diskSizesBytes = [5 * 1024 ** 3], ironicDir, defaultKernelParams, name, bootDelayMs = 5_000 }: AgentMachineOptions): Promise<AgentMachine> {
  await requireMachineSupport();
  const venv = await ensureIpaInstalled();
  const id = nextId();
  const label = name ?? `machine-${id}`;
  const netns = `${NAME_PREFIX.netns}${process.pid}-${id}`;
  const vethRoot = `${NAME_PREFIX.veth}${process.pid}m${id}`;
  const vethPeer = `m3p${process.pid}m${id}`;
  const dir = mkdtempSync(join(tmpdir(), `${DISK_DIR_PREFIX}${process.pid}-`));
  const ip = network.allocateAddress();
  const disks: MachineDisk[] = [];
  const teardownSync = (): void => {
    shSync('ip', ['netns', 'del', netns]);
    shSync('ip', ['link', 'del', vethRoot]);
    for (const d of disks) shSync('losetup', ['-d', d.device]);
    rmSync(dir, { recursive: true, force: true });
  };
  const forget = onExitCleanup(teardownSync);
  try {
    await sh('ip', ['netns', 'add', netns]);
    await sh('ip', ['link', 'add', vethRoot, 'type', 'veth', 'peer', 'name', vethPeer]);
    await sh('ip', ['link', 'set', vethPeer, 'netns', netns]);
    await sh('ip', ['-n', netns, 'link', 'set', vethPeer, 'name', 'eth0']);
    await sh('ip', ['-n', netns, 'link', 'set', 'eth0', 'address', mac.toLowerCase()]);
    await sh('ip', ['-n', netns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
    await sh('ip', ['-n', netns, 'link', 'set', 'eth0', 'up']);
    await sh('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
    await sh('ip', ['link', 'set', vethRoot, 'master', network.bridge]);
    await sh('ip', ['link', 'set', vethRoot, 'up']);
    for (const [i, sizeBytes] of diskSizesBytes.entries()) {
      const file = join(dir, `disk-${i}.img`);
      await writeFile(file, '');
      await truncate(file, sizeBytes);
      // --partscan: partitions IPA creates appear as /dev/loopNpM
      const device = (await sh('losetup', ['-f', '--show', '--partscan', file])).trim();
      disks.push({ file, device, sizeBytes });
    }
    await mkdir(join(dir, 'tmp'));
  } catch (err) {
    teardownSync();
    forget();
    throw err;
  }

  const agentLogPath = join(dir, 'ipa.log');
  const boots: MachineBoot[] = [];
  let agent: ManagedProcess | undefined;
  let queue: Promise<void> = Promise.resolve();
  let stopped = false;
  const serial = (f: () => Promise<void>): Promise<void> => {
    const next = queue.then(f, f);
    queue = next.catch(() => undefined);
    return next;
  };

  const halt = async (): Promise<void> => {
    const running = agent;
    agent = undefined;
    if (running) await running.stop({ graceMs: 3_000 });
  };

  const firmwareBoot = (): (BootChoice & { source: string }) | undefined => {
    const paths = bootConfigPaths(mac);
    for (const rel of [paths.pxe, ...paths.ipxe]) {
      const file = join(ironicDir, rel);
      // iPXE expands ${mac}; pxelinux's `ipappend 2` adds BOOTIF (bootFirmwareParams)
      if (existsSync(file)) return { ...parseBootConfig(readFileSync(file, 'utf8').replaceAll('${mac}', mac.toLowerCase())), source: rel };
    }
    return defaultKernelParams ? { kind: 'agent', params: defaultKernelParams, source: 'default' } : undefined;
  };

  const startAgent = async (params: Record<string, string>): Promise<void> => {
    const options: Record<string, string | number | boolean> = {
      // IPA's default adds the `logs` collector, which would ship the host's journal and dmesg
      inspection_collectors: 'default',
      ...agentOptionsFromParams(params),
      listen_host: ip,
      listen_port: AGENT_PORT,
      advertise_host: ip,
      // plain HTTP between Ironic and the agent on the bed's private network
      enable_auto_tls: false,
      hardware_initialization_delay: 0,
      disk_wait_attempts: 3,
      disk_wait_delay: 1,
      collect_lldp: false,
      inspection_dhcp_wait_timeout: 0,
      lookup_interval: 1,
      debug: true,
      use_stderr: true,
    };
    const conf = join(dir, 'ipa.conf');
    await writeFile(conf, `[DEFAULT]\n${Object.entries(options).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`);
    // the kernel command line the machine booted: IPA reads BOOTIF and the ipa-* parameters there
    const cmdline = join(dir, 'cmdline');
    await writeFile(cmdline, `${kernelCommandLine(params, mac)}\n`);
    agent = await spawnManaged({
      name: `ipa ${label}`,
      command: 'ip',
      args: [
        // its own mount and PID namespaces: IPA sees only the machine's processes (fuser, for one,
        // checks every process's open files before IPA touches a disk)
        'netns', 'exec', netns, 'unshare', '--mount', '--propagation', 'private', '--pid', '--fork', '--mount-proc', '--',
        // IPA's power-off falls back to /proc/sysrq-trigger: on the bed that would be the host's
        '/bin/sh', '-c', `mount --bind ${cmdline} /proc/cmdline && { [ ! -e /proc/sysrq-trigger ] || mount --bind /dev/null /proc/sysrq-trigger; } && exec "$0" "$@"`,
        join(venv, 'bin', 'ironic-python-agent'), '--config-file', conf,
      ],
      logPath: agentLogPath,
      env: {
        PATH: AGENT_PATH,
        LANG: 'C.UTF-8',
        TMPDIR: join(dir, 'tmp'),
        METAL3_BED_DISKS: disks.map((d) => d.device).join(','),
      },
    });
  };

  return {
    name: label, netns, mac: mac.toLowerCase(), ip, disks, agentLogPath, boots,
    agentRunning: () => agent?.isRunning() === true,
    powerOn(device, options = {}) {
      return serial(async () => {
        if (stopped) return;
        await halt();
        // a CD is the BMC's virtual media (a live ISO): the bed boots no image, and nothing writes the disk
        if (device !== 'pxe') { boots.push({ device, choice: { kind: device === 'cd' ? 'virtual-media' : 'local-disk' } }); return; }
        const choice = firmwareBoot();
        if (!choice) { boots.push({ device, choice: { kind: 'other', label: 'no boot config' } }); return; }
        boots.push({ device, choice, source: choice.source });
        if (choice.kind !== 'agent') return;
        await options.bootAfter?.catch(() => undefined);
        await sleep(bootDelayMs);
        if (!stopped) await startAgent(choice.params);
      });
    },
    powerOff() {
      return serial(halt);
    },
    stop() {
      return serial(async () => {
        if (stopped) return;
        stopped = true;
        await halt();
        teardownSync();
        forget();
      });
    },
  };
}
