/** inspect: inspecting and preparing, observe + decide over every relevant Ironic state. */
import { describe, expect, it } from '@jest/globals';
import { aHost, T0 } from '../../../test/builders/host.ts';
import type { HostBuilder } from '../../../test/builders/host.ts';
import { FakeIronic } from '../../../test/fakes/fake-ironic.ts';
import type { FakeNodeSeed } from '../../../test/fakes/fake-ironic.ts';
import { ABANDONED, decideOnce, leftAlone, testConfig } from '../../../test/fakes/transition-harness.ts';
import type { BmcClientFactory } from '../../../shared/src/bmc/factory.ts';
import type { BmcClient, HardwareInventory } from '../../../shared/src/bmc/types.ts';
import { BmcAuthError, BmcUnreachableError, BmcUnsupportedError } from '../../../shared/src/errors.ts';
import { Annotation, ErrorType } from '../../../shared/src/state-machine/states.ts';
import { hardwareDetailsAnnotation } from '../src/decide.ts';
import { inspect } from '../src/transition.ts';
import { FakeHostStore } from '../../../test/fakes/fake-host-store.ts';
import type { IronicBiosSetting } from '../../../shared/src/ironic/types.ts';

const NAME = 'metal3~host-0';
const FINISHED = { inspection_finished_at: '2026-01-01T00:00:00Z' } as FakeNodeSeed;
const INVENTORY = {
  cpu: { architecture: 'x86_64', model_name: 'Xeon', frequency: '2600', count: 8, flags: ['vmx', 'aes'] },
  memory: { physical_mb: 16384 },
  interfaces: [{ name: 'eth0', mac_address: 'AA:BB:CC:DD:EE:01', ipv4_address: '10.0.0.5', speed_mbps: 10000, vendor: 'Intel', product: 'X710' }],
  disks: [{ name: '/dev/nvme0n1', size: 500107862016, rotational: false, model: 'Samsung', serial: 'S1' }, { name: '/dev/sda', size: 1000204886016, rotational: true }],
  system_vendor: { manufacturer: 'Dell', product_name: 'R640', serial_number: 'ABC123', firmware: { vendor: 'Dell', version: '2.1', build_date: '2024-01-01' } },
  boot: { pxe_interface: 'aa:bb:cc:dd:ee:01' },
  hostname: 'worker-0',
};
const DETAILS = { cpu: { arch: 'x86_64', count: 2 }, ramMebibytes: 2048, nics: [], storage: [] };

interface Row { case: string; host: HostBuilder; node?: FakeNodeSeed | null; expected: string; message?: RegExp }

async function run(host: HostBuilder, node: FakeNodeSeed | null = null) {
  const ironic = new FakeIronic();
  if (node) ironic.withNode({ name: NAME, ...node });
  return decideOnce(inspect, host.build(), { ironic });
}

const inspecting = () => aHost('inspecting');
const preparing = () => aHost('preparing');

