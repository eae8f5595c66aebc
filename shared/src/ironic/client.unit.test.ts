/**
 * The HTTP client's own logic over an in-process transport (an injected `fetch`).
 * Behaviour against real Ironic is in test/integration/ironic-client.int.test.ts.
 */
import { describe, expect, it } from '@jest/globals';
import { IronicConflictError, IronicRequestError, IronicResponseError, IronicUnavailableError } from '../errors.ts';
import { createIronicClient, type IronicClientOptions, type IronicRequestInfo } from './client.ts';

const ROOT = { name: 'OpenStack Ironic API', default_version: { id: 'v1', min_version: '1.1', version: '1.82', status: 'CURRENT' } };

const NODE = {
  uuid: '11111111-2222-3333-4444-555555555555', name: 'ns~host', driver: 'fake-hardware', provision_state: 'enroll',
  target_provision_state: null, power_state: null, target_power_state: null, last_error: null, maintenance: false,
  reservation: null, instance_uuid: null, driver_info: { ipmi_password: '******' }, links: [],
};

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const ironicError = (status: number, faultstring: string): Response =>
  json(status, { error_message: JSON.stringify({ faultcode: 'Client', faultstring, debuginfo: null }) });

type Route = (req: Request, url: URL) => Response | Promise<Response> | undefined;

/** A transport answering `GET /` with ROOT and everything else from `route`; records each request. */
function transport(route: Route) {
  const requests: { method: string; path: string; headers: Headers; body: string }[] = [];
  const fetch = (async (input: Request | URL | string, init?: RequestInit) => {
    const req = input instanceof Request ? input : new Request(input, init);
    const url = new URL(req.url);
    requests.push({ method: req.method, path: url.pathname + url.search, headers: req.headers, body: await req.clone().text() });
    if (url.pathname === '/' && req.method === 'GET') return json(200, ROOT);
    return (await route(req, url)) ?? json(599, { error_message: 'no route' });
  }) as typeof globalThis.fetch;
  return { fetch, requests };
}

const client = (fetch: typeof globalThis.fetch, options: Partial<IronicClientOptions> = {}) =>
  createIronicClient({ url: 'http://ironic.test:6385', fetch, retry: { limit: 2, backoffLimitMs: 5 }, ...options });

