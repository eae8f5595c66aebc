/** dueFor / exitEdge / backoffUntil: what is due for a host, read from the table alone. */
import { describe, expect, it } from '@jest/globals';
import { aHost, T0 } from '../../../test/builders/host.ts';
import type { HostBuilder } from '../../../test/builders/host.ts';
import { backoffDelayMs } from './backoff.ts';
import type { GuardFacts } from './conditions.ts';
import { backoffUntil, dueFor, exitEdge, isDueFor } from './guard.ts';
import type { Due } from './guard.ts';
import { Annotation, ErrorType, ProvisioningState as S } from './states.ts';
import type { ProvisioningState, TransitionName } from './states.ts';

const IMG = 'http://images/os.qcow2';
const MIN = 60_000;

/** One readable line per Due, so table rows read like BMO's. */
function summary(d: Due): string {
  switch (d.kind) {
    case 'intent': return `intent ${d.by}: → ${d.edge.to}`;
    case 'work': return `work ${d.by}`;
    case 'maintain': return `maintain ${d.by}`;
    case 'none': return `none (${d.reason})`;
  }
}

interface Row {
  case: string;
  host: HostBuilder;
  expected: string;
  /** ms after T0 (default 1 s) */
  after?: number;
  facts?: GuardFacts;
}

const provisioned = () => aHost('provisioned').withImage(IMG).withDeployedImage(IMG).withOnline(true).withPoweredOn(true).withNode('n-1');

