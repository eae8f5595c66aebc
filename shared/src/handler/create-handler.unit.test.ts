/**
 * The shared shell (createHandler) with all five transition functions on
 * FakeIronic + FakeHostStore: a whole host lifecycle driven by hand, event by
 * event, the way the watcher would drive it, plus every reply the shell owes.
 */
import { describe, expect, it } from '@jest/globals';
import type { CloudEvent } from 'cloudevents';
import { aHost } from '../../../test/builders/host.ts';
import { FakeHostStore } from '../../../test/fakes/fake-host-store.ts';
import { FakeIronic } from '../../../test/fakes/fake-ironic.ts';
import { testConfig } from '../../../test/fakes/transition-harness.ts';
import { buildRequestedEvent } from '../../../events/src/build.ts';
import { loadFixture } from '../../../events/src/fixtures.ts';
import { EventType } from '../../../events/src/types.ts';
import { deprovision } from '../../../functions/deprovision/src/transition.ts';
import { enroll } from '../../../functions/enroll/src/transition.ts';
import { inspect } from '../../../functions/inspect/src/transition.ts';
import { power } from '../../../functions/power/src/transition.ts';
import { provision } from '../../../functions/provision/src/transition.ts';
import { IronicConflictError, IronicRequestError, KubeUnavailableError } from '../errors.ts';
import type { ProvisionStateExtras, ProvisionTarget } from '../ironic/types.ts';
import type { StoredHost } from '../k8s/host-store.ts';
import { createLogger } from '../log.ts';
import { currentState, dueFor } from '../state-machine/guard.ts';
import type { GuardFacts } from '../state-machine/conditions.ts';
import type { TransitionName } from '../state-machine/states.ts';
import { createHandler } from './create-handler.ts';
import type { HandlerResult, StructuredReply } from './reply.ts';
import { toReply } from './reply.ts';
import type { HandlerDeps, TransitionFunction } from './types.ts';

const NS = 'metal3';
const NAME = 'host-0';
const BMC_PASSWORD = 'bmc-pass-Zq81xK3';
const USER_DATA = '#cloud-config\nchpasswd: { list: "root:userdata-secret-77" }';
const IMG = 'http://images/os.qcow2';
const SOURCE = '/metal3/watcher/test';

/**
 * FakeIronic stamps no `inspection_finished_at` (real Ironic does when inspection ends);
 * add it, off the record, so inspect sees a finished inspection as it would on Ironic.
 */
class InspectingFakeIronic extends FakeIronic {
  override async setProvisionState(id: string, target: ProvisionTarget, extras?: ProvisionStateExtras): Promise<void> {
    await super.setProvisionState(id, target, extras);
    if (target === 'inspect') {
      await super.patchNode(id, [{ op: 'add', path: '/inspection_finished_at', value: new Date().toISOString() }]);
      this.calls.pop();
    }
  }
}

const FUNCTIONS: Record<TransitionName, TransitionFunction<never>> = {
  enroll, inspect, provision, power, deprovision,
} as unknown as Record<TransitionName, TransitionFunction<never>>;

