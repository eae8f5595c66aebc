/**
 * @module kube-api/watch-stream: one watch request as a newline-delimited JSON stream.
 *
 * Headers are flushed at once (client-node's informer awaits them). Start: no RV or `0` → synthetic
 * ADDED for every matching object, then (with `allowWatchBookmarks`) the `k8s.io/initial-events-end`
 * BOOKMARK a 1.32 server sends; RV=N → replay of history after N, or a single ERROR 410 event and
 * EOF when N is older than the resource's history. `timeoutSeconds` → clean EOF.
 *
 * BOOKMARKs follow the 1.32 cacher (staging/src/k8s.io/apiserver/pkg/storage/cacher): one per
 * `bookmarkIntervalMs` (a minute by default) and one 2 s before the watch's deadline, each carrying
 * the resource's latest resourceVersion and sent only when that is newer than what the watch has seen.
 */
import type { ServerResponse } from 'node:http';
import type { ApiContext } from './context.ts';
import { META_API_VERSION, partialObject, wantsMetadata } from './metadata.ts';
import { selectorOf } from './reads.ts';
import { objectJson } from './serialize.ts';
import { expired } from './status-error.ts';
import { toTable, wantsTable } from './tables.ts';
import { type KubeObject, type ResourceDef, apiVersionOf, resourceKey } from './types.ts';
import type { ChangeType, Watcher } from './watch-hub.ts';

export interface WatchStreamOptions {
  bookmarkIntervalMs: number;
  /** Server-side cap on a watch's life, in seconds (0 = none). */
  maxTimeoutSeconds: number;
  /** Called once when the stream ends, whoever ends it. */
  onEnd: () => void;
}

export function serveWatch(
  ctx: ApiContext, def: ResourceDef, namespace: string, query: URLSearchParams, accept: string | undefined,
  res: ServerResponse, options: WatchStreamOptions,
): void {
  const matches = selectorOf(def, query);
  const asTable = wantsTable(accept);
  // as=PartialObjectMetadata: each event's object is its metadata; the list form fits no event, and the
  // real server then sends none (its encoder fails on every object)
  const metadataForm = wantsMetadata(accept);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();

  let ended = false;
  let sentColumns = false;
  const timers: NodeJS.Timeout[] = [];
  const frame = (type: string, objJson: string): void => {
    if (!ended) res.write(`{"type":"${type}","object":${objJson}}\n`);
  };
  // the newest resourceVersion this watch has delivered: a BOOKMARK must be newer to be sent
  let seenRv = 0;
  const send = (type: ChangeType, obj: KubeObject): void => {
    seenRv = Math.max(seenRv, Number(obj.metadata.resourceVersion));
    if (metadataForm === 'PartialObjectMetadataList') return;
    if (metadataForm) frame(type, JSON.stringify(partialObject(obj)));
    else if (asTable) {
      frame(type, JSON.stringify(toTable(def, [obj], { resourceVersion: obj.metadata.resourceVersion ?? '', withColumns: !sentColumns })));
      sentColumns = true;
    } else frame(type, objectJson(obj));
  };
  const end = (): void => {
    if (ended) return;
    ended = true;
    unsubscribe();
    for (const t of timers) clearInterval(t);
    res.end();
    options.onEnd();
  };
  const watcher: Watcher = { key: resourceKey(def), namespace: def.namespaced && namespace !== '' ? namespace : undefined, matches, send, close: end };

  const rvParam = query.get('resourceVersion');
  const bookmarks = query.get('allowWatchBookmarks') === 'true';
  seenRv = Number(rvParam) || ctx.store.resourceVersion;
  let unsubscribe: () => void = () => {};
  if (!rvParam || rvParam === '0') {
    for (const obj of ctx.store.list(resourceKey(def), watcher.namespace)) if (matches(obj)) send('ADDED', obj);
    if (bookmarks && metadataForm !== 'PartialObjectMetadataList') frame('BOOKMARK', JSON.stringify(metadataForm ? initialMetadataEventsEnd(ctx.store.resourceVersion) : initialEventsEnd(def, ctx.store.resourceVersion)));
  } else {
    const replay = ctx.store.hub.replay(watcher, Number(rvParam));
    if (replay.kind === 'expired') {
      frame('ERROR', JSON.stringify(expired(`too old resource version: ${rvParam} (${replay.oldest})`).toStatus()));
      end();
      return;
    }
  }
  unsubscribe = ctx.store.hub.subscribe(watcher);
  res.on('close', end);

  const requested = Number(query.get('timeoutSeconds') ?? '0');
  const timeout = options.maxTimeoutSeconds > 0 ? (requested > 0 ? Math.min(requested, options.maxTimeoutSeconds) : options.maxTimeoutSeconds) : requested;
  if (timeout > 0) timers.push(setTimeout(end, timeout * 1000));
  if (bookmarks && options.bookmarkIntervalMs > 0) {
    const bookmark = (): void => {
      const rv = ctx.store.hub.latestRv(resourceKey(def));
      if (rv <= seenRv) return;
      seenRv = rv;
      if (metadataForm === 'PartialObjectMetadataList') return;
      frame('BOOKMARK', JSON.stringify(metadataForm
        ? { kind: 'PartialObjectMetadata', apiVersion: META_API_VERSION, metadata: { resourceVersion: String(rv), creationTimestamp: null } }
        : { apiVersion: apiVersionOf(def), kind: def.kind, metadata: { resourceVersion: String(rv) } }));
    };
    timers.push(setInterval(bookmark, options.bookmarkIntervalMs));
    if (timeout > 2) timers.push(setTimeout(bookmark, timeout * 1000 - 2000));
  }
}

/** The BOOKMARK that ends a watch's initial ADDED events (1.32 sends it to every watch started without an RV). */
function initialEventsEnd(def: ResourceDef, rv: number): object {
  const blueprint = `${JSON.stringify({ apiVersion: apiVersionOf(def), items: [], kind: `${def.kind}List` })}\n`;
  return {
    apiVersion: apiVersionOf(def), kind: def.kind,
    metadata: {
      annotations: { 'k8s.io/initial-events-end': 'true', 'kubernetes.io/initial-events-list-blueprint': Buffer.from(blueprint).toString('base64') },
      resourceVersion: String(rv),
    },
  };
}

/** The same BOOKMARK for a metadata-only watch: its blueprint is an empty PartialObjectMetadataList. */
function initialMetadataEventsEnd(rv: number): object {
  const blueprint = `${JSON.stringify({ kind: 'PartialObjectMetadataList', apiVersion: META_API_VERSION, metadata: {}, items: null })}\n`;
  return {
    kind: 'PartialObjectMetadata', apiVersion: META_API_VERSION,
    metadata: {
      resourceVersion: String(rv), creationTimestamp: null,
      annotations: { 'k8s.io/initial-events-end': 'true', 'kubernetes.io/initial-events-list-blueprint': Buffer.from(blueprint).toString('base64') },
    },
  };
}
