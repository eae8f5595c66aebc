/** Pure firmware-update logic: Ironic's components → HostFirmwareComponents status, validation, the update step. */
import { describe, expect, it } from '@jest/globals';
import type { StoredFirmwareComponents } from '../api/firmware.ts';
import type { IronicFirmwareComponent } from '../ironic/types.ts';
import { firmwareAsks, firmwareFacts } from './change.ts';
import { componentsStatus, planFirmwareUpdates, updateProblems, updatesFailed, updatesRequested, updatesStartedActions } from './updates.ts';

const NOW = new Date('2026-12-06T10:00:00.123Z');
const IRONIC: IronicFirmwareComponent[] = [
  { component: 'bmc', initial_version: '1.45.455', current_version: '1.45.455', last_version_flashed: null, updated_at: null },
  { component: 'bios', initial_version: '2.19.1', current_version: '2.19.1', last_version_flashed: null, updated_at: null },
];
const BIOS_UPDATE = { component: 'bios', url: 'http://127.0.0.1:8080/firmware/bios-2.20.0.img' };
const hfc = (updates: { component: string; url: string }[], status?: StoredFirmwareComponents['status'], generation = 1): StoredFirmwareComponents =>
  ({ metadata: { name: 'h', namespace: 'ns', generation }, spec: { updates }, ...(status ? { status } : {}) });

describe('updateProblems', () => {
  it.each([
    { case: 'bios and bmc are fine', updates: [BIOS_UPDATE, { component: 'bmc', url: 'https://fw.example/bmc.bin' }], problems: [] },
    { case: 'a NIC component is fine', updates: [{ component: 'nic:NIC.Slot.1-1', url: 'https://fw.example/nic.bin' }], problems: [] },
    { case: 'an unknown component', updates: [{ component: 'gpu', url: 'https://fw.example/gpu.bin' }], problems: [/"gpu" is not one of/] },
    { case: 'a component twice', updates: [BIOS_UPDATE, BIOS_UPDATE], problems: [/listed twice/] },
    { case: 'not an http(s) URL', updates: [{ component: 'bios', url: 'ftp://fw.example/bios.bin' }], problems: [/not an http\(s\) URL/] },
    { case: 'not a URL at all', updates: [{ component: 'bmc', url: 'bmc.bin' }], problems: [/not an http\(s\) URL/] },
  ])('$case', ({ updates, problems }) => {
    // Act
    const found = updateProblems(updates);
    // Assess
    expect(found).toHaveLength(problems.length);
    problems.forEach((p, i) => expect(found[i]).toMatch(p));
  });
});

describe('updatesRequested', () => {
  it.each([
    { case: 'no object', hfc: null, expected: false },
    { case: 'no updates listed', hfc: hfc([]), expected: false },
    { case: 'updates never started', hfc: hfc([BIOS_UPDATE]), expected: true },
    { case: 'the same updates already started', hfc: hfc([BIOS_UPDATE], { updates: [BIOS_UPDATE] }), expected: false },
    { case: 'another URL than the one started', hfc: hfc([{ ...BIOS_UPDATE, url: 'http://127.0.0.1:8080/b2.img' }], { updates: [BIOS_UPDATE] }), expected: true },
    { case: 'this generation already judged invalid', hfc: hfc([{ component: 'gpu', url: 'http://x/y' }], { conditions: [{ type: 'Valid', status: 'False', reason: 'InvalidComponent', message: 'm', lastTransitionTime: 'T', observedGeneration: 1 }] }), expected: false },
    { case: 'an invalid spec edited since', hfc: hfc([{ component: 'bios', url: 'http://x/y' }], { conditions: [{ type: 'Valid', status: 'False', reason: 'InvalidComponent', message: 'm', lastTransitionTime: 'T', observedGeneration: 1 }] }, 2), expected: true },
  ])('$case → $expected', ({ hfc: object, expected }) => {
    // Act / Assess
    expect(updatesRequested(object)).toBe(expected);
  });
});

describe('componentsStatus', () => {
  it('maps Ironic rows to upstream fields, sorted, keeping the initial version first seen', () => {
    // Prepare
    const flashed: IronicFirmwareComponent[] = [{ component: 'bios', initial_version: '2.20.0', current_version: '2.20.0', last_version_flashed: '2.20.0', updated_at: '2026-12-06T09:00:00.456+00:00' }];
    // Act
    const status = componentsStatus(flashed, [{ component: 'bios', initialVersion: '2.19.1', currentVersion: '2.19.1' }]);
    // Assess
    expect(status).toEqual([{ component: 'bios', initialVersion: '2.19.1', currentVersion: '2.20.0', lastVersionFlashed: '2.20.0', updatedAt: '2026-12-06T09:00:00Z' }]);
    expect(componentsStatus(IRONIC, undefined).map((c) => c.component)).toEqual(['bios', 'bmc']);
  });
});