const rows: Row[] = [
  // ---- new and unmanaged hosts
  { case: 'new host with BMC details → enroll registers it', host: aHost(''), expected: 'intent enroll: → registering' },
  { case: 'new host without BMC details → unmanaged', host: aHost('').withoutBmc(), expected: 'intent enroll: → unmanaged' },
  { case: 'new host with only credentialsName (upstream: either field counts) → registering', host: aHost('').withBmc('', 'creds'), expected: 'intent enroll: → registering' },
  { case: 'unmanaged host still without BMC → nothing', host: aHost('unmanaged').withoutBmc(), expected: 'none (stable)' },
  { case: 'unmanaged host given BMC details → registering', host: aHost('unmanaged'), expected: 'intent enroll: → registering' },
  // ---- owners' work in transient states
  { case: 'registering → enroll works', host: aHost('registering'), expected: 'work enroll' },
  { case: 'inspecting → inspect works', host: aHost('inspecting'), expected: 'work inspect' },
  { case: 'preparing → inspect works (provide, cleaning)', host: aHost('preparing'), expected: 'work inspect' },
  { case: 'provisioning with its image → provision works', host: aHost('provisioning').withImage(IMG).withLastAttemptedImage(IMG).withOnline(true), expected: 'work provision' },
  { case: 'deprovisioning → deprovision works', host: aHost('deprovisioning'), expected: 'work deprovision' },
  // ---- available: spec intents
  { case: 'available + image + online → provision', host: aHost('available').withImage(IMG).withOnline(true), expected: 'intent provision: → provisioning' },
  { case: 'available + image + online=false, powered off → nothing', host: aHost('available').withImage(IMG).withOnline(false), expected: 'none (stable)' },
  { case: 'available + image + online=false, powered on → power off', host: aHost('available').withImage(IMG).withOnline(false).withPoweredOn(true), expected: 'maintain power' },
  { case: 'available, no image, online, powered off → power on', host: aHost('available').withOnline(true), expected: 'maintain power' },
  { case: 'available, no image, online, powered on → nothing', host: aHost('available').withOnline(true).withPoweredOn(true), expected: 'none (stable)' },
  { case: 'available + image + 5 failed provisions → no more provisioning (power only)', host: aHost('available').withImage(IMG).withOnline(true).withPoweredOn(true).withProvisioningFailCount(5), expected: 'none (stable)' },
  { case: 'available + image + 4 failed provisions → provision again', host: aHost('available').withImage(IMG).withOnline(true).withProvisioningFailCount(4), expected: 'intent provision: → provisioning' },
  { case: 'available + externallyProvisioned → externally provisioned', host: aHost('available').externallyProvisioned(), expected: 'intent provision: → externally provisioned' },
  { case: 'available + externallyProvisioned + image → externally provisioned wins', host: aHost('available').externallyProvisioned().withImage(IMG).withOnline(true), expected: 'intent provision: → externally provisioned' },
  { case: 'available + inspect.metal3.io "" → re-inspect', host: aHost('available').withAnnotation(Annotation.Inspect, ''), expected: 'intent inspect: → inspecting' },
  { case: 'available + inspect.metal3.io "disabled" → nothing', host: aHost('available').withAnnotation(Annotation.Inspect, 'disabled'), expected: 'none (stable)' },
  { case: 'inspecting + inspect annotation → inspect keeps working (annotation ignored)', host: aHost('inspecting').withAnnotation(Annotation.Inspect, ''), expected: 'work inspect' },
  // ---- provisioned
  { case: 'provisioned, same image, power matches → nothing', host: provisioned(), expected: 'none (stable)' },
  { case: 'provisioned + image cleared → deprovision', host: provisioned().withoutImage(), expected: 'intent deprovision: → deprovisioning' },
  { case: 'provisioned + image changed → deprovision', host: provisioned().withImage('http://images/other.qcow2'), expected: 'intent deprovision: → deprovisioning' },
  { case: 'provisioned + online=false while on → power off', host: provisioned().withOnline(false), expected: 'maintain power' },
  { case: 'provisioned, Ironic reports power off behind our back → power', host: provisioned(), facts: { nodePowerState: 'power off' }, expected: 'maintain power' },
  { case: 'provisioned, Ironic reports power on as status shows → nothing', host: provisioned(), facts: { nodePowerState: 'power on' }, expected: 'none (stable)' },
  { case: 'provisioned, Ironic power unknown (null) → nothing', host: provisioned(), facts: { nodePowerState: null }, expected: 'none (stable)' },
  // spec.customDeploy: a custom deploy step is something to deploy, with or without an image
  { case: 'available + customDeploy, no image, online → provision', host: aHost('available').withSpec({ customDeploy: { method: 'install_marker' } }).withOnline(true), expected: 'intent provision: → provisioning' },
  { case: 'available + customDeploy with an empty method → nothing to deploy', host: aHost('available').withSpec({ customDeploy: { method: '' } }).withOnline(true).withPoweredOn(true), expected: 'none (stable)' },
  { case: 'provisioning with its custom step → provision works', host: aHost('provisioning').withSpec({ customDeploy: { method: 'install_marker' } }).withStatus({ lastAttemptedCustomDeploy: { method: 'install_marker' } }).withOnline(true), expected: 'work provision' },
  { case: 'provisioned by a custom step, unchanged → nothing', host: aHost('provisioned').withSpec({ customDeploy: { method: 'install_marker' } }).withStatus({ provisioning: { state: 'provisioned', ID: 'n', customDeploy: { method: 'install_marker' } } }).withOnline(true).withPoweredOn(true), expected: 'none (stable)' },
  { case: 'provisioned by a custom step, method changed → deprovision', host: aHost('provisioned').withSpec({ customDeploy: { method: 'other_step' } }).withStatus({ provisioning: { state: 'provisioned', ID: 'n', customDeploy: { method: 'install_marker' } } }).withOnline(true).withPoweredOn(true), expected: 'intent deprovision: → deprovisioning' },
  { case: 'provisioned by a custom step, customDeploy removed → deprovision', host: aHost('provisioned').withStatus({ provisioning: { state: 'provisioned', ID: 'n', customDeploy: { method: 'install_marker' } } }).withOnline(true).withPoweredOn(true), expected: 'intent deprovision: → deprovisioning' },
  { case: 'provisioning + image removed mid-deploy → deprovision (cancelled)', host: aHost('provisioning').withLastAttemptedImage(IMG).withOnline(true), expected: 'intent deprovision: → deprovisioning' },
  { case: 'externally provisioned + flag cleared → provisioned', host: aHost('externally provisioned').externallyProvisioned(false), expected: 'intent provision: → provisioned' },
  { case: 'externally provisioned, power mismatch → power', host: aHost('externally provisioned').externallyProvisioned().withOnline(true), expected: 'maintain power' },
  // spec.raid: built while preparing; a change sends an offered host back there before any deploy
  { case: 'available + new spec.raid volumes → prepare again', host: aHost('available').withSpec({ raid: { hardwareRAIDVolumes: [{ level: '1' }] } }), expected: 'intent inspect: → preparing' },
  { case: 'available + new spec.raid volumes and an image → prepare before provisioning', host: aHost('available').withSpec({ raid: { hardwareRAIDVolumes: [{ level: '1' }] } }).withImage(IMG).withOnline(true), expected: 'intent inspect: → preparing' },
  { case: 'available, spec.raid as applied → nothing', host: aHost('available').withSpec({ raid: { hardwareRAIDVolumes: [{ level: '1' }] } }).withStatus({ provisioning: { state: 'available', ID: 'n', raid: { hardwareRAIDVolumes: [{ level: '1' }] } } }), expected: 'none (stable)' },
  { case: 'available, hardwareRAIDVolumes null (keep) → nothing', host: aHost('available').withSpec({ raid: { hardwareRAIDVolumes: null } }), expected: 'none (stable)' },
  // ---- pause and unknown states
  { case: 'paused annotation → nothing, even with work due', host: aHost('registering').paused(), expected: 'none (paused)' },
  { case: 'paused annotation → nothing, even when deleted', host: aHost('provisioned').paused().deleted(), expected: 'none (paused)' },
  { case: 'unknown state (deprecated "ready") → nothing', host: aHost('ready' as ProvisioningState), expected: 'none (unknown-state)' },
  // ---- errors and backoff
  { case: 'registration error 30 s ago (count 1) → backoff', host: aHost('registering').withError({ errorType: ErrorType.Registration }), after: 30_000, expected: 'none (backoff)' },
  { case: 'registration error 3 min ago (count 1) → work again', host: aHost('registering').withError({ errorType: ErrorType.Registration }), after: 3 * MIN, expected: 'work enroll' },
  { case: 'error count 3, 3 min ago → still backing off (4–8 min)', host: aHost('inspecting').withError({ errorType: ErrorType.Inspection, count: 3 }), after: 3 * MIN, expected: 'none (backoff)' },
  { case: 'error recorded at generation 1, spec now generation 2 → work at once', host: aHost('registering').withError({ errorType: ErrorType.Registration, observedGeneration: 1 }).withGeneration(2), after: 1_000, expected: 'work enroll' },
  { case: 'backoff does not hold an intent: available + error + image → provision', host: aHost('available').withError({ errorType: ErrorType.PowerManagement }).withImage(IMG).withOnline(true), expected: 'intent provision: → provisioning' },
  { case: 'backoff holds power maintenance in a stable state', host: aHost('available').withError({ errorType: ErrorType.PowerManagement }).withOnline(true), expected: 'none (backoff)' },
  { case: 'error count 0 with operationalStatus error → no backoff', host: aHost('registering').withError({ errorType: ErrorType.Registration, count: 0 }), expected: 'work enroll' },
  // ---- detached (baremetalhost.metal3.io/detached)
  { case: 'provisioned + detached annotation → enroll detaches it', host: provisioned().withAnnotation(Annotation.Detached, ''), expected: 'maintain enroll' },
  { case: 'available + detached JSON annotation → enroll detaches it', host: aHost('available').withAnnotation(Annotation.Detached, '{"deleteAction":"delay"}'), expected: 'maintain enroll' },
  { case: 'provisioned + detached annotation + deleted before the detach → detach first, never deprovision', host: provisioned().withAnnotation(Annotation.Detached, '').deleted(), expected: 'maintain enroll' },
  { case: 'provisioning + detached annotation → the deploy goes on first (upstream)', host: aHost('provisioning').withImage(IMG).withLastAttemptedImage(IMG).withOnline(true).withAnnotation(Annotation.Detached, ''), expected: 'work provision' },
  { case: 'detached: power mismatch → nothing (never powered)', host: provisioned().withAnnotation(Annotation.Detached, '').withStatus({ operationalStatus: 'detached' }).withOnline(false), expected: 'none (detached)' },
  { case: 'detached: image changed → nothing (never deprovisioned)', host: provisioned().withAnnotation(Annotation.Detached, '').withStatus({ operationalStatus: 'detached' }).withImage('http://images/other.qcow2'), expected: 'none (detached)' },
  { case: 'detached: Ironic reports power off → nothing', host: provisioned().withAnnotation(Annotation.Detached, '').withStatus({ operationalStatus: 'detached' }), facts: { nodePowerState: 'power off' }, expected: 'none (detached)' },
  { case: 'detached and deleted → straight to deleting (no deprovision, no power off)', host: provisioned().withAnnotation(Annotation.Detached, '').withStatus({ operationalStatus: 'detached' }).deleted(), expected: 'intent deprovision: → deleting' },
  { case: 'detached, deleteAction delay, deleted → held', host: provisioned().withAnnotation(Annotation.Detached, '{"deleteAction":"delay"}').withStatus({ operationalStatus: 'detached' }).deleted(), expected: 'none (detached)' },
  { case: 'detached, annotation removed → enroll registers again (adopt)', host: provisioned().withStatus({ operationalStatus: 'detached' }), expected: 'maintain enroll' },
  // ---- status annotation (clusterctl move) and hosts without a spec
  { case: 'new host with a status annotation → enroll restores it (no fresh registration)', host: aHost('').withAnnotation(Annotation.Status, '{}'), expected: 'work enroll' },
  { case: 'new host with a status annotation, error recorded 30 s ago → backoff', host: aHost('').withAnnotation(Annotation.Status, '{').withError({ errorType: ErrorType.Registration }), after: 30_000, expected: 'none (backoff)' },
  { case: 'a host with no spec at all (upstream demo-discovered) → unmanaged', host: aHost('').withoutSpec(), expected: 'intent enroll: → unmanaged' },
];

