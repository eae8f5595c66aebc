/**
 * @module stack: the whole embedded test bed in one call — the Kubernetes API
 * fixture with our CRDs (hosts, HardwareData, HostClaims, HostDeployPolicies), a real Ironic, ipmi_sim BMCs and a file server for
 * boot artefacts — plus the function configuration that fits it. Used by
 * `npm start`, `npm run demo`, the benchmarks and end-to-end tests.
 */
import { buildAllCrds } from '../../shared/src/api/crd.ts';
import { startIronic } from './ironic.ts';
import type { IronicInstance, StartIronicOptions } from './ironic.ts';
import { startIpmiSims, stopIpmiSims } from './ipmi-sim.ts';
import type { SimulatedBmc } from './ipmi-sim.ts';
import { startKubeApi } from './kube-api/index.ts';
import type { KubeApiFixture } from './kube-api/index.ts';
import { startStaticFiles } from './static-files.ts';
import type { StaticFiles } from './static-files.ts';

export interface BedOptions {
  /** how many ipmi_sim BMCs to start */
  ipmiBmcs?: number;
  ironic?: StartIronicOptions;
  /** extra namespaces to create in the fixture */
  namespaces?: readonly string[];
}

export interface Bed {
  kube: KubeApiFixture;
  ironic: IronicInstance;
  bmcs: SimulatedBmc[];
  files: StaticFiles;
  /** function configuration for this bed (fake:// enabled, ipmi_sim-compatible IPMI, ramdisk deploy) */
  functionEnv: Record<string, string>;
  /** seconds each part took to start */
  timings: Record<string, number>;
  stop(): Promise<void>;
}

export async function startBed({ ipmiBmcs = 0, ironic: ironicOptions = {}, namespaces = ['metal3'] }: BedOptions = {}): Promise<Bed> {
  const timings: Record<string, number> = {};
  const started: { stop(): Promise<void> }[] = [];
  const time = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      timings[name] = Math.round(performance.now() - t0) / 1000;
    }
  };
  try {
    const kube = await time('kubeApi', () => startKubeApi({ crds: buildAllCrds(), namespaces: ['default', 'kube-system', ...namespaces] }));
    started.push(kube);
    const [ironic, bmcs, files] = await Promise.all([
      time('ironic', () => startIronic({
        ...ironicOptions,
        extraConfig: {
          // no deploy agent here: let waits for one time out fast instead of after 30 min
          conductor: { deploy_callback_timeout: '120', clean_callback_timeout: '120', ...(ironicOptions.extraConfig?.conductor ?? {}) },
          ...(ironicOptions.extraConfig ?? {}),
        },
      })),
      time('ipmiSims', () => (ipmiBmcs > 0 ? startIpmiSims(ipmiBmcs) : Promise.resolve([] as SimulatedBmc[]))),
      time('files', () => startStaticFiles()),
    ]);
    started.push(ironic, files, { stop: () => stopIpmiSims(bmcs) });
    const functionEnv: Record<string, string> = {
      IRONIC_URL: ironic.url,
      ENABLE_FAKE_BMC: 'true',
      IPMI_CIPHER_SUITE: '3',
      // ipmi_sim has no deploy agent: PXE boot + ramdisk deploy of a served kernel/ramdisk;
      // Ironic 21.4 has no firmware interface
      IRONIC_INTERFACES: JSON.stringify({ ipmi: { boot: 'pxe', deploy: 'ramdisk', inspect: 'no-inspect' }, redfish: { firmware: null }, 'redfish-virtualmedia': { firmware: null, deploy: 'ramdisk', inspect: 'redfish' } }),
      DEPLOY_KERNEL_URL: files.urls['/vmlinuz'] ?? '',
      DEPLOY_RAMDISK_URL: files.urls['/initrd.img'] ?? '',
    };
    return {
      kube, ironic, bmcs, files, functionEnv, timings,
      stop: async function stop() {
        await Promise.allSettled(started.reverse().map((s) => s.stop()));
      },
    };
  } catch (e) {
    await Promise.allSettled(started.reverse().map((s) => s.stop()));
    throw e;
  }
}
