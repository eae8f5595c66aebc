/**
 * @module bench/host-recorder: the harness's own view of every
 * BareMetalHost: a list+watch that stamps each status it sees with the time
 * it arrived. "BMH status shows X" in a latency means the first watch event
 * carrying X. The same recorder runs for both modes.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { StoredHost } from '../shared/src/k8s/host-store.ts';
import { silentLogger } from '../shared/src/log.ts';
import { createHostInformer } from '../functions/watcher/src/informer.ts';

export interface Sighting {
  at: number;
  state: string;
  poweredOn: boolean | undefined;
  operationalStatus: string;
}

export interface HostRecorder {
  /** per host name, every status seen, in order */
  readonly timelines: ReadonlyMap<string, Sighting[]>;
  readonly gone: ReadonlySet<string>;
  latest(name: string): Sighting | undefined;
  /** resolves when `done(name, latest)` holds for every name, rejects after `timeoutMs` */
  waitAll(names: readonly string[], done: (latest: Sighting | undefined, name: string) => boolean, timeoutMs: number): Promise<number>;
  /** first sighting of `name` at/after `since` matching `match` */
  first(name: string, since: number, match: (s: Sighting) => boolean): Sighting | undefined;
  stop(): Promise<void>;
}

export async function startHostRecorder({ kubeConfig, namespace }: { kubeConfig: KubeConfig; namespace: string }): Promise<HostRecorder> {
  const timelines = new Map<string, Sighting[]>();
  const gone = new Set<string>();
  let wake: (() => void) | undefined;
  const onHost = (host: StoredHost, deleted: boolean) => {
    const name = host.metadata.name;
    if (deleted) gone.add(name);
    else {
      const s: Sighting = {
        at: Date.now(),
        state: host.status?.provisioning?.state ?? '',
        poweredOn: host.status?.poweredOn as boolean | undefined,
        operationalStatus: (host.status?.operationalStatus as string | undefined) ?? '',
      };
      const line = timelines.get(name) ?? [];
      const prev = line.at(-1);
      if (!prev || prev.state !== s.state || prev.poweredOn !== s.poweredOn || prev.operationalStatus !== s.operationalStatus) line.push(s);
      timelines.set(name, line);
    }
    wake?.();
  };
  const informer = createHostInformer({ kubeConfig, namespace, log: silentLogger, onEvent: (e) => onHost(e.host, e.type === 'delete') });
  await informer.start();
  const latest = (name: string) => timelines.get(name)?.at(-1);
  return {
    timelines, gone, latest,
    first: (name, since, match) => timelines.get(name)?.find((s) => s.at >= since && match(s)),
    waitAll: async (names, done, timeoutMs) => {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const pending = names.filter((n) => !done(latest(n), n));
        if (pending.length === 0) return Date.now();
        if (Date.now() > until) {
          const sample = pending.slice(0, 3).map((n) => `${n}=${JSON.stringify(latest(n) ?? null)}`).join(', ');
          throw new Error(`${pending.length}/${names.length} hosts not there after ${timeoutMs} ms (e.g. ${sample})`);
        }
        await new Promise<void>((r) => { const t = setTimeout(r, 250); wake = () => { clearTimeout(t); r(); }; });
      }
    },
    stop: () => informer.stop(),
  };
}
