/** nextStatus: the one place state, error and history bookkeeping is written. */
import { describe, expect, it } from '@jest/globals';
import { aHost, T0 } from '../../../test/builders/host.ts';
import { backoffUntil, dueFor, ERROR_CONDITION } from '../state-machine/guard.ts';
import { ErrorType, ProvisioningState as S } from '../state-machine/states.ts';
import { nextStatus, reasonOf } from './next-status.ts';

const T1 = new Date(T0.getTime() + 60_000);
const IMG = 'http://images/os.qcow2';

type Cond = { type: string; status: string; reason: string; message: string; observedGeneration?: number; lastTransitionTime: string };
const errorCondition = (s: Record<string, unknown>): Cond | undefined => (s.conditions as Cond[]).find((c) => c.type === ERROR_CONDITION);

describe('nextStatus', () => {
  describe('enter', () => {
    it('sets the new state, OK, clears the error and resets errorCount', () => {
      // Prepare
      const host = aHost('registering').withError({ errorType: ErrorType.Registration, count: 4, message: 'bad creds' }).build();
      // Act
      const s = nextStatus(host, { kind: 'enter', to: S.Inspecting }, undefined, T1);
      // Assess
      expect(s).toMatchObject({ provisioning: { state: 'inspecting' }, operationalStatus: 'OK', errorMessage: '', errorCount: 0, lastUpdated: T1.toISOString() });
      expect(s).not.toHaveProperty('errorType');
      expect(errorCondition(s)).toMatchObject({ status: 'False', reason: 'NoError', observedGeneration: 1, lastTransitionTime: T1.toISOString() });
    });

    it('marks an unmanaged host "discovered" as upstream', () => {
      const s = nextStatus(aHost('').withoutBmc().build(), { kind: 'enter', to: S.Unmanaged }, undefined, T1);
      expect(s).toMatchObject({ provisioning: { state: 'unmanaged' }, operationalStatus: 'discovered' });
    });

    it.each([
      { case: 'registering starts register', from: S.None, to: S.Registering, expected: { register: { start: T1.toISOString(), end: null } } },
      { case: 'inspecting ends register, starts inspect', from: S.Registering, to: S.Inspecting, expected: { register: { start: T0.toISOString(), end: T1.toISOString() }, inspect: { start: T1.toISOString(), end: null } } },
      { case: 'preparing ends inspect', from: S.Inspecting, to: S.Preparing, expected: { inspect: { start: T0.toISOString(), end: T1.toISOString() } } },
      { case: 'provisioning starts provision', from: S.Available, to: S.Provisioning, expected: { provision: { start: T1.toISOString(), end: null } } },
      { case: 'provisioned ends provision', from: S.Provisioning, to: S.Provisioned, expected: { provision: { start: T0.toISOString(), end: T1.toISOString() } } },
      { case: 'deprovisioning starts deprovision', from: S.Provisioned, to: S.Deprovisioning, expected: { deprovision: { start: T1.toISOString(), end: null } } },
      { case: 'available ends deprovision', from: S.Deprovisioning, to: S.Available, expected: { deprovision: { start: T0.toISOString(), end: T1.toISOString() } } },
    ])('records operationHistory: $case', ({ from, to, expected }) => {
      // Prepare: every operation in progress started at T0
      const started = { start: T0.toISOString(), end: null };
      const host = aHost(from).withStatus({ operationHistory: { register: started, inspect: started, provision: started, deprovision: started } }).build();
      if (from === S.None) delete (host.status as Record<string, unknown>).operationHistory;
      // Act
      const s = nextStatus(host, { kind: 'enter', to }, undefined, T1);
      // Assess
      expect(s.operationHistory).toMatchObject(expected);
    });

    it('leaves history alone when the state does not change (power maintenance)', () => {
      // Prepare
      const history = { provision: { start: T0.toISOString(), end: T0.toISOString() } };
      const host = aHost('provisioned').withStatus({ operationHistory: history }).build();
      // Act
      const s = nextStatus(host, { kind: 'enter', to: S.Provisioned }, { poweredOn: true }, T1);
      // Assess
      expect(s.operationHistory).toEqual(history);
      expect(s.poweredOn).toBe(true);
    });
  });

  describe('error', () => {
    it('sets error, errorType and message, increments errorCount, keeps the state', () => {
      // Prepare
      const host = aHost('registering').withGeneration(7).withError({ errorType: ErrorType.Registration, count: 2 }).build();
      // Act
      const s = nextStatus(host, { kind: 'error', errorType: ErrorType.Registration, message: 'BMC unreachable' }, undefined, T1);
      // Assess
      expect(s).toMatchObject({ provisioning: { state: 'registering' }, operationalStatus: 'error', errorType: 'registration error', errorMessage: 'BMC unreachable', errorCount: 3 });
      expect(errorCondition(s)).toMatchObject({ status: 'True', reason: 'RegistrationError', message: 'BMC unreachable', observedGeneration: 7 });
    });

    it('moves the host on a fail edge and still counts the error', () => {
      // Prepare
      const host = aHost('provisioning').build();
      // Act
      const s = nextStatus(host, { kind: 'error', errorType: ErrorType.Provisioning, message: 'deploy failed', to: S.Deprovisioning }, { provisioningFailCount: 1 }, T1);
      // Assess
      expect(s).toMatchObject({ provisioning: { state: 'deprovisioning' }, operationalStatus: 'error', errorType: 'provisioning error', errorCount: 1, provisioningFailCount: 1 });
      expect((s.operationHistory as Record<string, unknown>).deprovision).toEqual({ start: T1.toISOString(), end: null });
    });

    it('starts the backoff clock at the time of the error (a new error moves it)', () => {
      // Prepare: an error recorded at T0, then a second one at T1
      const host = aHost('registering').withError({ errorType: ErrorType.Registration }).build();
      // Act
      const s = nextStatus(host, { kind: 'error', errorType: ErrorType.Registration, message: 'again' }, undefined, T1);
      // Assess
      expect(errorCondition(s)?.lastTransitionTime).toBe(T1.toISOString());
      expect(backoffUntil({ ...host, status: s })).toBeGreaterThan(T1.getTime());
    });

    it('caps a huge message in the condition', () => {
      const s = nextStatus(aHost('registering').build(), { kind: 'error', errorType: ErrorType.Registration, message: 'x'.repeat(40_000) }, undefined, T1);
      expect(errorCondition(s)?.message).toHaveLength(32_768);
    });
  });

  describe('progress', () => {
    it('applies only the decision\'s own changes (plus lastUpdated)', () => {
      // Prepare
      const host = aHost('registering').withError({ errorType: ErrorType.Registration, count: 2 }).build();
      // Act
      const s = nextStatus(host, { kind: 'progress' }, { provisioning: { ID: 'node-1' } }, T1);
      // Assess
      expect(s).toMatchObject({ provisioning: { state: 'registering', ID: 'node-1' }, operationalStatus: 'error', errorCount: 2, lastUpdated: T1.toISOString() });
    });
  });

  describe('defaults and merge', () => {
    it('fills upstream\'s required status fields on a host that has none', () => {
      // Act
      const s = nextStatus(aHost('').build(), { kind: 'enter', to: S.Registering }, undefined, T1);
      // Assess
      expect(s).toMatchObject({ operationalStatus: 'OK', errorMessage: '', errorCount: 0, poweredOn: false, provisioningFailCount: 0, provisioning: { state: 'registering', ID: '' } });
    });

    it('merges decision changes as an RFC 7386 patch: null removes, objects merge', () => {
      // Prepare
      const host = aHost('deprovisioning').withDeployedImage(IMG).withStatus({ hardware: { ramMebibytes: 4096, cpu: { count: 2 } } }).build();
      // Act
      const s = nextStatus(host, { kind: 'enter', to: S.Available }, { provisioning: { image: null }, hardware: { cpu: { arch: 'x86_64' } } }, T1);
      // Assess
      expect(s.provisioning).toEqual({ state: 'available', ID: '' });
      expect(s.hardware).toEqual({ ramMebibytes: 4096, cpu: { count: 2, arch: 'x86_64' } });
    });

    it('does not modify the host it is given', () => {
      const host = aHost('registering').build();
      const before = structuredClone(host);
      nextStatus(host, { kind: 'error', errorType: ErrorType.Registration, message: 'm' }, { provisioning: { ID: 'x' } }, T1);
      expect(host).toEqual(before);
    });
  });

  it.each([
    { case: 'registration error', text: 'registration error', expected: 'RegistrationError' },
    { case: 'power management error', text: 'power management error', expected: 'PowerManagementError' },
    { case: 'powering off before delete', text: 'powering off before delete', expected: 'PoweringOffBeforeDelete' },
    { case: 'externally provisioned', text: 'externally provisioned', expected: 'ExternallyProvisioned' },
  ])('reasonOf makes a CamelCase reason: $case', ({ text, expected }) => {
    expect(reasonOf(text)).toBe(expected);
  });

  it('records the attempted image when provisioning starts, so the attempt is not mistaken for a cancelled one', () => {
    // Prepare: available, image set, online → provision intent
    const host = aHost('available').withImage(IMG).withOnline(true).build();
    // Act
    const s = nextStatus(host, { kind: 'enter', to: S.Provisioning }, undefined, T1);
    // Assess: the provision function (not deprovision) is due next
    expect((s.lastAttemptedImage as { url: string }).url).toBe(IMG);
    const due = dueFor({ ...host, status: s }, { now: T1.getTime() });
    expect(due).toMatchObject({ kind: 'work', by: 'provision' });
  });

  it('records the attempted image over a stale one from an earlier deploy', () => {
    // Prepare: A was deployed and cleaned up; the user asks for B
    const host = aHost('available').withLastAttemptedImage('http://images/a.qcow2').withImage('http://images/b.qcow2').withOnline(true).build();
    // Act
    const s = nextStatus(host, { kind: 'enter', to: S.Provisioning }, undefined, T1);
    // Assess
    expect(dueFor({ ...host, status: s }, { now: T1.getTime() })).toMatchObject({ kind: 'work', by: 'provision' });
  });
});
