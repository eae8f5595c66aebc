/** enroll: observe + decide over every relevant Ironic state (FakeIronic, FakeHostStore). */
import { describe, expect, it } from '@jest/globals';
import { aHost, T0 } from '../../../test/builders/host.ts';
import type { HostBuilder } from '../../../test/builders/host.ts';
import { FakeHostStore } from '../../../test/fakes/fake-host-store.ts';
import { FakeIronic } from '../../../test/fakes/fake-ironic.ts';
import type { FakeNodeSeed } from '../../../test/fakes/fake-ironic.ts';
import { ABANDONED, decideOnce, fakeBmcFactory, leftAlone, testConfig } from '../../../test/fakes/transition-harness.ts';
import { BmcAuthError, BmcUnreachableError } from '../../../shared/src/errors.ts';
import type { FunctionConfig } from '../../../shared/src/handler/config.ts';
import { ErrorType, HOST_FINALIZER } from '../../../shared/src/state-machine/states.ts';
import { bootModeCapability } from '../src/decide.ts';
import { enroll } from '../src/transition.ts';

const NAME = 'metal3~host-0';
const CREDS = { username: 'admin', password: 'hunter2hunter2' };

interface Row {
  case: string;
  host: HostBuilder;
  node?: FakeNodeSeed;
  secret?: Record<string, string> | null;
  config?: FunctionConfig;
  /** good/tried credentials recorded as the Secret's current version */
  registered?: boolean;
  expected: string;
  message?: RegExp;
}

/** A store with the host's BMC Secret, as the user created it (enroll never writes it). */
async function secretStore(): Promise<FakeHostStore> {
  return new FakeHostStore().withSecret('metal3', 'host-0-bmc', CREDS);
}

async function run({ host, node, secret = CREDS, config, registered }: Omit<Row, 'case' | 'expected'>) {
  const hosts = new FakeHostStore();
  if (secret) hosts.withSecret('metal3', 'host-0-bmc', secret);
  const ironic = new FakeIronic();
  if (node) ironic.withNode({ name: NAME, ...node });
  if (registered) {
    const rv = (await hosts.readSecret('metal3', 'host-0-bmc'))!.resourceVersion;
    host.withCredentials({ good: rv });
  }
  return { ironic, hosts, ...(await decideOnce(enroll, host.build(), { ironic, hosts, ...(config ? { config } : {}) })) };
}

const registering = () => aHost('registering');