describe('createIronicClient', () => {
  it('negotiates the microversion once and sends it on every request when microversion is negotiate', async () => {
    // Prepare
    const t = transport(() => json(200, NODE));
    const ironic = client(t.fetch);
    // Act
    await ironic.getNode('a');
    await ironic.getNode('b');
    // Assess
    expect(t.requests.map((r) => r.path)).toEqual(['/', '/v1/nodes/a', '/v1/nodes/b']);
    expect(t.requests.slice(1).map((r) => r.headers.get('x-openstack-ironic-api-version'))).toEqual(['1.82', '1.82']);
  });

  it('skips GET / when the microversion is fixed', async () => {
    const t = transport(() => json(200, NODE));
    await client(t.fetch, { microversion: '1.81' }).getNode('a');
    expect(t.requests.map((r) => [r.path, r.headers.get('x-openstack-ironic-api-version')])).toEqual([['/v1/nodes/a', '1.81']]);
  });

  it('refuses a server too old for us with a request error', async () => {
    // Prepare
    const old = { default_version: { id: 'v1', min_version: '1.1', version: '1.58' } };
    const fetch = (async () => json(200, old)) as unknown as typeof globalThis.fetch;
    // Act + Assess
    await expect(client(fetch).getNode('a')).rejects.toThrow(/supports API 1\.1–1\.58; this client needs 1\.81/);
  });

  it('keeps a path prefix of the base URL', async () => {
    const t = transport(() => json(200, NODE));
    await createIronicClient({ url: 'http://ironic.test/baremetal/', fetch: t.fetch, microversion: '1.82' }).getNode('a');
    expect(t.requests[0]!.path).toBe('/baremetal/v1/nodes/a');
  });

  it('returns null when getNode answers 404', async () => {
    const t = transport(() => ironicError(404, 'Node x could not be found.'));
    await expect(client(t.fetch).getNode('x')).resolves.toBeNull();
  });

  it('always asks for uuid when fields are given', async () => {
    const t = transport(() => json(200, { uuid: NODE.uuid, provision_state: 'active' }));
    const node = await client(t.fetch).getNode('x', ['provision_state']);
    expect(t.requests[1]!.path).toBe('/v1/nodes/x?fields=uuid%2Cprovision_state');
    expect(node).toMatchObject({ uuid: NODE.uuid, provision_state: 'active' });
  });

  it('treats a node already gone as deleted', async () => {
    const t = transport(() => ironicError(404, 'Node x could not be found.'));
    await expect(client(t.fetch).deleteNode('x')).resolves.toBeUndefined();
  });

  it('surfaces 409 as IronicConflictError without retrying', async () => {
    // Prepare
    const t = transport(() => ironicError(409, `Node ${NODE.uuid} is locked by host c1, please retry after the current operation is completed.`));
    // Act
    const err = await client(t.fetch).setProvisionState(NODE.uuid, 'manage').catch((e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(IronicConflictError);
    expect((err as Error).message).toBe(
      `PUT /v1/nodes/${NODE.uuid}/states/provision failed: 409 Node ${NODE.uuid} is locked by host c1, please retry after the current operation is completed.`,
    );
    expect(t.requests.filter((r) => r.method === 'PUT')).toHaveLength(1);
  });

  it('surfaces a 400 as IronicRequestError with the faultstring', async () => {
    const t = transport(() => ironicError(400, 'The requested action "active" can not be performed on node "u" while it is in state "enroll".'));
    const err = await client(t.fetch).setProvisionState('u', 'active').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IronicRequestError);
    expect((err as IronicRequestError).statusCode).toBe(400);
    expect((err as Error).message).toContain('while it is in state "enroll"');
  });

  it('retries a GET on 503 and succeeds', async () => {
    // Prepare
    let calls = 0;
    const t = transport(() => (++calls === 1 ? json(503, {}) : json(200, NODE)));
    // Act
    const node = await client(t.fetch).getNode('a');
    // Assess
    expect(node?.uuid).toBe(NODE.uuid);
    expect(calls).toBe(2);
  });

  it('retries a PUT on 500 but gives up after the limit with IronicUnavailableError', async () => {
    const t = transport(() => ironicError(500, 'internal'));
    const err = await client(t.fetch).setPowerState('a', 'power on').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IronicUnavailableError);
    expect(t.requests.filter((r) => r.method === 'PUT')).toHaveLength(3);
  });

  it.each([
    { case: 'POST', act: (c: ReturnType<typeof client>) => c.createNode({ name: 'n', driver: 'fake-hardware', driver_info: {} }) },
    { case: 'PATCH', act: (c: ReturnType<typeof client>) => c.patchNode('a', [{ op: 'replace', path: '/name', value: 'n' }]) },
  ])('never retries a $case on 503', async ({ act }) => {
    const t = transport(() => json(503, {}));
    await expect(act(client(t.fetch))).rejects.toBeInstanceOf(IronicUnavailableError);
    expect(t.requests.filter((r) => r.method !== 'GET')).toHaveLength(1);
  });

  it('keeps passwords out of the error when Ironic echoes the request', async () => {
    // Prepare
    const t = transport(() => ironicError(400, 'Invalid driver_info: ipmi_password=correct-horse-battery'));
    // Act
    const err = await client(t.fetch)
      .createNode({ name: 'n', driver: 'ipmi', driver_info: { ipmi_password: 'correct-horse-battery' } })
      .catch((e: unknown) => e as Error);
    // Assess
    expect(err).toBeInstanceOf(IronicRequestError);
    expect((err as Error).message).not.toContain('correct-horse-battery');
    expect(JSON.stringify((err as IronicRequestError).context)).not.toContain('correct-horse-battery');
  });

  it('sends HTTP basic auth when configured', async () => {
    const t = transport(() => json(200, NODE));
    await client(t.fetch, { auth: { username: 'ironic', password: 'pa55word' }, allowInsecureAuth: true }).getNode('a');
    expect(t.requests.every((r) => r.headers.get('authorization') === `Basic ${Buffer.from('ironic:pa55word').toString('base64')}`)).toBe(true);
  });

  it('sends the provision target with only the extras given', async () => {
    const t = transport(() => new Response(null, { status: 202 }));
    await client(t.fetch).setProvisionState('a', 'active', { configdrive: { user_data: 'x' }, deploy_steps: undefined });
    expect(JSON.parse(t.requests[1]!.body)).toEqual({ target: 'active', configdrive: { user_data: 'x' } });
  });

  it('raises IronicResponseError when the answer is not JSON', async () => {
    const t = transport(() => new Response('<html>oops</html>', { status: 200 }));
    await expect(client(t.fetch).getNode('a')).rejects.toThrow(IronicResponseError);
  });

  it('raises IronicResponseError when a field we read has the wrong type', async () => {
    const t = transport(() => json(200, { ...NODE, maintenance: 'yes' }));
    await expect(client(t.fetch).getNode('a')).rejects.toThrow(/maintenance/);
  });

  it('raises IronicResponseError when the declared body is over the cap', async () => {
    const t = transport(() => new Response('{}', { status: 200, headers: { 'content-length': String(64 * 1024 * 1024) } }));
    await expect(client(t.fetch, { maxResponseBytes: 1024 }).getNode('a')).rejects.toThrow(/larger than 1024 bytes/);
  });

  it('raises IronicResponseError when a streamed body grows over the cap', async () => {
    // Prepare: no content-length, 64 chunks of 1 KiB
    const chunk = new Uint8Array(1024).fill(32);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 64) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const t = transport(() => new Response(stream, { status: 200 }));
    // Act + Assess
    await expect(client(t.fetch, { maxResponseBytes: 4096 }).getNode('a')).rejects.toBeInstanceOf(IronicResponseError);
    expect(sent).toBeLessThan(64);
  });

  it('follows next links by marker and reports every page through onRequest', async () => {
    // Prepare: Ironic names its own host in `next`; we must stay on ours
    const nodes = [1, 2, 3].map((i) => ({ ...NODE, uuid: `u${i}`, name: `n${i}` }));
    const t = transport((_req, url) => {
      const marker = url.searchParams.get('marker');
      const from = marker === null ? 0 : nodes.findIndex((n) => n.uuid === marker) + 1;
      const page = nodes.slice(from, from + 2);
      const next = page.length === 2 ? `http://elsewhere:1/v1/nodes?detail=True&limit=2&marker=${page.at(-1)!.uuid}` : undefined;
      return json(200, next ? { nodes: page, next } : { nodes: page });
    });
    const seen: IronicRequestInfo[] = [];
    // Act
    const all = await client(t.fetch, { onRequest: (i) => seen.push(i) }).listNodes({ limit: 2 });
    // Assess
    expect(all.map((n) => n.uuid)).toEqual(['u1', 'u2', 'u3']);
    expect(seen.map((i) => `${i.method} ${i.path} ${i.status}`)).toEqual([
      'GET / 200',
      'GET /v1/nodes?detail=True&limit=2 200',
      'GET /v1/nodes?detail=True&limit=2&marker=u2 200',
    ]);
    expect(seen.every((i) => i.ms >= 0)).toBe(true);
  });

  it('lists with fields instead of detail when fields are given', async () => {
    const t = transport(() => json(200, { nodes: [{ uuid: 'u1', provision_state: 'active' }] }));
    await client(t.fetch).listNodes({ fields: ['provision_state', 'power_state'] });
    expect(t.requests[1]!.path).toBe('/v1/nodes?fields=uuid%2Cprovision_state%2Cpower_state');
  });

  it('raises IronicUnavailableError naming the cause when nothing listens', async () => {
    // Prepare: a transport that fails like undici does on a refused connection
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    const fetch = (async () => {
      throw new TypeError('fetch failed', { cause: refused });
    }) as unknown as typeof globalThis.fetch;
    const seen: IronicRequestInfo[] = [];
    // Act
    const err = await client(fetch, { microversion: '1.82', onRequest: (i) => seen.push(i) }).getNode('a').catch((e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(IronicUnavailableError);
    expect((err as Error).message).toBe('GET /v1/nodes/a failed: cannot reach Ironic at http://ironic.test:6385: ECONNREFUSED');
    expect(seen.map((i) => i.status)).toEqual([0, 0, 0]);
  });

  it('raises IronicUnavailableError when Ironic does not answer in time', async () => {
    const fetch = ((_input: Request) => new Promise<Response>((_resolve, reject) => {
      _input.signal.addEventListener('abort', () => reject(_input.signal.reason));
    })) as unknown as typeof globalThis.fetch;
    const err = await client(fetch, { microversion: '1.82', timeoutMs: 50, retry: false }).getNode('a').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IronicUnavailableError);
    expect((err as Error).message).toContain('did not answer within 50 ms');
  });

  it('reads the version range from GET /', async () => {
    const t = transport(() => undefined);
    await expect(client(t.fetch).versions()).resolves.toEqual({ min: '1.1', max: '1.82' });
  });
});