const deletionRows: { case: string; host: HostBuilder; expected: string }[] = [
  { case: '(none)', host: aHost(''), expected: 'intent deprovision: → deleting' },
  { case: 'unmanaged', host: aHost('unmanaged').withoutBmc(), expected: 'intent deprovision: → deleting' },
  { case: 'registering', host: aHost('registering'), expected: 'intent deprovision: → deleting' },
  { case: 'inspecting', host: aHost('inspecting'), expected: 'intent deprovision: → powering off before delete' },
  { case: 'preparing', host: aHost('preparing'), expected: 'intent deprovision: → powering off before delete' },
  { case: 'available', host: aHost('available'), expected: 'intent deprovision: → powering off before delete' },
  { case: 'externally provisioned', host: aHost('externally provisioned').externallyProvisioned(), expected: 'intent deprovision: → powering off before delete' },
  { case: 'provisioning', host: aHost('provisioning').withImage(IMG).withLastAttemptedImage(IMG), expected: 'intent deprovision: → deprovisioning' },
  { case: 'provisioned', host: provisioned(), expected: 'intent deprovision: → deprovisioning' },
  { case: 'deprovisioning (keeps going)', host: aHost('deprovisioning'), expected: 'work deprovision' },
  { case: 'powering off before delete (keeps going)', host: aHost('powering off before delete'), expected: 'work deprovision' },
  { case: 'deleting (keeps going)', host: aHost('deleting'), expected: 'work deprovision' },
  { case: 'registering with a recent error (deletion is never held back)', host: aHost('registering').withError({ errorType: ErrorType.Registration, count: 5 }), expected: 'intent deprovision: → deleting' },
];