const rows: Row[] = [
  { case: 'no finalizer yet → add it before anything else', host: aHost('registering').withoutFinalizer(), secret: null, expected: `continue: set finalizers [${HOST_FINALIZER}]` },
  { case: 'BMC Secret missing → registration error', host: registering(), secret: null, expected: 'fail: (none)', message: /Secret metal3\/host-0-bmc not found/ },
  { case: 'BMC Secret without password → registration error', host: registering(), secret: { username: 'admin' }, expected: 'fail: (none)', message: /has no password/ },
  { case: 'BMC Secret with blank username → registration error', host: registering(), secret: { username: '  ', password: 'x' }, expected: 'fail: (none)', message: /has no username/ },
  { case: 'empty credentialsName → registration error', host: registering().withBmc('ipmi://10.0.0.1', ''), expected: 'fail: (none)', message: /credentialsName is empty/ },
  { case: 'removed scheme ilo4:// → registration error naming the replacement', host: registering().withBmc('ilo4://10.0.0.1'), expected: 'fail: (none)', message: /removed upstream in v0\.12\.0/ },
  { case: 'unknown scheme → registration error', host: registering().withBmc('carrier-pigeon://10.0.0.1'), expected: 'fail: (none)', message: /carrier-pigeon/ },
  { case: 'fake:// while the configuration does not enable it → registration error', host: registering(), config: testConfig({ ENABLE_FAKE_BMC: 'false' }), expected: 'fail: (none)', message: /not enabled/ },
  { case: 'no node → create it (fake-hardware)', host: registering(), expected: `continue: create Ironic node ${NAME} (driver fake-hardware)` },
  { case: 'no node, ipmi:// → create it (ipmi)', host: registering().withBmc('ipmi://10.0.0.1:6230'), expected: `continue: create Ironic node ${NAME} (driver ipmi)` },
  { case: 'no node, redfish-virtualmedia:// → create it (redfish)', host: registering().withBmc('redfish-virtualmedia://10.0.0.1/redfish/v1/Systems/1'), expected: `continue: create Ironic node ${NAME} (driver redfish)` },
  { case: 'node `enroll` without the boot MAC port → create the port', host: registering().withBootMac('AA:BB:CC:DD:EE:01'), node: { provisionState: 'enroll' }, expected: 'continue: create port aa:bb:cc:dd:ee:01 on node :node' },
  { case: 'node `enroll` with its port → request `manage`', host: registering().withBootMac('aa:bb:cc:dd:ee:01'), node: { provisionState: 'enroll', ports: ['aa:bb:cc:dd:ee:01'] }, expected: 'continue: provision node :node → manage' },
  { case: 'node `enroll` → request `manage`', host: registering(), node: { provisionState: 'enroll' }, expected: 'continue: provision node :node → manage' },
  { case: 'node `verifying` → wait for Ironic', host: registering(), node: { provisionState: 'verifying' }, expected: 'continue: (none)' },
  { case: 'node `verifying` abandoned by its conductor → maintenance and delete it, to register again (nothing is deployed yet)', host: registering(), node: { provisionState: 'verifying', target_provision_state: 'manageable', ...ABANDONED }, expected: 'continue: maintenance on for node :node + delete Ironic node :node' },
  { case: 'node `verifying` without a lock for a minute → wait for Ironic', host: registering(), node: { provisionState: 'verifying', target_provision_state: 'manageable', ...leftAlone(60_000) }, expected: 'continue: (none)' },
  { case: 'node `verifying` abandoned, shorter IRONIC_ABANDONED_AFTER_MS → replace it', host: registering(), node: { provisionState: 'verifying', ...leftAlone(60_000) }, config: testConfig({ IRONIC_ABANDONED_AFTER_MS: '30000' }), expected: 'continue: maintenance on for node :node + delete Ironic node :node' },
  { case: 'node `manageable` → registered, complete', host: registering(), node: { provisionState: 'manageable' }, expected: 'complete: (none)' },
  { case: 'node `available` (re-registration) → complete', host: registering(), node: { provisionState: 'available' }, expected: 'complete: (none)' },
  { case: 'node `active` (re-registration) → complete', host: registering(), node: { provisionState: 'active' }, expected: 'complete: (none)' },
  { case: 'node `enroll` + last_error, not yet recorded → registration error', host: registering(), node: { provisionState: 'enroll', last_error: 'IPMI call failed: power status' }, expected: 'fail: (none)', message: /^BMC verification failed: IPMI call failed: power status$/ },
  {
    case: 'node `enroll` + last_error already recorded, backoff over → `manage` again',
    host: registering().withError({ errorType: ErrorType.Registration, at: T0 }),
    node: { provisionState: 'enroll', last_error: 'IPMI call failed', updated_at: new Date(T0.getTime() - 1000).toISOString() },
    expected: 'continue: provision node :node → manage',
  },
  {
    case: 'node `enroll` failed again after the recorded error → report the new failure',
    host: registering().withError({ errorType: ErrorType.Registration, at: T0 }),
    node: { provisionState: 'enroll', last_error: 'IPMI call failed again', updated_at: new Date(T0.getTime() + 1000).toISOString() },
    expected: 'fail: (none)', message: /failed again/,
  },
  { case: 'credentials Secret changed → patch driver_info', host: registering().withCredentials({ good: 'old-version' }), node: { provisionState: 'manageable' }, expected: 'continue: patch Ironic node :node (new BMC credentials)' },
  { case: 'credentials changed while Ironic verifies → wait', host: registering().withCredentials({ good: 'old-version' }), node: { provisionState: 'verifying' }, expected: 'continue: (none)' },
  { case: 'credentials unchanged → no driver_info patch', host: registering(), registered: true, node: { provisionState: 'manageable' }, expected: 'complete: (none)' },
  { case: 'available host, Secret unchanged → nothing to re-register', host: aHost('available').withNode('n-1'), node: { uuid: 'n-1', provisionState: 'available' }, registered: true, expected: 'continue: (none)' },
  { case: 'provisioned host, Secret changed since registration → new driver_info, no state change', host: aHost('provisioned').withNode('n-1').withCredentials({ good: 'stale-rv' }), node: { uuid: 'n-1', provisionState: 'active' }, expected: 'complete: patch Ironic node :node (new BMC credentials)' },
  { case: 'available host whose Secret vanished → registration error', host: aHost('available').withNode('n-1').withCredentials({ good: 'old' }), node: { uuid: 'n-1', provisionState: 'available' }, secret: null, expected: 'fail: (none)', message: /not found/ },
  { case: 'registration error, then the Secret changed (tried ≠ Secret) → new driver_info and verify again, error cleared', host: registering().withNode('n-1').withCredentials({ tried: 'old-rv' }).withError({ errorType: 'registration error', count: 3 }), node: { uuid: 'n-1', provisionState: 'enroll', last_error: 'IPMI call failed' }, expected: 'continue: patch Ironic node :node (new BMC credentials) + provision node :node → manage' },
];