const rows: Row[] = [
  // ---- inspecting
  { case: 'inspecting, no node → inspection error', host: inspecting(), node: null, expected: 'fail: (none)', message: /no Ironic node/ },
  { case: 'inspecting, node `available` (re-inspection) → request `manage`', host: inspecting(), node: { provisionState: 'available' }, expected: 'continue: provision node :node → manage' },
  { case: 'inspecting, node `manageable` never inspected → request `inspect`', host: inspecting(), node: { provisionState: 'manageable' }, expected: 'continue: provision node :node → inspect' },
  { case: 'inspecting, node `inspecting` → wait', host: inspecting(), node: { provisionState: 'inspecting' }, expected: 'continue: (none)' },
  { case: 'inspecting, node `inspecting` abandoned by its conductor → inspection error naming it', host: inspecting(), node: { provisionState: 'inspecting', target_provision_state: 'manageable', ...ABANDONED }, expected: 'fail: (none)', message: /^Ironic node abandoned in "inspecting" since \d{4}-\d\d-\d\dT.*no conductor holds it/ },
  { case: 'inspecting, node `inspecting` under a conductor lock for an hour → wait', host: inspecting(), node: { provisionState: 'inspecting', target_provision_state: 'manageable', ...leftAlone(3_600_000, 'conductor-1') }, expected: 'continue: (none)' },
  { case: 'inspecting, node `inspect wait` for an hour (no lock is held there) → wait', host: inspecting(), node: { provisionState: 'inspect wait', target_provision_state: 'manageable', ...leftAlone(3_600_000) }, expected: 'continue: (none)' },
  { case: 'inspecting, node `inspect wait` → wait', host: inspecting(), node: { provisionState: 'inspect wait' }, expected: 'continue: (none)' },
  { case: 'inspecting, node `inspect failed` → inspection error', host: inspecting(), node: { provisionState: 'inspect failed', last_error: 'timeout reached while inspecting' }, expected: 'fail: (none)', message: /^inspection failed: timeout reached while inspecting$/ },
  {
    case: 'inspecting, node `inspect failed` already recorded → `manage`, then inspect again',
    host: inspecting().withError({ errorType: ErrorType.Inspection }),
    node: { provisionState: 'inspect failed', last_error: 'timeout', updated_at: new Date(T0.getTime() - 1).toISOString() },
    expected: 'continue: provision node :node → manage',
  },
  { case: 'inspecting, node finished with inventory → HardwareData, complete', host: inspecting(), node: { provisionState: 'manageable', inventory: INVENTORY, ...FINISHED }, expected: 'complete: write HardwareData' },
  { case: 'inspecting, fake inspection (no inventory, no properties) → complete without hardware', host: inspecting(), node: { provisionState: 'manageable', ...FINISHED }, expected: 'complete: (none)' },
  { case: 'inspecting, out-of-band inspection (node properties only) → HardwareData', host: inspecting(), node: { provisionState: 'manageable', properties: { cpus: 4, memory_mb: 8192, local_gb: 100, cpu_arch: 'x86_64' }, ...FINISHED }, expected: 'complete: write HardwareData' },
  {
    case: 'inspecting, inspect.metal3.io requested → `inspect` again and drop the annotation',
    host: inspecting().withAnnotation(Annotation.Inspect, ''), node: { provisionState: 'manageable', inventory: INVENTORY, ...FINISHED },
    expected: `continue: provision node :node → inspect + set annotations ${Annotation.Inspect}`,
  },
  {
    case: 'inspecting, no inventory but hardwaredetails annotation → HardwareData from it, annotation dropped',
    host: inspecting().withAnnotation(Annotation.HardwareDetails, JSON.stringify(DETAILS)), node: { provisionState: 'manageable', ...FINISHED },
    expected: `complete: write HardwareData + set annotations ${Annotation.HardwareDetails}`,
  },
  { case: 'inspecting, node `active` → inspection error', host: inspecting(), node: { provisionState: 'active' }, expected: 'fail: (none)', message: /Ironic node is in state "active"/ },
  // ---- preparing
  { case: 'preparing, node `manageable`, automated_clean unset → sync it, `provide`', host: preparing(), node: { provisionState: 'manageable' }, expected: 'continue: patch Ironic node :node (sync automated_clean) + provision node :node → provide' },
  { case: 'preparing, node `manageable`, automated_clean already right → `provide`', host: preparing(), node: { provisionState: 'manageable', automated_clean: true }, expected: 'continue: provision node :node → provide' },
  { case: 'preparing, cleaning disabled but node cleans → sync it off, `provide`', host: preparing().withAutomatedCleaning('disabled'), node: { provisionState: 'manageable', automated_clean: true }, expected: 'continue: patch Ironic node :node (sync automated_clean) + provision node :node → provide' },
  { case: 'preparing, node `cleaning` → wait', host: preparing(), node: { provisionState: 'cleaning' }, expected: 'continue: (none)' },
  { case: 'preparing, node `inspecting` again (a duplicate inspect request) → wait', host: preparing(), node: { provisionState: 'inspecting' }, expected: 'continue: (none)' },
  { case: 'preparing, node `cleaning` abandoned by its conductor → preparation error', host: preparing(), node: { provisionState: 'cleaning', target_provision_state: 'available', ...ABANDONED }, expected: 'fail: (none)', message: /^Ironic node abandoned in "cleaning"/ },
  { case: 'preparing, node `inspect failed` (a duplicate inspection broken off) → `manage`, no error', host: preparing(), node: { provisionState: 'inspect failed', last_error: "The inspecting state can't be resumed" }, expected: 'continue: provision node :node → manage' },
  { case: 'preparing, node `clean wait` → wait', host: preparing(), node: { provisionState: 'clean wait' }, expected: 'continue: (none)' },
  { case: 'preparing, node `clean failed` → preparation error', host: preparing(), node: { provisionState: 'clean failed', last_error: 'disk erase failed' }, expected: 'fail: (none)', message: /^cleaning failed: disk erase failed$/ },
  {
    case: 'preparing, node `clean failed` already recorded → `manage` to retry',
    host: preparing().withError({ errorType: ErrorType.Preparation }),
    node: { provisionState: 'clean failed', last_error: 'x', updated_at: new Date(T0.getTime() - 1).toISOString() },
    expected: 'continue: provision node :node → manage',
  },
  { case: 'preparing, node `available` → complete', host: preparing(), node: { provisionState: 'available' }, expected: 'complete: (none)' },
  {
    case: 'preparing (inspection disabled) with hardwaredetails → HardwareData, annotation dropped, complete',
    host: preparing().withInspectionMode('disabled').withAnnotation(Annotation.HardwareDetails, JSON.stringify(DETAILS)), node: { provisionState: 'available' },
    expected: `complete: write HardwareData + set annotations ${Annotation.HardwareDetails}`,
  },
  { case: 'preparing, node `deploy failed` → preparation error', host: preparing(), node: { provisionState: 'deploy failed' }, expected: 'fail: (none)', message: /cannot prepare/ },
];

