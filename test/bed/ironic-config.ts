/**
 * @module ironic-config: the ironic.conf of a standalone test Ironic (pure; no I/O).
 *
 * Verified set-up: shared/notes/ironic-stack.md §3.2, docs/test-bed.md for the PyPI build.
 * Everything lands under `dir`, the API listens on 127.0.0.1 only, no Keystone, DB server or
 * message bus unless `notifications` names one. What differs between the two Ironic builds is kept in BUILD_INTERFACES.
 */

export type HardwareType = 'fake-hardware' | 'ipmi' | 'redfish';

/** Interface families that take an `enabled_<family>_interfaces` list (`firmware`: not in 21.4). */
export type InterfaceFamily =
  | 'bios' | 'boot' | 'console' | 'deploy' | 'firmware' | 'inspect' | 'management' | 'network'
  | 'power' | 'raid' | 'rescue' | 'storage' | 'vendor';

/** Which Ironic the config is for: the pinned PyPI release or Debian's 21.4. */
export type IronicConfigBuild = 'pypi' | 'debian';

/** `[fake] <name>_delay` options; integer seconds (a fraction breaks every call: gotcha 8). */
export type FakeDelayName =
  | 'power' | 'boot' | 'deploy' | 'inspect' | 'management' | 'vendor' | 'raid' | 'bios' | 'storage' | 'rescue';

export type IniValue = string | number | boolean;
export type IniSections = Record<string, Record<string, IniValue>>;

export interface IronicConfigInput {
  dir: string;
  port: number;
  hardwareTypes: readonly HardwareType[];
  /** Default `pypi`. */
  build?: IronicConfigBuild;
  fakeDelays?: Partial<Record<FakeDelayName, number>>;
  /** Merged over the defaults, section by section, key by key. */
  extraConfig?: IniSections;
  /**
   * Ironic's versioned notifications on a RabbitMQ the watcher subscribes to (docs/ironic-notifications.md).
   * `transportUrl` carries the password: leave it out where it comes from the environment instead
   * (`OS_OSLO_MESSAGING_NOTIFICATIONS__TRANSPORT_URL`, read by oslo.config).
   */
  notifications?: { transportUrl?: string };
}

/**
 * The sections that make Ironic publish its versioned notifications (`baremetal.node.power_set.end`,
 * `…provision_set.success`, `…power_state_corrected.success`, …) to the `ironic` topic exchange
 * with routing keys `ironic_versioned_notifications.<priority>`.
 */
export function notificationSections(transportUrl?: string): IniSections {
  return {
    // info and above: every node state change Ironic announces
    DEFAULT: { notification_level: 'info' },
    oslo_messaging_notifications: {
      driver: 'messagingv2',
      // oslo's default (-1) retries forever and holds the conductor while the bus is down; the
      // watcher's minute-long list covers a lost notification
      retry: 2,
      ...(transportUrl ? { transport_url: transportUrl } : {}),
    },
  };
}

// Which interfaces each hardware type brings; generic ones (pxe, ramdisk, no-*) come with any.
interface InterfaceTable {
  generic: Partial<Record<InterfaceFamily, readonly string[]>>;
  byType: Record<HardwareType, Partial<Record<InterfaceFamily, readonly string[]>>>;
}
const DEBIAN_INTERFACES: InterfaceTable = {
  generic: {
    bios: ['no-bios'], boot: ['pxe', 'ipxe'], console: ['no-console'], deploy: ['ramdisk', 'direct'],
    inspect: ['no-inspect'], management: [], network: ['noop'], power: [], raid: ['no-raid'],
    rescue: ['no-rescue'], storage: ['noop'], vendor: ['no-vendor'],
  },
  byType: {
    // fake-hardware accepts `fake` in every family except network (noop)
    'fake-hardware': {
      bios: ['fake'], boot: ['fake'], console: ['fake'], deploy: ['fake'], inspect: ['fake'], management: ['fake'],
      power: ['fake'], raid: ['fake'], rescue: ['fake'], storage: ['fake'], vendor: ['fake'],
    },
    ipmi: { management: ['ipmitool'], power: ['ipmitool'], vendor: ['ipmitool'] },
    redfish: {
      bios: ['redfish'], boot: ['redfish-virtual-media'], inspect: ['redfish'], management: ['redfish'],
      power: ['redfish'], raid: ['redfish'], vendor: ['redfish'],
    },
  },
};
// the newer release adds the firmware family, in-band `agent` inspection (replacing `inspector`)
// and Redfish HTTPS boot, which upstream Metal3's interface choices use
const PYPI_INTERFACES: InterfaceTable = {
  // custom-agent: spec.customDeploy's deploy interface (the agent runs the named step)
  // agent RAID: software RAID built by ironic-python-agent (upstream switches a node to it for softwareRAIDVolumes)
  generic: { ...DEBIAN_INTERFACES.generic, deploy: [...DEBIAN_INTERFACES.generic.deploy!, 'custom-agent'], firmware: ['no-firmware'], inspect: ['no-inspect', 'agent'], raid: ['no-raid', 'agent'] },
  byType: {
    'fake-hardware': { ...DEBIAN_INTERFACES.byType['fake-hardware'], firmware: ['fake'] },
    ipmi: DEBIAN_INTERFACES.byType.ipmi,
    redfish: { ...DEBIAN_INTERFACES.byType.redfish, boot: ['redfish-virtual-media', 'redfish-https'], firmware: ['redfish'] },
  },
};
const BUILD_INTERFACES: Record<IronicConfigBuild, InterfaceTable> = { pypi: PYPI_INTERFACES, debian: DEBIAN_INTERFACES };