function setUp({ host = aHost('').withSpec({ userData: { name: 'ud' } }).build(), config = testConfig() } = {}) {
  const hosts = new FakeHostStore()
    .withHost(host)
    .withSecret(NS, `${NAME}-bmc`, { username: 'admin', password: BMC_PASSWORD })
    .withSecret(NS, 'ud', { userData: USER_DATA });
  const ironic = new InspectingFakeIronic();
  const lines: string[] = [];
  const deps: HandlerDeps = { hosts, ironic, config, log: createLogger({ level: 'debug', write: (l) => lines.push(l) }) };
  const handlers = Object.fromEntries(
    Object.entries(FUNCTIONS).map(([t, fn]) => [t, createHandler(fn, deps)]),
  ) as Record<TransitionName, ReturnType<typeof createHandler>>;
  const results: { transition: TransitionName; result: HandlerResult }[] = [];

  const current = (): StoredHost => hosts.peek(NS, NAME)!;

  /** The event the watcher would emit now, or undefined when nothing is due. */
  function dueEvent(facts: GuardFacts = {}): CloudEvent<unknown> | undefined {
    const host = hosts.peek(NS, NAME);
    if (!host) return undefined;
    const due = dueFor(host, { now: Date.now(), backoffBaseMs: config.BACKOFF_BASE_MS, facts });
    if (due.kind === 'none') return undefined;
    return buildRequestedEvent({ host, transition: due.by, reason: 'state-changed', source: SOURCE });
  }

  async function deliver(event: CloudEvent<unknown> | Record<string, unknown>): Promise<HandlerResult> {
    const transition = Object.entries(EventType).find(([, type]) => type === event.type)?.[0] as TransitionName;
    const result = await handlers[transition].processEvent(event);
    results.push({ transition, result });
    return result;
  }

  /** Delivers what is due until nothing is (bounded); returns the states passed. */
  async function drive(max = 20): Promise<string[]> {
    const seen: string[] = [];
    for (let i = 0; i < max; i++) {
      const ev = dueEvent();
      if (!ev) return seen;
      await deliver(ev);
      seen.push(hosts.has(NS, NAME) ? currentState(current()) ?? '?' : 'removed');
    }
    throw new Error(`still due after ${max} deliveries: ${JSON.stringify(dueFor(current(), { now: Date.now() }))}`);
  }

  return { hosts, ironic, lines, handlers, results, current, dueEvent, deliver, drive, deps };
}

const mutations = (ironic: FakeIronic) => ironic.calls.filter((c) => c.method !== 'GET').length;