describe('decideInspect', () => {
  it.each(rows)('$case', async ({ host, node, expected, message }) => {
    // Act
    const { outcome, summary } = await run(host, node);
    // Assess
    expect(summary).toBe(expected);
    if (message) expect((outcome as { message: string }).message).toMatch(message);
  });

  it('maps the Ironic inventory into status.hardware as upstream', async () => {
    // Act
    const { outcome } = await run(inspecting(), { provisionState: 'manageable', inventory: INVENTORY, ...FINISHED });
    // Assess
    const hardware = {
      cpu: { arch: 'x86_64', model: 'Xeon', clockMegahertz: 2600, flags: ['aes', 'vmx'], count: 8 },
      ramMebibytes: 16384,
      nics: [{ name: 'eth0', model: 'Intel X710', mac: 'aa:bb:cc:dd:ee:01', ip: '10.0.0.5', speedGbps: 10, pxe: true }],
      storage: [
        { name: '/dev/nvme0n1', rotational: false, sizeBytes: 500107862016, model: 'Samsung', serialNumber: 'S1', type: 'NVME' },
        { name: '/dev/sda', rotational: true, sizeBytes: 1000204886016, type: 'HDD' },
      ],
      systemVendor: { manufacturer: 'Dell', productName: 'R640', serialNumber: 'ABC123' },
      firmware: { bios: { vendor: 'Dell', version: '2.1', date: '2024-01-01' } },
      hostname: 'worker-0',
    };
    expect(outcome.status).toEqual({ hardware });
    expect(outcome.actions).toEqual([{ do: 'hardwareData', hardware }]);
  });

  it('takes node properties and port MACs when Ironic stores no inventory', async () => {
    // Act
    const { outcome } = await run(inspecting(), { provisionState: 'manageable', properties: { cpus: 4, memory_mb: 8192, local_gb: 100, cpu_arch: 'x86_64' }, ports: ['AA:BB:CC:DD:EE:02'], ...FINISHED });
    // Assess
    expect(outcome.status).toEqual({ hardware: { cpu: { arch: 'x86_64', count: 4 }, ramMebibytes: 8192, nics: [{ mac: 'aa:bb:cc:dd:ee:02' }], storage: [{ sizeBytes: 100 * 1024 ** 3 }] } });
  });

  it('syncs automated_clean to the spec value before `provide`', async () => {
    // Act
    const { outcome } = await run(preparing().withAutomatedCleaning('disabled'), { provisionState: 'manageable', automated_clean: true });
    // Assess
    expect(outcome.actions[0]).toMatchObject({ do: 'patchNode', ops: [{ op: 'replace', path: '/automated_clean', value: false }] });
  });

  it.each([
    { case: 'a JSON object', value: JSON.stringify(DETAILS), expected: DETAILS },
    { case: 'not JSON', value: '{nope', expected: undefined },
    { case: 'a JSON array', value: '[1]', expected: undefined },
  ])('reads the hardwaredetails annotation when it is $case', ({ value, expected }) => {
    expect(hardwareDetailsAnnotation(aHost('inspecting').withAnnotation(Annotation.HardwareDetails, value).build())).toEqual(expected);
  });
});

