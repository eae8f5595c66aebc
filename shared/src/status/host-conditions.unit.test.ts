/** deriveHostConditions: upstream's conditions from state + operational status; applyHostConditions: Kubernetes set semantics. */
import { describe, expect, it } from '@jest/globals';
import { aHost, T0 } from '../../../test/builders/host.ts';
import { ErrorType, ProvisioningState as S } from '../state-machine/states.ts';
import { applyHostConditions, deriveHostConditions } from './host-conditions.ts';
import { nextStatus } from './next-status.ts';

/** `Type=Status/Reason`, in order, for one-line rows */
const summary = (cs: ReadonlyArray<{ type: string; status: string; reason: string }>): string[] => cs.map((c) => `${c.type}=${c.status}/${c.reason}`);
const upstreamTypes = new Set(['Manageable', 'AvailableForProvisioning', 'Provisioned', 'Ready', 'Progressing', 'Healthy']);

describe('deriveHostConditions', () => {
  it.each([
    { case: 'new host', state: S.None, op: '', expected: ['Manageable=False/NotManaged', 'AvailableForProvisioning=False/NotAvailable', 'Provisioned=False/NotProvisioned', 'Ready=False/NotProvisioned', 'Progressing=False/NotProgressing'] },
    { case: 'unmanaged (discovered)', state: S.Unmanaged, op: 'discovered', expected: ['Manageable=False/NotManaged', 'AvailableForProvisioning=False/NotAvailable', 'Provisioned=False/NotProvisioned', 'Ready=False/NotProvisioned', 'Progressing=False/NotProgressing'] },
    { case: 'registering', state: S.Registering, op: 'OK', expected: ['Manageable=False/Registering', 'AvailableForProvisioning=False/NotAvailable', 'Provisioned=False/NotProvisioned', 'Ready=False/NotProvisioned', 'Progressing=True/Registering'] },
    { case: 'registration failed', state: S.Registering, op: 'error', expected: ['Manageable=False/RegistrationFailed', 'AvailableForProvisioning=False/NotAvailable', 'Provisioned=False/NotProvisioned', 'Ready=False/Error', 'Progressing=True/Registering'] },
    { case: 'inspecting', state: S.Inspecting, op: 'OK', expected: ['Manageable=True/Manageable', 'AvailableForProvisioning=False/NotAvailable', 'Provisioned=False/NotProvisioned', 'Ready=False/NotProvisioned', 'Progressing=True/Inspecting'] },
    { case: 'inspecting, delayed by the provisioning limit', state: S.Inspecting, op: 'delayed', expected: ['Manageable=True/Manageable', 'AvailableForProvisioning=False/NotAvailable', 'Provisioned=False/NotProvisioned', 'Ready=False/NotProvisioned', 'Progressing=True/Inspecting'] },
    { case: 'preparing', state: S.Preparing, op: 'OK', expected: ['Manageable=True/Manageable', 'AvailableForProvisioning=False/NotAvailable', 'Provisioned=False/NotProvisioned', 'Ready=False/NotProvisioned', 'Progressing=True/Preparing'] },
    { case: 'available', state: S.Available, op: 'OK', expected: ['Manageable=True/Manageable', 'AvailableForProvisioning=True/Available', 'Provisioned=False/NotProvisioned', 'Ready=False/NotProvisioned', 'Progressing=False/NotProgressing'] },
    { case: 'available, power error', state: S.Available, op: 'error', expected: ['Manageable=True/Manageable', 'AvailableForProvisioning=True/Available', 'Provisioned=False/NotProvisioned', 'Ready=False/Error', 'Progressing=False/NotProgressing'] },
    { case: 'available, detached', state: S.Available, op: 'detached', expected: ['Manageable=True/Manageable', 'AvailableForProvisioning=True/Available', 'Provisioned=False/NotProvisioned', 'Ready=False/Detached', 'Progressing=False/Detached'] },
    { case: 'provisioning', state: S.Provisioning, op: 'OK', expected: ['Manageable=True/Manageable', 'AvailableForProvisioning=False/NotAvailable', 'Provisioned=False/NotProvisioned', 'Ready=False/NotProvisioned', 'Progressing=True/Provisioning'] },
    { case: 'provisioned', state: S.Provisioned, op: 'OK', expected: ['Manageable=True/Manageable', 'AvailableForProvisioning=False/NotAvailable', 'Provisioned=True/Provisioned', 'Ready=True/Provisioned', 'Progressing=False/NotProgressing'] },
    { case: 'provisioned, servicing', state: S.Provisioned, op: 'servicing', expected: ['Manageable=True/Manageable', 'AvailableForProvisioning=False/NotAvailable', 'Provisioned=True/Provisioned', 'Ready=False/Servicing', 'Progressing=False/NotProgressing'] },
    { case: 'provisioned, detached', state: S.Provisioned, op: 'detached', expected: ['Manageable=True/Manageable', 'AvailableForProvisioning=False/NotAvailable', 'Provisioned=True/Provisioned', 'Ready=False/Detached', 'Progressing=False/Detached'] },
    { case: 'externally provisioned', state: S.ExternallyProvisioned, op: 'OK', expected: ['Manageable=True/Manageable', 'AvailableForProvisioning=False/NotAvailable', 'Provisioned=True/Provisioned', 'Ready=True/Provisioned', 'Progressing=False/NotProgressing'] },
    { case: 'deprovisioning', state: S.Deprovisioning, op: 'OK', expected: ['Manageable=True/Manageable', 'AvailableForProvisioning=False/NotAvailable', 'Provisioned=False/NotProvisioned', 'Ready=False/NotProvisioned', 'Progressing=True/Deprovisioning'] },
    { case: 'powering off before delete', state: S.PoweringOffBeforeDelete, op: 'OK', expected: ['Manageable=True/Manageable', 'AvailableForProvisioning=False/NotAvailable', 'Provisioned=False/NotProvisioned', 'Ready=False/NotProvisioned', 'Progressing=True/PoweringOffBeforeDelete'] },
    { case: 'deleting', state: S.Deleting, op: 'OK', expected: ['Manageable=True/Manageable', 'AvailableForProvisioning=False/NotAvailable', 'Provisioned=False/NotProvisioned', 'Ready=False/NotProvisioned', 'Progressing=True/Deleting'] },
  ])('$case → upstream conditions', ({ state, op, expected }) => {
    // Act
    const cs = deriveHostConditions({ state, operationalStatus: op });
    // Assess: the five state conditions, then Healthy (Unknown: no health reported)
    expect(summary(cs)).toEqual([...expected, 'Healthy=Unknown/Unknown']);
  });

  it.each([
    { case: 'a provisioned host with a power fault', state: S.Provisioned, expected: 'Manageable=False/PowerFailure' },
    { case: 'a registering host (no power check there)', state: S.Registering, expected: 'Manageable=False/Registering' },
    { case: 'a deleting host (no power check there)', state: S.Deleting, expected: 'Manageable=True/Manageable' },
  ])('power failure: $case', ({ state, expected }) => {
    expect(summary(deriveHostConditions({ state, operationalStatus: 'OK', powerFailure: true }))[0]).toBe(expected);
  });

  it.each([
    { health: 'OK', expected: 'Healthy=True/Healthy' },
    { health: 'Warning', expected: 'Healthy=False/Warning' },
    { health: 'Critical', expected: 'Healthy=False/CriticalError' },
    { health: 'something else', expected: 'Healthy=Unknown/Unknown' },
  ])('Ironic health $health → $expected', ({ health, expected }) => {
    expect(summary(deriveHostConditions({ state: S.Available, operationalStatus: 'OK', health })).at(-1)).toBe(expected);
  });
});