describe('dueFor', () => {
  it.each(rows)('$case', ({ host, expected, after = 1_000, facts }) => {
    // Act
    const due = dueFor(host.build(), { now: T0.getTime() + after, facts });
    // Assess
    expect(summary(due)).toBe(expected);
  });

  it.each(deletionRows)('routes a deleted host like upstream from $case', ({ host, expected }) => {
    // Act
    const due = dueFor(host.deleted().build(), { now: T0.getTime() + 1_000 });
    // Assess
    expect(summary(due)).toBe(expected);
  });

  it('says when a backoff will expire', () => {
    // Prepare
    const host = aHost('registering').withError({ errorType: ErrorType.Registration, count: 2 }).build();
    // Act
    const due = dueFor(host, { now: T0.getTime() + 1_000 });
    // Assess: 2^2 min minus up to 50 %
    expect(due.kind).toBe('none');
    const retryAt = (due as { retryAt?: number }).retryAt!;
    expect(retryAt - T0.getTime()).toBeGreaterThanOrEqual(2 * MIN);
    expect(retryAt - T0.getTime()).toBeLessThanOrEqual(4 * MIN);
  });

  it('honours a smaller backoff base (the test bed runs in seconds)', () => {
    // Prepare
    const host = aHost('registering').withError({ errorType: ErrorType.Registration }).build();
    // Act
    const early = dueFor(host, { now: T0.getTime() + 500, backoffBaseMs: 1_000 });
    const late = dueFor(host, { now: T0.getTime() + 2_001, backoffBaseMs: 1_000 });
    // Assess
    expect(summary(early)).toBe('none (backoff)');
    expect(summary(late)).toBe('work enroll');
  });

  it.each([
    { case: 'work', due: { kind: 'work', by: 'enroll', state: S.Registering }, t: 'enroll', expected: true },
    { case: 'work by another', due: { kind: 'work', by: 'enroll', state: S.Registering }, t: 'inspect', expected: false },
    { case: 'none', due: { kind: 'none', reason: 'stable' }, t: 'power', expected: false },
  ] as { case: string; due: Due; t: TransitionName; expected: boolean }[])('isDueFor: $case', ({ due, t, expected }) => {
    expect(isDueFor(due, t)).toBe(expected);
  });
});

