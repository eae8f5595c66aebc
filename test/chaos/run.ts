/**
 * @module chaos/run: one seeded chaos run on the real bed, start to verdict.
 * `runChaos({ seed, hosts })` brings the stack up, drives every host through
 * its role while the faults run, lets things settle, and returns the counts,
 * the time to converge and every violated guarantee (empty = passed).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../shared/src/log.ts';
import type { Logger } from '../../shared/src/log.ts';
import { startIpmiSim } from '../bed/ipmi-sim.ts';
import type { SimulatedBmc } from '../bed/ipmi-sim.ts';
import { checkRun } from './assertions.ts';
import type { Violation } from './assertions.ts';
import { createKubeDriver } from './kube-driver.ts';
import { createLeakDetector } from './leak-detector.ts';
import type { LeakDetector } from './leak-detector.ts';
import { startMonkey } from './monkey.ts';
import type { FaultPlan } from './plan.ts';
import { createPrng } from './prng.ts';
import { HostView, planHosts, runHostScript } from './scenario.ts';
import { HOST_NAMESPACE, startChaosStack } from './stack.ts';

export interface ChaosOptions {
  seed: number;
  hosts: number;
  /** how many of the hosts are ipmi_sim hosts (the first ones); the rest are fake:// */
  ipmiHosts?: number;
  plan: FaultPlan;
  /** the whole run must converge before this */
  timeoutMs?: number;
  backoffBaseMs?: number;
  /** every log line of every part (debugging a seed) */
  logLine?: (line: string) => void;
  /** progress lines (the script prints them; tests keep quiet) */
  progress?: (line: string) => void;
}

export interface ChaosCounts {
  eventsSent: number;
  eventsDelivered: number;
  duplicated: number;
  dropped: number;
  retried: number;
  coalesced: number;
  deadLettered: number;
  kills: number;
  crashPoints: number;
  functionRestarts: number;
  ironicRestarts: number;
  ironicInjected409: number;
  ironicInjected503: number;
  ironicWhileDown: number;
  kube409: number;
  kube500: number;
  watchCuts: number;
  historyExpired: number;
  /** most API fault rules armed and not yet used at once */
  peakPendingKubeFaults: number;
  bmcOutages: number;
  badCredentialWindows: number;
  acceptedDeploys: number;
  logLinesScanned: number;
  cloudEventsScanned: number;
}