describe('createHandler', () => {
  it('walks a fake:// host through its whole lifecycle, one transition event at a time', async () => {
    // Prepare
    const t = setUp();

    // Act 1: register, inspect, prepare (inspect owns both inspecting and preparing: one invocation)
    const phase1 = await t.drive();
    // Assess 1
    expect(phase1).toEqual(['inspecting', 'available']);
    expect(t.current().status).toMatchObject({ operationalStatus: 'OK', errorCount: 0, provisioning: { state: 'available', ID: t.ironic.nodes[0]!.uuid } });
    expect(t.current().metadata.finalizers).toEqual(['baremetalhost.metal3.io']);
    expect(t.ironic.node(`${NS}~${NAME}`)?.provision_state).toBe('available');
    expect((t.current().status as Record<string, Record<string, unknown>>).operationHistory).toMatchObject({
      register: { start: expect.any(String), end: expect.any(String) }, inspect: { start: expect.any(String), end: expect.any(String) },
    });

    // Act 2: the user asks for an image and power
    t.hosts.editSpec(NS, NAME, (s) => { s.image = { url: IMG, checksum: 'a'.repeat(64), checksumType: 'sha256', format: 'qcow2' }; s.online = true; });
    const phase2 = await t.drive();
    // Assess 2
    expect(phase2).toEqual(['provisioned', 'provisioned']);
    expect(t.current().status).toMatchObject({ poweredOn: true, provisioning: { state: 'provisioned', image: { url: IMG } }, provisioningFailCount: 0 });
    expect(t.ironic.node(`${NS}~${NAME}`)).toMatchObject({ provision_state: 'active', power_state: 'power on', instance_uuid: t.current().metadata.uid });

    // Act 3: the user clears the image
    t.hosts.editSpec(NS, NAME, (s) => { delete s.image; });
    const phase3 = await t.drive();
    // Assess 3
    expect(phase3).toEqual(['available']);
    expect((t.current().status?.provisioning as Record<string, unknown>).image).toBeUndefined();
    expect(t.ironic.node(`${NS}~${NAME}`)?.provision_state).toBe('available');

    // Act 4: kubectl delete
    t.hosts.delete(NS, NAME);
    const phase4 = await t.drive();
    // Assess 4
    expect(phase4).toEqual(['removed']);
    expect(t.hosts.has(NS, NAME)).toBe(false);
    expect(t.ironic.nodes).toEqual([]);

    // Assess: exactly one node created, one deploy, and every transition recorded as one Normal Event
    expect(t.ironic.count('POST', '/v1/nodes')).toBe(1);
    expect(t.ironic.callsTo('PUT', '/v1/nodes/:id/states/provision').filter((c) => (c.body as { target: string }).target === 'active')).toHaveLength(1);
    expect(t.ironic.count('DELETE', '/v1/nodes/:id')).toBe(1);
    expect(t.hosts.events.map((e) => `${e.type} ${e.reason}: ${e.note}`)).toEqual([
      'Normal Registering: (new) → registering (intent: hasBmc)',
      'Normal Inspecting: registering → inspecting (complete: always)',
      'Normal Preparing: inspecting → preparing (complete: always)',
      'Normal Available: preparing → available (complete: always)',
      'Normal Provisioning: available → provisioning (intent: wantsProvisioning)',
      'Normal Provisioned: provisioning → provisioned (complete: always)',
      'Normal Deprovisioning: provisioned → deprovisioning (intent: provisioningCancelled)',
      'Normal Available: deprovisioning → available (complete: always)',
      'Normal PoweringOffBeforeDelete: available → powering off before delete (intent: deleting)',
      'Normal Deleting: powering off before delete → deleting (complete: always)',
      'Normal Deleted: Ironic node deleted; finalizer removed',
    ]);

    // Assess: the config drive carried the user data to Ironic, yet no secret reached logs or Events
    expect(JSON.stringify(t.ironic.calls)).toContain('userdata-secret-77');
    const visible = [...t.lines, ...t.hosts.events.map((e) => JSON.stringify(e))].join('\n');
    expect(t.lines.length).toBeGreaterThan(10);
    for (const secret of [BMC_PASSWORD, 'userdata-secret-77', 'chpasswd']) expect(visible).not.toContain(secret);

    // Assess: no reply event ever carries the replying function's own trigger type
    for (const { transition, result } of t.results) {
      const reply = 'reply' in result ? result.reply : undefined;
      if (reply) expect(reply.type).not.toBe(EventType[transition]);
    }
  });

  it('hands the next step on as a reply event (traceparent kept) when another function owns it', async () => {
    // Prepare
    const t = setUp();
    const ev = t.dueEvent()!;
    // Act
    const result = await t.deliver(ev);
    // Assess
    expect(result).toMatchObject({ kind: 'progressed', state: 'inspecting' });
    const reply = (result as { reply?: CloudEvent<unknown> }).reply!;
    expect(reply.type).toBe(EventType.inspect);
    expect(reply.traceparent).toBe(ev.traceparent);
    expect(reply.source).toBe('/metal3/functions/enroll');
    expect(toReply(result)).toBe(reply);
  });

  it('answers a stale event with a 200 no-op and touches nothing', async () => {
    // Prepare: the host is available; an old enroll event arrives
    const t = setUp();
    const stale = t.dueEvent()!;
    await t.drive();
    const writes = t.hosts.writes.length;
    const calls = mutations(t.ironic);
    // Act
    const result = await t.deliver(stale);
    // Assess
    expect(result).toEqual({ kind: 'noop', reason: 'nothing due (stable)' });
    expect(toReply(result)).toMatchObject({ statusCode: 200 });
    expect(t.hosts.writes.length).toBe(writes);
    expect(mutations(t.ironic)).toBe(calls);
  });

  it('converges to the same state with no extra mutation when an event is delivered twice', async () => {
    // Prepare
    const t = setUp();
    await t.drive();
    t.hosts.editSpec(NS, NAME, (s) => { s.image = { url: IMG, checksum: 'a'.repeat(64), checksumType: 'sha256', format: 'qcow2' }; s.online = true; });
    const ev = t.dueEvent()!;
    // Act
    await t.deliver(ev);
    const afterFirst = { state: currentState(t.current()), writes: t.hosts.writes.length, calls: mutations(t.ironic), status: t.current().status };
    const second = await t.deliver(ev);
    // Assess
    expect(second.kind).toBe('noop');
    expect({ state: currentState(t.current()), writes: t.hosts.writes.length, calls: mutations(t.ironic), status: t.current().status }).toEqual(afterFirst);
    expect(t.ironic.callsTo('PUT', '/v1/nodes/:id/states/provision').filter((c) => (c.body as { target: string }).target === 'active')).toHaveLength(1);
  });

  it('is safe under concurrent duplicate deliveries: one node, same final state', async () => {
    // Prepare
    const t = setUp();
    const ev = t.dueEvent()!;
    // Act
    const results = await Promise.all([t.deliver(ev), t.deliver(ev), t.deliver(ev)]);
    await t.drive();
    // Assess
    expect(results.map((r) => r.kind).every((k) => ['progressed', 'noop', 'retry'].includes(k))).toBe(true);
    // racing creates are refused by Ironic's unique node name (409 → retry), so one node exists
    expect(t.ironic.nodes).toHaveLength(1);
    expect(currentState(t.current())).toBe('available');
  });

  it('sends one deploy per attempt under concurrent duplicates, even when the deploy fails at once', async () => {
    // Prepare: an available host given an image; its deploy will end in `deploy failed` immediately,
    // from which Ironic would accept a second deploy request from a duplicate that read the host earlier
    const t = setUp();
    await t.drive();
    t.hosts.editSpec(NS, NAME, (s) => { s.image = { url: IMG, checksum: 'a'.repeat(64), checksumType: 'sha256', format: 'qcow2' }; s.online = true; });
    t.ironic.failNextTransition(`${NS}~${NAME}`, 'deploy step failed');
    const deploys = () => t.ironic.callsTo('PUT', '/v1/nodes/:id/states/provision').filter((c) => (c.body as { target: string }).target === 'active');
    const ev = t.dueEvent()!;

    // Act: the provision event delivered three times at once
    await Promise.all([t.deliver(ev), t.deliver(ev), t.deliver(ev)]);

    // Assess
    expect(t.ironic.node(`${NS}~${NAME}`)?.provision_state).toBe('deploy failed');
    expect(deploys()).toHaveLength(1);
    expect(t.current().status).toMatchObject({ operationalStatus: 'error', errorType: 'provisioning error' });
  });

  it('observes again, without recording an error, when Ironic refuses an action for a state a duplicate already moved the node to', async () => {
    // Prepare: a provisioned host whose image is cleared; a concurrent duplicate delivery gets its
    // undeploy in between our observe and our request, so Ironic refuses ours (as real Ironic does)
    const t = setUp();
    await t.drive();
    t.hosts.editSpec(NS, NAME, (s) => { s.image = { url: IMG, checksum: 'a'.repeat(64), checksumType: 'sha256', format: 'qcow2' }; s.online = true; });
    await t.drive();
    t.hosts.editSpec(NS, NAME, (s) => { delete s.image; });
    const ironic = t.ironic;
    const original = ironic.setProvisionState.bind(ironic);
    let raced = false;
    ironic.setProvisionState = async (id, target, extras) => {
      if (target === 'deleted' && !raced) {
        raced = true;
        await original(id, 'deleted'); // the duplicate's request: active → deleting → cleaning → available
        return original(id, 'deleted', extras); // ours, now refused: "… can not be performed … while it is in state available"
      }
      return original(id, target, extras);
    };

    // Act
    const result = await t.deliver(t.dueEvent()!);

    // Assess
    expect(raced).toBe(true);
    expect(result).toMatchObject({ kind: 'progressed', state: 'available' });
    expect(t.current().status).toMatchObject({ operationalStatus: 'OK', errorCount: 0 });
    expect(t.hosts.events.filter((e) => e.type === 'Warning')).toEqual([]);
  });

  it('ignores an event that arrives before its step is due, and acts on it once it is', async () => {
    // Prepare: an inspect event made while the host was (already) inspecting, delivered before registration
    const t = setUp();
    const early = buildRequestedEvent({
      host: { ...t.current(), status: { provisioning: { state: 'inspecting' } } }, transition: 'inspect', reason: 'state-changed', source: SOURCE,
    });
    // Act
    const first = await t.deliver(early);
    await t.deliver(t.dueEvent()!); // enroll: '' → inspecting
    const again = await t.deliver(early);
    // Assess
    expect(first).toEqual({ kind: 'noop', reason: 'enroll is due, not inspect' });
    expect(again).toMatchObject({ kind: 'progressed', state: 'available' });
  });

  it('answers an invalid event with 400 and the reason', async () => {
    // Prepare
    const t = setUp();
    const bad = loadFixture(EventType.enroll);
    bad.subject = 'not-a-subject';
    // Act
    const reply = (await t.handlers.enroll.handle({}, bad as unknown as CloudEvent<unknown>)) as StructuredReply;
    // Assess
    expect(reply.statusCode).toBe(400);
    expect(JSON.parse(reply.body)).toMatchObject({ result: 'invalid event', issues: expect.arrayContaining([{ path: 'subject', message: expect.any(String) }]) });
  });

  it('refuses another function\'s event type with 400', async () => {
    const t = setUp();
    const result = await t.handlers.power.processEvent(t.dueEvent()!);
    expect(result.kind).toBe('invalid');
  });

  it('answers 400 when no CloudEvent came at all', async () => {
    const t = setUp();
    expect(await t.handlers.enroll.handle({})).toMatchObject({ statusCode: 400 });
  });

  it('treats Ironic 409 (node locked) as a retry: 503, nothing recorded', async () => {
    // Prepare
    const t = setUp();
    t.ironic.failNext('createNode', new IronicConflictError('POST /v1/nodes failed: 409 Node is locked by host c1'));
    // Act
    const result = await t.deliver(t.dueEvent()!);
    // Assess
    expect(result).toMatchObject({ kind: 'retry' });
    const reply = toReply(result) as StructuredReply;
    expect(reply.statusCode).toBe(503);
    expect(reply.headers['retry-after']).toBe('3');
    expect(t.current().status).toMatchObject({ errorCount: 0, operationalStatus: 'OK' });
    expect(t.hosts.events.filter((e) => e.type === 'Warning')).toEqual([]);
    // Act + Assess: the redelivery succeeds
    await t.drive();
    expect(currentState(t.current())).toBe('available');
    expect(t.ironic.nodes).toHaveLength(1);
  });

  it('passes the Kubernetes API\'s Retry-After on to the redelivery (503 retry-after)', async () => {
    // Prepare: the API server is overloaded and says when to come back
    const t = setUp();
    const busy = new KubeUnavailableError('get baremetalhost metal3/host-0: 429 Too many requests, please try again later.');
    busy.retryAfterMs = 7_000;
    t.hosts.failNext('get', busy);
    // Act
    const result = await t.deliver(t.dueEvent()!);
    // Assess
    expect(result).toMatchObject({ kind: 'retry', retryAfterMs: 7_000 });
    expect((toReply(result) as StructuredReply).headers['retry-after']).toBe('7');
  });

  it('re-reads and converges when a status write loses a resourceVersion race', async () => {
    // Prepare: another client writes an annotation just before our first write
    const t = setUp();
    t.hosts.onNextWrite(() => t.hosts.setAnnotationNow(NS, NAME, 'example.com/touched', 'yes'));
    // Act
    const result = await t.deliver(t.dueEvent()!);
    // Assess
    expect(result).toMatchObject({ kind: 'progressed', state: 'inspecting' });
    expect(t.current().metadata.annotations).toMatchObject({ 'example.com/touched': 'yes' });
    expect(t.ironic.count('POST', '/v1/nodes')).toBe(1);
  });

  it('records a permanent Ironic error with the state\'s errorType and a Warning Event', async () => {
    // Prepare
    const t = setUp();
    t.ironic.failNext('createNode', new IronicRequestError('POST /v1/nodes failed: 400 Driver fake-hardware is not loaded', 400));
    // Act
    const result = await t.deliver(t.dueEvent()!);
    // Assess
    expect(result).toMatchObject({ kind: 'recorded', state: 'registering', errorType: 'registration error' });
    expect(toReply(result)).toMatchObject({ statusCode: 200 });
    expect(t.current().status).toMatchObject({ operationalStatus: 'error', errorType: 'registration error', errorCount: 1, errorMessage: expect.stringContaining('not loaded') });
    expect(t.hosts.events.at(-1)).toMatchObject({ type: 'Warning', reason: 'RegistrationError', note: expect.stringContaining('not loaded') });
    // and the backoff now holds the work back
    expect(t.dueEvent()).toBeUndefined();
  });

  it('records a missing BMC Secret as a registration error without naming any secret value', async () => {
    // Prepare
    const t = setUp({ host: aHost('').withBmc('ipmi://10.0.0.1', 'absent').build() });
    // Act
    const result = await t.deliver(t.dueEvent()!);
    // Assess
    expect(result).toMatchObject({ kind: 'recorded', errorType: 'registration error', message: 'BMC credentials Secret metal3/absent not found' });
  });

  it('records a failed deploy as a provisioning error and cleans up via deprovisioning', async () => {
    // Prepare
    const t = setUp();
    await t.drive();
    t.hosts.editSpec(NS, NAME, (s) => { s.image = { url: IMG, checksum: 'a'.repeat(64), checksumType: 'sha256', format: 'qcow2' }; s.online = true; });
    t.ironic.failNextTransition(`${NS}~${NAME}`, 'agent did not call back');
    // Act
    await t.deliver(t.dueEvent()!);
    // Assess
    expect(t.current().status).toMatchObject({
      provisioning: { state: 'deprovisioning' }, operationalStatus: 'error', errorType: 'provisioning error', provisioningFailCount: 1,
      errorMessage: `Image provisioning failed (${IMG}): agent did not call back`,
    });
    expect(t.hosts.events.at(-1)).toMatchObject({ type: 'Warning', reason: 'ProvisioningError' });
  });

  it('answers 200 no-op when the host is gone or was re-created under the same name', async () => {
    // Prepare
    const t = setUp();
    const ev = t.dueEvent()!;
    const other = buildRequestedEvent({ host: { ...t.current(), metadata: { ...t.current().metadata, uid: 'another-uid' } }, transition: 'enroll', reason: 'resync', source: SOURCE });
    // Act
    const recreated = await t.deliver(other);
    t.hosts.delete(NS, NAME);
    const gone = await t.deliver(ev);
    // Assess
    expect(recreated).toEqual({ kind: 'noop', reason: 'host was re-created (uid differs)' });
    expect(gone.kind).toBe('noop');
    expect(toReply(gone)).toMatchObject({ statusCode: 200 });
  });

  it('answers 403 for a source outside ALLOWED_SOURCES', async () => {
    const t = setUp({ config: testConfig({ ALLOWED_SOURCES: '/metal3/functions' }) });
    const result = await t.deliver(t.dueEvent()!);
    expect(toReply(result)).toMatchObject({ statusCode: 403 });
  });

  it('corrects power changed behind its back when the Ironic poller reports it', async () => {
    // Prepare: a powered-on available host whose node was switched off out of band
    const t = setUp();
    await t.drive();
    t.hosts.editSpec(NS, NAME, (s) => { s.online = true; });
    await t.drive();
    expect(t.current().status?.poweredOn).toBe(true);
    const node = t.ironic.nodes[0]!;
    await t.ironic.setPowerState(node.uuid, 'power off');
    // Act: the poller's event carries the observed power state
    const ev = buildRequestedEvent({ host: t.current(), transition: 'power', reason: 'ironic-progress', source: SOURCE, ironic: t.ironic.node(node.uuid)! });
    const result = await t.deliver(ev);
    // Assess
    expect(result).toMatchObject({ kind: 'progressed', state: 'available' });
    expect(t.ironic.node(node.uuid)?.power_state).toBe('power on');
    expect(t.current().status?.poweredOn).toBe(true);
  });
});

