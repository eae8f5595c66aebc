/**
 * @module bench/bed: the test bed for one benchmark run, with each part in
 * its own process so CPU and memory can be told apart: real Ironic
 * (test/bed/ironic.ts), the Kubernetes API fixture (kube-api-child.ts), and
 * a file server for boot artefacts (in the harness process; idle after
 * deploy starts). The function configuration matches test/bed/stack.ts.
 */
import { startIronic } from '../test/bed/ironic.ts';
import { rabbitTransportUrl, startRabbitMq } from '../test/bed/rabbitmq.ts';
import type { RabbitMqInstance } from '../test/bed/rabbitmq.ts';
import type { FakeDelayName, IronicInstance } from '../test/bed/ironic.ts';
import { startStaticFiles } from '../test/bed/static-files.ts';
import type { StaticFiles } from '../test/bed/static-files.ts';
import { startKubeApiChild } from './kube-api-child.ts';
import type { KubeApiChild } from './kube-api-child.ts';

export interface BenchBed {
  kube: KubeApiChild;
  ironic: IronicInstance;
  /** the bus Ironic publishes its notifications to, as the shipped manifests deploy it */
  bus: RabbitMqInstance;
  files: StaticFiles;
  functionEnv: Record<string, string>;
  stop(): Promise<void>;
}

export async function startBenchBed({ fakeDelays = {} }: { fakeDelays?: Partial<Record<FakeDelayName, number>> } = {}): Promise<BenchBed> {
  const started: { stop(): Promise<void> }[] = [];
  try {
    const bus = await startRabbitMq();
    started.push(bus);
    const [kube, ironic, files] = await Promise.all([
      startKubeApiChild().then((k) => { started.push(k); return k; }),
      startIronic({
        hardwareTypes: ['fake-hardware'], fakeDelays,
        extraConfig: { conductor: { deploy_callback_timeout: '120', clean_callback_timeout: '120' } },
        notificationsTransportUrl: rabbitTransportUrl(bus),
      }).then((i) => { started.push(i); return i; }),
      startStaticFiles().then((f) => { started.push(f); return f; }),
    ]);
    const functionEnv: Record<string, string> = {
      IRONIC_URL: ironic.url,
      ENABLE_FAKE_BMC: 'true',
      BACKOFF_BASE_MS: '1000',
      DEPLOY_KERNEL_URL: files.urls['/vmlinuz'] ?? '',
      DEPLOY_RAMDISK_URL: files.urls['/initrd.img'] ?? '',
    };
    return {
      kube, ironic, bus, files, functionEnv,
      stop: async function stop() { await Promise.allSettled(started.reverse().map((s) => s.stop())); },
    };
  } catch (e) {
    await Promise.allSettled(started.reverse().map((s) => s.stop()));
    throw e;
  }
}
