import { describe, expect, it } from '@jest/globals';
import { BmcCommandError, BmcUnreachableError, BmcUnsupportedError } from '../../errors.ts';
import { createRedfishClient } from './client.ts';

/** A scripted in-process BMC behind an injected fetch, for answers the emulator does not give. */
function scripted(handle: (req: Request) => Response) {
  const seen: { method: string; path: string; ifMatch: string | null; body?: string }[] = [];
  const fetch = async (input: Request | URL | string, init?: RequestInit): Promise<Response> => {
    const req = input instanceof Request ? input : new Request(input, init);
    seen.push({ method: req.method, path: new URL(req.url).pathname, ifMatch: req.headers.get('if-match'), body: req.method === 'GET' ? undefined : await req.clone().text() });
    return handle(req);
  };
  return { fetch, seen };
}
const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
const SYSTEM = '/redfish/v1/Systems/1';
const RESET = `${SYSTEM}/Actions/ComputerSystem.Reset`;
const options = { baseUrl: 'https://bmc.example', systemPath: SYSTEM, username: 'u', password: 'p4ssw0rd', auth: 'basic' as const, sleep: async () => undefined };

describe('createRedfishClient › setBootDevice', () => {
  it("sends If-Match '*' after a 428 when the BMC gives no ETag at all", async () => {
    // Prepare
    const { fetch, seen } = scripted((req) => {
      if (req.method === 'GET') return json({ Boot: {} });
      return req.headers.get('if-match') ? new Response(null, { status: 204 }) : json({ error: { message: 'If-Match required' } }, 428);
    });
    const c = createRedfishClient({ ...options, fetch });
    // Act
    await c.setBootDevice('pxe');
    // Assess
    expect(seen.filter((r) => r.method === 'PATCH').map((r) => r.ifMatch)).toEqual([null, '*']);
    await c.close();
  });

  it('gives up with the DMTF message after one ETag refresh when 412 repeats', async () => {
    // Prepare
    const { fetch, seen } = scripted((req) => (req.method === 'GET'
      ? json({ Boot: {} }, 200, { ETag: `"${seen.length}"` })
      : json({ error: { code: 'Base.1.16.PreconditionFailed', message: 'ETag mismatch' } }, 412)));
    const c = createRedfishClient({ ...options, fetch });
    // Act
    const err = await c.setBootDevice('disk').then(() => new Error('resolved unexpectedly'), (e: unknown) => e as Error);
    // Assess
    expect(err).toBeInstanceOf(BmcCommandError);
    expect(err.message).toContain('ETag mismatch');
    expect(seen.filter((r) => r.method === 'PATCH')).toHaveLength(2);
    await c.close();
  });
});

describe('createRedfishClient › boot target check', () => {
  it('throws BmcUnsupportedError and sends no PATCH when the target is not in AllowableValues', async () => {
    // Prepare
    const { fetch, seen } = scripted(() => json({ Boot: { 'BootSourceOverrideTarget@Redfish.AllowableValues': ['Pxe', 'Hdd'] } }));
    const c = createRedfishClient({ ...options, fetch });
    // Act
    const err = await c.setBootDevice('cdrom').then(() => new Error('resolved unexpectedly'), (e: unknown) => e as Error);
    // Assess
    expect(err).toBeInstanceOf(BmcUnsupportedError);
    expect(err.message).toContain('boot target Cd not offered (BMC offers Pxe, Hdd)');
    expect(seen.some((r) => r.method === 'PATCH')).toBe(false);
    await c.close();
  });
});

describe('createRedfishClient › setPower with a task monitor', () => {
  const system = (power: string) => json({ PowerState: power, Actions: { '#ComputerSystem.Reset': { target: RESET } } });

  it('throws BmcCommandError with the task messages when the task ends in Exception', async () => {
    // Prepare
    const { fetch } = scripted((req) => {
      const path = new URL(req.url).pathname;
      if (req.method === 'POST') return new Response(null, { status: 202, headers: { Location: '/redfish/v1/TaskMonitors/7' } });
      if (path === '/redfish/v1/TaskMonitors/7') return json({ TaskState: 'Exception', Messages: [{ Message: 'PSU failure' }] });
      return system('Off');
    });
    const c = createRedfishClient({ ...options, fetch });
    // Act
    const err = await c.setPower('cycle').then(() => new Error('resolved unexpectedly'), (e: unknown) => e as Error);
    // Assess
    expect(err).toBeInstanceOf(BmcCommandError);
    expect(err.message).toContain('task ended Exception: PSU failure');
    await c.close();
  });

  it('throws a retryable BmcUnreachableError when the task outlives taskTimeoutMs', async () => {
    // Prepare: a fake clock that advances with every sleep
    let now = 0;
    const { fetch } = scripted((req) => (req.method === 'POST' || new URL(req.url).pathname.startsWith('/redfish/v1/TaskMonitors')
      ? new Response(null, { status: 202, headers: { Location: '/redfish/v1/TaskMonitors/8', 'Retry-After': '2' } })
      : system('On')));
    const c = createRedfishClient({ ...options, fetch, taskTimeoutMs: 10_000, now: () => now, sleep: async (ms) => { now += ms; } });
    // Act
    const err = await c.setPower('reset').then(() => new Error('resolved unexpectedly'), (e: unknown) => e as Error);
    // Assess
    expect(err).toBeInstanceOf(BmcUnreachableError);
    expect(err.message).toContain('task not finished within 10000 ms');
    await c.close();
  });
});
