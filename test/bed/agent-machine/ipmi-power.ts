/**
 * @module ipmi-power: an ipmi_sim BMC driving a simulated machine. ipmi_sim keeps power and the
 * boot device in files (test/bed/ipmi-sim-files.ts) and has no hook, so the bed polls them: a
 * change to on boots the machine from the boot device set over IPMI, a change to off halts it.
 * Ironic's ipmitool driver spaces its commands by `[ipmi] min_command_interval` (1 s on the bed),
 * so a reboot's off and on are each seen.
 */
import type { SimulatedBmc } from '../ipmi-sim.ts';
import type { AgentMachine } from './index.ts';

const DEVICE: Record<string, 'pxe' | 'cd' | 'disk'> = { pxe: 'pxe', cdrom: 'cd' };

/** Follow `bmc`'s power state with `machine` until the returned stop() is called. */
export function followIpmiPower(bmc: SimulatedBmc, machine: AgentMachine, intervalMs = 250): () => void {
  let last: 'on' | 'off' = 'off';
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      const power = await bmc.power();
      if (power === last) return;
      last = power;
      if (power === 'off') await machine.powerOff();
      else await machine.powerOn(DEVICE[await bmc.bootDevice()] ?? 'disk');
    })().catch(() => undefined).finally(() => { busy = false; });
  }, intervalMs);
  return () => clearInterval(timer);
}
