/** power: spec.online enforced in stable states, through Ironic or (no node) the BMC. */
import { describe, expect, it } from '@jest/globals';
import { aHost, T0 } from '../../../test/builders/host.ts';
import type { HostBuilder } from '../../../test/builders/host.ts';
import { FakeIronic } from '../../../test/fakes/fake-ironic.ts';
import type { FakeNodeSeed } from '../../../test/fakes/fake-ironic.ts';
import { ABANDONED, decideOnce, fakeBmcFactory, testConfig } from '../../../test/fakes/transition-harness.ts';
import { BmcUnreachableError } from '../../../shared/src/errors.ts';
import { Annotation, ErrorType } from '../../../shared/src/state-machine/states.ts';
import { BUSY_RETRY_MS } from '../src/decide.ts';
import { power } from '../src/transition.ts';

const NAME = 'metal3~host-0';
const on = () => aHost('provisioned').withOnline(true);
const off = () => aHost('provisioned').withOnline(false).withPoweredOn(true);
const detached = (b: HostBuilder) => b.withAnnotation(Annotation.Detached, '');
const reboot = (b: HostBuilder, key: string, value: string) => b.withAnnotation(key, value);

interface Row { case: string; host: HostBuilder; node: FakeNodeSeed | null; bmc?: 'on' | 'off' | Error; expected: string; status?: Record<string, unknown>; message?: RegExp; direct?: boolean }

const rows: Row[] = [
  { case: 'online, node `power on` → complete, poweredOn true', host: on(), node: { powerState: 'power on' }, expected: 'complete: (none)', status: { poweredOn: true } },
  { case: 'online, node `power off` → power on', host: on(), node: { powerState: 'power off' }, expected: 'continue: power node :node → power on', status: { poweredOn: false } },
  { case: 'offline, node `power on` → power off', host: off(), node: { powerState: 'power on' }, expected: 'continue: power node :node → power off', status: { poweredOn: true } },
  { case: 'offline, node `power off` → complete, poweredOn false', host: off(), node: { powerState: 'power off' }, expected: 'complete: (none)', status: { poweredOn: false } },
  { case: 'offline, power unknown (null) → power off to know', host: off(), node: { powerState: null }, expected: 'continue: power node :node → power off' },
  { case: 'target power state set, node locked → wait for Ironic', host: on(), node: { powerState: 'power off', target_power_state: 'power on', reservation: 'conductor-1' }, expected: 'continue: (none)', status: { poweredOn: false } },
  { case: 'target power state orphaned (no lock: conductor stopped mid-action) → ask again', host: on(), node: { powerState: 'power off', target_power_state: 'power on' }, expected: 'continue: power node :node → power on', status: { poweredOn: false } },
  { case: 'orphaned target, power already as wanted → ask again (Ironic clears the target)', host: off(), node: { powerState: 'power off', target_power_state: 'power off' }, expected: 'continue: power node :node → power off', status: { poweredOn: false } },
  { case: 'provisioning operation abandoned by its conductor → wait without retrying (the state\'s own function reports it)', host: on(), node: { provisionState: 'deploying', target_provision_state: 'active', powerState: 'power off', ...ABANDONED }, expected: 'continue: (none)' },
  { case: 'provisioning operation running → retry shortly, no error', host: on(), node: { provisionState: 'cleaning', target_provision_state: 'available', powerState: 'power off' }, expected: 'retry: (none)' },
  { case: '`deploy failed` keeps its target but nothing runs → power as asked', host: on(), node: { provisionState: 'deploy failed', target_provision_state: 'active', powerState: 'power off' }, expected: 'continue: power node :node → power on', status: { poweredOn: false } },
  { case: 'mismatch + last_error, not recorded yet → power management error', host: on(), node: { powerState: 'power off', last_error: 'IPMI timeout' }, expected: 'fail: (none)', message: /^power on failed: IPMI timeout$/ },
  {
    case: 'mismatch + last_error already recorded, backoff over → power on again',
    host: on().withError({ errorType: ErrorType.PowerManagement }), node: { powerState: 'power off', last_error: 'IPMI timeout', updated_at: new Date(T0.getTime() - 1).toISOString() },
    expected: 'continue: power node :node → power on',
  },
  {
    case: 'mismatch + a newer last_error after the recorded one → report it',
    host: on().withError({ errorType: ErrorType.PowerManagement }), node: { powerState: 'power off', last_error: 'IPMI timeout again', updated_at: new Date(T0.getTime() + 1).toISOString() },
    expected: 'fail: (none)', message: /again/,
  },
  { case: 'match with a stale last_error → complete (nothing to do)', host: on(), node: { powerState: 'power on', last_error: 'old' }, expected: 'complete: (none)' },
  // ---- no Ironic node: the BMC directly only in direct mode (a detached host is never powered: nothing is due for it)
  { case: 'no node, managed → power management error, the BMC is never asked', host: on(), node: null, bmc: 'off', expected: 'fail: (none)', message: /no Ironic node for this host: power goes through Ironic/ },
  { case: 'no node, detached → still an error here (the guard never sends a detached host to power)', host: detached(on()), node: null, bmc: 'off', expected: 'fail: (none)', message: /no Ironic node/ },
  { case: 'direct mode, no BMC client → power management error', host: on(), node: null, direct: true, expected: 'fail: (none)', message: /direct mode host: direct power needs/ },
  { case: 'direct mode, BMC reports off, online → BMC power on', host: on(), node: null, direct: true, bmc: 'off', expected: 'complete: BMC power on', status: { poweredOn: true } },
  { case: 'direct mode, BMC reports on, offline → BMC power off', host: off(), node: null, direct: true, bmc: 'on', expected: 'complete: BMC power off', status: { poweredOn: false } },
  { case: 'direct mode, BMC reports on, online → complete', host: on(), node: null, direct: true, bmc: 'on', expected: 'complete: (none)', status: { poweredOn: true } },
  // ---- reboot annotations (upstream manageHostPower): off while any is present, one-shot removed once off
  { case: 'reboot `{"mode":"hard"}` on a provisioned host that is on → hard power off', host: reboot(on(), 'reboot.metal3.io/remediation-1', '{"mode":"hard"}'), node: { powerState: 'power on' }, expected: 'continue: power node :node → power off', status: { poweredOn: true } },
  { case: 'reboot with an empty value → soft power off', host: reboot(on(), 'reboot.metal3.io', ''), node: { powerState: 'power on' }, expected: 'continue: power node :node → soft power off' },
  { case: 'reboot with an unparsable value → soft power off (upstream assumes soft)', host: reboot(on(), 'reboot.metal3.io/k', '{mode'), node: { powerState: 'power on' }, expected: 'continue: power node :node → soft power off' },
  { case: 'soft and hard requested by two keys → hard wins', host: reboot(reboot(on(), 'reboot.metal3.io/a', '{"mode":"soft"}'), 'reboot.metal3.io/b', '{"mode":"hard"}'), node: { powerState: 'power on' }, expected: 'continue: power node :node → power off' },
  { case: 'soft power off failed in Ironic (its timeout) → hard power off', host: reboot(on(), 'reboot.metal3.io/k', '{"mode":"soft"}'), node: { powerState: 'power on', last_error: 'Failed to change power state to soft power off by timeout' }, expected: 'continue: power node :node → power off' },
  { case: 'keyed reboot, host off → stays off (held until the key is removed)', host: reboot(on(), 'reboot.metal3.io/k', '{"mode":"hard"}').withPoweredOn(false), node: { powerState: 'power off' }, expected: 'complete: (none)', status: { poweredOn: false }, message: /held by reboot.metal3.io\/k/ },
  { case: 'one-shot reboot, host off → annotation removed (then powered on as spec.online says)', host: reboot(on(), 'reboot.metal3.io', '{"mode":"hard"}').withPoweredOn(false), node: { powerState: 'power off' }, expected: 'continue: set annotations reboot.metal3.io', status: { poweredOn: false } },
  { case: 'reboot annotation on an available host → ignored, spec.online kept', host: reboot(aHost('available').withOnline(true), 'reboot.metal3.io/k', '{"mode":"hard"}'), node: { powerState: 'power on', provisionState: 'available' }, expected: 'complete: (none)' },
  { case: 'direct mode, BMC unreachable → power management error', host: on(), node: null, direct: true, bmc: new BmcUnreachableError('BMC 10.0.0.1 timed out'), expected: 'fail: (none)', message: /timed out/ },
];