/** A BMC factory whose client answers `inventory()` with `answer` (or throws it), counting calls. */
function inventoryBmc(answer: HardwareInventory | Error): BmcClientFactory & { inventoryCalls: number } {
  const bmc = {
    inventoryCalls: 0,
    forHost: async () => ({
      protocol: 'redfish',
      inventory: async () => { bmc.inventoryCalls++; if (answer instanceof Error) throw answer; return answer; },
    }) as unknown as BmcClient,
    close: async () => {},
  };
  return bmc;
}

const REDFISH_INVENTORY: HardwareInventory = {
  cpu: { arch: 'x86_64', model: 'Xeon Gold', count: 32 }, ramMebibytes: 65536,
  nics: [{ name: 'NIC1', mac: '52:54:00:aa:00:01', speedGbps: 10 }], storage: [{ name: 'Disk0', sizeBytes: 480103981056, type: 'SSD' }],
  systemVendor: { manufacturer: 'Contoso', productName: 'Emulated 3500' }, firmware: { bios: { version: 'P79 v1.45' } },
};

interface FastRow { case: string; host: HostBuilder; node?: FakeNodeSeed | null; bmc?: HardwareInventory | Error; env?: Record<string, string>; expected: string; message?: RegExp }

const fast = () => aHost('inspecting').withInspectionMode('fast').withBmc('redfish://10.0.0.1/redfish/v1/Systems/1');

const fastRows: FastRow[] = [
  { case: 'fast, node `manageable`, BMC inventory → HardwareData, complete, Ironic not asked to inspect', host: fast(), node: { provisionState: 'manageable' }, bmc: REDFISH_INVENTORY, expected: 'complete: write HardwareData' },
  { case: 'fast, node `available` (re-inspection) → BMC inventory, no `manage`', host: fast(), node: { provisionState: 'available' }, bmc: REDFISH_INVENTORY, expected: 'complete: write HardwareData' },
  { case: 'fast, inspect.metal3.io requested → BMC inventory, annotation dropped', host: fast().withAnnotation(Annotation.Inspect, ''), node: { provisionState: 'manageable' }, bmc: REDFISH_INVENTORY, expected: `complete: write HardwareData + set annotations ${Annotation.Inspect}` },
  { case: 'fast, BMC refuses the credentials → inspection error', host: fast(), node: { provisionState: 'manageable' }, bmc: new BmcAuthError('401 from BMC'), expected: 'fail: (none)', message: /^fast inspection failed: BMC redfish:\/\/10\.0\.0\.1\/redfish\/v1\/Systems\/1 inventory failed: 401 from BMC$/ },
  { case: 'fast, IPMI BMC (no inventory) → inspection error', host: fast(), node: { provisionState: 'manageable' }, bmc: new BmcUnsupportedError('IPMI has no hardware inventory'), expected: 'fail: (none)', message: /IPMI has no hardware inventory/ },
  { case: 'fast, no BMC client configured → inspection error', host: fast(), node: { provisionState: 'manageable' }, expected: 'fail: (none)', message: /no BMC client is configured/ },
  { case: 'fast, no node → inspection error (Ironic mode registers every host)', host: fast(), node: null, bmc: REDFISH_INVENTORY, expected: 'fail: (none)', message: /no Ironic node/ },
  // ---- MANAGEMENT_MODE=direct: no Ironic at all
  { case: 'direct mode, Redfish BMC → HardwareData from the BMC', host: aHost('inspecting').withBmc('redfish://10.0.0.1/redfish/v1/Systems/1'), bmc: REDFISH_INVENTORY, env: { MANAGEMENT_MODE: 'direct' }, expected: 'complete: write HardwareData' },
  { case: 'direct mode, IPMI BMC (no inventory) → complete without hardware', host: aHost('inspecting').withBmc('ipmi://10.0.0.1'), bmc: new BmcUnsupportedError('IPMI has no hardware inventory'), env: { MANAGEMENT_MODE: 'direct' }, expected: 'complete: (none)' },
  { case: 'direct mode, IPMI BMC with hardwaredetails → HardwareData from the annotation', host: aHost('inspecting').withBmc('ipmi://10.0.0.1').withAnnotation(Annotation.HardwareDetails, JSON.stringify(DETAILS)), bmc: new BmcUnsupportedError('no inventory'), env: { MANAGEMENT_MODE: 'direct' }, expected: `complete: write HardwareData + set annotations ${Annotation.HardwareDetails}` },
  { case: 'direct mode, BMC unreachable → inspection error', host: aHost('inspecting').withBmc('redfish://10.0.0.1/redfish/v1/Systems/1'), bmc: new BmcUnreachableError('timed out'), env: { MANAGEMENT_MODE: 'direct' }, expected: 'fail: (none)', message: /timed out/ },
  { case: 'direct mode, preparing → complete, nothing to clean', host: preparing(), env: { MANAGEMENT_MODE: 'direct' }, expected: 'complete: (none)' },
];