describe('decideEnroll', () => {
  it.each(rows)('$case', async (row) => {
    // Act
    const { outcome, summary } = await run(row);
    // Assess
    expect(summary).toBe(row.expected);
    if (row.message) expect((outcome as { message: string }).message).toMatch(row.message);
  });

  it('creates the node with the stable name, driver_info and the scheme\'s interfaces', async () => {
    // Act
    const { outcome } = await run({ host: registering().withBmc('ipmi://10.0.0.1:6230').withSpec({ bootMode: 'legacy', architecture: 'x86_64' }).withAutomatedCleaning('disabled') });
    // Assess
    const create = outcome.actions[0] as unknown as { do: 'createNode'; body: Record<string, unknown> };
    expect(create.body).toEqual({
      name: NAME,
      driver: 'ipmi',
      driver_info: { ipmi_address: '10.0.0.1', ipmi_port: 6230, ipmi_username: 'admin', ipmi_password: 'hunter2hunter2', ipmi_priv_level: 'ADMINISTRATOR' },
      boot_interface: 'ipxe', inspect_interface: 'agent', raid_interface: 'no-raid',
      automated_clean: false,
      properties: { capabilities: 'boot_mode:bios', cpu_arch: 'x86_64' },
      extra: { metal3_uid: aHost('registering').build().metadata.uid },
    });
  });

  it('records triedCredentials with the Secret version when it creates the node', async () => {
    // Act
    const { outcome, hosts } = await run({ host: registering() });
    // Assess
    const rv = (await hosts.readSecret('metal3', 'host-0-bmc'))!.resourceVersion;
    expect(outcome.status).toEqual({ triedCredentials: { credentials: { name: 'host-0-bmc', namespace: 'metal3' }, credentialsVersion: rv } });
  });

  it('records the node uuid and goodCredentials once Ironic verified the BMC', async () => {
    // Act
    const { outcome, ironic, hosts } = await run({ host: registering(), node: { provisionState: 'manageable' } });
    // Assess
    const rv = (await hosts.readSecret('metal3', 'host-0-bmc'))!.resourceVersion;
    const ref = { credentials: { name: 'host-0-bmc', namespace: 'metal3' }, credentialsVersion: rv };
    expect(outcome.status).toEqual({ provisioning: { ID: ironic.node(NAME)!.uuid }, triedCredentials: ref, goodCredentials: ref });
  });

  it('sends the new driver_info and forgets goodCredentials when the Secret changed', async () => {
    // Act
    const { outcome } = await run({ host: registering().withBmc('ipmi://10.0.0.9').withCredentials({ good: 'old' }), node: { provisionState: 'manageable', driver: 'ipmi' } });
    // Assess
    expect(outcome.actions[0]).toMatchObject({ do: 'patchNode', ops: [{ op: 'replace', path: '/driver_info', value: { ipmi_address: '10.0.0.9', ipmi_password: 'hunter2hunter2' } }] });
    expect(outcome.status).toMatchObject({ goodCredentials: null });
  });

  it('reports a MAC that belongs to another host\'s node as a conflict', async () => {
    // Prepare
    const hosts = await secretStore();
    const ironic = new FakeIronic().withNode({ name: 'other~host-9', provisionState: 'manageable', ports: ['aa:bb:cc:dd:ee:01'] });
    // Act
    const { outcome } = await decideOnce(enroll, registering().withBootMac('aa:bb:cc:dd:ee:01').build(), { ironic, hosts });
    // Assess
    expect(outcome).toMatchObject({ kind: 'fail', message: 'MAC address aa:bb:cc:dd:ee:01 conflicts with existing node other~host-9' });
  });

  it('finds its own node through the boot MAC (legacy name) instead of creating another', async () => {
    // Prepare
    const hosts = await secretStore();
    const ironic = new FakeIronic().withNode({ provisionState: 'manageable', ports: ['aa:bb:cc:dd:ee:01'] });
    // Act
    const { summary } = await decideOnce(enroll, registering().withBootMac('aa:bb:cc:dd:ee:01').build(), { ironic, hosts });
    // Assess
    expect(summary).toBe('complete: (none)');
  });

  it.each([
    { case: 'UEFI (default)', mode: undefined, expected: 'boot_mode:uefi' },
    { case: 'UEFISecureBoot', mode: 'UEFISecureBoot', expected: 'boot_mode:uefi,secure_boot:true' },
    { case: 'legacy', mode: 'legacy', expected: 'boot_mode:bios' },
  ])('maps bootMode $case to the Ironic capability', ({ mode, expected }) => {
    expect(bootModeCapability(mode)).toBe(expected);
  });
});

