/**
 * `npm run demo`: brings up the embedded bed (Kubernetes API fixture, real
 * Ironic, ipmi_sim BMCs, simulated machines running a real ironic-python-agent
 * behind our Redfish emulator), starts the all-in-one runner, applies a handful
 * of hosts and shows them walking their lifecycle in a live table, with the
 * hardware each one's inspection found. Exits 0 only if every host finished.
 *
 * The agent hosts are inspected in band, cleaned, and deployed by IPA writing a
 * real qcow2 image to the machine's loop disk; the demo checks their hardware
 * against the machine and the image against the disk. They need root (network
 * namespaces, loop devices); elsewhere the demo says so and runs without them.
 *
 * With `--claims N`, the hosts join a pool instead: a tenant asks for N machines with HostClaims
 * at once, and the live table shows hosts bound, provisioned, released and bound again to the
 * claims still waiting. Exits 0 only if every claim was served and the pool is whole again.
 *
 *   npm run demo -- --fake 3 --ipmi 2 --agents 2
 *   npm run demo -- --claims 8
 */
import { parseArgs } from 'node:util';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { BedSetupError } from '../test/bed/errors.ts';
import { digest, makeTestImage, PAYLOAD_OFFSET, readDisk } from '../test/bed/agent-machine/disk-images.ts';
import { requireMachineSupport } from '../test/bed/agent-machine/index.ts';
import { createLogger } from '../shared/src/log.ts';
import { startAllInOne } from '../shared/src/runner/all-in-one.ts';
import { startBed } from '../test/bed/stack.ts';
import { renderPool, runClaimScenario } from '../test/e2e/claim-scenario.ts';
import { renderRows, runLifecycleScenario } from '../test/e2e/scenario.ts';
import type { ScenarioHost } from '../test/e2e/scenario.ts';

const { values } = parseArgs({ options: { fake: { type: 'string', default: '3' }, ipmi: { type: 'string', default: '2' }, agents: { type: 'string', default: '2' }, claims: { type: 'string', default: '0' }, verbose: { type: 'boolean', default: false } } });
const fakeCount = Number(values.fake);
const ipmiCount = Number(values.ipmi);
let agentCount = Number(values.agents);
const claimCount = Number(values.claims);
for (const [flag, n] of [['--fake', fakeCount], ['--ipmi', ipmiCount], ['--agents', agentCount], ['--claims', claimCount]] as const) {
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`${flag} must be a whole number, got ${JSON.stringify(String(values[flag.slice(2) as 'fake']))}\n`);
    process.exit(2);
  }
}
const tty = process.stdout.isTTY === true;
const say = (line: string) => process.stdout.write(line + '\n');

// the pool's claims use one image for every host; agent machines need a real one
if (claimCount > 0) agentCount = 0;
if (agentCount > 0) {
  try {
    await requireMachineSupport();
  } catch (err) {
    if (!(err instanceof BedSetupError)) throw err;
    say(`no agent hosts: ${err.message}`);
    agentCount = 0;
  }
}
say(`metal3-functions demo: ${fakeCount} fake-hardware + ${ipmiCount} ipmi + ${agentCount} agent hosts on a real Ironic${claimCount > 0 ? `, a pool for ${claimCount} HostClaims` : ''}`);
say(`starting the bed (Kubernetes API fixture, Ironic publishing its notifications to RabbitMQ, ipmi_sim${agentCount > 0 ? ', machines with ironic-python-agent behind a Redfish emulator' : ''})…`);
const agentImage = agentCount > 0 ? await makeTestImage() : undefined;
const bed = await startBed({ ipmiBmcs: ipmiCount, notifications: true, agentMachines: Array.from({ length: agentCount }, () => ({})), ...(agentImage ? { files: { '/images/agent-disk.qcow2': agentImage.qcow2 } } : {}) });
say(`bed ready: kube ${bed.kube.url}, Ironic ${bed.ironic.url} (${Object.entries(bed.timings).map(([k, v]) => `${k} ${v}s`).join(', ')})`);
const logLines: string[] = [];
const log = createLogger({ level: values.verbose ? 'debug' : 'info', write: (l) => { logLines.push(l); if (values.verbose) process.stderr.write(l + '\n'); } });
const app = await startAllInOne({ kubeConfig: bed.kube.kubeConfig(), ironicUrl: bed.ironic.url, log, env: { ...bed.functionEnv, BACKOFF_BASE_MS: '2000' }, namespace: 'metal3', pollActiveMs: 300, ...(bed.bus ? { ironicNotificationsUrl: bed.bus.url } : {}), ...(claimCount > 0 ? { claims: true, resyncMs: 5_000 } : {}) });