describe('decideInspect › fast inspection and direct mode', () => {
  it.each(fastRows)('$case', async ({ host, node = null, bmc, env = {}, expected, message }) => {
    // Prepare
    const ironic = new FakeIronic();
    if (node) ironic.withNode({ name: NAME, ...node });
    const factory = bmc === undefined ? undefined : inventoryBmc(bmc);
    // Act
    const { outcome, summary } = await decideOnce(inspect, host.build(), { ironic, ...(factory ? { bmc: factory } : {}), config: testConfig(env) });
    // Assess
    expect(summary).toBe(expected);
    if (message) expect((outcome as { message: string }).message).toMatch(message);
    expect(ironic.callsTo('PUT', /\/states\/provision$/)).toEqual([]);
  });

  it('writes the BMC inventory unchanged into status.hardware and HardwareData', async () => {
    // Prepare
    const ironic = new FakeIronic().withNode({ name: NAME, provisionState: 'manageable' });
    const bmc = inventoryBmc(REDFISH_INVENTORY);
    // Act
    const { outcome } = await decideOnce(inspect, fast().build(), { ironic, bmc });
    // Assess
    expect(bmc.inventoryCalls).toBe(1);
    expect(outcome.status).toEqual({ hardware: REDFISH_INVENTORY });
    expect(outcome.actions).toEqual([{ do: 'hardwareData', hardware: REDFISH_INVENTORY }]);
  });

  it('never asks Ironic anything in direct mode', async () => {
    // Prepare
    const ironic = new FakeIronic().withNode({ name: NAME, provisionState: 'manageable' });
    // Act
    await decideOnce(inspect, aHost('inspecting').withBmc('redfish://10.0.0.1/redfish/v1/Systems/1').build(), { ironic, bmc: inventoryBmc(REDFISH_INVENTORY), config: testConfig({ MANAGEMENT_MODE: 'direct' }) });
    // Assess
    expect(ironic.calls).toEqual([]);
  });
});

