/**
 * Bad input, property-based: BareMetalHost specs with malformed BMC addresses,
 * MACs, image URLs and checksums, conflicting fields, and BMC Secrets that are
 * missing, empty, huge or keyed wrong — driven through the real shell
 * (createHandler, all five functions) on FakeHostStore + FakeIronic.
 * Properties: the handler never throws or answers 500; a spec the rules refuse
 * becomes a status error naming the field plus a Warning Event; nothing
 * secret reaches status, Events or logs; and once fixed, the host goes on.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { buildRequestedEvent } from '../../events/src/build.ts';
import { validateHostSpec } from '../../shared/src/api/validate-host.ts';
import { createHandler } from '../../shared/src/handler/create-handler.ts';
import type { HandlerResult } from '../../shared/src/handler/reply.ts';
import type { HandlerDeps, TransitionFunction } from '../../shared/src/handler/types.ts';
import type { ProvisionStateExtras, ProvisionTarget } from '../../shared/src/ironic/types.ts';
import type { StoredHost } from '../../shared/src/k8s/host-store.ts';
import { createLogger } from '../../shared/src/log.ts';
import { currentState, dueFor } from '../../shared/src/state-machine/guard.ts';
import type { TransitionName } from '../../shared/src/state-machine/states.ts';
import { TRANSITION_FUNCTIONS } from '../../shared/src/runner/all-in-one.ts';
import { aHost } from '../builders/host.ts';
import { FakeHostStore } from '../fakes/fake-host-store.ts';
import { FakeIronic } from '../fakes/fake-ironic.ts';
import { testConfig } from '../fakes/transition-harness.ts';

const NS = 'metal3';
const NAME = 'host-0';
const SECRET = `${NAME}-bmc`;
const PASSWORD = 'pw-Fz83kQ0-never-logged';
const USER_DATA = '#cloud-config\n# ud-secret-Yq72Lm\n';
const GOOD_IMAGE = { url: 'http://images/os.qcow2', checksum: 'a'.repeat(64), checksumType: 'sha256', format: 'qcow2' };
const RUNS = { numRuns: 40 } as const;

/** FakeIronic stamps no inspection_finished_at (real Ironic does); add it off the record. */
class InspectingFakeIronic extends FakeIronic {
  override async setProvisionState(id: string, target: ProvisionTarget, extras?: ProvisionStateExtras): Promise<void> {
    await super.setProvisionState(id, target, extras);
    if (target === 'inspect') {
      await super.patchNode(id, [{ op: 'add', path: '/inspection_finished_at', value: new Date().toISOString() }]);
      this.calls.pop();
    }
  }
}

interface World {
  hosts: FakeHostStore;
  ironic: InspectingFakeIronic;
  lines: string[];
  results: HandlerResult[];
  advance(ms: number): void;
  drive(max?: number): Promise<void>;
  current(): StoredHost;
}

function world(host: StoredHost, secret: Record<string, string> | undefined): World {
  const hosts = new FakeHostStore().withHost(host).withSecret(NS, 'ud', { userData: USER_DATA });
  if (secret) hosts.withSecret(NS, SECRET, secret);
  const ironic = new InspectingFakeIronic();
  const lines: string[] = [];
  let nowMs = Date.parse('2026-03-01T00:00:00.000Z');
  const now = (): Date => new Date(nowMs);
  const config = testConfig({ BACKOFF_BASE_MS: '1000', BMC_PRECHECK: 'false' });
  const deps: HandlerDeps = { hosts, ironic, config, log: createLogger({ level: 'debug', write: (l) => lines.push(l) }), now };
  const handlers = Object.fromEntries(Object.entries(TRANSITION_FUNCTIONS).map(([t, fn]) => [t, createHandler(fn as TransitionFunction<never>, deps)])) as Record<TransitionName, ReturnType<typeof createHandler>>;
  const results: HandlerResult[] = [];
  return {
    hosts, ironic, lines, results,
    advance: (ms) => { nowMs += ms; },
    current: () => hosts.peek(NS, NAME)!,
    drive: async function drive(max = 30) {
      for (let i = 0; i < max; i++) {
        const h = hosts.peek(NS, NAME);
        if (!h) return;
        const due = dueFor(h, { now: nowMs, backoffBaseMs: config.BACKOFF_BASE_MS });
        if (due.kind === 'none') return;
        const ev = buildRequestedEvent({ host: h, transition: due.by, reason: 'state-changed', source: '/metal3/watcher/test', now });
        const result = await handlers[due.by].processEvent({ ...(ev as unknown as Record<string, unknown>) });
        results.push(result);
        if (result.kind === 'recorded' || result.kind === 'noop' || result.kind === 'retry') return;
        nowMs += 1_000;
      }
    },
  };
}

