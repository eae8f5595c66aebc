/**
 * @module support/drive: the watcher's job done by hand, so a function test
 * controls every delivery: read the host and its Ironic node, ask `dueFor`
 * what is due, build that event exactly as the watcher would, and hand it
 * to the owning function's `processEvent`, until the host reaches a target.
 */
import type { CloudEvent } from 'cloudevents';
import { buildRequestedEvent } from '../../../events/src/build.ts';
import type { HandlerResult } from '../../../shared/src/handler/reply.ts';
import type { IronicNode } from '../../../shared/src/ironic/types.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import { currentState, dueFor } from '../../../shared/src/state-machine/guard.ts';
import type { TransitionName } from '../../../shared/src/state-machine/states.ts';
import type { FunctionsBed } from './functions-bed.ts';

export const TEST_SOURCE = '/metal3/watcher/integration-test';

export interface DriveStep {
  transition: TransitionName;
  state: string;
  result: HandlerResult;
}

export interface DriveOptions {
  /** stop when this holds; `undefined` = the object is gone */
  until: (host: StoredHost | undefined) => boolean;
  timeoutMs?: number;
  /** wait between looks when nothing changed (Ironic working, backoff) */
  pauseMs?: number;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The event the watcher would emit for the host now, or undefined: with the node's observation and,
 * as the watcher tracks the Secrets' metadata, the credentials Secret's resourceVersion.
 */
export function dueEvent(bed: Pick<FunctionsBed, 'config'>, host: StoredHost, node: IronicNode | null, credentialsVersion?: string): { transition: TransitionName; event: CloudEvent<unknown> } | undefined {
  const facts = { ...(node ? { nodePowerState: node.power_state } : {}), ...(credentialsVersion !== undefined ? { credentialsVersion } : {}) };
  const due = dueFor(host, { now: Date.now(), backoffBaseMs: bed.config.BACKOFF_BASE_MS, facts });
  if (due.kind === 'none') return undefined;
  return { transition: due.by, event: buildRequestedEvent({ host, transition: due.by, reason: 'state-changed', source: TEST_SOURCE, ironic: node ?? undefined, credentialsVersion }) };
}

/** resourceVersion of the host's BMC credentials Secret; undefined when there is none. */
export async function credentialsVersionOf(bed: Pick<FunctionsBed, 'core'>, host: StoredHost): Promise<string | undefined> {
  const name = host.spec.bmc?.credentialsName;
  if (!name) return undefined;
  try {
    return (await bed.core.readNamespacedSecret({ namespace: host.metadata.namespace ?? 'default', name })).metadata?.resourceVersion;
  } catch {
    return undefined;
  }
}

export async function drive(bed: FunctionsBed, name: string, { until, timeoutMs = 60_000, pauseMs = 150 }: DriveOptions): Promise<{ host: StoredHost | undefined; steps: DriveStep[] }> {
  const steps: DriveStep[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const host = await bed.getHost(name);
    if (until(host)) return { host, steps };
    if (!host) throw new Error(`host ${name} is gone before the target was reached`);
    if (Date.now() > deadline) {
      throw new Error(`host ${name} did not reach the target within ${timeoutMs} ms: state "${currentState(host) ?? '?'}", status ${JSON.stringify({ op: host.status?.operationalStatus, err: host.status?.errorMessage, on: host.status?.poweredOn })}, last steps ${JSON.stringify(steps.slice(-3).map((s) => [s.transition, s.result.kind, 'reason' in s.result ? s.result.reason : '']))}`);
    }
    const node = await bed.nodeOf(name);
    const due = dueEvent(bed, host, node, await credentialsVersionOf(bed, host));
    if (!due) { await sleep(pauseMs); continue; }
    const result = await bed.handlers[due.transition].processEvent(due.event);
    steps.push({ transition: due.transition, state: currentState(host) ?? '', result });
    if (result.kind === 'crashed' || result.kind === 'invalid' || result.kind === 'unauthorized') {
      throw new Error(`${due.transition} answered ${result.kind}: ${JSON.stringify(result)}`);
    }
    const after = await bed.getHost(name);
    // nothing written: Ironic is working (or a retry was asked for); give it a moment
    if (after?.metadata.resourceVersion === host.metadata.resourceVersion) await sleep(pauseMs);
  }
}

/** Drive until the host is in `state` (and not in error unless `allowError`). */
export function driveTo(bed: FunctionsBed, name: string, state: string, options: Omit<DriveOptions, 'until'> & { allowError?: boolean } = {}) {
  return drive(bed, name, {
    ...options,
    until: (h) => h !== undefined && currentState(h) === state && (options.allowError === true || h.status?.operationalStatus !== 'error'),
  });
}

/** Drive until the object is gone. */
export function driveToRemoval(bed: FunctionsBed, name: string, options: Omit<DriveOptions, 'until'> = {}) {
  return drive(bed, name, { ...options, until: (h) => h === undefined });
}
