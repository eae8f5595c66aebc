/**
 * @module handler/types: what a transition function plugs into the shared shell.
 */
import type { BmcClientFactory } from '../bmc/factory.ts';
import type { IronicClient } from '../ironic/types.ts';
import type { HostStore, StoredHost } from '../k8s/host-store.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Due } from '../state-machine/guard.ts';
import type { Outcome } from '../state-machine/outcome.ts';
import type { ProvisioningState, TransitionName } from '../state-machine/states.ts';
import type { Action } from './actions.ts';
import type { FunctionConfig } from './config.ts';

export interface HandlerDeps {
  hosts: HostStore;
  ironic: IronicClient;
  bmc?: BmcClientFactory | undefined;
  config: FunctionConfig;
  log: Logger;
  now?: () => Date;
  /** where the shell counts what it does (upstream's metric names); the process's default when absent */
  metrics?: Metrics | undefined;
}

export interface DecideContext {
  now: Date;
  config: FunctionConfig;
  /** the state the work runs in (after any intent was applied) */
  state: ProvisioningState;
  due: Exclude<Due, { kind: 'none' | 'intent' }>;
}

/**
 * A transition function: `observe` reads the world (I/O), `decide` is pure.
 * The shell calls them in a loop: observe → decide → act → observe …, so each
 * `decide` only needs to say the next step for what it sees.
 */
export interface TransitionFunction<Observed> {
  name: TransitionName;
  observe(host: StoredHost, deps: HandlerDeps): Promise<Observed>;
  decide(host: StoredHost, observed: Observed, ctx: DecideContext): Outcome<Action>;
}