describe('decideEnroll › BMC pre-check and direct mode', () => {
  const ipmiHost = () => registering().withBmc('ipmi://10.0.0.1:6230');
  it.each([
    { case: 'pre-check fails, no node → registration error before any Ironic call', bmc: new BmcAuthError('RAKP 2: unauthorized name'), env: {}, expected: 'fail: (none)', message: /^BMC ipmi:\/\/10\.0\.0\.1:6230 check failed: RAKP 2: unauthorized name$/ },
    { case: 'pre-check passes, no node → create it', bmc: 'on' as const, env: {}, expected: `continue: create Ironic node ${NAME} (driver ipmi)` },
    { case: 'pre-check disabled → create the node without asking the BMC', bmc: new BmcAuthError('never asked'), env: { BMC_PRECHECK: 'false' }, expected: `continue: create Ironic node ${NAME} (driver ipmi)` },
    { case: 'direct mode, BMC answers → registered, no Ironic node', bmc: 'off' as const, env: { MANAGEMENT_MODE: 'direct' }, expected: 'complete: (none)' },
    { case: 'direct mode, BMC refuses → registration error', bmc: new BmcAuthError('bad password'), env: { MANAGEMENT_MODE: 'direct' }, expected: 'fail: (none)', message: /check failed: bad password/ },
    { case: 'direct mode even with the pre-check off → the BMC is checked', bmc: new BmcUnreachableError('no answer'), env: { MANAGEMENT_MODE: 'direct', BMC_PRECHECK: 'false' }, expected: 'fail: (none)', message: /no answer/ },
  ])('$case', async ({ bmc, env, expected, message }) => {
    // Prepare
    const hosts = await secretStore();
    const ironic = new FakeIronic();
    // Act
    const { outcome, summary } = await decideOnce(enroll, ipmiHost().build(), { ironic, hosts, bmc: fakeBmcFactory(bmc), config: testConfig(env as Record<string, string>) });
    // Assess
    expect(summary).toBe(expected);
    if (message) expect((outcome as { message: string }).message).toMatch(message);
    if (env.MANAGEMENT_MODE === 'direct') expect(ironic.calls).toEqual([]);
  });

  it('records good credentials in direct mode', async () => {
    // Prepare
    const hosts = await secretStore();
    const rv = (await hosts.readSecret('metal3', 'host-0-bmc'))!.resourceVersion;
    // Act
    const { outcome } = await decideOnce(enroll, ipmiHost().build(), { hosts, bmc: fakeBmcFactory('on'), config: testConfig({ MANAGEMENT_MODE: 'direct' }) });
    // Assess
    const ref = { credentials: { name: 'host-0-bmc', namespace: 'metal3' }, credentialsVersion: rv };
    expect(outcome.status).toEqual({ triedCredentials: ref, goodCredentials: ref });
  });
});

