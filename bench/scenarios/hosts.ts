/**
 * @module bench/scenarios/hosts: creating, changing and deleting many
 * fake-hardware BareMetalHosts through the Kubernetes API, as a user would.
 */
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import type { CreateNodeRequest } from '../../shared/src/ironic/types.ts';

export const NAMESPACE = 'metal3';
/** the BareMetalHosts of the bench namespace, as client-node's CustomObjectsApi addresses them */
export const G = { group: 'metal3.io', version: 'v1alpha1', namespace: NAMESPACE, plural: 'baremetalhosts' };
const mergePatch = () => setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export const hostName = (i: number): string => `bench-${String(i).padStart(5, '0')}`;

export function macFor(i: number): string {
  const b = [0x52, 0x54, 0x00, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export function fakeHost(i: number): Record<string, unknown> {
  return {
    apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost',
    metadata: { name: hostName(i), namespace: NAMESPACE },
    spec: { online: true, bootMACAddress: macFor(i), bmc: { address: `fake://bench-${i}`, credentialsName: 'bench-bmc' } },
  };
}

/** An Ironic node on fake-hardware, every interface fake, as the bench seeds nodes straight through Ironic's API. */
export function fakeNodeRequest(name: string, metal3Uid: string): CreateNodeRequest {
  return {
    name, driver: 'fake-hardware', driver_info: {},
    boot_interface: 'fake', deploy_interface: 'fake', inspect_interface: 'fake', power_interface: 'fake', management_interface: 'fake',
    network_interface: 'noop', vendor_interface: 'fake', bios_interface: 'fake', raid_interface: 'fake',
    automated_clean: true, properties: { capabilities: 'boot_mode:uefi' }, extra: { metal3_uid: metal3Uid },
  } as CreateNodeRequest;
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}

export interface HostApi {
  createSecret(): Promise<void>;
  create(indices: readonly number[]): Promise<void>;
  setImage(names: readonly string[], url: string | null): Promise<void>;
  remove(names: readonly string[]): Promise<void>;
}

export function hostApi(kubeConfig: KubeConfig, { parallel = 16 } = {}): HostApi {
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return {
    createSecret: async () => {
      await core.createNamespacedSecret({ namespace: NAMESPACE, body: { metadata: { name: 'bench-bmc' }, stringData: { username: 'admin', password: 'bench-password' } } as never });
    },
    create: (indices) => pool(indices, parallel, (i) => custom.createNamespacedCustomObject({ ...G, body: fakeHost(i) })),
    setImage: (names, url) => pool(names, parallel, (name) => custom.patchNamespacedCustomObject({
      ...G, name,
      body: { spec: { image: url === null ? null : { url, checksum: 'd41d8cd98f00b204e9800998ecf8427e', checksumType: 'md5', format: 'qcow2' } } },
    }, mergePatch())),
    remove: (names) => pool(names, parallel, (name) => custom.deleteNamespacedCustomObject({ ...G, name })),
  };
}
