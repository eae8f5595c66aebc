/**
 * No event can make a host look healthier than what Ironic, the BMC and the Secret say.
 * Property (fast-check): a host whose last failure is still in its backoff, in a world where
 * nothing changed (same Secret, no Ironic node), receives any event any sender could build
 * (any transition, reason, observed state, Ironic power, credentials version): the answer is a
 * no-op, its status is byte-identical, and nobody called Ironic or wrote anything.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { aHost, T0 } from '../../../test/builders/host.ts';
import { FakeHostStore } from '../../../test/fakes/fake-host-store.ts';
import { FakeIronic } from '../../../test/fakes/fake-ironic.ts';
import { testConfig } from '../../../test/fakes/transition-harness.ts';
import { buildRequestedEvent } from '../../../events/src/build.ts';
import { EmitReason } from '../../../events/src/schemas.ts';
import { deprovision } from '../../../functions/deprovision/src/transition.ts';
import { enroll } from '../../../functions/enroll/src/transition.ts';
import { inspect } from '../../../functions/inspect/src/transition.ts';
import { power } from '../../../functions/power/src/transition.ts';
import { provision } from '../../../functions/provision/src/transition.ts';
import { silentLogger } from '../log.ts';
import { ErrorType, TRANSITION_NAMES } from '../state-machine/states.ts';
import type { TransitionName } from '../state-machine/states.ts';
import { createHandler } from './create-handler.ts';
import type { TransitionFunction } from './types.ts';

const NS = 'metal3';
const NAME = 'host-0';
const IMG = 'http://images/os.qcow2';
const FUNCTIONS = { enroll, inspect, provision, power, deprovision } as unknown as Record<TransitionName, TransitionFunction<never>>;

/** Hosts whose only due work is held by the backoff of a failure recorded at T0 (no intent holds for them). */
const hostIn = (state: string, errorType: string, count: number) => {
  const b = aHost(state as never).withCredentials({ good: 'SECRET_RV', tried: 'SECRET_RV' });
  if (state === 'provisioned') b.withImage(IMG).withDeployedImage(IMG).withOnline(true).withPoweredOn(true);
  if (state === 'provisioning') b.withImage(IMG).withLastAttemptedImage(IMG).withOnline(true);
  if (state === 'available' || state === 'externally provisioned') b.withOnline(true).withPoweredOn(false);
  if (state === 'externally provisioned') b.externallyProvisioned();
  return b.withError({ errorType: errorType as never, count, at: T0 }).build();
};

const STATES: [string, string][] = [
  ['registering', ErrorType.Registration], ['inspecting', ErrorType.Inspection], ['preparing', ErrorType.Preparation],
  ['provisioning', ErrorType.Provisioning], ['deprovisioning', ErrorType.Provisioning],
  ['available', ErrorType.Registration], ['available', ErrorType.PowerManagement],
  ['provisioned', ErrorType.PowerManagement], ['externally provisioned', ErrorType.Registration],
];

describe('events cannot make a host look healthier', () => {
  it('answers any event for a host in its backoff with a no-op that changes nothing', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(...STATES),
      fc.integer({ min: 1, max: 6 }),
      fc.constantFrom(...TRANSITION_NAMES),
      fc.constantFrom(...EmitReason.options),
      fc.option(fc.constantFrom('power on', 'power off', null), { nil: undefined }),
      fc.option(fc.oneof(fc.constant('SECRET_RV'), fc.string({ minLength: 1, maxLength: 12 })), { nil: undefined }),
      async ([state, errorType], count, transition, reason, powerState, credentialsVersion) => {
        // Prepare: the Secret's real version is the one registration last tried
        const host = hostIn(state, errorType, count);
        const hosts = new FakeHostStore().withHost(host).withSecret(NS, `${NAME}-bmc`, { username: 'admin', password: 'p' });
        const secretVersion = (await hosts.readSecret(NS, `${NAME}-bmc`))!.resourceVersion;
        const stored = hosts.peek(NS, NAME)!;
        const withRealVersion = JSON.parse(JSON.stringify(stored).replaceAll('SECRET_RV', secretVersion));
        const store = new FakeHostStore().withHost(withRealVersion).withSecret(NS, `${NAME}-bmc`, { username: 'admin', password: 'p' });
        const ironic = new FakeIronic();
        const handler = createHandler(FUNCTIONS[transition], { hosts: store, ironic, config: testConfig(), log: silentLogger, now: () => new Date(T0.getTime() + 1_000) });
        const before = JSON.stringify(store.peek(NS, NAME)!.status);
        const current = store.peek(NS, NAME)!;
        const event = buildRequestedEvent({
          host: current, transition, reason, source: '/anyone/at/all',
          ...(powerState !== undefined ? { ironic: { uuid: 'n-1', name: `${NS}~${NAME}`, provision_state: 'active', target_provision_state: null, power_state: powerState, target_power_state: null, last_error: null, maintenance: false } as never } : {}),
          ...(credentialsVersion !== undefined ? { credentialsVersion } : {}),
        });
        // Act
        const result = await handler.processEvent({ ...event });
        // Assess
        expect({ state, transition, result: result.kind }).toEqual({ state, transition, result: 'noop' });
        expect(JSON.stringify(store.peek(NS, NAME)!.status)).toBe(before);
        expect(ironic.calls).toEqual([]);
      },
    ), { numRuns: 400, seed: 20261205 });
  });
});