describe('createHandler: invalid specs and unsupported fields', () => {
  it('records an invalid spec as the phase error with a Warning Event, and recovers once the spec is fixed', async () => {
    // Prepare: available, then an image without a checksum (upstream's webhook would refuse it)
    const t = setUp();
    await t.drive();
    t.hosts.editSpec(NS, NAME, (s) => { s.image = { url: IMG, format: 'qcow2' }; s.online = true; });

    // Act
    await t.drive(4).catch(() => undefined);

    // Assess: stays in provisioning with a precise message, no deploy requested
    expect(t.current().status).toMatchObject({ provisioning: { state: 'provisioning' }, operationalStatus: 'error', errorType: 'provisioning error' });
    expect(t.current().status?.errorMessage).toContain('spec.image.checksum');
    expect(t.hosts.events.some((e) => e.type === 'Warning' && e.note.includes('spec.image.checksum'))).toBe(true);
    expect(t.ironic.callsTo('PUT', '/v1/nodes/:id/states/provision').filter((c) => (c.body as { target: string }).target === 'active')).toHaveLength(0);

    // Act 2: the user fixes the spec (generation changes: no backoff wait)
    t.hosts.editSpec(NS, NAME, (s) => { s.image = { url: IMG, checksum: 'b'.repeat(64), checksumType: 'sha256', format: 'qcow2' }; });
    await t.drive();

    // Assess 2
    expect(t.current().status).toMatchObject({ provisioning: { state: 'provisioned' }, operationalStatus: 'OK', errorCount: 0 });
  });

  it('names accepted-but-unimplemented spec fields in an UnsupportedFields condition', async () => {
    // Prepare
    const t = setUp({ host: aHost('').withSpec({ taints: [{ key: 'k', effect: 'NoSchedule' }] }).build() });
    // Act
    await t.drive();
    // Assess
    const conditions = (t.current().status as { conditions?: { type: string; status: string; message: string }[] }).conditions ?? [];
    const c = conditions.find((x) => x.type === 'UnsupportedFields');
    expect(c).toMatchObject({ status: 'True' });
    expect(c?.message).toContain('spec.taints');
  });
});