describe('decideEnroll › spec.disablePowerOff', () => {
  const noPowerOff = () => registering().withBmc('ipmi://10.0.0.1:6230').withSpec({ disablePowerOff: true });

  it('refuses with a registration error when Ironic is older than API 1.95, and creates nothing', async () => {
    // Act
    const { outcome, summary } = await decideOnce(enroll, noPowerOff().build(), { ironic: new FakeIronic().withMaxVersion('1.82'), hosts: new FakeHostStore().withSecret('metal3', 'host-0-bmc', CREDS) });
    // Assess
    expect(summary).toBe('fail: (none)');
    expect((outcome as { message: string }).message).toMatch(/spec\.disablePowerOff needs Ironic API 1\.95 \(disable_power_off\); this Ironic offers up to 1\.82/);
  });

  it('creates the node with disable_power_off on an Ironic that has it', async () => {
    // Act
    const { outcome } = await decideOnce(enroll, noPowerOff().build(), { ironic: new FakeIronic().withMaxVersion('1.115'), hosts: new FakeHostStore().withSecret('metal3', 'host-0-bmc', CREDS) });
    // Assess
    const create = outcome.actions[0] as unknown as { do: string; body: Record<string, unknown> };
    expect(create.do).toBe('createNode');
    expect(create.body.disable_power_off).toBe(true);
  });

  it('sets the flag on an existing node that lacks it, and clears it when the spec drops it', async () => {
    // Act
    const set = await decideOnce(enroll, noPowerOff().build(), { ironic: new FakeIronic().withMaxVersion('1.115').withNode({ name: NAME, provisionState: 'manageable' }), hosts: new FakeHostStore().withSecret('metal3', 'host-0-bmc', CREDS) });
    const clear = await decideOnce(enroll, registering().withBmc('ipmi://10.0.0.1:6230').build(), { ironic: new FakeIronic().withNode({ name: NAME, provisionState: 'manageable', disable_power_off: true } as FakeNodeSeed), hosts: new FakeHostStore().withSecret('metal3', 'host-0-bmc', CREDS) });
    // Assess
    const opsOf = (o: typeof set.outcome) => o.actions.filter((a) => a.do === 'patchNode').flatMap((a) => (a as { ops: readonly unknown[] }).ops);
    expect(opsOf(set.outcome)).toEqual([{ op: 'replace', path: '/disable_power_off', value: true }]);
    expect(opsOf(clear.outcome)).toEqual([{ op: 'replace', path: '/disable_power_off', value: false }]);
  });
});