/** `enabled_<family>_interfaces` lists for the given hardware types, `fake` first when present. */
export function enabledInterfaces(types: readonly HardwareType[], build: IronicConfigBuild = 'pypi'): Partial<Record<InterfaceFamily, string[]>> {
  const table = BUILD_INTERFACES[build];
  const out: Partial<Record<InterfaceFamily, string[]>> = {};
  for (const family of Object.keys(table.generic) as InterfaceFamily[]) {
    const names = new Set<string>();
    for (const t of types) for (const n of table.byType[t][family] ?? []) names.add(n);
    for (const n of table.generic[family] ?? []) names.add(n);
    out[family] = [...names];
  }
  return out;
}

/** The full config as sections (before rendering), so callers and tests can inspect it. */
export function ironicConfigSections({ dir, port, hardwareTypes, build = 'pypi', fakeDelays = {}, extraConfig = {}, notifications }: IronicConfigInput): IniSections {
  if (hardwareTypes.length === 0) throw new TypeError('hardwareTypes must name at least one hardware type');
  const ifaces = enabledInterfaces(hardwareTypes, build);
  const DEFAULT: Record<string, IniValue> = {
    auth_strategy: 'noauth',
    rpc_transport: 'none',
    host: 'ironic-test-conductor',
    my_ip: '127.0.0.1',
    state_path: `${dir}/state`,
    use_stderr: true,
    debug: false,
    enabled_hardware_types: hardwareTypes.join(','),
  };
  for (const [family, names] of Object.entries(ifaces)) DEFAULT[`enabled_${family}_interfaces`] = (names ?? []).join(',');

  const fake: Record<string, IniValue> = {};
  for (const [name, seconds] of Object.entries(fakeDelays)) {
    if (!Number.isInteger(seconds) || seconds < 0) throw new TypeError(`fakeDelays.${name} must be a whole number of seconds, got ${seconds}`);
    fake[`${name}_delay`] = seconds;
  }

  const base: IniSections = {
    DEFAULT,
    api: { host_ip: '127.0.0.1', port, api_workers: 1 },
    database: { connection: `sqlite:///${dir}/ironic.sqlite` },
    dhcp: { dhcp_provider: 'none' },
    oslo_concurrency: { lock_path: `${dir}/lock` },
    pxe: {
      tftp_root: `${dir}/tftpboot`,
      tftp_master_path: `${dir}/tftpboot/master_images`,
      images_path: `${dir}/images`,
      instance_master_path: `${dir}/master_images`,
    },
    // nothing listens there: the fake and ipmi paths only need a well-formed URL
    deploy: { http_root: `${dir}/httpboot`, http_url: 'http://127.0.0.1:18089' },
    // 1 s between commands to one BMC (default 5 s); never 0, Ironic divides by it
    ipmi: { min_command_interval: 1, command_retry_timeout: 10 },
    // firmware updates: look at the BMC's update task every 5 s (default 60 s) and check the BMC answers
    // again after it every 2 s (default 30 s); Ironic < 2023.2 has no such options and ignores them
    redfish: { firmware_update_status_interval: 5, firmware_update_fail_interval: 5, firmware_update_validation_interval: 2 },
    conductor: {
      // adopt out-of-band power changes instead of switching the BMC back (notes §7.3)
      force_power_state_during_sync: false,
      sync_power_state_interval: 10,
      // no deploy agent here: a node stuck waiting for one fails in minutes, not 30
      check_provision_state_interval: 10,
      deploy_callback_timeout: 300,
      clean_callback_timeout: 300,
      // on start Ironic fails nodes a stopped conductor left mid-step, but only this many per state
      // (default 8): the rest stay e.g. `deploying` with no lock for good (functions report them)
      periodic_max_workers: 128,
    },
    fake,
  };
  return mergeSections(notifications ? mergeSections(base, notificationSections(notifications.transportUrl)) : base, extraConfig);
}

/** Section-wise, key-wise merge; `over` wins. */
export function mergeSections(base: IniSections, over: IniSections): IniSections {
  const out: IniSections = {};
  for (const [name, keys] of Object.entries(base)) out[name] = { ...keys };
  for (const [name, keys] of Object.entries(over)) out[name] = { ...(out[name] ?? {}), ...keys };
  return out;
}

/** Render ini text. No trailing comments: oslo.config would keep them in the value (gotcha 16). */
export function renderIni(sections: IniSections): string {
  const lines: string[] = [];
  for (const [name, keys] of Object.entries(sections)) {
    const entries = Object.entries(keys);
    if (entries.length === 0) continue;
    lines.push(`[${name}]`);
    for (const [k, v] of entries) {
      const text = String(v);
      if (/[\r\n]/.test(text)) throw new TypeError(`[${name}] ${k}: value must be a single line`);
      lines.push(`${k} = ${text}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