describe('createHandler: re-registration when the BMC Secret changes', () => {
  it('hands a provisioned host new credentials through Ironic without leaving provisioned', async () => {
    // Prepare: a provisioned host
    const t = setUp();
    await t.drive();
    t.hosts.editSpec(NS, NAME, (s) => { s.image = { url: IMG, checksum: 'c'.repeat(64), checksumType: 'sha256', format: 'qcow2' }; s.online = true; });
    await t.drive();
    expect(currentState(t.current())).toBe('provisioned');
    const patchesBefore = t.ironic.callsTo('PATCH', '/v1/nodes/:id').length;

    // Act: the password changes; the watcher reports the Secret's new resourceVersion
    t.hosts.updateSecret(NS, `${NAME}-bmc`, { username: 'admin', password: 'a-new-password-42' });
    const version = (await t.hosts.readSecret(NS, `${NAME}-bmc`))!.resourceVersion;
    const ev = t.dueEvent({ credentialsVersion: version });
    expect(ev?.type).toBe(EventType.enroll);
    const ce = ev as CloudEvent<{ observed: Record<string, unknown> }>;
    await t.deliver(ce.cloneWith({ data: { ...ce.data!, observed: { ...ce.data!.observed, credentialsVersion: version } } }, false));

    // Assess: driver_info replaced once, credentials recorded, state kept, and nothing more is due
    expect(t.ironic.callsTo('PATCH', '/v1/nodes/:id').length).toBe(patchesBefore + 1);
    const status = t.current().status as { goodCredentials?: { credentialsVersion?: string } };
    expect(status.goodCredentials?.credentialsVersion).toBe(version);
    expect(currentState(t.current())).toBe('provisioned');
    expect(t.dueEvent({ credentialsVersion: version })).toBeUndefined();
    expect(t.lines.join('\n')).not.toContain('a-new-password-42');
  });
});

