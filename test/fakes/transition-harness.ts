/**
 * @module transition-harness: runs one transition function's `observe` + pure
 * `decide` against FakeIronic and FakeHostStore, for decide tables that read
 * like BMO's ("Ironic node `manageable` → request `provide`, outcome continue").
 */
import type { BmcClient } from '../../shared/src/bmc/types.ts';
import type { BmcClientFactory } from '../../shared/src/bmc/factory.ts';
import { describe as describeAction } from '../../shared/src/handler/actions.ts';
import type { Action } from '../../shared/src/handler/actions.ts';
import { loadFunctionConfig } from '../../shared/src/handler/config.ts';
import type { FunctionConfig } from '../../shared/src/handler/config.ts';
import type { DecideContext, HandlerDeps, TransitionFunction } from '../../shared/src/handler/types.ts';
import { ABANDONED_NODE_AFTER_MS } from '../../shared/src/ironic/states.ts';
import type { StoredHost } from '../../shared/src/k8s/host-store.ts';
import { silentLogger } from '../../shared/src/log.ts';
import { currentState } from '../../shared/src/state-machine/guard.ts';
import type { Outcome } from '../../shared/src/state-machine/outcome.ts';
import type { ProvisioningState } from '../../shared/src/state-machine/states.ts';
import { Conditions } from '../../shared/src/state-machine/conditions.ts';
import { Edges } from '../../shared/src/state-machine/transitions.ts';
import { T0 } from '../builders/host.ts';
import { FakeHostStore } from './fake-host-store.ts';
import { FakeIronic } from './fake-ironic.ts';

/** Configuration as the test bed runs it: fake:// allowed. */
export const testConfig = (env: Record<string, string> = {}): FunctionConfig => loadFunctionConfig({ ENABLE_FAKE_BMC: 'true', ...env });

/** A BMC factory whose one client reports `power` (or throws it) and records setPower calls. */
export function fakeBmcFactory(power: 'on' | 'off' | Error): BmcClientFactory & { actions: string[] } {
  const actions: string[] = [];
  const client = {
    protocol: 'ipmi',
    powerState: async () => { if (power instanceof Error) throw power; return power; },
    setPower: async (a: string) => { actions.push(a); },
    close: async () => {},
  } as unknown as BmcClient;
  return { actions, forHost: async () => client, close: async () => {} };
}

export interface HarnessOptions {
  ironic?: FakeIronic;
  hosts?: FakeHostStore;
  config?: FunctionConfig;
  bmc?: BmcClientFactory;
  /** the decision's clock; default T0 (real Ironic's timestamps need the real time) */
  now?: Date;
}

export interface Decision<O> {
  outcome: Outcome<Action>;
  observed: O;
  /** `kind: action + action`, node uuids shown as `:node` */
  summary: string;
}

/** Observes and decides once for `host` in its current state (or `state`). */
export async function decideOnce<O>(fn: TransitionFunction<O>, host: StoredHost, options: HarnessOptions = {}, state?: ProvisioningState): Promise<Decision<O>> {
  const ironic = options.ironic ?? new FakeIronic();
  const deps: HandlerDeps = {
    hosts: options.hosts ?? new FakeHostStore(), ironic, bmc: options.bmc, config: options.config ?? testConfig(), log: silentLogger, now: () => options.now ?? T0,
  };
  const s = state ?? currentState(host) ?? '';
  // the maintain edge whose condition holds; else the one that needs outside facts (credentialsChanged)
  const candidates = Edges.filter((e) => e.from === s && e.on === 'maintain' && e.by === fn.name);
  const maintain = candidates.find((e) => Conditions[e.when](host)) ?? candidates.find((e) => e.when !== 'detachRequested' && e.when !== 'registrationLost');
  const due: DecideContext['due'] = maintain ? { kind: 'maintain', by: fn.name, edge: maintain } : { kind: 'work', by: fn.name, state: s };
  const observed = await fn.observe(host, deps);
  const outcome = fn.decide(host, observed, { now: options.now ?? T0, config: deps.config, state: s, due });
  return { outcome, observed, summary: summarise(outcome, ironic) };
}

/**
 * Node fields of a step whose conductor went away `ageMs` before the harness's now (T0): no lock, and
 * the provision state unchanged since. `lockedBy` makes it a step a conductor is still working on.
 */
export const leftAlone = (ageMs: number, lockedBy: string | null = null): { reservation: string | null; provision_updated_at: string } =>
  ({ reservation: lockedBy, provision_updated_at: new Date(T0.getTime() - ageMs).toISOString() });
/** Older than the default IRONIC_ABANDONED_AFTER_MS. */
export const ABANDONED = leftAlone(ABANDONED_NODE_AFTER_MS + 1_000);

export function summarise(outcome: Outcome<Action>, ironic?: FakeIronic): string {
  let text = `${outcome.kind}: ${outcome.actions.map(describeAction).join(' + ') || '(none)'}`;
  for (const n of ironic?.nodes ?? []) text = text.split(n.uuid).join(':node');
  return text;
}