/** Nothing secret in status, Events or log lines. */
function expectNoSecrets(w: World, secrets: readonly string[]): void {
  const written = [JSON.stringify(w.current().status ?? {}), JSON.stringify(w.hosts.events), ...w.lines].join('\n');
  for (const s of secrets) if (s.length >= 6) expect(written.includes(s)).toBe(false);
}

/** The handler stayed in its contract: no throw (drive would reject), no 500. */
function expectNoCrash(w: World): void {
  expect(w.results.filter((r) => r.kind === 'crashed')).toEqual([]);
}

/** An error the user can act on: error status naming the field, and a Warning Event with the same message. */
function expectRecordedError(w: World, mentions: RegExp): void {
  const s = w.current().status ?? {};
  expect(s.operationalStatus).toBe('error');
  expect(s.errorType).toEqual(expect.any(String));
  expect(String(s.errorMessage)).toMatch(mentions);
  expect(w.hosts.events.some((e) => e.type === 'Warning' && e.note === s.errorMessage)).toBe(true);
}

/** The fixed host walks on (spec edits are retried at once; Secret fixes after the backoff). */
async function expectRecovers(w: World, want: readonly string[]): Promise<void> {
  w.advance(24 * 3600_000);
  await w.drive();
  await w.drive();
  expect(w.current().status?.operationalStatus).toBe('OK');
  expect(want).toContain(currentState(w.current()));
}

const hex = (minLength: number, maxLength: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength, maxLength });
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const bmcAddress = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', 'foo://x', 'ipmi://', 'ipmi://host:99999', 'redfish://', 'redfish://[::1', 'idrac://h', 'http://h', 'fake:', ' fake://x', 'irmc://h', 'ipmi://h:0', 'redfish-virtualmedia://h/redfish/v1/Systems/1 '),
  fc.webUrl(),
  fc.tuple(fc.constantFrom('ipmi', 'redfish', 'redfish-virtualmedia', 'idrac-virtualmedia', 'libvirt', 'unknown'), fc.string({ maxLength: 20 })).map(([s, rest]) => `${s}://${rest}`),
);
const mac = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('', 'zz:zz:zz:zz:zz:zz', '52:54:00:00:00', '52-54-00-00-00-01', '52:54:00:00:00:01:02'), hex(12, 12).map((h) => h.match(/../g)!.join(':')));
const image = fc.record({
  url: fc.oneof(fc.constant(''), fc.string({ maxLength: 30 }), fc.webUrl(), fc.constantFrom('oci://registry/img:1', 'http://h/a b.qcow2', '/local/path.img')),
  checksum: fc.option(fc.oneof(fc.string({ maxLength: 70 }), hex(32, 128)), { nil: undefined }),
  checksumType: fc.option(fc.constantFrom('md5', 'sha256', 'sha512', 'auto', 'crc32', ''), { nil: undefined }),
  format: fc.option(fc.constantFrom('qcow2', 'raw', 'live-iso', 'vdi', 'iso', ''), { nil: undefined }),
}, { requiredKeys: ['url'] });