describe('exitEdge', () => {
  it.each([
    { case: 'registered → inspecting', host: aHost('registering'), state: S.Registering, by: 'enroll', on: 'complete', to: S.Inspecting },
    { case: 'registered, inspectionMode disabled → preparing', host: aHost('registering').withInspectionMode('disabled'), state: S.Registering, by: 'enroll', on: 'complete', to: S.Preparing },
    { case: 'registered, inspect.metal3.io disabled → preparing', host: aHost('registering').withAnnotation(Annotation.Inspect, 'disabled'), state: S.Registering, by: 'enroll', on: 'complete', to: S.Preparing },
    { case: 'registered, externally provisioned → externally provisioned', host: aHost('registering').externallyProvisioned(), state: S.Registering, by: 'enroll', on: 'complete', to: S.ExternallyProvisioned },
    { case: 'inspected → preparing', host: aHost('inspecting'), state: S.Inspecting, by: 'inspect', on: 'complete', to: S.Preparing },
    { case: 'prepared → available', host: aHost('preparing'), state: S.Preparing, by: 'inspect', on: 'complete', to: S.Available },
    { case: 'deployed → provisioned', host: aHost('provisioning'), state: S.Provisioning, by: 'provision', on: 'complete', to: S.Provisioned },
    { case: 'deploy failed → deprovisioning', host: aHost('provisioning'), state: S.Provisioning, by: 'provision', on: 'fail', to: S.Deprovisioning },
    { case: 'cleaned → available', host: aHost('deprovisioning'), state: S.Deprovisioning, by: 'deprovision', on: 'complete', to: S.Available },
    { case: 'cleaned while deleted → powering off before delete', host: aHost('deprovisioning').deleted(), state: S.Deprovisioning, by: 'deprovision', on: 'complete', to: S.PoweringOffBeforeDelete },
    { case: 'powered off → deleting', host: aHost('powering off before delete').deleted(), state: S.PoweringOffBeforeDelete, by: 'deprovision', on: 'complete', to: S.Deleting },
    { case: 'node deleted → removed', host: aHost('deleting').deleted(), state: S.Deleting, by: 'deprovision', on: 'complete', to: 'removed' },
    { case: 'registration failure has no edge (stays registering)', host: aHost('registering'), state: S.Registering, by: 'enroll', on: 'fail', to: undefined },
    { case: 'a non-owner never exits', host: aHost('inspecting'), state: S.Inspecting, by: 'provision', on: 'complete', to: undefined },
  ] as { case: string; host: HostBuilder; state: ProvisioningState; by: TransitionName; on: 'complete' | 'fail'; to: string | undefined }[])(
    '$case',
    ({ host, state, by, on, to }) => {
      expect(exitEdge(host.build(), state, by, on)?.to).toBe(to);
    },
  );
});