describe('createHandler: the firmwareChange hint is never trusted', () => {
  it('ignores an event claiming a firmware change the HostFirmwareSettings does not ask for; acts on one it does', async () => {
    // Prepare: an available host; an event as a forger would send it (the hint, nothing behind it)
    const t = setUp();
    await t.drive();
    const host = t.current();
    const forged = buildRequestedEvent({ host, transition: 'inspect', reason: 'spec-changed', source: SOURCE, firmwareChange: true });
    // Act 1
    const putsBefore = t.ironic.callsTo('PUT', '/v1/nodes/:id/states/provision').length;
    const ignored = await t.deliver(forged);
    // Assess 1: nothing due, nothing sent
    expect(ignored).toMatchObject({ kind: 'noop' });
    expect(currentState(t.current())).toBe('available');
    expect(t.ironic.callsTo('PUT', '/v1/nodes/:id/states/provision')).toHaveLength(putsBefore);

    // Prepare 2: the settings really ask for a change (Ironic read them before)
    t.hosts.firmwareSettings.set(`${NS}/${NAME}`, {
      metadata: { name: NAME, namespace: NS, generation: 2 }, spec: { settings: { ProcTurboMode: 'Disabled' } }, status: { settings: { ProcTurboMode: 'Enabled' } },
    });
    // Act 2
    const acted = await t.deliver(buildRequestedEvent({ host: t.current(), transition: 'inspect', reason: 'spec-changed', source: SOURCE, firmwareChange: true }));
    // Assess 2: prepared again (fake hardware has no BIOS settings: nothing to apply, offered again)
    expect(acted).not.toMatchObject({ kind: 'noop' });
    expect(t.ironic.callsTo('GET', '/v1/nodes/:id/bios').length).toBeGreaterThan(0);
    expect(currentState(t.current())).toBe('available');
  });
});

