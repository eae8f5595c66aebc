import { describe, expect, it } from '@jest/globals';
import { BmcAuthError, BmcProtocolError, BmcUnreachableError } from '../../errors.ts';
import { createRedfishClient } from './client.ts';

/** An in-process fake BMC behind an injected fetch: only the edge behaviour is under test here. */
function fakeFetch(handle: (req: Request) => Response | Promise<Response>) {
  const seen: Request[] = [];
  const fetch = async (input: Request | URL | string, init?: RequestInit): Promise<Response> => {
    const req = input instanceof Request ? input : new Request(input, init);
    seen.push(req.clone());
    return handle(req);
  };
  return { fetch, seen };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

const ROOT = { Systems: { '@odata.id': '/redfish/v1/Systems' }, Links: { Sessions: { '@odata.id': '/redfish/v1/SessionService/Sessions' } } };
const SYSTEM = { '@odata.id': '/redfish/v1/Systems/1', PowerState: 'On' };
const PASSWORD = 'Sup3r-Secret-pw';

const client = (fetch: ReturnType<typeof fakeFetch>['fetch'], over: Partial<Parameters<typeof createRedfishClient>[0]> = {}) =>
  createRedfishClient({ baseUrl: 'https://bmc.example:8443', systemPath: '/redfish/v1/Systems/1', username: 'admin', password: PASSWORD, auth: 'basic', fetch, ...over });

describe('redfish transport edge', () => {
  it('rejects an answer larger than maxResponseBytes with BmcProtocolError', async () => {
    // Prepare
    const { fetch } = fakeFetch(() => json({ ...SYSTEM, Pad: 'x'.repeat(5000) }));
    const c = client(fetch, { maxResponseBytes: 1024 });
    // Act
    const err = await c.powerState().then(() => new Error('resolved unexpectedly'), (e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(BmcProtocolError);
    expect((err as Error).message).toMatch(/exceeds the 1024-byte limit/);
    await c.close();
  });

  it('rejects malformed JSON in a 200 answer with BmcProtocolError', async () => {
    // Prepare
    const { fetch } = fakeFetch(() => new Response('{"PowerState": "On"', { status: 200 }));
    const c = client(fetch);
    // Act / Assess
    await expect(c.powerState()).rejects.toBeInstanceOf(BmcProtocolError);
    await c.close();
  });

  it('rejects a field of the wrong type with BmcProtocolError naming the field', async () => {
    // Prepare
    const { fetch } = fakeFetch(() => json({ ...SYSTEM, PowerState: 42 }));
    const c = client(fetch);
    // Act
    const err = await c.powerState().then(() => new Error('resolved unexpectedly'), (e: unknown) => e as Error);
    // Assess
    expect(err).toBeInstanceOf(BmcProtocolError);
    expect((err as Error).message).toContain('PowerState');
    await c.close();
  });

  it('refuses to follow a task monitor on another host, so the credentials never leave the BMC', async () => {
    // Prepare
    const { fetch, seen } = fakeFetch((req) => {
      const path = new URL(req.url).pathname;
      if (req.method === 'POST') return new Response(null, { status: 202, headers: { Location: 'https://evil.example/monitor' } });
      if (path === '/redfish/v1/Systems/1') return json({ ...SYSTEM, PowerState: 'Off', Actions: { '#ComputerSystem.Reset': { target: '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset' } } });
      return json({}, 404);
    });
    const c = client(fetch, { sleep: async () => undefined });
    // Act
    const err = await c.setPower('on').then(() => new Error('resolved unexpectedly'), (e: unknown) => e as Error);
    // Assess
    expect(err).toBeInstanceOf(BmcProtocolError);
    expect(seen.every((r) => new URL(r.url).host === 'bmc.example:8443')).toBe(true);
    await c.close();
  });

  it('logs in again once when the session token is rejected, then succeeds', async () => {
    // Prepare: the first token "expires" after one use
    let logins = 0;
    const { fetch, seen } = fakeFetch(async (req) => {
      const path = new URL(req.url).pathname;
      if (path === '/redfish/v1/') return json(ROOT);
      if (req.method === 'POST' && path === '/redfish/v1/SessionService/Sessions') {
        logins += 1;
        return json({}, 201, { 'X-Auth-Token': `token-${logins}`, Location: `/redfish/v1/SessionService/Sessions/${logins}` });
      }
      if (req.method === 'DELETE') return new Response(null, { status: 204 });
      return req.headers.get('x-auth-token') === `token-${logins}` && logins > 1 ? json(SYSTEM) : json({}, 401);
    });
    const c = client(fetch, { auth: 'session' });
    // Act
    const state = await c.powerState();
    await c.close();
    // Assess
    expect(state).toBe('on');
    expect(logins).toBe(2);
    expect(seen.at(-1)?.method).toBe('DELETE');
    expect(new URL(seen.at(-1)!.url).pathname).toBe('/redfish/v1/SessionService/Sessions/2');
  });

  it('throws BmcAuthError without the password in the message when the credentials are wrong', async () => {
    // Prepare
    const { fetch } = fakeFetch((req) => (new URL(req.url).pathname === '/redfish/v1/' ? json(ROOT) : json({ error: { message: `bad password ${PASSWORD}?` } }, 401)));
    const c = client(fetch, { auth: 'session' });
    // Act
    const err = await c.powerState().then(() => new Error('resolved unexpectedly'), (e: unknown) => e as Error);
    // Assess
    expect(err).toBeInstanceOf(BmcAuthError);
    expect(err.message).not.toContain(PASSWORD);
    await c.close();
  });

  it('falls back to Basic auth in auto mode when the BMC has no session service', async () => {
    // Prepare
    const { fetch, seen } = fakeFetch((req) => {
      const path = new URL(req.url).pathname;
      if (path === '/redfish/v1/') return json(ROOT);
      if (req.method === 'POST') return json({}, 405);
      return req.headers.get('authorization')?.startsWith('Basic ') ? json(SYSTEM) : json({}, 401);
    });
    const c = client(fetch, { auth: 'auto' });
    // Act
    const state = await c.powerState();
    // Assess
    expect(state).toBe('on');
    expect(c.authInUse()).toBe('basic');
    expect(seen.filter((r) => r.method === 'POST')).toHaveLength(1);
    await c.close();
  });
});

describe('redfish transport before the address answered as Redfish', () => {
  it.each([
    { answer: 404, body: { kind: 'Status', message: 'the server could not find the requested resource', code: 404 }, want: BmcProtocolError, text: /no Redfish service answers at this address/ },
    { answer: 302, body: 'redirect', want: BmcProtocolError, text: /no Redfish service answers at this address/ },
    { answer: 418, body: 'SSH-2.0-OpenSSH_9.6', want: BmcProtocolError, text: /no Redfish service answers at this address/ },
    { answer: 403, body: { kind: 'Status', reason: 'Forbidden', message: 'forbidden: User "system:anonymous"' }, want: BmcAuthError, text: /credentials rejected/ },
    { answer: 503, body: 'upstream connect error', want: BmcUnreachableError, text: /Redfish service unavailable/ },
  ])('names only a class of failure for HTTP $answer (no status, no body: not a port scanner)', async ({ answer, body, want, text }) => {
    // Prepare: whatever listens at the address answers the service root with something else
    const { fetch } = fakeFetch(() => new Response(typeof body === 'string' ? body : JSON.stringify(body), { status: answer }));
    const c = client(fetch, { auth: 'session' });
    // Act
    const err = await c.powerState().then(() => new Error('resolved unexpectedly'), (e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(want);
    const message = (err as Error).message;
    expect(message).toMatch(text);
    expect(message).not.toContain(String(answer));
    expect(message).not.toMatch(/Forbidden|anonymous|OpenSSH|upstream|could not find|redirect/);
    await c.close();
  });
});