describe('applyHostConditions', () => {
  const at0 = T0.toISOString();
  const at1 = new Date(T0.getTime() + 60_000).toISOString();

  it('keeps lastTransitionTime when a status did not change, moves it when it did, and keeps other types', () => {
    // Prepare
    const before = applyHostConditions([{ type: 'Error', status: 'False', reason: 'NoError', message: '', lastTransitionTime: at0 }],
      deriveHostConditions({ state: S.Inspecting, operationalStatus: 'OK' }), at0, 1);
    // Act
    const after = applyHostConditions(before, deriveHostConditions({ state: S.Preparing, operationalStatus: 'OK' }), at1, 2);
    // Assess
    const progressing = after.find((c) => c.type === 'Progressing');
    expect(progressing).toMatchObject({ status: 'True', reason: 'Preparing', lastTransitionTime: at0, observedGeneration: 2 });
    expect(after.find((c) => c.type === 'Error')).toMatchObject({ reason: 'NoError', lastTransitionTime: at0 });
    const available = applyHostConditions(after, deriveHostConditions({ state: S.Available, operationalStatus: 'OK' }), at1, 2);
    expect(available.find((c) => c.type === 'AvailableForProvisioning')).toMatchObject({ status: 'True', lastTransitionTime: at1 });
  });

  it('keeps a Healthy condition already reported when nothing new is known', () => {
    const before = applyHostConditions([], deriveHostConditions({ state: S.Available, operationalStatus: 'OK', health: 'OK' }), at0);
    const after = applyHostConditions(before, deriveHostConditions({ state: S.Available, operationalStatus: 'OK' }), at1);
    expect(after.find((c) => c.type === 'Healthy')).toMatchObject({ status: 'True', reason: 'Healthy', lastTransitionTime: at0 });
  });
});

describe('nextStatus writes upstream conditions on every write', () => {
  const T1 = new Date(T0.getTime() + 60_000);
  const upstream = (s: Record<string, unknown>) => summary((s.conditions as Array<{ type: string; status: string; reason: string }>).filter((c) => upstreamTypes.has(c.type)));

  it.each([
    { case: 'entering provisioned', host: aHost('provisioning').build(), ev: { kind: 'enter', to: S.Provisioned } as const, expect: ['Ready=True/Provisioned', 'Provisioned=True/Provisioned'] },
    { case: 'an inspection error', host: aHost('inspecting').build(), ev: { kind: 'error', errorType: ErrorType.Inspection, message: 'boom' } as const, expect: ['Ready=False/Error', 'Progressing=True/Inspecting'] },
    { case: 'a registration error', host: aHost('registering').build(), ev: { kind: 'error', errorType: ErrorType.Registration, message: 'bad credentials' } as const, expect: ['Manageable=False/RegistrationFailed'] },
    { case: 'a delay at the provisioning limit', host: aHost('available').build(), ev: { kind: 'delayed' } as const, expect: ['AvailableForProvisioning=True/Available', 'Progressing=False/NotProgressing'] },
    { case: 'a progress write', host: aHost('deprovisioning').build(), ev: { kind: 'progress' } as const, expect: ['Progressing=True/Deprovisioning'] },
  ])('$case', ({ host, ev, expect: wanted }) => {
    // Act
    const s = nextStatus(host, ev, undefined, T1);
    // Assess
    expect(upstream(s)).toEqual(expect.arrayContaining(wanted));
    expect(upstream(s)).toHaveLength(6);
  });

  it('a delay leaves the state and writes operationalStatus delayed, no error', () => {
    const s = nextStatus(aHost('available').build(), { kind: 'delayed' }, undefined, T1);
    expect(s).toMatchObject({ provisioning: { state: 'available' }, operationalStatus: 'delayed', errorCount: 0 });
    expect(s).not.toHaveProperty('errorType');
  });
});