describe('decideInspect › BIOS settings while preparing', () => {
  const BIOS: IronicBiosSetting[] = [
    { name: 'ProcTurboMode', value: 'Enabled', attribute_type: 'Enumeration', allowable_values: ['Enabled', 'Disabled'], read_only: false },
    { name: 'SystemBiosVendor', value: 'Contoso', attribute_type: 'String', read_only: true },
  ];

  async function prepare(desired: Record<string, string> | undefined, bios: IronicBiosSetting[] = BIOS) {
    const ironic = new FakeIronic();
    ironic.withNode({ name: NAME, provisionState: 'manageable', automated_clean: true });
    const node = (await ironic.getNode(NAME))!;
    ironic.biosSettings.set(node.uuid, bios);
    const hosts = new FakeHostStore();
    const host = preparing().build();
    if (desired) hosts.firmwareSettings.set(`${host.metadata.namespace}/${host.metadata.name}`, { metadata: { name: host.metadata.name, generation: 1 }, spec: { settings: desired } });
    return decideOnce(inspect, host, { ironic, hosts });
  }

  it.each<{ case: string; desired: Record<string, string> | undefined; bios: IronicBiosSetting[]; expected: string | RegExp }>([
    { case: 'no BIOS settings in Ironic (IPMI, fake) → no HostFirmwareSettings, `provide`', desired: undefined, bios: [], expected: 'continue: provision node :node → provide' },
    { case: 'settings, nothing desired → status written, `provide`', desired: undefined, bios: BIOS, expected: /^continue: write HostFirmwareSettings status \(schema schema-[0-9a-f]{8}\) \+ provision node :node → provide$/ },
    { case: 'a valid change → status written, manual `clean`', desired: { ProcTurboMode: 'Disabled' }, bios: BIOS, expected: /^continue: write HostFirmwareSettings status \(schema \S+\) \+ provision node :node → clean$/ },
    { case: 'a read-only setting → status and an Event, `provide` (never sent)', desired: { SystemBiosVendor: 'X' }, bios: BIOS, expected: /^continue: write HostFirmwareSettings status \(schema \S+\) \+ record Event InvalidFirmwareSettings \+ provision node :node → provide$/ },
  ])('$case', async ({ desired, bios, expected }) => {
    // Act
    const { summary } = await prepare(desired, bios);
    // Assess
    expect(summary).toMatch(expected);
  });

  it('cleans with the bios apply_configuration step, out of band, only the settings that differ', async () => {
    // Act
    const { outcome } = await prepare({ ProcTurboMode: 'Disabled' });
    // Assess
    expect(outcome.actions.at(-1)).toEqual({
      do: 'provision', node: expect.any(String), target: 'clean',
      extras: { clean_steps: [{ interface: 'bios', step: 'apply_configuration', args: { settings: [{ name: 'ProcTurboMode', value: 'Disabled' }] } }], disable_ramdisk: true },
    });
  });
});

