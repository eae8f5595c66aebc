/** provision: instance_info, validation, config drive and deploy, over every relevant Ironic state. */
import { describe, expect, it } from '@jest/globals';
import { aHost, T0 } from '../../../test/builders/host.ts';
import type { HostBuilder } from '../../../test/builders/host.ts';
import { FakeHostStore } from '../../../test/fakes/fake-host-store.ts';
import { FakeIronic } from '../../../test/fakes/fake-ironic.ts';
import type { FakeNodeSeed } from '../../../test/fakes/fake-ironic.ts';
import { ABANDONED, decideOnce, leftAlone, testConfig } from '../../../test/fakes/transition-harness.ts';
import { HostSpecError } from '../../../shared/src/errors.ts';
import type { FunctionConfig } from '../../../shared/src/handler/config.ts';
import type { ImageView } from '../../../shared/src/state-machine/host-view.ts';
import { configDriveOf, desiredInstanceInfo } from '../src/instance-info.ts';
import { rootDeviceOf } from '../../../shared/src/ironic/device-hints.ts';
import { DEPLOY_REQUEST_GRACE_MS } from '../src/decide.ts';
import { provision } from '../src/transition.ts';

const NAME = 'metal3~host-0';
const IMG = 'http://images/os.qcow2';
const SUM = 'a'.repeat(64);

/** status.deployRequest as a delivery records it, `ageMs` before the harness's now (T0) */
const requested = ({ ageMs, attempt = 0, image = IMG }: { ageMs: number; attempt?: number; image?: string }) =>
  ({ deployRequest: { image, attempt, at: new Date(T0.getTime() - ageMs).toISOString() } });

const provisioning = (image: string | ImageView = { url: IMG, checksum: SUM, checksumType: 'sha256', format: 'qcow2' }) =>
  aHost('provisioning').withImage(image).withOnline(true);

interface RunOptions { config?: FunctionConfig; hosts?: FakeHostStore; validation?: Record<string, { result: boolean; reason?: string }>; ready?: boolean }

/** `ready`: the node already carries the desired instance_info and our instance_uuid. */
async function run(host: HostBuilder, node: FakeNodeSeed | null, { config = testConfig(), hosts, validation, ready }: RunOptions = {}) {
  const built = host.build();
  const ironic = new FakeIronic();
  if (node) {
    const deployIface = node.deploy_interface ?? (node.driver === 'ipmi' ? 'direct' : 'fake');
    ironic.withNode({ name: NAME, ...(ready ? { instance_info: desiredInstanceInfo(built, config, deployIface), instance_uuid: built.metadata.uid! } : {}), ...node });
    if (validation) ironic.withValidation(NAME, validation);
  }
  return decideOnce(provision, built, { ironic, config, ...(hosts ? { hosts } : {}) });
}