const hosts: ScenarioHost[] = [
  ...Array.from({ length: fakeCount }, (_, i): ScenarioHost => ({
    name: `fake-${i}`, address: `fake://demo-${i}`, username: 'admin', password: `demo-pass-${i}`,
    bootMACAddress: `52:54:00:10:00:${(i + 1).toString(16).padStart(2, '0')}`,
  })),
  ...bed.bmcs.map((b, i): ScenarioHost => ({
    name: `ipmi-${i}`, address: b.address, username: b.username, password: b.password,
    bootMACAddress: `52:54:00:20:00:${(i + 1).toString(16).padStart(2, '0')}`,
    // no deploy agent on the bed: skip agent inspection and cleaning, as upstream allows
    extraSpec: { inspectionMode: 'disabled', automatedCleaningMode: 'disabled' },
  })),
  // in-band inspection, metadata cleaning and an agent deploy of a real image
  ...(bed.agents?.machines ?? []).map((m, i): ScenarioHost => ({
    name: `agent-${i}`, address: bed.agents!.bmcAddress(i), username: bed.agents!.username, password: bed.agents!.password,
    bootMACAddress: m.mac,
    image: { url: bed.agents!.imageUrl('/images/agent-disk.qcow2'), checksum: digest('sha256', agentImage!.qcow2), checksumType: 'sha256', format: 'qcow2' },
  })),
];

let shown = '';
const show = (table: string): void => {
  if (table === shown) return;
  shown = table;
  if (tty) process.stdout.write('\x1b[H\x1b[2J' + table + '\n');
  else say(`--- ${new Date().toISOString()}\n${table}`);
};
const image = { url: bed.files.urls['/images/host.qcow2'] ?? '', checksum: 'd41d8cd98f00b204e9800998ecf8427e', checksumType: 'md5', format: 'qcow2' };