describe('decidePower', () => {
  it.each(rows)('$case', async ({ host, node, bmc, direct, expected, status, message }) => {
    // Prepare
    const ironic = new FakeIronic();
    if (node) ironic.withNode({ name: NAME, provisionState: 'active', ...node });
    // Act
    const { outcome, summary } = await decideOnce(power, host.build(), {
      ironic, ...(bmc !== undefined ? { bmc: fakeBmcFactory(bmc) } : {}), ...(direct ? { config: testConfig({ MANAGEMENT_MODE: 'direct' }) } : {}),
    });
    // Assess
    expect(summary).toBe(expected);
    if (status) expect(outcome.status).toEqual(status);
    if (message) expect((outcome as { message?: string; reason?: string }).message ?? (outcome as { reason: string }).reason).toMatch(message);
  });

  it('retries a busy node after upstream\'s 3 s', async () => {
    const ironic = new FakeIronic().withNode({ name: NAME, provisionState: 'deploying', target_provision_state: 'active' });
    const { outcome } = await decideOnce(power, on().build(), { ironic });
    expect(outcome).toMatchObject({ kind: 'retry', requeueAfterMs: BUSY_RETRY_MS });
    expect(BUSY_RETRY_MS).toBe(3_000);
  });

  it('asks the BMC itself, with the host\'s certificate setting, in direct mode', async () => {
    // Prepare
    const bmc = fakeBmcFactory('off');
    // Act
    const { outcome } = await decideOnce(power, on().withBmc('redfish://10.0.0.1/redfish/v1/Systems/1', 'creds', true).build(), { bmc, config: testConfig({ MANAGEMENT_MODE: 'direct' }) });
    // Assess
    expect(outcome.actions).toEqual([{ do: 'bmcPower', address: 'redfish://10.0.0.1/redfish/v1/Systems/1', credentialsSecret: 'creds', action: 'on', disableCertificateVerification: true }]);
  });

  it('uses only the BMC in direct mode, without asking Ironic, even when a node of that name exists', async () => {
    // Prepare
    const bmc = fakeBmcFactory('off');
    const ironic = new FakeIronic().withNode({ name: NAME, provisionState: 'active', powerState: 'power on' });
    // Act
    const { outcome, observed } = await decideOnce(power, on().build(), { ironic, bmc, config: testConfig({ MANAGEMENT_MODE: 'direct' }) });
    // Assess
    expect(observed).toMatchObject({ node: null, direct: 'direct mode', bmcPower: 'off' });
    expect(outcome.actions).toEqual([expect.objectContaining({ do: 'bmcPower', action: 'on' })]);
    expect(ironic.calls).toEqual([]);
  });
});