describe('createHandler: a reboot leaves servicing its turn', () => {
  it('stops after the power-off when a firmware update is asked for and allowed, instead of powering on in the same look', async () => {
    // Prepare: a provisioned host whose HostFirmwareComponents lists an update its policy allows
    const t = setUp();
    await t.drive();
    t.hosts.editSpec(NS, NAME, (s) => { s.image = { url: IMG, checksum: 'c'.repeat(64), checksumType: 'sha256', format: 'qcow2' }; s.online = true; });
    await t.drive();
    expect(currentState(t.current())).toBe('provisioned');
    t.hosts.firmwareComponents.set(`${NS}/${NAME}`, { metadata: { name: NAME, namespace: NS, generation: 1 }, spec: { updates: [{ component: 'bios', url: 'http://fw/bios.img' }] } });
    t.hosts.updatePolicies.set(`${NS}/${NAME}`, { metadata: { name: NAME, namespace: NS }, spec: { firmwareUpdates: 'onReboot' } });
    await t.hosts.setAnnotations(t.current(), { 'reboot.metal3.io': '' });
    // Act: the power function serves the reboot (Ironic's fake power is off at once)
    const ev = t.dueEvent();
    expect(ev?.type).toBe(EventType.power);
    await t.deliver(ev!);
    // Assess: off, the one-shot annotation gone, not powered on again: servicing is due next
    expect(t.current().status?.poweredOn).toBe(false);
    expect(t.current().metadata.annotations?.['reboot.metal3.io']).toBeUndefined();
    expect(t.dueEvent({ firmwareChangeRequested: true, servicingAllowed: true })?.type).toBe(EventType.provision);
  });

  it('powers on in the same look when nothing is to be serviced', async () => {
    // Prepare
    const t = setUp();
    await t.drive();
    t.hosts.editSpec(NS, NAME, (s) => { s.image = { url: IMG, checksum: 'c'.repeat(64), checksumType: 'sha256', format: 'qcow2' }; s.online = true; });
    await t.drive();
    await t.hosts.setAnnotations(t.current(), { 'reboot.metal3.io': '' });
    // Act
    await t.deliver(t.dueEvent()!);
    // Assess
    expect(t.current().status?.poweredOn).toBe(true);
    expect(t.current().metadata.annotations?.['reboot.metal3.io']).toBeUndefined();
  });
});