describe('decideInspect › RAID while preparing', () => {
  const MIRROR = { level: '1', name: 'root', sizeGibibytes: 100, numberOfPhysicalDisks: 2 };

  async function prepare(host: HostBuilder, node: FakeNodeSeed) {
    const ironic = new FakeIronic();
    ironic.withNode({ name: NAME, automated_clean: true, raid_interface: 'redfish', ...node } as FakeNodeSeed);
    return decideOnce(inspect, host.build(), { ironic });
  }

  it.each<{ case: string; host: HostBuilder; node: FakeNodeSeed; expected: string | RegExp }>([
    {
      case: 'new hardware volumes, node `manageable` → target RAID config, then manual `clean`',
      host: preparing().withSpec({ raid: { hardwareRAIDVolumes: [MIRROR] } }), node: { provisionState: 'manageable' },
      expected: 'continue: set target RAID config of node :node (1 logical disks) + provision node :node → clean',
    },
    {
      case: 'hardwareRAIDVolumes [] → delete only: no target RAID config, manual `clean`',
      host: preparing().withSpec({ raid: { hardwareRAIDVolumes: [] } }), node: { provisionState: 'manageable' },
      expected: 'continue: provision node :node → clean',
    },
    {
      case: 'volumes already applied (status.provisioning.raid) → `provide`',
      host: preparing().withSpec({ raid: { hardwareRAIDVolumes: [MIRROR] } }).withStatus({ provisioning: { state: 'preparing', ID: '', raid: { hardwareRAIDVolumes: [MIRROR] } } }),
      node: { provisionState: 'manageable' }, expected: 'continue: provision node :node → provide',
    },
    {
      case: 'hardwareRAIDVolumes null keeps the controller\'s volumes → `provide`',
      host: preparing().withSpec({ raid: { hardwareRAIDVolumes: null } }), node: { provisionState: 'manageable' }, expected: 'continue: provision node :node → provide',
    },
    {
      case: 'new volumes, node `available` (an offered host prepared again) → `manage` first',
      host: preparing().withSpec({ raid: { hardwareRAIDVolumes: [MIRROR] } }), node: { provisionState: 'available' }, expected: 'continue: provision node :node → manage',
    },
    {
      case: 'hardware volumes on a node without a RAID interface → preparation error, nothing sent',
      host: preparing().withSpec({ raid: { hardwareRAIDVolumes: [MIRROR] } }), node: { provisionState: 'manageable', raid_interface: 'no-raid' } as FakeNodeSeed,
      expected: 'fail: (none)',
    },
    {
      case: 'software volumes on a Redfish node → RAID interface switched to agent, target set, manual `clean`',
      host: preparing().withSpec({ raid: { softwareRAIDVolumes: [{ level: '1' }] } }), node: { provisionState: 'manageable' },
      expected: 'continue: patch Ironic node :node (RAID interface agent for software RAID) + set target RAID config of node :node (1 logical disks) + provision node :node → clean',
    },
    {
      case: 'a first software volume that is not RAID-1 → preparation error, nothing sent',
      host: preparing().withSpec({ raid: { softwareRAIDVolumes: [{ level: '0' }] } }), node: { provisionState: 'manageable' }, expected: 'fail: (none)',
    },
  ])('$case', async ({ host, node, expected }) => {
    // Act
    const { summary } = await prepare(host, node);
    // Assess
    expect(summary).toMatch(expected);
  });

  it('sends upstream\'s logical disks and steps (RAID before BIOS, with the deploy ramdisk) and records what it started', async () => {
    // Act
    const { outcome } = await prepare(preparing().withSpec({ raid: { hardwareRAIDVolumes: [MIRROR] } }), { provisionState: 'manageable' });
    // Assess
    expect(outcome.actions[0]).toEqual({ do: 'targetRaidConfig', node: expect.any(String), logicalDisks: [{ size_gb: 100, raid_level: '1', volume_name: 'root', number_of_physical_disks: 2, is_root_volume: true }] });
    expect(outcome.actions[1]).toEqual({
      do: 'provision', node: expect.any(String), target: 'clean',
      extras: { clean_steps: [{ interface: 'raid', step: 'delete_configuration' }, { interface: 'raid', step: 'create_configuration' }] },
    });
    expect(outcome.status).toEqual({ provisioning: { raid: { hardwareRAIDVolumes: [MIRROR] } } });
  });

  it('names the reason of a refusal', async () => {
    // Act
    const { outcome } = await prepare(preparing().withSpec({ raid: { softwareRAIDVolumes: [{ level: '0' }] } }), { provisionState: 'manageable' });
    // Assess
    expect(outcome.kind === 'fail' && outcome.message).toBe('spec.raid.softwareRAIDVolumes: the first software RAID volume must be level "1", not "0"');
  });

  it('builds software RAID as upstream: the agent RAID interface first, disks on the software controller, metadata erased between the steps', async () => {
    // Act
    const { outcome } = await prepare(preparing().withSpec({ raid: { softwareRAIDVolumes: [{ level: '1' }] } }), { provisionState: 'manageable' });
    // Assess
    expect(outcome.actions).toEqual([
      { do: 'patchNode', node: expect.any(String), ops: [{ op: 'replace', path: '/raid_interface', value: 'agent' }], why: 'RAID interface agent for software RAID' },
      { do: 'targetRaidConfig', node: expect.any(String), logicalDisks: [{ size_gb: 'MAX', raid_level: '1', controller: 'software', is_root_volume: true }] },
      {
        do: 'provision', node: expect.any(String), target: 'clean',
        extras: { clean_steps: [{ interface: 'raid', step: 'delete_configuration' }, { interface: 'deploy', step: 'erase_devices_metadata' }, { interface: 'raid', step: 'create_configuration' }] },
      },
    ]);
    expect(outcome.status).toEqual({ provisioning: { raid: { softwareRAIDVolumes: [{ level: '1' }] } } });
  });

  it('forgets the RAID recorded as applied when the cleaning that was to build it failed, so a retry builds it again', async () => {
    // Act
    const { outcome } = await prepare(
      preparing().withSpec({ raid: { hardwareRAIDVolumes: [MIRROR] } }).withStatus({ provisioning: { state: 'preparing', ID: '', raid: { hardwareRAIDVolumes: [MIRROR] } } }),
      { provisionState: 'clean failed', last_error: 'RAID6 is not supported' },
    );
    // Assess
    expect(outcome.kind).toBe('fail');
    expect(outcome.kind === 'fail' && outcome.message).toBe('cleaning failed: RAID6 is not supported');
    expect(outcome.status).toEqual({ provisioning: { raid: null } });
  });
});