describe('backoffUntil', () => {
  it('is undefined without an error', () => {
    expect(backoffUntil(aHost('registering').build())).toBeUndefined();
  });

  it('is the recorded time plus the backoff for the count, seeded by the uid', () => {
    // Prepare
    const host = aHost('registering').withError({ errorType: ErrorType.Registration, count: 3 }).build();
    // Act
    const until = backoffUntil(host);
    // Assess
    expect(until).toBe(T0.getTime() + backoffDelayMs(3, host.metadata.uid!));
  });

  it('falls back to lastUpdated when the Error condition is missing', () => {
    // Prepare
    const host = aHost('registering').withError({ errorType: ErrorType.Registration }).build();
    delete (host.status as Record<string, unknown>).conditions;
    // Act + Assess
    expect(backoffUntil(host)).toBe(T0.getTime() + backoffDelayMs(1, host.metadata.uid!));
  });

  it('is undefined when the error time cannot be read', () => {
    // Prepare
    const host = aHost('registering').withError({ errorType: ErrorType.Registration }).build();
    delete (host.status as Record<string, unknown>).conditions;
    delete (host.status as Record<string, unknown>).lastUpdated;
    // Act + Assess
    expect(backoffUntil(host)).toBeUndefined();
  });
});

describe('dueFor with reboot annotations (upstream manageHostPower)', () => {
  const when = (d: Due): string => (d.kind === 'maintain' ? `maintain ${d.by} (${d.edge.when})` : summary(d));
  const on = () => provisioned().withOnline(true).withPoweredOn(true);
  it.each([
    { case: 'keyed reboot on a provisioned host that is on → power (rebootRequested)', host: on().withAnnotation('reboot.metal3.io/remediation-1', '{"mode":"hard"}'), expected: 'maintain power (rebootRequested)' },
    { case: 'one-shot reboot on a provisioned host that is on → power (rebootRequested)', host: on().withAnnotation('reboot.metal3.io', ''), expected: 'maintain power (rebootRequested)' },
    { case: 'keyed reboot, host already off → nothing (held until the key is removed)', host: on().withPoweredOn(false).withAnnotation('reboot.metal3.io/k', ''), expected: 'none (stable)' },
    { case: 'one-shot reboot, host off → power removes the annotation', host: on().withPoweredOn(false).withAnnotation('reboot.metal3.io', ''), expected: 'maintain power (rebootRequested)' },
    { case: 'keys removed, host off, online → power on (powerMismatch)', host: on().withPoweredOn(false), expected: 'maintain power (powerMismatch)' },
    { case: 'reboot on an available host that is on → nothing (only provisioned hosts reboot)', host: aHost('available').withOnline(true).withPoweredOn(true).withAnnotation('reboot.metal3.io/k', ''), expected: 'none (stable)' },
    { case: 'reboot on a detached host → nothing', host: on().withAnnotation('reboot.metal3.io/k', '').withAnnotation(Annotation.Detached, '').withStatus({ operationalStatus: 'detached' }), expected: 'none (detached)' },
  ])('$case', ({ host, expected }) => {
    // Act
    const due = dueFor(host.build(), { now: T0.getTime() + 1_000 });
    // Assess
    expect(when(due)).toBe(expected);
  });
});