describe('decideProvision', () => {
  it.each([
    { case: 'no image in the spec → provisioning error', host: provisioning().withoutImage(), node: { provisionState: 'available' }, expected: 'fail: (none)' },
    { case: 'no node → provisioning error', host: provisioning(), node: null, expected: 'fail: (none)' },
    { case: 'node `manageable` → request `provide`', host: provisioning(), node: { provisionState: 'manageable' }, expected: 'continue: provision node :node → provide' },
    { case: 'reboot annotations left from before → removed first (upstream), nothing asked of Ironic', host: provisioning().withAnnotation('reboot.metal3.io', '').withAnnotation('reboot.metal3.io/capm3', '{"mode":"hard"}'), node: { provisionState: 'available' }, ready: true, expected: 'continue: set annotations reboot.metal3.io, reboot.metal3.io/capm3' },
    { case: 'node `available` without instance_info → patch it', host: provisioning(), node: { provisionState: 'available' }, expected: 'continue: patch Ironic node :node (instance_info (capabilities, image_source, image_disk_format, image_os_hash_algo, image_os_hash_value))' },
    { case: 'node `available` with instance_info → deploy with a config drive', host: provisioning(), node: { provisionState: 'available' }, ready: true, expected: 'continue: record deploy request in status + provision node :node → active' },
    { case: 'node `available`, deploy validation fails → provisioning error', host: provisioning(), node: { provisionState: 'available' }, ready: true, validation: { deploy: { result: false, reason: 'no image_source' }, boot: { result: true } }, expected: 'fail: (none)' },
    { case: 'node `available`, only console validation fails → deploy anyway', host: provisioning(), node: { provisionState: 'available' }, ready: true, validation: { console: { result: false, reason: 'no console' }, boot: { result: true }, deploy: { result: true } }, expected: 'continue: record deploy request in status + provision node :node → active' },
    // a deploy request recorded on the host (by another delivery of the same event, or our own crashed attempt)
    { case: 'deploy already requested for this image and attempt, node still `available` → wait, no second request', host: provisioning().withStatus(requested({ ageMs: 5_000 })), node: { provisionState: 'available' }, ready: true, expected: 'continue: (none)' },
    { case: 'recorded request older than the grace period (its sender died before sending) → record and request again', host: provisioning().withStatus(requested({ ageMs: DEPLOY_REQUEST_GRACE_MS + 1 })), node: { provisionState: 'available' }, ready: true, expected: 'continue: record deploy request in status + provision node :node → active' },
    { case: 'recorded request of an earlier, failed attempt → record and request again', host: provisioning().withProvisioningFailCount(1).withStatus(requested({ ageMs: 5_000, attempt: 0 })), node: { provisionState: 'available' }, ready: true, expected: 'continue: record deploy request in status + provision node :node → active' },
    { case: 'recorded request for another image → record and request again', host: provisioning().withStatus(requested({ ageMs: 5_000, image: 'http://images/old.qcow2' })), node: { provisionState: 'available' }, ready: true, expected: 'continue: record deploy request in status + provision node :node → active' },
    { case: 'node `active` with the request still recorded → provisioned (the status write drops the record)', host: provisioning().withStatus(requested({ ageMs: 5_000 })), node: { provisionState: 'active' }, expected: 'complete: (none)' },
    { case: 'node `deploying` → wait', host: provisioning(), node: { provisionState: 'deploying' }, expected: 'continue: (none)' },
    { case: 'node `deploying` abandoned by its conductor → provisioning error', host: provisioning(), node: { provisionState: 'deploying', target_provision_state: 'active', ...ABANDONED }, expected: 'fail: (none)' },
    { case: 'node `deploying` under a conductor lock for an hour → wait', host: provisioning(), node: { provisionState: 'deploying', target_provision_state: 'active', ...leftAlone(3_600_000, 'conductor-1') }, expected: 'continue: (none)' },
    { case: 'node `deploying` without a lock for a minute (between two steps) → wait', host: provisioning(), node: { provisionState: 'deploying', target_provision_state: 'active', ...leftAlone(60_000) }, expected: 'continue: (none)' },
    { case: 'node `wait call-back` → wait', host: provisioning(), node: { provisionState: 'wait call-back' }, expected: 'continue: (none)' },
    { case: 'node `cleaning` (provide in progress) → wait', host: provisioning(), node: { provisionState: 'cleaning' }, expected: 'continue: (none)' },
    { case: 'node `active` → provisioned', host: provisioning(), node: { provisionState: 'active' }, expected: 'complete: (none)' },
    { case: 'node `deploy failed` → provisioning error', host: provisioning(), node: { provisionState: 'deploy failed', last_error: 'agent timeout' }, expected: 'fail: (none)' },
    { case: 'node `enroll` → provisioning error', host: provisioning(), node: { provisionState: 'enroll' }, expected: 'fail: (none)' },
    { case: 'live-iso on ipmi, node on `direct` → switch deploy interface to ramdisk', host: provisioning({ url: 'http://images/live.iso', format: 'live-iso' }).withBmc('ipmi://10.0.0.1'), node: { provisionState: 'available', driver: 'ipmi' }, expected: 'continue: patch Ironic node :node (deploy interface ramdisk) + patch Ironic node :node (instance_info (capabilities, boot_iso))' },
  ] as { case: string; host: HostBuilder; node: FakeNodeSeed | null; expected: string; ready?: boolean; validation?: RunOptions['validation'] }[])(
    '$case',
    async ({ host, node, expected, ready, validation }) => {
      // Act
      const { summary } = await run(host, node, { ready, validation });
      // Assess
      expect(summary).toBe(expected);
    },
  );

  it('names the abandoned node, since when, and what gets it going again', async () => {
    // Act
    const { outcome } = await run(provisioning(), { provisionState: 'deploying', target_provision_state: 'active', ...ABANDONED });
    // Assess
    expect((outcome as { message: string }).message).toBe(
      `Ironic node abandoned in "deploying" since ${ABANDONED.provision_updated_at.replace(/\.\d+Z$/, '.000Z')}: no conductor holds it and Ironic will not move it on; `
      + 'restarting the Ironic conductor fails it over (raise [conductor]periodic_max_workers if many nodes are affected), or delete the host',
    );
  });

  it('writes instance_info and instance_uuid in one patch', async () => {
    // Act
    const { outcome } = await run(provisioning(), { provisionState: 'available' });
    // Assess
    expect(outcome.actions[0]).toEqual({
      do: 'patchNode', node: expect.any(String), why: expect.any(String),
      ops: [
        { op: 'add', path: '/instance_info', value: { capabilities: { boot_mode: 'uefi' }, image_source: IMG, image_disk_format: 'qcow2', image_os_hash_algo: 'sha256', image_os_hash_value: SUM } },
        { op: 'add', path: '/instance_uuid', value: provisioning().build().metadata.uid },
      ],
    });
    expect(outcome.status).toEqual({ lastAttemptedImage: { url: IMG, checksum: SUM, checksumType: 'sha256', format: 'qcow2' }, lastAttemptedCustomDeploy: null });
  });

  it('says which interface failed validation', async () => {
    const { outcome } = await run(provisioning(), { provisionState: 'available' }, { ready: true, validation: { boot: { result: false, reason: 'no boot iso' }, deploy: { result: false, reason: 'no image' } } });
    expect(outcome).toMatchObject({ kind: 'fail', message: 'host validation error: boot: no boot iso; deploy: no image' });
  });

  it('deploys with upstream\'s default meta data, the user data and parsed network data', async () => {
    // Prepare
    const hosts = new FakeHostStore()
      .withSecret('metal3', 'ud', { userData: '#cloud-config\nusers: []' })
      .withSecret('metal3', 'nd', { networkData: 'links:\n  - id: eth0\n    type: phy' })
      .withSecret('metal3', 'md', { value: '{"role": "worker", "name": "custom"}' });
    const host = provisioning().withSpec({ userData: { name: 'ud' }, networkData: { name: 'nd', namespace: 'metal3' }, metaData: { name: 'md' } });
    // Act
    const { outcome } = await run(host, { provisionState: 'available' }, { hosts, ready: true });
    // Assess
    const uid = host.build().metadata.uid;
    expect(outcome.actions).toEqual([{ do: 'recordStatus', why: 'deploy request', changes: { deployRequest: { image: IMG, attempt: 0, at: T0.toISOString() } } }, {
      do: 'provision', node: expect.any(String), target: 'active',
      extras: {
        configdrive: {
          meta_data: { uuid: uid, 'metal3-namespace': 'metal3', 'metal3-name': 'host-0', 'local-hostname': 'host-0', local_hostname: 'host-0', name: 'custom', role: 'worker' },
          user_data: '#cloud-config\nusers: []',
          network_data: { links: [{ id: 'eth0', type: 'phy' }] },
        },
      },
    }]);
  });

  it('deploys a live-iso without a config drive', async () => {
    const host = provisioning({ url: 'http://images/live.iso', format: 'live-iso' }).withBmc('ipmi://10.0.0.1');
    const { outcome } = await run(host, { provisionState: 'available', driver: 'ipmi', deploy_interface: 'ramdisk' }, { ready: true });
    expect(outcome.actions.slice(1)).toEqual([{ do: 'provision', node: expect.any(String), target: 'active', extras: {} }]);
  });

  it.each([
    { case: 'user data Secret missing', spec: { userData: { name: 'nope' } }, message: /spec.userData: Secret metal3\/nope not found/ },
    { case: 'user data Secret in another namespace', spec: { userData: { name: 'ud', namespace: 'other' } }, message: /must be in the host's namespace/ },
    { case: 'network data not YAML', spec: { networkData: { name: 'bad' } }, message: /spec.networkData: not valid YAML\/JSON/ },
    { case: 'meta data Secret without the key', spec: { metaData: { name: 'empty' } }, message: /has no "metaData" or "value" key/ },
  ])('refuses to deploy when the $case (a permanent spec error)', async ({ spec, message }) => {
    // Prepare
    const hosts = new FakeHostStore().withSecret('metal3', 'ud', { userData: 'x' }).withSecret('metal3', 'bad', { networkData: 'a: [b' }).withSecret('metal3', 'empty', {});
    // Act
    const err = await run(provisioning().withSpec(spec), { provisionState: 'available' }, { hosts, ready: true }).catch((e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(HostSpecError);
    expect((err as Error).message).toMatch(message);
  });

  it('completes with provisioning.image, applied settings and counters reset', async () => {
    // Act
    const { outcome } = await run(provisioning().withSpec({ rootDeviceHints: { deviceName: '/dev/sda' } }).withProvisioningFailCount(2), { provisionState: 'active' });
    // Assess
    const image = { url: IMG, checksum: SUM, checksumType: 'sha256', format: 'qcow2' };
    expect(outcome).toMatchObject({
      kind: 'complete',
      status: { provisioning: { image, rootDeviceHints: { deviceName: '/dev/sda' }, bootMode: 'UEFI' }, provisioningFailCount: 0, lastAttemptedImage: image },
    });
  });

  describe('spec.customDeploy (Ironic custom-agent deploy with the named deploy step)', () => {
    const custom = (image?: ImageView) => (image ? provisioning(image) : provisioning().withoutImage()).withSpec({ customDeploy: { method: 'install_marker' } }).withBmc('ipmi://10.0.0.1');
    const STEP = { interface: 'deploy', step: 'install_marker', args: {}, priority: 80 };

    it('switches the node to the custom-agent deploy interface first', async () => {
      const { summary } = await run(custom(), { provisionState: 'available', driver: 'ipmi' });
      expect(summary).toBe('continue: patch Ironic node :node (deploy interface custom-agent) + patch Ironic node :node (instance_info (capabilities))');
    });

    it('deploys without an image: the custom step at upstream\'s priority, and the config drive', async () => {
      const { outcome } = await run(custom(), { provisionState: 'available', driver: 'ipmi', deploy_interface: 'custom-agent' }, { ready: true });
      expect(outcome.actions[0]).toMatchObject({ do: 'recordStatus', changes: { deployRequest: { image: 'custom deploy step install_marker', attempt: 0 } } });
      expect(outcome.actions[1]).toMatchObject({ do: 'provision', target: 'active', extras: { deploy_steps: [STEP], configdrive: { meta_data: { name: 'host-0' } } } });
      expect(outcome.status).toEqual({ lastAttemptedImage: null, lastAttemptedCustomDeploy: { method: 'install_marker' } });
    });

    it('hands the step an image without a checksum as it is', async () => {
      const built = custom({ url: IMG, format: 'raw' }).build();
      expect(desiredInstanceInfo(built, testConfig(), 'custom-agent')).toEqual({ capabilities: { boot_mode: 'uefi' }, image_source: IMG, image_disk_format: 'raw' });
    });

    it('completes with provisioning.customDeploy and no image', async () => {
      const { outcome } = await run(custom(), { provisionState: 'active', driver: 'ipmi', deploy_interface: 'custom-agent' });
      expect(outcome).toMatchObject({ kind: 'complete', status: { provisioning: { image: null, customDeploy: { method: 'install_marker' } }, lastAttemptedCustomDeploy: { method: 'install_marker' } } });
    });

    it('names the step in a failure', async () => {
      const { outcome } = await run(custom(), { provisionState: 'deploy failed', driver: 'ipmi', last_error: 'step install_marker failed' });
      expect(outcome).toMatchObject({ kind: 'fail', message: 'Image provisioning failed (custom deploy step install_marker): step install_marker failed' });
    });
  });

  it('fails with Ironic\'s last_error and counts the failed provision', async () => {
    const { outcome } = await run(provisioning().withProvisioningFailCount(2), { provisionState: 'deploy failed', last_error: 'agent timeout' });
    expect(outcome).toMatchObject({ kind: 'fail', message: `Image provisioning failed (${IMG}): agent timeout`, status: { provisioningFailCount: 3 } });
  });
});

describe('desiredInstanceInfo', () => {
  const cfg = { DEPLOY_KERNEL_URL: '', DEPLOY_RAMDISK_URL: '' };
  const info = (image: ImageView, spec: Record<string, unknown> = {}, deploy?: string, config = cfg) =>
    desiredInstanceInfo(aHost('provisioning').withImage(image).withSpec(spec).build(), config, deploy);

  it.each([
    { case: 'md5', type: 'md5', expected: { image_checksum: 'abc' } },
    { case: 'auto', type: 'auto', expected: { image_checksum: 'abc' } },
    { case: 'empty (Ironic detects)', type: undefined, expected: { image_checksum: 'abc' } },
    { case: 'sha256', type: 'sha256', expected: { image_os_hash_algo: 'sha256', image_os_hash_value: 'abc' } },
    { case: 'sha512', type: 'sha512', expected: { image_os_hash_algo: 'sha512', image_os_hash_value: 'abc' } },
  ])('checksum type $case', ({ type, expected }) => {
    const got = info({ url: IMG, checksum: 'abc', ...(type ? { checksumType: type } : {}) });
    expect(got).toEqual({ capabilities: { boot_mode: 'uefi' }, image_source: IMG, ...expected });
  });

  it('leaves the checksum out when there is none (oci://)', () => {
    expect(info({ url: 'oci://registry/os:1' })).toEqual({ capabilities: { boot_mode: 'uefi' }, image_source: 'oci://registry/os:1' });
  });

  it('boots a live-iso with boot_iso and nothing else', () => {
    expect(info({ url: 'http://images/live.iso', format: 'live-iso', checksum: 'x' })).toEqual({ capabilities: { boot_mode: 'uefi' }, boot_iso: 'http://images/live.iso' });
  });

  it.each([
    { case: 'UEFISecureBoot', bootMode: 'UEFISecureBoot', expected: { boot_mode: 'uefi', secure_boot: 'true' } },
    { case: 'legacy', bootMode: 'legacy', expected: { boot_mode: 'bios' } },
    { case: 'UEFI', bootMode: 'UEFI', expected: { boot_mode: 'uefi' } },
  ])('boot mode $case → capabilities', ({ bootMode, expected }) => {
    expect(info({ url: IMG }, { bootMode }).capabilities).toEqual(expected);
  });

  it('adds the deploy kernel and ramdisk for the ramdisk deploy interface', () => {
    const got = info({ url: IMG }, {}, 'ramdisk', { DEPLOY_KERNEL_URL: 'http://b/k', DEPLOY_RAMDISK_URL: 'http://b/r' });
    expect(got).toMatchObject({ kernel: 'http://b/k', ramdisk: 'http://b/r' });
    expect(info({ url: IMG }, {}, 'direct', { DEPLOY_KERNEL_URL: 'http://b/k', DEPLOY_RAMDISK_URL: 'http://b/r' })).not.toHaveProperty('kernel');
  });

  it('maps root device hints with their operators', () => {
    expect(rootDeviceOf({
      deviceName: '/dev/sda', hctl: '0:0:0:0', model: 'SSD', vendor: 'Dell', serialNumber: 'S1', minSizeGigabytes: 100,
      wwn: 'w', wwnWithExtension: 'we', wwnVendorExtension: 'wv', rotational: false,
    })).toEqual({
      name: 's== /dev/sda', hctl: 's== 0:0:0:0', model: '<in> SSD', vendor: '<in> Dell', serial: 's== S1', size: '>= 100',
      wwn: 's== w', wwn_with_extension: 's== we', wwn_vendor_extension: 's== wv', rotational: false,
    });
    expect(rootDeviceOf({ deviceName: '/dev/disk/by-path/pci-0000:00:1f.2-ata-1' })).toEqual({ by_path: 's== /dev/disk/by-path/pci-0000:00:1f.2-ata-1' });
    expect(rootDeviceOf({})).toBeUndefined();
    expect(info({ url: IMG }, { rootDeviceHints: { minSizeGigabytes: 20 } }).root_device).toEqual({ size: '>= 20' });
  });

  it('config drive: defaults only when no Secrets are given', () => {
    const host = aHost('provisioning').build();
    expect(configDriveOf(host, {})).toEqual({
      meta_data: { uuid: host.metadata.uid, 'metal3-namespace': 'metal3', 'metal3-name': 'host-0', 'local-hostname': 'host-0', local_hostname: 'host-0', name: 'host-0' },
    });
  });
});
