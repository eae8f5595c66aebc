/**
 * @module fake-ironic-transitions: the provision-state edges FakeIronic follows, read from
 * Ironic's own state machine (`ironic/common/states.py`) as the fake-hardware driver walks it.
 */
import { IronicProvisionState as S } from '../../shared/src/ironic/states.ts';
import type { ProvisionTarget } from '../../shared/src/ironic/types.ts';

/**
 * For each API target and current state: the states the node passes through, the last
 * one being where it settles. One `tick()` of an asynchronous FakeIronic moves one step.
 */
export const PROVISION_PATHS: Readonly<Record<ProvisionTarget, Readonly<Record<string, readonly string[]>>>> = {
  // enroll → verifying (power credentials checked) → manageable; leaving available or a failure is immediate
  manage: {
    [S.Enroll]: [S.Verifying, S.Manageable],
    [S.Available]: [S.Manageable],
    [S.CleanFailed]: [S.Manageable],
    [S.InspectFailed]: [S.Manageable],
    [S.AdoptFailed]: [S.Manageable],
  },
  // fake inspection stores no inventory and leaves properties alone
  inspect: {
    [S.Manageable]: [S.Inspecting, S.Manageable],
    [S.InspectFailed]: [S.Inspecting, S.Manageable],
  },
  // automated cleaning on the way to available
  provide: { [S.Manageable]: [S.Cleaning, S.Available] },
  // manual cleaning returns to manageable
  clean: { [S.Manageable]: [S.Cleaning, S.Manageable] },
  // service steps on a deployed node (again from a failure) return to active
  service: { [S.Active]: [S.Servicing, S.Active], [S.ServiceFailed]: [S.Servicing, S.Active] },
  active: {
    [S.Available]: [S.Deploying, S.Active],
    [S.DeployFailed]: [S.Deploying, S.Active],
  },
  rebuild: {
    [S.Active]: [S.Deploying, S.Active],
    [S.DeployFailed]: [S.Deploying, S.Active],
    [S.Error]: [S.Deploying, S.Active],
  },
  // tear-down, then automated cleaning
  deleted: deletePaths(),
  undeploy: deletePaths(),
  abort: {
    [S.CleanWait]: [S.CleanFailed],
    [S.InspectWait]: [S.InspectFailed],
    [S.RescueWait]: [S.RescueFailed],
  },
  adopt: {
    [S.Manageable]: [S.Adopting, S.Active],
    [S.AdoptFailed]: [S.Adopting, S.Active],
  },
};

function deletePaths(): Record<string, readonly string[]> {
  const teardown = [S.Deleting, S.Cleaning, S.Available];
  return {
    [S.Active]: teardown, [S.DeployWait]: teardown, [S.DeployFailed]: teardown, [S.Error]: teardown,
    [S.Rescue]: teardown, [S.RescueWait]: teardown, [S.RescueFailed]: teardown, [S.UnrescueFailed]: teardown,
  };
}

/** Where a transition ends when it fails while in `state` (FakeIronic.failNextTransition). */
export const FAILURE_OF: Readonly<Record<string, string>> = {
  [S.Verifying]: S.Enroll,
  [S.Inspecting]: S.InspectFailed,
  [S.Cleaning]: S.CleanFailed,
  [S.Deploying]: S.DeployFailed,
  [S.Deleting]: S.Error,
  [S.Adopting]: S.AdoptFailed,
};

/** The target a failure state keeps, as Ironic's state machine defines it (`add_state(DEPLOYFAIL, target=ACTIVE)`, …). */
export const FAILURE_TARGET: Readonly<Record<string, string>> = {
  [S.DeployFailed]: S.Active,
  [S.CleanFailed]: S.Available,
  [S.InspectFailed]: S.Manageable,
  [S.RescueFailed]: S.Rescue,
};

/** States whose node carries a conductor lock (`reservation`) while the fake is asynchronous. */
export const LOCKED_WHILE_IN: readonly string[] = [S.Verifying, S.Inspecting, S.Cleaning, S.Deploying, S.Deleting, S.Adopting];

/** Transitional states in which Ironic still accepts PATCH (`UPDATE_ALLOWED_STATES`). */
export const UPDATE_ALLOWED_STATES: readonly string[] = [
  S.DeployFailed, S.Inspecting, S.InspectFailed, S.InspectWait, S.CleanFailed, S.Error, S.Verifying, S.AdoptFailed,
  S.RescueFailed, S.UnrescueFailed,
];

/** Where a power target leaves `power_state`. */
export const POWER_RESULT: Readonly<Record<string, string>> = {
  'power on': 'power on',
  'power off': 'power off',
  'soft power off': 'power off',
  rebooting: 'power on',
  'soft rebooting': 'power on',
};

export const VALID_BOOT_DEVICES: readonly string[] = ['pxe', 'disk', 'cdrom', 'bios', 'safe'];
