/**
 * BIOS settings, firmware updates and RAID volumes on the Redfish emulator, driven by
 * python3-sushy with the calls Ironic's redfish bios, firmware and raid interfaces make:
 * the emulator's state must change as a real BMC's would, at the moment a real BMC's would
 * (pending values and flashed BIOS images take effect at the next reset), and it must refuse
 * what a real BMC refuses, with DMTF errors sushy understands.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startStaticFiles, type StaticFiles } from '../static-files.ts';
import { firmwareImage } from './firmware.ts';
import { startRedfishEmulator, type RedfishEmulator } from './index.ts';

const run = promisify(execFile);
const USER = 'operator';
const PASSWORD = 'C0nfig-emulat0r';
const DRIVER = fileURLToPath(new URL('./sushy-config.py', import.meta.url));
const PY_ENV = { PATH: '/usr/bin:/bin', REDFISH_USERNAME: USER, REDFISH_PASSWORD: PASSWORD };

describe('redfish emulator › BIOS, firmware and RAID through python3-sushy', () => {
  let bmc: RedfishEmulator;
  let files: StaticFiles;
  const sushy = async (system: number, step: string, ...args: string[]): Promise<Record<string, unknown>> => {
    const { stdout } = await run('/usr/bin/python3', [DRIVER, bmc.url, bmc.systems[system]!.path, bmc.caPath, step, ...args], { env: PY_ENV, timeout: 90_000 });
    return JSON.parse(stdout) as Record<string, unknown>;
  };
  const errorIds = (r: Record<string, unknown>): string[] => ((r.error as { message_ids?: string[] } | undefined)?.message_ids ?? []);

  beforeAll(async () => {
    [bmc, files] = await Promise.all([
      startRedfishEmulator({ username: USER, password: PASSWORD, systems: 3, taskDurationMs: 200, quirks: { biosRejectAtApply: ['PxeRetryCount'] } }),
      startStaticFiles({
        '/fw/bios-2.20.0.bin': Buffer.from(firmwareImage('bios', '2.20.0')),
        '/fw/bmc-1.50.0.bin': Buffer.from(firmwareImage('bmc', '1.50.0')),
        '/fw/corrupt.bin': 4096,
      }),
    ]);
  }, 30_000);
  afterAll(async () => { await Promise.all([bmc?.stop(), files?.stop()]); }, 30_000);

  describe('BIOS', () => {
    it('exposes the attributes and their registry as sushy reads them', async () => {
      // Act
      const r = await sushy(0, 'bios-read');
      // Assess
      expect(r.attributes).toMatchObject({ BootMode: 'Uefi', ProcVirtualization: 'Enabled', SriovGlobalEnable: 'Disabled', NumaNodesPerSocket: 1 });
      expect(r.pending).toEqual({});
      expect(r.supported_apply_times).toEqual(['OnReset']);
      const registry = r.registry as Record<string, { type: string; read_only: boolean; values: string[]; lower_bound?: number; upper_bound?: number }>;
      expect(registry.ProcHyperThreading).toMatchObject({ type: 'Enumeration', read_only: false, values: ['Enabled', 'Disabled'] });
      expect(registry.NumaNodesPerSocket).toMatchObject({ type: 'Integer', lower_bound: 1, upper_bound: 4 });
      expect(registry.SystemBiosVendor).toMatchObject({ read_only: true });
    }, 90_000);

    it('stages valid settings and applies them at the next reset, not before', async () => {
      // Act
      const staged = await sushy(0, 'bios-set', JSON.stringify({ SriovGlobalEnable: 'Enabled', ProcHyperThreading: 'Disabled', NumaNodesPerSocket: 2 }));
      const beforeReset = bmc.state(bmc.systems[0]!.id).bios;
      await sushy(0, 'reset', 'On');
      const after = bmc.state(bmc.systems[0]!.id).bios;
      const status = await sushy(0, 'bios-status');
      // Assess
      expect(staged.pending).toEqual({ SriovGlobalEnable: 'Enabled', ProcHyperThreading: 'Disabled', NumaNodesPerSocket: 2 });
      expect(beforeReset.current).toMatchObject({ SriovGlobalEnable: 'Disabled', ProcHyperThreading: 'Enabled', NumaNodesPerSocket: 1 });
      expect(after.current).toMatchObject({ SriovGlobalEnable: 'Enabled', ProcHyperThreading: 'Disabled', NumaNodesPerSocket: 2 });
      expect(after.pending).toEqual({});
      expect(status).toMatchObject({ status: 'success' });
    }, 90_000);

    it.each([
      ['an unknown attribute', { NoSuchSetting: 'Enabled' }, 'PropertyUnknown'],
      ['a value not in the list', { ProcTurboMode: 'Sometimes' }, 'PropertyValueNotInList'],
      ['an integer out of range', { NumaNodesPerSocket: 9 }, 'PropertyValueOutOfRange'],
      ['the wrong type', { SerialConsoleEnabled: 'yes' }, 'PropertyValueTypeError'],
      ['a read-only attribute', { SystemBiosVendor: 'Other' }, 'PropertyNotWritable'],
      ['a string too long', { AssetTag: 'x'.repeat(40) }, 'PropertyValueFormatError'],
    ])('refuses %s with 400 and stages nothing', async (_case, attributes, messageId) => {
      // Act
      const r = await sushy(1, 'bios-set', JSON.stringify({ ProcTurboMode: 'Disabled', ...attributes }));
      // Assess
      expect((r.error as { status: number }).status).toBe(400);
      expect(errorIds(r)).toEqual([`Base.1.16.${messageId}`]);
      expect(bmc.state(bmc.systems[1]!.id).bios.pending).toEqual({});
    }, 90_000);

    it('reports a setting the firmware refused at boot as a failed update, leaving it unapplied', async () => {
      // Act
      await sushy(2, 'bios-set', JSON.stringify({ PxeRetryCount: 5, ProcTurboMode: 'Disabled' }));
      await sushy(2, 'reset', 'On');
      const status = await sushy(2, 'bios-status');
      // Assess
      expect(bmc.state(bmc.systems[2]!.id).bios.current).toMatchObject({ PxeRetryCount: 3, ProcTurboMode: 'Disabled' });
      expect(status).toMatchObject({ status: 'failure', message_ids: ['Base.1.16.PropertyValueIncorrect'] });
    }, 90_000);

    it('resets every writable attribute to its default at the next reset', async () => {
      // Prepare: system 0 has non-default values from the test above
      // Act
      const staged = await sushy(0, 'bios-reset-defaults');
      await sushy(0, 'reset', 'ForceRestart');
      // Assess
      expect(staged.pending).toMatchObject({ SriovGlobalEnable: 'Disabled', ProcHyperThreading: 'Enabled', NumaNodesPerSocket: 1 });
      expect(staged.pending).not.toHaveProperty('SystemBiosVendor');
      expect(bmc.state(bmc.systems[0]!.id).bios.current).toMatchObject({ SriovGlobalEnable: 'Disabled', ProcHyperThreading: 'Enabled', NumaNodesPerSocket: 1 });
    }, 90_000);
  });

  describe('firmware update (UpdateService.SimpleUpdate)', () => {
    it('flashes a BIOS image in a task; the new version runs after the next reset', async () => {
      // Prepare
      const sys = bmc.systems[1]!;
      const target = `/redfish/v1/UpdateService/FirmwareInventory/BIOS-${sys.id}`;
      // Act
      const task = await sushy(1, 'update', files.urls['/fw/bios-2.20.0.bin']!, target);
      const staged = bmc.state(sys.id);
      const inventoryBefore = await sushy(1, 'inventory');
      await sushy(1, 'reset', 'ForceRestart');
      const inventoryAfter = await sushy(1, 'inventory');
      // Assess
      expect(task).toMatchObject({ task_state: 'Completed', task_status: 'OK' });
      expect(staged).toMatchObject({ biosVersion: '2.19.1', stagedBiosVersion: '2.20.0' });
      expect((inventoryBefore.versions as Record<string, string>)[`BIOS-${sys.id}`]).toBe('2.19.1');
      expect((inventoryAfter.versions as Record<string, string>)[`BIOS-${sys.id}`]).toBe('2.20.0');
      expect(bmc.state(sys.id).biosVersion).toBe('2.20.0');
      expect(files.hits.get('/fw/bios-2.20.0.bin')).toBe(1);
    }, 90_000);

    it('updates the BMC when the task completes', async () => {
      const sys = bmc.systems[2]!;
      const task = await sushy(2, 'update', files.urls['/fw/bmc-1.50.0.bin']!, `/redfish/v1/UpdateService/FirmwareInventory/BMC-${sys.id}`);
      expect(task).toMatchObject({ task_state: 'Completed' });
      expect(bmc.state(sys.id).bmcVersion).toBe('1.50.0');
    }, 90_000);

    it.each([
      ['a corrupt image', '/fw/corrupt.bin', 'bios', /not a firmware image/],
      ['an image for another component', '/fw/bmc-1.50.0.bin', 'bios', /is for the bmc, not the bios/],
      ['a missing file', '/fw/absent.bin', 'bios', /HTTP 404/],
    ])('fails the task for %s and changes nothing', async (_case, path, component, reason) => {
      // Prepare
      const sys = bmc.systems[0]!;
      const before = bmc.state(sys.id);
      // Act
      const task = await sushy(0, 'update', `${files.url}${path}`, `/redfish/v1/UpdateService/FirmwareInventory/${component === 'bios' ? 'BIOS' : 'BMC'}-${sys.id}`);
      // Assess
      expect(task).toMatchObject({ task_state: 'Exception', task_status: 'Critical' });
      expect((task.messages as string[]).join(' ')).toMatch(reason);
      expect(bmc.state(sys.id)).toMatchObject({ biosVersion: before.biosVersion, stagedBiosVersion: undefined, bmcVersion: before.bmcVersion });
    }, 90_000);
  });

  describe('RAID volumes', () => {
    it('offers the RAID types, drives and apply times Ironic reads', async () => {
      const r = await sushy(0, 'raid-info');
      expect(r).toMatchObject({ raid_types: ['RAID0', 'RAID1', 'RAID10', 'RAID5'], drives: ['Disk1', 'Disk2'], apply_times: ['Immediate', 'OnReset'], volumes: [] });
    }, 90_000);

    it('builds a RAID-1 volume over both drives at once, and deletes it', async () => {
      // Prepare
      const sys = bmc.systems[0]!;
      const drives = ['Disk1', 'Disk2'].map((d) => ({ '@odata.id': `${sys.path}/Storage/1/Drives/${d}` }));
      // Act
      const created = await sushy(0, 'raid-create', JSON.stringify({ RAIDType: 'RAID1', Name: 'root', Links: { Drives: drives } }), 'Immediate');
      const listed = await sushy(0, 'raid-info');
      // Assess: a mirror is as large as its smaller drive
      expect(created.created).toEqual({ id: '1', raid: 'RAID1', bytes: 480_103_981_056 });
      expect(listed.volumes).toEqual([{ id: '1', raid: 'RAID1', bytes: 480_103_981_056 }]);
      expect(bmc.state(sys.id).volumes).toEqual([{ id: '1', name: 'root', raidType: 'RAID1', capacityBytes: 480_103_981_056, driveIds: ['Disk1', 'Disk2'] }]);
      // Act: delete
      await sushy(0, 'raid-delete', '1', 'Immediate');
      expect(bmc.state(sys.id).volumes).toEqual([]);
    }, 90_000);

    it('builds an OnReset volume only at the next reset', async () => {
      const sys = bmc.systems[1]!;
      const drives = [{ '@odata.id': `${sys.path}/Storage/1/Drives/Disk2` }];
      const created = await sushy(1, 'raid-create', JSON.stringify({ RAIDType: 'RAID0', Links: { Drives: drives } }), 'OnReset');
      expect(created.task_monitor).toMatch(/\/TaskMonitors\//);
      expect(bmc.state(sys.id).volumes).toEqual([]);
      await sushy(1, 'reset', 'ForceRestart');
      expect(bmc.state(sys.id).volumes).toMatchObject([{ raidType: 'RAID0', driveIds: ['Disk2'] }]);
    }, 90_000);

    it.each([
      ['a RAID level the controller does not build', { RAIDType: 'RAID6', drives: ['Disk1', 'Disk2'] }, 'PropertyValueNotInList'],
      ['RAID-5 on two drives', { RAIDType: 'RAID5', drives: ['Disk1', 'Disk2'] }, 'PropertyValueConflict'],
      ['RAID-1 on one drive', { RAIDType: 'RAID1', drives: ['Disk1'] }, 'PropertyValueConflict'],
      ['a size above what the drives give', { RAIDType: 'RAID1', drives: ['Disk1', 'Disk2'], CapacityBytes: 2_000_000_000_000 }, 'PropertyValueOutOfRange'],
      ['a drive that does not exist', { RAIDType: 'RAID0', drives: ['Disk9'] }, 'PropertyValueNotInList'],
    ] as const)('refuses %s', async (_case, request, messageId) => {
      const sys = bmc.systems[2]!;
      const { RAIDType, drives } = request;
      const payload = { RAIDType, ...('CapacityBytes' in request ? { CapacityBytes: request.CapacityBytes } : {}), Links: { Drives: drives.map((d) => ({ '@odata.id': `${sys.path}/Storage/1/Drives/${d}` })) } };
      const r = await sushy(2, 'raid-create', JSON.stringify(payload), 'Immediate');
      expect(errorIds(r)).toEqual([`Base.1.16.${messageId}`]);
      expect(bmc.state(sys.id).volumes).toEqual([]);
    }, 90_000);

    it('refuses a drive that is already in a volume (409)', async () => {
      const sys = bmc.systems[2]!;
      const disk = (d: string) => ({ '@odata.id': `${sys.path}/Storage/1/Drives/${d}` });
      await sushy(2, 'raid-create', JSON.stringify({ RAIDType: 'RAID0', Links: { Drives: [disk('Disk1')] } }), 'Immediate');
      const r = await sushy(2, 'raid-create', JSON.stringify({ RAIDType: 'RAID1', Links: { Drives: [disk('Disk1'), disk('Disk2')] } }), 'Immediate');
      expect(r.error).toMatchObject({ status: 409, message_ids: ['Base.1.16.ResourceInUse'] });
      expect(bmc.state(sys.id).volumes).toHaveLength(1);
    }, 90_000);
  });
});