describe('bad BareMetalHost input through the shell', () => {
  it('turns any BMC address into progress or a precise registration error, and recovers once fixed', async () => {
    await fc.assert(fc.asyncProperty(bmcAddress, async (address) => {
      // Prepare
      const host = aHost('', NAME, NS).withBmc(address, SECRET).withBootMac('52:54:00:00:00:01').build();
      const w = world(host, { username: 'admin', password: PASSWORD });
      // Act
      await w.drive();
      // Assess
      expectNoCrash(w);
      const v = validateHostSpec(host.spec as never, { name: NAME, namespace: NS, allowFakeBmc: true });
      if (!v.ok) {
        expectRecordedError(w, new RegExp(esc(v.problems[0]!.path)));
        expect(w.ironic.calls.filter((c) => c.method === 'POST')).toEqual([]);
        // Act 2: the user fixes the address
        w.hosts.editSpec(NS, NAME, (s) => { s.bmc = { address: 'fake://fixed', credentialsName: SECRET }; });
        await expectRecovers(w, ['inspecting', 'preparing', 'available']);
      } else if (w.current().status?.operationalStatus === 'error') {
        expect(String(w.current().status?.errorMessage).length).toBeGreaterThan(0);
      }
      expectNoSecrets(w, [PASSWORD, USER_DATA]);
    }), RUNS);
  });

  it('turns any boot MAC into progress or a recorded error, never a crash', async () => {
    await fc.assert(fc.asyncProperty(mac, async (bootMac) => {
      // Prepare
      const host = aHost('', NAME, NS).withBmc('fake://h', SECRET).withBootMac(bootMac).build();
      const w = world(host, { username: 'admin', password: PASSWORD });
      // Act
      await w.drive();
      // Assess
      expectNoCrash(w);
      if (w.current().status?.operationalStatus === 'error') {
        expectRecordedError(w, /./);
        w.hosts.editSpec(NS, NAME, (s) => { s.bootMACAddress = '52:54:00:00:00:09'; });
        await expectRecovers(w, ['inspecting', 'preparing', 'available']);
      }
      expectNoSecrets(w, [PASSWORD]);
    }), RUNS);
  });

  it.each([
    { case: 'missing', secret: undefined as Record<string, string> | undefined, mentions: new RegExp(SECRET) },
    { case: 'empty', secret: {}, mentions: /username|password|credentials/i },
    { case: 'keyed wrong', secret: { user: 'admin', pass: PASSWORD }, mentions: /username|password|credentials/i },
    { case: 'with an empty password', secret: { username: 'admin', password: '' }, mentions: /password|credentials/i },
  ])('records a registration error when the BMC Secret is $case, and registers once it is fixed', async ({ secret, mentions }) => {
    // Prepare
    const w = world(aHost('', NAME, NS).withBmc('fake://h', SECRET).withBootMac('52:54:00:00:00:01').build(), secret);
    // Act
    await w.drive();
    // Assess
    expectNoCrash(w);
    expectRecordedError(w, mentions);
    expect(w.current().status?.errorType).toBe('registration error');
    expectNoSecrets(w, [PASSWORD]);
    // Act 2: the Secret is fixed (no spec change: retried after the backoff)
    w.hosts.updateSecret(NS, SECRET, { username: 'admin', password: PASSWORD });
    if (secret === undefined) w.hosts.withSecret(NS, SECRET, { username: 'admin', password: PASSWORD });
    await expectRecovers(w, ['inspecting', 'preparing', 'available']);
  });

  it('keeps a huge password (1 MiB) out of status, Events and logs', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 64 * 1024, max: 1024 * 1024 }), fc.string({ minLength: 8, maxLength: 8 }), async (size, seed) => {
      // Prepare
      const huge = `H${seed}`.repeat(Math.ceil(size / 9)).slice(0, size);
      const w = world(aHost('', NAME, NS).withBmc('fake://h', SECRET).withBootMac('52:54:00:00:00:01').build(), { username: 'admin', password: huge });
      // Act
      await w.drive();
      // Assess
      expectNoCrash(w);
      expectNoSecrets(w, [huge.slice(0, 64)]);
    }), { numRuns: 5 });
  });

  it('turns any image (URL, checksum, type, format, conflicts) into progress or a precise error, and recovers once fixed', async () => {
    await fc.assert(fc.asyncProperty(image, fc.boolean(), async (img, externallyProvisioned) => {
      // Prepare: an available host that is given the image
      const host = aHost('', NAME, NS).withBmc('fake://h', SECRET).withBootMac('52:54:00:00:00:01').withOnline(true).build();
      const w = world(host, { username: 'admin', password: PASSWORD });
      await w.drive();
      expect(currentState(w.current())).toBe('available');
      w.hosts.editSpec(NS, NAME, (s) => { s.image = img as never; (s as Record<string, unknown>).userData = { name: 'ud' }; if (externallyProvisioned) s.externallyProvisioned = true; });
      const before = w.results.length;
      // Act
      await w.drive();
      // Assess
      expectNoCrash(w);
      const v = validateHostSpec(w.current().spec as never, { name: NAME, namespace: NS, allowFakeBmc: true });
      // the shell judges the spec before *work*; a spec nothing acts on (an empty URL reads as "no image";
      // externally provisioned hosts are not deployed) leaves the host where it was, unharmed (no webhook here)
      if (!v.ok && w.current().status?.operationalStatus === 'error') expectRecordedError(w, new RegExp(esc(v.problems[0]!.path)));
      if (!v.ok && w.current().status?.operationalStatus !== 'error') expect(['available', 'externally provisioned']).toContain(currentState(w.current()));
      expect(w.results.length).toBeGreaterThanOrEqual(before);
      expectNoSecrets(w, [PASSWORD, USER_DATA.split('\n')[1]!]);
      // Act 2: fixed
      w.hosts.editSpec(NS, NAME, (s) => { s.image = { ...GOOD_IMAGE } as never; delete s.externallyProvisioned; });
      await expectRecovers(w, ['provisioning', 'provisioned', 'externally provisioned', 'available']);
    }), RUNS);
  });
});
