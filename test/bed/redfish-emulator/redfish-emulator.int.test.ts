/**
 * The Redfish emulator proven by independent clients: Debian's python3-sushy (Ironic's library)
 * and DMTF redfishtool drive it and the emulator's state must change as they asked; plus the
 * protocol answers a real BMC gives (401, ETag/412/428, DMTF errors, 413, malformed JSON).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Agent } from 'undici';
import { startRedfishEmulator, type RedfishEmulator } from './index.ts';

const run = promisify(execFile);
const USER = 'operator';
const PASSWORD = 'Em-ul4t0r-secret';
const SUSHY_DRIVER = fileURLToPath(new URL('./sushy-drive.py', import.meta.url));
// Debian's python, not the one first on PATH; no REQUESTS_CA_BUNDLE, or requests ignores `verify=<ca>`
const PY_ENV = { PATH: '/usr/bin:/bin', REDFISH_USERNAME: USER, REDFISH_PASSWORD: PASSWORD };

describe('redfish emulator › driven by python3-sushy', () => {
  let bmc: RedfishEmulator;
  beforeAll(async () => {
    bmc = await startRedfishEmulator({ username: USER, password: PASSWORD, systems: 2, quirks: { virtualMediaUnderManager: true } });
  }, 30_000);
  afterAll(async () => { await bmc?.stop(); }, 30_000);

  it('logs in, resets, sets the boot override, reads inventory, inserts and ejects media, and logs out', async () => {
    // Prepare
    const target = bmc.systems[1]!;
    // Act
    const { stdout } = await run('/usr/bin/python3', [SUSHY_DRIVER, bmc.url, target.path, bmc.caPath], { env: PY_ENV, timeout: 60_000 });
    const seen = JSON.parse(stdout) as Record<string, unknown>;
    // Assess: what sushy read
    expect(seen).toMatchObject({
      identity: target.id, power_before: 'Off', power_after: 'On',
      boot: { target: 'Cd', enabled: 'Continuous', mode: 'UEFI' },
      cpus: 32, arch: 'x86', memory_gib: 64,
      inserted: { image: 'http://127.0.0.1:9/boot.iso', inserted: true },
      ejected: { image: null, inserted: false },
    });
    expect(seen.allowed_resets).toEqual(expect.arrayContaining(['On', 'ForceOff', 'GracefulShutdown', 'ForceRestart']));
    expect((seen.macs as string[]).length).toBe(2);
    expect(seen.drive_sizes).toEqual([480_103_981_056, 1_920_383_410_176]);
    // Assess: what the emulator did
    const state = bmc.state(target.id);
    expect(state.power).toBe('On');
    expect(state.boot).toEqual({ target: 'Cd', enabled: 'Continuous', mode: 'UEFI' });
    expect(bmc.state(bmc.systems[0]!.id).power).toBe('Off');
    expect(bmc.requests.some((r) => r.method === 'PATCH' && r.ifMatch !== undefined && r.status === 200)).toBe(true);
    expect(bmc.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/Sessions')).map((r) => r.status)).toEqual([201]);
    expect(bmc.requests.at(-1)).toMatchObject({ method: 'DELETE', status: 204 });
    expect(bmc.sessionCount()).toBe(0);
    expect(JSON.stringify(bmc.requests)).not.toContain(PASSWORD);
  }, 90_000);

  it('fails certificate verification when sushy is given no CA for the self-signed certificate', async () => {
    // Act
    const result = await run('/usr/bin/python3', [SUSHY_DRIVER, bmc.url, bmc.systems[0]!.path, '/etc/ssl/certs/ca-certificates.crt'], { env: PY_ENV, timeout: 60_000 })
      .then(() => 'succeeded', (e: { stderr?: string }) => e.stderr ?? '');
    // Assess
    expect(result).toMatch(/CERTIFICATE_VERIFY_FAILED/);
  }, 90_000);
});

describe('redfish emulator › driven by redfishtool', () => {
  let bmc: RedfishEmulator;
  const rt = (...args: string[]) =>
    run('/usr/bin/redfishtool', ['-r', `127.0.0.1:${bmc.port}`, '-u', USER, '-p', PASSWORD, '-S', 'Always', '-T', '20', ...args], { env: { PATH: '/usr/bin:/bin' }, timeout: 60_000 });

  beforeAll(async () => {
    bmc = await startRedfishEmulator({ username: USER, password: PASSWORD, systems: 2 });
  }, 30_000);
  afterAll(async () => { await bmc?.stop(); }, 30_000);

  it('lists the systems collection', async () => {
    // Act
    const { stdout } = await rt('Systems', 'list');
    // Assess
    for (const s of bmc.systems) expect(stdout).toContain(s.path);
  }, 60_000);

  it('powers a system on with a session and deletes the session afterwards', async () => {
    // Prepare
    const target = bmc.systems[0]!;
    // Act
    await rt('-A', 'Session', 'Systems', '-I', target.id, 'reset', 'On');
    // Assess
    expect(bmc.state(target.id).power).toBe('On');
    expect(bmc.state(bmc.systems[1]!.id).power).toBe('Off');
    expect(bmc.sessionCount()).toBe(0);
    expect(bmc.requests.some((r) => r.method === 'POST' && r.path.endsWith('ComputerSystem.Reset') && r.auth === 'session')).toBe(true);
  }, 60_000);

  it('sets a one-time PXE boot override with If-Match over Basic auth', async () => {
    // Prepare
    const target = bmc.systems[1]!;
    // Act
    await rt('Systems', '-I', target.id, 'setBootOverride', 'Once', 'Pxe');
    // Assess
    expect(bmc.state(target.id).boot).toMatchObject({ target: 'Pxe', enabled: 'Once' });
    const patch = bmc.requests.filter((r) => r.method === 'PATCH').at(-1);
    expect(patch).toMatchObject({ status: 200, auth: 'basic', ifMatch: expect.stringMatching(/^"/) });
  }, 60_000);

  it('exits non-zero and leaves the system alone when the password is wrong', async () => {
    // Prepare
    const target = bmc.systems[1]!;
    const before = bmc.state(target.id).power;
    // Act
    const failed = await run('/usr/bin/redfishtool', ['-r', `127.0.0.1:${bmc.port}`, '-u', USER, '-p', 'wrong', '-S', 'Always', 'Systems', '-I', target.id, 'reset', 'On'], { env: { PATH: '/usr/bin:/bin' }, timeout: 60_000 })
      .then(() => false, () => true);
    // Assess
    expect(failed).toBe(true);
    expect(bmc.state(target.id).power).toBe(before);
    expect(bmc.requests.some((r) => r.status === 401)).toBe(true);
  }, 60_000);
});

describe('redfish emulator › protocol answers', () => {
  let bmc: RedfishEmulator;
  let strict: RedfishEmulator;
  let agent: Agent;
  const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  const call = (e: RedfishEmulator, path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
    fetch(`${e.url}${path}`, { ...init, headers: { Authorization: basic, 'Content-Type': 'application/json', ...init.headers }, dispatcher: agent } as unknown as RequestInit);

  beforeAll(async () => {
    [bmc, strict] = await Promise.all([
      startRedfishEmulator({ username: USER, password: PASSWORD, maxBodyBytes: 1024 }),
      startRedfishEmulator({ username: USER, password: PASSWORD, quirks: { requireIfMatch: true } }),
    ]);
    agent = new Agent({ connect: { ca: [bmc.caPem, strict.caPem] } });
  }, 30_000);
  afterAll(async () => {
    await agent?.close();
    await Promise.all([bmc?.stop(), strict?.stop()]);
  }, 30_000);

  it('serves the service root without credentials but answers 401 with a DMTF body elsewhere', async () => {
    // Act
    const root = await call(bmc, '/redfish/v1/', { headers: { Authorization: '' } });
    const denied = await call(bmc, '/redfish/v1/Systems', { headers: { Authorization: '' } });
    const body = await denied.json() as { error: { '@Message.ExtendedInfo': { MessageId: string }[] } };
    // Assess
    expect(root.status).toBe(200);
    expect(denied.status).toBe(401);
    expect(body.error['@Message.ExtendedInfo'][0]!.MessageId).toMatch(/NoValidSession$/);
  });

  it('puts an ETag on every GET and answers 412 to a stale If-Match', async () => {
    // Prepare
    const path = bmc.systems[0]!.path;
    const first = await call(bmc, path);
    const etag = first.headers.get('etag')!;
    bmc.setPower(bmc.systems[0]!.id, 'On');
    // Act
    const stale = await call(bmc, path, { method: 'PATCH', body: JSON.stringify({ Boot: { BootSourceOverrideTarget: 'Pxe' } }), headers: { 'If-Match': etag } });
    const fresh = await call(bmc, path);
    const ok = await call(bmc, path, { method: 'PATCH', body: JSON.stringify({ Boot: { BootSourceOverrideTarget: 'Pxe' } }), headers: { 'If-Match': fresh.headers.get('etag')! } });
    // Assess
    expect(etag).toMatch(/^"[0-9a-f]+"$/);
    expect(stale.status).toBe(412);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).not.toBe(fresh.headers.get('etag'));
  });

  it('answers 428 to a PATCH without If-Match when the quirk requires it', async () => {
    // Act
    const res = await call(strict, strict.systems[0]!.path, { method: 'PATCH', body: JSON.stringify({ Boot: { BootSourceOverrideTarget: 'Pxe' } }) });
    // Assess
    expect(res.status).toBe(428);
    expect(strict.state(strict.systems[0]!.id).boot.target).toBe('None');
  });

  it.each([
    { case: 'a ResetType outside AllowableValues', path: '/Actions/ComputerSystem.Reset', method: 'POST', body: { ResetType: 'Hibernate' }, status: 400, id: 'ActionParameterValueNotInList' },
    { case: 'a missing ResetType', path: '/Actions/ComputerSystem.Reset', method: 'POST', body: {}, status: 400, id: 'ActionParameterMissing' },
    { case: 'a read-only PowerState', path: '', method: 'PATCH', body: { PowerState: 'Off' }, status: 400, id: 'PropertyNotWritable' },
    { case: 'an unknown boot mode', path: '', method: 'PATCH', body: { Boot: { BootSourceOverrideMode: 'Hybrid' } }, status: 400, id: 'PropertyValueNotInList' },
    { case: 'a DELETE on the system', path: '', method: 'DELETE', body: undefined, status: 405, id: 'OperationNotAllowed' },
  ])('answers $status $id for $case', async ({ path, method, body, status, id }) => {
    // Act
    const res = await call(bmc, `${bmc.systems[0]!.path}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = await res.json() as { error: { '@Message.ExtendedInfo': { MessageId: string }[] } };
    // Assess
    expect(res.status).toBe(status);
    expect(json.error['@Message.ExtendedInfo'][0]!.MessageId).toMatch(new RegExp(`${id}$`));
  });

  it('answers 400 MalformedJSON to a broken body and 413 to one over the size limit', async () => {
    // Act
    const broken = await call(bmc, bmc.systems[0]!.path, { method: 'PATCH', body: '{"Boot": ' });
    const huge = await call(bmc, bmc.systems[0]!.path, { method: 'PATCH', body: JSON.stringify({ AssetTag: 'x'.repeat(4096) }) });
    // Assess
    expect(broken.status).toBe(400);
    expect(huge.status).toBe(413);
  });

  it('moves PowerState through PoweringOn to On when a power-on delay is configured', async () => {
    // Prepare
    const slow = await startRedfishEmulator({ username: USER, password: PASSWORD, tls: false, powerOnDelayMs: 300 });
    try {
      const s = slow.systems[0]!;
      // Act
      const res = await fetch(`${slow.url}${s.path}/Actions/ComputerSystem.Reset`, { method: 'POST', body: JSON.stringify({ ResetType: 'On' }), headers: { Authorization: basic, 'Content-Type': 'application/json' } });
      const during = slow.state(s.id).power;
      await new Promise((r) => setTimeout(r, 600));
      // Assess
      expect(res.status).toBe(204);
      expect(during).toBe('PoweringOn');
      expect(slow.state(s.id).power).toBe('On');
      expect(s.address).toMatch(/^redfish\+http:\/\/127\.0\.0\.1:\d+\/redfish\/v1\/Systems\//);
    } finally {
      await slow.stop();
    }
  });
});

describe('redfish emulator › power change listener (what simulated machines follow)', () => {
  it('reports each power-on with the boot target it boots (a Once override consumed) and each power-off, never a no-op', async () => {
    // Prepare
    const changes: unknown[] = [];
    const bmc = await startRedfishEmulator({ username: USER, password: PASSWORD, tls: false, onPowerChange: (id, change) => changes.push({ id, ...change }) });
    const id = bmc.systems[0]!.id;
    const path = bmc.systems[0]!.path;
    const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    const send = (sub: string, method: string, body: unknown) =>
      fetch(`${bmc.url}${path}${sub}`, { method, body: JSON.stringify(body), headers: { Authorization: basic, 'Content-Type': 'application/json' } });
    try {
      // Act
      expect((await send('', 'PATCH', { Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' } })).status).toBeLessThan(300);
      await send('/Actions/ComputerSystem.Reset', 'POST', { ResetType: 'On' });
      await send('/Actions/ComputerSystem.Reset', 'POST', { ResetType: 'On' });
      await send('/Actions/ComputerSystem.Reset', 'POST', { ResetType: 'ForceRestart' });
      await send('/Actions/ComputerSystem.Reset', 'POST', { ResetType: 'ForceOff' });
      await send('/Actions/ComputerSystem.Reset', 'POST', { ResetType: 'ForceOff' });
      // Assess
      expect(changes).toEqual([
        { id, power: 'On', bootTarget: 'Pxe' },
        { id, power: 'Off' }, { id, power: 'On', bootTarget: 'Hdd' },
        { id, power: 'Off' },
      ]);
    } finally {
      await bmc.stop();
    }
  });
});