if (claimCount > 0) {
  const pool = await runClaimScenario({
    kubeConfig: bed.kube.kubeConfig(), namespace: 'metal3', tenant: 'demo-tenant', hosts, claims: claimCount, image,
    timeoutMs: 180_000 * Math.max(1, Math.ceil(claimCount / Math.max(1, hosts.length))),
    onTick: (view) => show(renderPool(view)),
  });
  say('\nsummary (seconds since start):');
  for (const c of pool.claims) say(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(9)} ${c.ok ? `host ${c.host}, provisioned ${c.provisionedAt}s, released ${c.releasedAt}s` : c.failed}`);
  for (const [host, served] of Object.entries(pool.served)) say(`  ${host.padEnd(8)} served ${served.length ? served.join(', ') : 'nothing'}`);
  say(`hosts reused: ${pool.reused.length ? pool.reused.join(', ') : 'none'}; pool ${pool.poolRestored ? 'available and unclaimed again' : 'NOT restored'}`);
  say(`broker: ${JSON.stringify(app.broker.stats)}`);
  say(`dead letters: ${app.broker.deadLetters.length}`);
  say(pool.ok ? `all ${claimCount} claims served by ${hosts.length} hosts in ${pool.seconds}s` : 'some claims were not served');
  await app.stop();
  await bed.stop();
  process.exit(pool.ok && app.broker.deadLetters.length === 0 ? 0 : 1);
}

const result = await runLifecycleScenario({
  kubeConfig: bed.kube.kubeConfig(), namespace: 'metal3', hosts,
  image,
  phaseTimeoutMs: 180_000,
  onTick: (rows) => show(renderRows(rows)),
  afterPhase: async (host, phase) => {
    const machine = bed.agents?.machines.find((m) => m.mac === host.bootMACAddress);
    if (machine) await checkAgentMachine(machine, host.name, phase);
    // the ipmi hosts' "hardware" really follows: check the simulator, not just our status
    const bmc = bed.bmcs.find((b) => b.address === host.address);
    if (!bmc) return;
    if (phase === 'powered off' && (await bmc.power()) !== 'off') throw new Error(`${host.name}: BMC still on`);
    if (phase === 'powered on' && (await bmc.power()) !== 'on') throw new Error(`${host.name}: BMC still off`);
  },
});

say('\nsummary (seconds since start when each host reached each step):');
for (const r of result.results) say(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name.padEnd(8)} ${Object.entries(r.reached).map(([p, t]) => `${p} ${t}s`).join(', ')}${r.failed ? `\n       ${r.failed}` : ''}`);
say('\nhardware found by inspection:');
for (const r of result.results) say(`  ${r.name.padEnd(8)} ${r.hardware ?? '-'}`);
for (const m of bed.agents?.machines ?? []) say(`  ${m.name.padEnd(8)} (its machine) NIC ${m.mac} ${m.ip}, disk ${m.disks.map((d) => `${(d.sizeBytes / 1024 ** 3).toFixed(1)} GiB`).join(', ')}; IPA booted ${m.boots.filter((b) => b.choice.kind === 'agent').length} times`);
say(`broker: ${JSON.stringify(app.broker.stats)}`);
say(`watcher: ${JSON.stringify(app.watcher.stats)}`);
say(`dead letters: ${app.broker.deadLetters.length}`);
const warnings = logLines.filter((l) => l.includes('"level":"error"'));
if (warnings.length > 0) say(`errors logged: ${warnings.length} (first: ${warnings[0]?.slice(0, 300)})`);
say(result.ok ? `all ${hosts.length} hosts finished their lifecycle in ${result.seconds}s` : 'some hosts did not finish');

await app.stop();
await bed.stop();
process.exit(result.ok && app.broker.deadLetters.length === 0 ? 0 : 1);

/** An agent host's status against its machine: the inventory IPA sent, the image IPA wrote. */
async function checkAgentMachine(machine: NonNullable<typeof bed.agents>['machines'][number], name: string, phase: string): Promise<void> {
  if (phase === 'available') {
    const custom = bed.kube.kubeConfig().makeApiClient(CustomObjectsApi);
    const host = (await custom.getNamespacedCustomObject({ group: 'metal3.io', version: 'v1alpha1', plural: 'baremetalhosts', namespace: 'metal3', name })) as { status?: { hardware?: { nics?: { mac?: string; ip?: string }[]; storage?: { sizeBytes?: number }[] } } };
    const hw = host.status?.hardware;
    if (!hw?.nics?.some((n) => n.mac === machine.mac && n.ip === machine.ip)) throw new Error(`${name}: status.hardware has no NIC ${machine.mac} ${machine.ip}`);
    if (!machine.disks.every((d) => hw.storage?.some((s) => s.sizeBytes === d.sizeBytes))) throw new Error(`${name}: status.hardware lacks the machine's disks`);
  }
  if (phase === 'provisioned') {
    const disk = machine.disks[0]!;
    const written = await readDisk(disk.file, PAYLOAD_OFFSET, agentImage!.payload.length);
    if (!written.equals(agentImage!.payload)) throw new Error(`${name}: the image's bytes are not on ${disk.device}`);
  }
}
