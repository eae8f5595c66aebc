/**
 * watcher: reboot annotations change no generation, yet adding one to a provisioned host and removing it
 * again (CAPM3 remediation) each make power due, and each is emitted.
 */
import { describe, expect, it } from '@jest/globals';
import type { CloudEvent } from 'cloudevents';
import { aHost } from '../../../test/builders/host.ts';
import { FakeIronic } from '../../../test/fakes/fake-ironic.ts';
import type { RequestedData } from '../../../events/src/schemas.ts';
import { nodeNameFor } from '../../../shared/src/ironic/lookup.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import { createWatcher } from '../src/watcher.ts';

const KEY = 'reboot.metal3.io/metal3-remediation-7d0c';

describe('watcher and reboot annotations', () => {
  it('emits power when a reboot annotation is added, nothing while the host is held off, and power again when it is removed', async () => {
    // Prepare: a provisioned host that is on, its node active and on
    const on = aHost('provisioned').withImage('http://images/os.qcow2').withDeployedImage('http://images/os.qcow2').withOnline(true).withPoweredOn(true);
    const ironic = new FakeIronic().withNode({ name: nodeNameFor(on.build()), provisionState: 'active', powerState: 'power on' });
    const emitted: CloudEvent<RequestedData>[] = [];
    const watcher = createWatcher({ ironic, log: silentLogger, emit: async (e) => { emitted.push(e as CloudEvent<RequestedData>); }, resyncMs: 3_600_000 });
    watcher.onInformerEvent({ type: 'upsert', host: on.build() });
    await watcher.poll();
    const quiet = emitted.length;

    // Act 1: CAPM3 adds the annotation
    watcher.onInformerEvent({ type: 'upsert', host: on.withAnnotation(KEY, '{"mode":"hard","force":false}').build() });
    const afterAdd = emitted.map((e) => e.type);
    // Act 2: the power function turned it off (Ironic reports it on the next poll) and recorded it: held off
    await ironic.setPowerState(ironic.nodes[0]!.uuid, 'power off');
    await watcher.poll();
    const afterPowerOff = emitted.length;
    watcher.onInformerEvent({ type: 'upsert', host: on.withPoweredOn(false).build() });
    const whileHeld = emitted.length;
    // Act 3: CAPM3 removes it
    const released = on.build();
    delete released.metadata.annotations![KEY];
    watcher.onInformerEvent({ type: 'upsert', host: released });

    // Assess
    expect(quiet).toBe(0);
    expect(afterAdd).toEqual([expect.stringMatching(/power/)]);
    expect(whileHeld).toBe(afterPowerOff);
    expect(emitted.length).toBe(afterPowerOff + 1);
    expect(emitted.at(-1)?.type).toMatch(/power/);
    watcher.stop();
  });
});
