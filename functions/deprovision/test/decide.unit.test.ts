/** deprovision: deprovisioning, powering off before delete, deleting, over every relevant Ironic state. */
import { describe, expect, it } from '@jest/globals';
import { aHost, T0 } from '../../../test/builders/host.ts';
import type { HostBuilder } from '../../../test/builders/host.ts';
import { FakeIronic } from '../../../test/fakes/fake-ironic.ts';
import type { FakeNodeSeed } from '../../../test/fakes/fake-ironic.ts';
import { ABANDONED, decideOnce, fakeBmcFactory, leftAlone } from '../../../test/fakes/transition-harness.ts';
import { ErrorType } from '../../../shared/src/state-machine/states.ts';
import type { ProvisioningState } from '../../../shared/src/state-machine/states.ts';
import { DELETE_GIVE_UP_AFTER } from '../src/decide.ts';
import { deprovision } from '../src/transition.ts';

const NAME = 'metal3~host-0';
const deprov = () => aHost('deprovisioning');
const poweringOff = () => aHost('powering off before delete').deleted();
const deleting = () => aHost('deleting').deleted();
const givingUp = (h: HostBuilder) => h.deleted().withError({ errorType: ErrorType.Provisioning, count: DELETE_GIVE_UP_AFTER + 1 });

interface Row { case: string; host: HostBuilder; node: FakeNodeSeed | null; expected: string; bmc?: boolean; status?: Record<string, unknown>; message?: RegExp; state?: ProvisioningState }

const UNDEPLOYED = { provisioning: { image: null, customDeploy: null, rootDeviceHints: null } };