export interface ChaosReport {
  seed: number;
  hosts: number;
  convergeMs: number;
  totalMs: number;
  counts: ChaosCounts;
  violations: Violation[];
  leaks: LeakDetector['hits'];
}

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const t0 = Date.now();
  const say = o.progress ?? (() => undefined);
  const random = createPrng(o.seed);
  const leaks = createLeakDetector();
  const backoffBaseMs = o.backoffBaseMs ?? 1_000;
  const ipmiHosts = Math.min(o.ipmiHosts ?? 0, o.hosts);
  // every line the in-process parts write goes through the same scan as the function processes'
  const log: Logger = createLogger({ level: 'info', write: (line) => { leaks.scan('log', line); o.logLine?.(line); } });

  const stack = await startChaosStack({
    plan: o.plan, random, ipmiBmcs: ipmiHosts, log, backoffBaseMs,
    onFunctionLine: (line) => { leaks.scan('log', line); o.logLine?.(line); },
    onCloudEvent: (text) => leaks.scan('cloudevent', text),
  });
  const extraSims: SimulatedBmc[] = [];
  const monkeyHolder: { stop?: () => Promise<void> } = {};
  try {
    say(`stack up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const plans = planHosts({ count: o.hosts, sims: stack.bmcs, random: random.fork('hosts'), seed: o.seed });
    for (const p of plans) { leaks.add(`password of ${p.name}`, p.password); leaks.add(`user data of ${p.name}`, p.userData); leaks.add(`user data line of ${p.name}`, p.userData.split('\n')[1] ?? ''); }
    const driver = createKubeDriver(stack.kube.kubeConfig(), HOST_NAMESPACE);
    const view = new HostView(driver, 250);
    const viewing = view.run();
    const monkey = startMonkey(stack, o.plan, random.fork('monkey'));
    monkeyHolder.stop = () => monkey.stop();

    const restartThresholds = o.plan.ironic.restartAt.map((f) => Math.max(1, Math.ceil(f * o.hosts)));
    let provisioningStarted = 0;
    let ironicRestarts = 0;
    const restarts: Promise<void>[] = [];
    const counts = { bmcOutages: 0, badCredentialWindows: 0 };
    const deadline = t0 + (o.timeoutMs ?? 15 * 60_000);
    const tStart = Date.now();

    const ticker = setInterval(() => {
      const states = new Map<string, number>();
      for (const h of view.hosts.values()) {
        const k = `${h.status?.provisioning?.state || 'new'}${h.status?.operationalStatus === 'error' ? '(error)' : ''}`;
        states.set(k, (states.get(k) ?? 0) + 1);
      }
      const ps = stack.pool.stats;
      say(`hosts ${[...states].map(([k, n]) => `${k}:${n}`).join(' ')} | kills ${ps.kills} crash points ${ps.crashPoints} unexpected exits ${ps.unexpectedExits.length} | broker ${JSON.stringify(stack.broker.stats)}`);
      const last = ps.unexpectedExits.at(-1);
      if (last) say(`last unexpected exit: ${last.name} code ${last.code} signal ${last.signal}: ${last.tail.slice(-300)}`);
    }, 15_000);
    const scripts = plans.map(async (p, i) => {
      await sleep(i * 40); // a steady arrival, not one burst
      if (p.bmc.kind === 'ipmi' && p.bmc.fault === 'outage') counts.bmcOutages++;
      if (p.bmc.kind === 'ipmi' && p.bmc.fault === 'bad-credentials') counts.badCredentialWindows++;
      await runHostScript(p, {
        driver, view, deadline,
        imageUrl: stack.files.urls['/images/host.qcow2'] ?? '',
        faultMs: { outage: o.plan.bmc.outageMs, badCredentials: o.plan.bmc.badCredentialsMs },
        stopBmc: (sim) => sim.stop(),
        restartBmc: async (sim) => {
          const again = await startIpmiSim({ port: sim.port, username: sim.username, password: sim.password, name: `${sim.name}-again` });
          extraSims.push(again);
        },
        onProvisioning: () => {
          provisioningStarted++;
          if (restartThresholds.includes(provisioningStarted)) {
            ironicRestarts++;
            say(`restarting Ironic (${provisioningStarted} hosts provisioning)`);
            restarts.push(stack.restartIronic().then(() => say('Ironic back')));
          }
        },
      });
      say(`${p.name} (${p.role}) done after ${((Date.now() - tStart) / 1000).toFixed(1)} s`);
    });
    const outcomes = await Promise.allSettled(scripts);
    clearInterval(ticker);
    const convergeMs = Date.now() - tStart;
    await monkey.stop();
    await Promise.allSettled(restarts);
    stack.calm();
    // let in-flight deliveries finish before judging (bounded: a stuck delivery is itself a finding)
    await Promise.race([stack.broker.idle(), sleep(30_000)]);
    await sleep(2_000);
    view.stop();
    await viewing;

    const violations = await checkRun({
      stack, driver, view, plans, leaks, backoffBaseMs, tickMs: 250,
      scriptFailures: outcomes.flatMap((r, i) => (r.status === 'rejected' ? [{ host: plans[i]?.name ?? '?', message: (r.reason as Error).message }] : [])),
    });
    const b = stack.broker.stats;
    const report: ChaosReport = {
      seed: o.seed, hosts: o.hosts, convergeMs, totalMs: Date.now() - t0,
      counts: {
        eventsSent: stack.emitStats.emitted + b.replies,
        eventsDelivered: b.delivered,
        duplicated: b.duplicated + stack.emitStats.duplicated,
        dropped: b.dropped + stack.emitStats.dropped,
        retried: b.retried,
        coalesced: b.coalesced,
        deadLettered: b.deadLettered,
        kills: stack.pool.stats.kills,
        crashPoints: stack.pool.stats.crashPoints,
        functionRestarts: stack.pool.stats.restarts,
        ironicRestarts,
        ironicInjected409: stack.proxy.stats.injected409,
        ironicInjected503: stack.proxy.stats.injected503,
        ironicWhileDown: stack.proxy.stats.upstreamDown,
        kube409: monkey.stats.kube409,
        kube500: monkey.stats.kube500,
        watchCuts: monkey.stats.watchCuts,
        historyExpired: monkey.stats.historyExpired,
        peakPendingKubeFaults: monkey.stats.peakPendingFaults,
        ...counts,
        acceptedDeploys: stack.proxy.deploys.length,
        logLinesScanned: leaks.scanned.log ?? 0,
        cloudEventsScanned: leaks.scanned.cloudevent ?? 0,
      },
      violations,
      leaks: leaks.hits,
    };
    return report;
  } finally {
    await monkeyHolder.stop?.();
    await stack.stop();
    await Promise.allSettled(extraSims.map((s) => s.stop()));
  }
}
