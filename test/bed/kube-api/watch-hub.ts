/**
 * @module kube-api/watch-hub: change history and fan-out to open watches.
 *
 * Every persisted change gets one history entry (bounded; older resourceVersions answer 410 Expired)
 * and is delivered synchronously to every watcher of its resource, applying selector transitions
 * the way the real server does: an object that starts matching arrives as ADDED, one that stops
 * matching as DELETED.
 */
import type { KubeObject } from './types.ts';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ChangeEvent {
  rv: number;
  type: ChangeType;
  /** Storage key (`group/plural`). */
  key: string;
  object: KubeObject;
  /** The state before a MODIFIED, for selector transitions. */
  previous?: KubeObject;
}

export interface Watcher {
  key: string;
  /** Namespace filter; undefined = all. */
  namespace: string | undefined;
  matches(obj: KubeObject): boolean;
  send(type: ChangeType, obj: KubeObject): void;
  close(): void;
}

export type ReplayResult = { kind: 'ok' } | { kind: 'expired'; oldest: number };

export class WatchHub {
  readonly #maxHistory: number;
  #history: ChangeEvent[] = [];
  #start = 0;
  /** Highest resourceVersion no longer replayable. */
  #compactedRv: number;
  /** Per resource: the resourceVersion its watch cache starts at (a real server's cacher is built then). */
  readonly #since = new Map<string, number>();
  /** Per resource: the resourceVersion of its latest change (what a BOOKMARK carries). */
  readonly #latest = new Map<string, number>();
  readonly #watchers = new Map<string, Set<Watcher>>();

  /** `startRv`: the store's first resourceVersion; anything older was never served and answers 410. */
  constructor(options: { maxHistory: number; startRv?: number }) {
    this.#maxHistory = options.maxHistory;
    this.#compactedRv = options.startRv ?? 0;
  }

  /** A resource begins to be served (CRD created) at `rv`: watches from before it answer 410. */
  begin(key: string, rv: number): void {
    this.#since.set(key, rv);
    this.#latest.set(key, rv);
  }

  /** The resourceVersion of the resource's latest change (or its start). */
  latestRv(key: string): number {
    return this.#latest.get(key) ?? this.#compactedRv;
  }

  /** Highest resourceVersion no longer replayable (resuming from below it answers 410). */
  get compactedRv(): number {
    return this.#compactedRv;
  }

  get watcherCount(): number {
    let n = 0;
    for (const set of this.#watchers.values()) n += set.size;
    return n;
  }

  publish(ev: ChangeEvent): void {
    this.#latest.set(ev.key, ev.rv);
    this.#history.push(ev);
    if (this.#history.length - this.#start > this.#maxHistory) {
      this.#compactedRv = this.#history[this.#start]!.rv;
      this.#start++;
      // amortised compaction of the backing array
      if (this.#start > 4096 && this.#start * 2 > this.#history.length) {
        this.#history = this.#history.slice(this.#start);
        this.#start = 0;
      }
    }
    const set = this.#watchers.get(ev.key);
    if (set) for (const w of [...set]) deliver(w, ev);
  }

  /** Send every retained change after `fromRv`; `expired` when that RV was compacted away. */
  replay(w: Watcher, fromRv: number): ReplayResult {
    const oldest = Math.max(this.#compactedRv, this.#since.get(w.key) ?? 0);
    if (fromRv < oldest) return { kind: 'expired', oldest: oldest + 1 };
    let lo = this.#start;
    let hi = this.#history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#history[mid]!.rv <= fromRv) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.#history.length; i++) {
      const ev = this.#history[i]!;
      if (ev.key === w.key) deliver(w, ev);
    }
    return { kind: 'ok' };
  }

  subscribe(w: Watcher): () => void {
    const set = this.#watchers.get(w.key) ?? new Set<Watcher>();
    set.add(w);
    this.#watchers.set(w.key, set);
    return () => {
      set.delete(w);
    };
  }

  /** Forget all history up to `rv`: resuming from anything older answers 410. */
  expire(rv: number): void {
    this.#history = [];
    this.#start = 0;
    this.#compactedRv = rv;
  }

  closeAll(): void {
    for (const set of this.#watchers.values()) for (const w of [...set]) w.close();
  }
}

const inScope = (w: Watcher, obj: KubeObject): boolean =>
  (w.namespace === undefined || obj.metadata.namespace === w.namespace) && w.matches(obj);

function deliver(w: Watcher, ev: ChangeEvent): void {
  if (ev.type !== 'MODIFIED') {
    if (inScope(w, ev.object)) w.send(ev.type, ev.object);
    return;
  }
  const now = inScope(w, ev.object);
  const before = ev.previous !== undefined && inScope(w, ev.previous);
  if (now && before) w.send('MODIFIED', ev.object);
  else if (now) w.send('ADDED', ev.object);
  else if (before) w.send('DELETED', ev.object);
}