describe('planFirmwareUpdates', () => {
  it('returns nothing for a host without a firmware interface and no HostFirmwareComponents', () => {
    // Act / Assess
    expect(planFirmwareUpdates(undefined, NOW)).toBeUndefined();
    expect(planFirmwareUpdates({ ironic: [], hfc: null }, NOW)).toBeUndefined();
  });

  it('creates the status from Ironic with no step when nothing is asked', () => {
    // Act
    const plan = planFirmwareUpdates({ ironic: IRONIC, hfc: null }, NOW)!;
    // Assess
    expect(plan.step).toBeUndefined();
    expect(plan.actions).toEqual([{ do: 'firmwareComponents', status: plan.status }]);
    expect(plan.status.components).toHaveLength(2);
    expect(plan.status.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([['ChangeDetected', 'False', 'OK'], ['Valid', 'True', 'OK']]);
    expect(plan.status.updates).toBeUndefined();
  });

  it('does not write a status that only lastUpdated would change', () => {
    // Prepare
    const first = planFirmwareUpdates({ ironic: IRONIC, hfc: hfc([]) }, NOW)!;
    // Act
    const again = planFirmwareUpdates({ ironic: IRONIC, hfc: { ...hfc([]), status: first.status } }, new Date(NOW.getTime() + 60_000))!;
    // Assess
    expect(again.actions).toEqual([]);
  });

  it('plans the firmware.update step for updates not yet started, and records them when sent', () => {
    // Act
    const plan = planFirmwareUpdates({ ironic: IRONIC, hfc: hfc([BIOS_UPDATE]) }, NOW)!;
    const sent = updatesStartedActions(plan);
    // Assess
    expect(plan.step).toEqual({ interface: 'firmware', step: 'update', args: { settings: [BIOS_UPDATE] } });
    expect(plan.status.conditions?.find((c) => c.type === 'ChangeDetected')).toMatchObject({ status: 'True', observedGeneration: 1 });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ do: 'firmwareComponents', status: { updates: [BIOS_UPDATE] } });
  });

  it('plans nothing once the same updates were started', () => {
    // Act
    const plan = planFirmwareUpdates({ ironic: IRONIC, hfc: hfc([BIOS_UPDATE], { updates: [BIOS_UPDATE] }) }, NOW)!;
    // Assess
    expect(plan.step).toBeUndefined();
    expect(plan.status.updates).toEqual([BIOS_UPDATE]);
  });

  it('reports an invalid spec as Valid=False with an Event once, and never plans a step', () => {
    // Act
    const plan = planFirmwareUpdates({ ironic: IRONIC, hfc: hfc([{ component: 'gpu', url: 'http://x/y' }]) }, NOW)!;
    const again = planFirmwareUpdates({ ironic: IRONIC, hfc: { ...hfc([{ component: 'gpu', url: 'http://x/y' }]), status: plan.status } }, NOW)!;
    // Assess
    expect(plan.step).toBeUndefined();
    expect(plan.status.conditions?.find((c) => c.type === 'Valid')).toMatchObject({ status: 'False', reason: 'InvalidComponent' });
    expect(plan.actions.filter((a) => a.do === 'recordEvent')).toEqual([expect.objectContaining({ type: 'Warning', reason: 'InvalidFirmwareUpdates' })]);
    expect(again.actions.filter((a) => a.do === 'recordEvent')).toEqual([]);
  });
});

describe('updatesFailed', () => {
  it('forgets the updates recorded when the failed operation started, keeping the rest', () => {
    // Act
    const actions = updatesFailed(hfc([BIOS_UPDATE], { updates: [BIOS_UPDATE], components: [{ component: 'bios', initialVersion: '2.19.1' }] }), NOW);
    // Assess
    expect(actions).toEqual([{ do: 'firmwareComponents', status: { components: [{ component: 'bios', initialVersion: '2.19.1' }], lastUpdated: '2026-12-06T10:00:00Z' } }]);
    expect(updatesFailed(hfc([BIOS_UPDATE]), NOW)).toEqual([]);
  });
});

describe('firmwareFacts', () => {
  it.each([
    { case: 'nothing asked', asks: { settings: false, updates: false, settingsAllowed: true, updatesAllowed: true }, expected: { firmwareChangeRequested: false, servicingAllowed: false } },
    { case: 'settings asked and allowed', asks: { settings: true, updates: false, settingsAllowed: true, updatesAllowed: false }, expected: { firmwareChangeRequested: true, servicingAllowed: true } },
    { case: 'updates asked, only settings allowed', asks: { settings: false, updates: true, settingsAllowed: true, updatesAllowed: false }, expected: { firmwareChangeRequested: true, servicingAllowed: false } },
    { case: 'updates asked and allowed', asks: { settings: false, updates: true, settingsAllowed: false, updatesAllowed: true }, expected: { firmwareChangeRequested: true, servicingAllowed: true } },
  ])('$case', ({ asks, expected }) => {
    // Act / Assess
    expect(firmwareFacts(asks)).toEqual(expected);
  });

  it('reads the policy per kind', () => {
    // Act
    const asks = firmwareAsks(null, hfc([BIOS_UPDATE]), { metadata: { name: 'h' }, spec: { firmwareUpdates: 'onReboot' } });
    // Assess
    expect(asks).toEqual({ settings: false, updates: true, settingsAllowed: false, updatesAllowed: true });
  });
});