describe('decideInspect › firmware updates while preparing', () => {
  const COMPONENTS = [{ component: 'bios', initial_version: '2.19.1', current_version: '2.19.1' }, { component: 'bmc', initial_version: '1.45', current_version: '1.45' }];
  const UPDATE = { component: 'bios', url: 'http://127.0.0.1:8080/bios-2.20.0.img' };

  async function prepare(nodeSeed: FakeNodeSeed, hfc?: { updates: { component: string; url: string }[]; status?: Record<string, unknown> }) {
    const ironic = new FakeIronic();
    ironic.withNode({ name: NAME, automated_clean: true, firmware_interface: 'redfish', ...nodeSeed } as FakeNodeSeed);
    const node = (await ironic.getNode(NAME))!;
    ironic.firmwareComponents.set(node.uuid, COMPONENTS);
    const hosts = new FakeHostStore();
    const host = preparing().build();
    if (hfc) hosts.firmwareComponents.set(`${host.metadata.namespace}/${host.metadata.name}`, { metadata: { name: host.metadata.name, generation: 1 }, spec: { updates: hfc.updates }, ...(hfc.status ? { status: hfc.status } : {}) });
    return { ...(await decideOnce(inspect, host, { ironic, hosts })), ironic };
  }

  it.each<{ case: string; node: FakeNodeSeed; hfc?: { updates: { component: string; url: string }[]; status?: Record<string, unknown> }; expected: string }>([
    { case: 'a firmware interface, nothing listed → status written, `provide`', node: { provisionState: 'manageable' }, expected: 'continue: write HostFirmwareComponents status + provision node :node → provide' },
    { case: 'no firmware interface (IPMI, fake, Ironic < 1.86) → no HostFirmwareComponents, `provide`', node: { provisionState: 'manageable', firmware_interface: 'no-firmware' } as FakeNodeSeed, expected: 'continue: provision node :node → provide' },
    { case: 'an update listed → recorded as started, manual `clean`', node: { provisionState: 'manageable' }, hfc: { updates: [UPDATE] }, expected: 'continue: write HostFirmwareComponents status + provision node :node → clean' },
    { case: 'the update already started (cleaning done) → `provide`', node: { provisionState: 'manageable' }, hfc: { updates: [UPDATE], status: { updates: [UPDATE] } }, expected: 'continue: write HostFirmwareComponents status + provision node :node → provide' },
    { case: 'an invalid component → status and an Event, `provide` (never sent)', node: { provisionState: 'manageable' }, hfc: { updates: [{ component: 'gpu', url: UPDATE.url }] }, expected: 'continue: write HostFirmwareComponents status + record Event InvalidFirmwareUpdates + provision node :node → provide' },
    { case: 'available, an update listed → `manage` for manual cleaning', node: { provisionState: 'available' }, hfc: { updates: [UPDATE] }, expected: 'continue: provision node :node → manage' },
  ])('$case', async ({ node, hfc, expected }) => {
    // Act
    const { summary } = await prepare(node, hfc);
    // Assess
    expect(summary).toBe(expected);
  });

  it('sends firmware.update after RAID and BIOS steps, with the deploy ramdisk Ironic requires for it', async () => {
    // Act
    const { outcome } = await prepare({ provisionState: 'manageable' }, { updates: [UPDATE] });
    // Assess
    expect(outcome.actions.at(-1)).toEqual({
      do: 'provision', node: expect.any(String), target: 'clean',
      extras: { clean_steps: [{ interface: 'firmware', step: 'update', args: { settings: [UPDATE] } }] },
    });
    expect(outcome.actions[0]).toMatchObject({ do: 'firmwareComponents', status: { updates: [UPDATE], components: [{ component: 'bios', initialVersion: '2.19.1' }, { component: 'bmc' }] } });
  });

  it('forgets the updates recorded as started when the cleaning failed, so a fixed spec is applied afresh', async () => {
    // Act
    const { outcome } = await prepare({ provisionState: 'clean failed', last_error: 'firmware update task failed' }, { updates: [UPDATE], status: { updates: [UPDATE] } });
    // Assess
    expect(outcome.kind === 'fail' && outcome.message).toBe('cleaning failed: firmware update task failed');
    expect(outcome.actions).toEqual([{ do: 'firmwareComponents', status: expect.not.objectContaining({ updates: expect.anything() }) }]);
  });
});