const rows: Row[] = [
  // ---- deprovisioning
  { case: 'deprovisioning, no node → nothing deployed, complete', host: deprov(), node: null, expected: 'complete: (none)', status: UNDEPLOYED },
  { case: 'deprovisioning done with a reboot annotation left → complete and remove it (upstream)', host: deprov().withAnnotation('reboot.metal3.io/k', ''), node: null, expected: 'complete: set annotations reboot.metal3.io/k', status: UNDEPLOYED },
  { case: 'deprovisioning still running with a reboot annotation → kept until done', host: deprov().withAnnotation('reboot.metal3.io/k', ''), node: { provisionState: 'active' }, expected: 'continue: provision node :node → deleted' },
  { case: 'deprovisioning, node `active` → request `deleted` (undeploy)', host: deprov(), node: { provisionState: 'active' }, expected: 'continue: provision node :node → deleted' },
  { case: 'deprovisioning, node `deploying` abandoned by its conductor, host not deleted → provisioning error', host: deprov(), node: { provisionState: 'deploying', target_provision_state: 'active', ...ABANDONED }, expected: 'fail: (none)', message: /^Ironic node abandoned in "deploying" since .*restarting the Ironic conductor/ },
  { case: 'deprovisioning, node `deploying` abandoned, host deleted → go on with the delete', host: deprov().deleted(), node: { provisionState: 'deploying', target_provision_state: 'active', ...ABANDONED }, expected: 'complete: (none)', status: UNDEPLOYED },
  { case: 'deprovisioning, node `deploying` locked by a conductor for long → wait', host: deprov().deleted(), node: { provisionState: 'deploying', target_provision_state: 'active', ...leftAlone(3_600_000, 'conductor-1') }, expected: 'continue: (none)' },
  { case: 'deprovisioning, node `deploy failed` → request `deleted`', host: deprov(), node: { provisionState: 'deploy failed' }, expected: 'continue: provision node :node → deleted' },
  { case: 'deprovisioning, node `deploy failed` keeping its target `active` (as real Ironic does) → request `deleted`, not wait', host: deprov(), node: { provisionState: 'deploy failed', target_provision_state: 'active' }, expected: 'continue: provision node :node → deleted' },
  { case: 'deprovisioning, node `deploying` → `active` → wait', host: deprov(), node: { provisionState: 'deploying', target_provision_state: 'active' }, expected: 'continue: (none)' },
  { case: 'deprovisioning, node `wait call-back` → request `deleted`', host: deprov(), node: { provisionState: 'wait call-back' }, expected: 'continue: provision node :node → deleted' },
  { case: 'deprovisioning, node `error` (tear-down failed) → request `deleted` again', host: deprov(), node: { provisionState: 'error' }, expected: 'continue: provision node :node → deleted' },
  { case: 'deprovisioning, node `active` with a target (undeploy started) → wait', host: deprov(), node: { provisionState: 'active', target_provision_state: 'deleted' }, expected: 'continue: (none)' },
  { case: 'deprovisioning, node `deleting` → wait', host: deprov(), node: { provisionState: 'deleting' }, expected: 'continue: (none)' },
  { case: 'deprovisioning, node `cleaning` → wait', host: deprov(), node: { provisionState: 'cleaning' }, expected: 'continue: (none)' },
  { case: 'deprovisioning, node `clean wait` → wait', host: deprov(), node: { provisionState: 'clean wait' }, expected: 'continue: (none)' },
  { case: 'deprovisioning, node `available` → cleaned, complete', host: deprov(), node: { provisionState: 'available' }, expected: 'complete: (none)', status: UNDEPLOYED },
  { case: 'deprovisioning, node `manageable` → sync automated_clean, `provide`', host: deprov(), node: { provisionState: 'manageable' }, expected: 'continue: patch Ironic node :node (sync automated_clean) + provision node :node → provide' },
  { case: 'deprovisioning, node `enroll` → nothing deployed, complete', host: deprov(), node: { provisionState: 'enroll' }, expected: 'complete: (none)' },
  { case: 'deprovisioning, node `clean failed` → provisioning error', host: deprov(), node: { provisionState: 'clean failed', last_error: 'wipe failed' }, expected: 'fail: (none)', message: /^Cleaning failed: wipe failed$/ },
  {
    case: 'deprovisioning, node `clean failed` already recorded → `manage` to retry',
    host: deprov().withError({ errorType: ErrorType.Provisioning }), node: { provisionState: 'clean failed', last_error: 'x', updated_at: new Date(T0.getTime() - 1).toISOString() },
    expected: 'continue: provision node :node → manage',
  },
  { case: 'deprovisioning while deleted after 3 errors → give up, complete', host: givingUp(deprov()), node: { provisionState: 'clean failed', last_error: 'x' }, expected: 'complete: (none)' },
  { case: 'deprovisioning while deleted after exactly 3 errors → keep trying', host: deprov().deleted().withError({ errorType: ErrorType.Provisioning, count: 3 }), node: { provisionState: 'active' }, expected: 'continue: provision node :node → deleted' },
  { case: 'deprovisioning, 4 errors but not deleted → keep trying', host: deprov().withError({ errorType: ErrorType.Provisioning, count: 4 }), node: { provisionState: 'active' }, expected: 'continue: provision node :node → deleted' },
  // ---- powering off before delete
  { case: 'powering off, node `power on` → power off', host: poweringOff(), node: { provisionState: 'manageable', powerState: 'power on' }, expected: 'continue: power node :node → power off' },
  { case: 'powering off, node `power off` → complete', host: poweringOff(), node: { provisionState: 'manageable', powerState: 'power off' }, expected: 'complete: (none)', status: { poweredOn: false } },
  { case: 'powering off, power change pending (node locked) → wait', host: poweringOff(), node: { provisionState: 'manageable', powerState: 'power on', target_power_state: 'power off', reservation: 'conductor-1' }, expected: 'continue: (none)' },
  { case: 'powering off, power change orphaned by a conductor restart (no lock) → power off again, not wait forever', host: poweringOff(), node: { provisionState: 'available', powerState: 'power on', target_power_state: 'power off' }, expected: 'continue: power node :node → power off' },
  { case: 'powering off, off but an orphaned target remains → power off again (clears it)', host: poweringOff(), node: { provisionState: 'available', powerState: 'power off', target_power_state: 'power off' }, expected: 'continue: power node :node → power off' },
  { case: 'powering off, inspection abandoned by its conductor → power off', host: poweringOff(), node: { provisionState: 'inspecting', target_provision_state: 'manageable', powerState: 'power on', ...ABANDONED }, expected: 'continue: power node :node → power off' },
  { case: 'powering off, inspection running → wait', host: poweringOff(), node: { provisionState: 'inspecting', target_provision_state: 'manageable', powerState: 'power on' }, expected: 'continue: (none)' },
  { case: 'powering off, node `clean failed` still naming its target (conductor restart) → power off, not wait forever', host: poweringOff(), node: { provisionState: 'clean failed', target_provision_state: 'available', powerState: 'power on' }, expected: 'continue: power node :node → power off' },
  { case: 'powering off, node `enroll` → power not managed, complete', host: poweringOff(), node: { provisionState: 'enroll', powerState: null }, expected: 'complete: (none)' },
  { case: 'powering off, no node, BMC known and powered on → BMC power off', host: poweringOff().withPoweredOn(true), node: null, bmc: true, expected: 'complete: BMC power off', status: { poweredOn: false } },
  { case: 'powering off, no node, host already off → complete', host: poweringOff(), node: null, bmc: true, expected: 'complete: (none)' },
  { case: 'powering off, no node, no BMC client → complete', host: poweringOff().withPoweredOn(true), node: null, expected: 'complete: (none)' },
  { case: 'powering off after 3 failed attempts → give up, complete', host: givingUp(aHost('powering off before delete')), node: { provisionState: 'manageable', powerState: 'power on' }, expected: 'complete: (none)', status: { poweredOn: false } },
  // ---- deleting
  { case: 'deleting, no node → complete', host: deleting(), node: null, expected: 'complete: (none)' },
  { case: 'deleting, node `verifying` (exclusive lock) → wait', host: deleting(), node: { provisionState: 'verifying' }, expected: 'continue: (none)' },
  { case: 'deleting, node `verifying` abandoned by its conductor → maintenance, delete', host: deleting(), node: { provisionState: 'verifying', ...ABANDONED }, expected: 'continue: maintenance on for node :node + delete Ironic node :node' },
  { case: 'deleting, node `inspecting` abandoned → maintenance, delete', host: deleting(), node: { provisionState: 'inspecting', target_provision_state: 'manageable', ...ABANDONED }, expected: 'continue: maintenance on for node :node + delete Ironic node :node' },
  { case: 'deleting, node `inspecting` without a lock for less than the limit → wait', host: deleting(), node: { provisionState: 'inspecting', target_provision_state: 'manageable', ...leftAlone(60_000) }, expected: 'continue: (none)' },
  { case: 'deleting, node `enroll` → delete', host: deleting(), node: { provisionState: 'enroll' }, expected: 'continue: delete Ironic node :node' },
  { case: 'deleting, node `manageable` → delete', host: deleting(), node: { provisionState: 'manageable' }, expected: 'continue: delete Ironic node :node' },
  { case: 'deleting, node `available` with a stale instance_uuid → clear it, delete', host: deleting(), node: { provisionState: 'available', instance_uuid: 'old-uid' }, expected: 'continue: patch Ironic node :node (clear stale instance_uuid) + delete Ironic node :node' },
  { case: 'deleting, node `active` → maintenance, delete', host: deleting(), node: { provisionState: 'active' }, expected: 'continue: maintenance on for node :node + delete Ironic node :node' },
  { case: 'deleting, node `active` in maintenance → delete', host: deleting(), node: { provisionState: 'active', maintenance: true }, expected: 'continue: delete Ironic node :node' },
  { case: 'deleting, node `clean failed` → maintenance, delete', host: deleting(), node: { provisionState: 'clean failed' }, expected: 'continue: maintenance on for node :node + delete Ironic node :node' },
  { case: 'deleting, node `cleaning` → wait', host: deleting(), node: { provisionState: 'cleaning' }, expected: 'continue: (none)' },
  { case: 'deleting, node `cleaning`, given up → maintenance, delete', host: givingUp(aHost('deleting')), node: { provisionState: 'cleaning' }, expected: 'continue: maintenance on for node :node + delete Ironic node :node' },
  // ---- not ours
  { case: 'a state deprovision does not own → error', host: aHost('available'), node: null, expected: 'fail: (none)', message: /does not work in state "available"/ },
];

describe('decideDeprovision', () => {
  it.each(rows)('$case', async ({ host, node, bmc, expected, status, message }) => {
    // Prepare
    const ironic = new FakeIronic();
    if (node) ironic.withNode({ name: NAME, ...node });
    // Act
    const { outcome, summary } = await decideOnce(deprovision, host.build(), { ironic, ...(bmc ? { bmc: fakeBmcFactory('on') } : {}) });
    // Assess
    expect(summary).toBe(expected);
    if (status) expect(outcome.status).toEqual(status);
    if (message) expect((outcome as { message: string }).message).toMatch(message);
  });

  it('gives up after upstream\'s 3 attempts', () => {
    expect(DELETE_GIVE_UP_AFTER).toBe(3);
  });
});
