/**
 * @module support/recording-fetch: a `fetch` for the Ironic client that
 * records every exchange with its JSON body, so tests can count exactly the
 * Ironic calls that matter (e.g. accepted deploys: PUT …/states/provision
 * `{"target":"active"}` answered 202). `onRequest` alone carries no body.
 */

export interface RecordedRequest {
  method: string;
  /** pathname and query, e.g. `/v1/nodes/abc/states/provision` */
  path: string;
  /** the parsed JSON body, when there was one */
  body: unknown;
  status: number;
}

export interface RecordingFetch {
  fetch: typeof globalThis.fetch;
  readonly requests: RecordedRequest[];
  clear(): void;
}

export function createRecordingFetch(inner: typeof globalThis.fetch = globalThis.fetch): RecordingFetch {
  const requests: RecordedRequest[] = [];
  const recordingFetch = async function recordingFetch(input: Request | URL | string, init?: RequestInit): Promise<Response> {
    const request = typeof input === 'object' && 'method' in input ? input : undefined;
    const url = new URL(request ? request.url : String(input));
    const text = request ? await request.clone().text() : typeof init?.body === 'string' ? init.body : '';
    let body: unknown;
    try { body = text ? JSON.parse(text) : undefined; } catch { body = text; }
    const entry: RecordedRequest = { method: request?.method ?? init?.method ?? 'GET', path: url.pathname + url.search, body, status: 0 };
    requests.push(entry);
    const response = await inner(input, init);
    entry.status = response.status;
    return response;
  } as typeof globalThis.fetch;
  return { fetch: recordingFetch, requests, clear: () => { requests.length = 0; } };
}

/** Accepted deploy requests (target active, 202) for one node, or for all when `nodeUuid` is omitted. */
export function acceptedDeploys(requests: readonly RecordedRequest[], nodeUuid?: string): RecordedRequest[] {
  return requests.filter((r) => r.method === 'PUT' && /\/v1\/nodes\/[^/]+\/states\/provision$/.test(r.path)
    && (r.body as { target?: string } | undefined)?.target === 'active' && r.status === 202
    && (nodeUuid === undefined || r.path.includes(`/v1/nodes/${nodeUuid}/`)));
}

/** Node creations that Ironic accepted (POST /v1/nodes → 201). */
export function createdNodes(requests: readonly RecordedRequest[]): RecordedRequest[] {
  return requests.filter((r) => r.method === 'POST' && r.path === '/v1/nodes' && r.status === 201);
}
