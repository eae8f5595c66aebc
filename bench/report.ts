/**
 * @module bench/report: BenchResults → the terminal table and
 * docs/benchmarks.md. Pure.
 */
import { DEFAULT_POLL_ACTIVE_MS, DEFAULT_POLL_IDLE_MS } from '../functions/watcher/src/watcher.ts';
import type { BenchResults } from './results.ts';
import { steadyCpu, steadyDrifts, steadyPairs, TARGETS } from './results.ts';
import { fmt, renderMarkdown, renderText, times } from './table.ts';
import type { Cell } from './table.ts';
import { round } from './stats.ts';

interface Section { title: string; header: string[]; rows: Cell[][]; note?: string }

const LATENCY_NAMES: Record<string, string> = {
  inspect: 'inspect done → status', clean: 'clean done (preparing) → available', deploy: 'deploy done → provisioned',
  deprovision: 'deprovision clean done → available', powerDrift: 'power changed behind our back → status',
};

const minMax = (s: { n: number; min: number; max: number }): string => (s.n > 0 ? `${s.min}–${s.max}` : '–');

export function sections(r: BenchResults): Section[] {
  const out: Section[] = [];
  out.push({
    title: `1. Reaction latency (${r.latency.hosts} hosts per mode; ms from Ironic's log line to the first watch event showing it)`,
    header: ['transition', 'ours p50', 'ours p95', 'ours min–max', 'polling p50', 'polling p95', 'polling min–max', 'ratio p50', 'ratio p95', 'n'],
    rows: r.latency.figures.map((f) => [LATENCY_NAMES[f.kind] ?? f.kind, f.ours.p50, f.ours.p95, minMax(f.ours), f.baseline.p50, f.baseline.p95, minMax(f.baseline), times(f.ratioP50), times(f.ratioP95), `${f.ours.n}/${f.baseline.n}`]),
    note: `Ours with POLL_ACTIVE_MS ${String(r.settings.pollActiveMs)}, POLL_IDLE_MS ${String(r.settings.pollIdleMs)} (the shipped defaults: ${r.settings.pollActiveMs === DEFAULT_POLL_ACTIVE_MS && r.settings.pollIdleMs === DEFAULT_POLL_IDLE_MS ? 'yes' : 'NO, tuned'}); polling with upstream's delays. ${driftNote(r.settings.drift)}`,
  });
  out.push({
    title: '2. Ironic call budget (every HTTP request our Ironic client sent)',
    header: ['mode', 'hosts', 'steady req/host-min', 'steady req/min', 'list share', 'steady Ironic CPU s/host-hour', 'lifecycle req/host-min', 'req per host lifecycle'],
    rows: r.runs.map((x) => [x.mode, x.hosts, fmt(x.steadyPerHostMinute, 3), fmt(x.steadyRequestsPerMinute), fmt(x.steadyListShare, 2), fmt(x.steadyIronicCpuSPerHostHour, 2), fmt(x.lifecyclePerHostMinute, 2), fmt(x.requestsPerHostLifecycle)]),
    note: 'Every figure measured at its own size with shipped defaults; the baseline runs at every size listed, so no ratio is extrapolated.',
  });
  if (r.steady?.length) {
    out.push({
      title: '2b. Steady Ironic load at every size (available hosts seeded straight into Ironic; both modes on one bed, one after the other)',
      header: ['mode', 'hosts', 'req/host-min', 'req/min', 'streams (seen once)', 'requests in window (list/get/write)', 'by kind (Ironic CPU ms each)', 'window s', 'Ironic CPU s/host-hour', 'Ironic alone', 'net of alone', 'attributed', 'start-up requests', 'settled after s'],
      rows: [...r.steady].sort((a, b) => a.hosts - b.hosts || a.mode.localeCompare(b.mode)).map((x) => [x.mode, x.hosts, x.perHostMinute, x.requestsPerMinute, `${x.rate.streams} (${x.rate.singles})`, `${x.requests.total} (${x.requests.list}/${x.requests.get}/${x.requests.write})`, x.requestKinds?.map((k) => `${k.count} ${k.kind}${k.cpuMsPerRequest === undefined ? '' : ` (${k.cpuMsPerRequest})`}`).join(', ') ?? '–', round(x.windowMs / 1000, 0), x.ironicCpuSPerHostHour, x.ironicIdleCpuSPerHostHour, x.ironicAnsweringCpuSPerHostHour, x.ironicAttributedCpuSPerHostHour ?? '–', x.startupRequests, x.settleS]),
      note: 'Rates come from request times: each stream (the list call, one node\'s GET) gives (k − 1) ÷ (last − first), summed, so where the window falls against a 60 s poll does not bias it (a stream seen once counts 1 per window). Each mode is started, left to settle (no request but list calls for 10 s), then traced over the window. "Ironic alone" is the same window with no system running; "net of alone" is the difference, which also holds the run-to-run spread of Ironic\'s own periodic work (two or three runs of a 60 s task in a 125 s window). "Attributed" is what the target compares: the window\'s requests by kind (the list counts every page and the change probe) × Ironic\'s CPU per request of that kind, measured on the same bed after both modes ran, in turns.',
    });
  }
  out.push({
    title: '3. Scale (fake-hardware, real Ironic; CPU over register → … → deleted; ours = the system\'s own process)',
    header: ['mode', 'hosts', 'to available s', 'to provisioned s', 'lifecycle s', 'CPU s ours', 'CPU s Ironic', 'CPU s API fixture', 'CPU ms/host ours', 'CPU ms/host Ironic', 'ours % of Ironic', 'peak RSS MiB ours/Ironic/API'],
    rows: r.runs.map((x) => [x.mode, x.hosts, x.toAvailableS, x.toProvisionedS, x.lifecycleS, x.cpuSeconds.ours, x.cpuSeconds.ironic, x.cpuSeconds.kubeApi, x.cpuMsPerHost.ours, x.cpuMsPerHost.ironic, x.oursPctOfIronic, `${fmt(x.peakRssMiB.ours, 0)}/${fmt(x.peakRssMiB.ironic, 0)}/${fmt(x.peakRssMiB.kubeApi, 0)}`]),
  });
  if (r.profile) {
    out.push({
      title: `3b. CPU profile of our process (${r.profile.run}; --cpu-prof, top functions by self time, ${r.profile.totalMs} ms busy)`,
      header: ['function', 'self ms', 'self %'],
      rows: r.profile.top.map((t) => [t.function, t.selfMs, t.selfPct]),
      note: `By area (ms): ${Object.entries(r.profile.byArea).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    });
  }
  if (r.watcher) {
    const w = r.watcher;
    out.push({
      title: `4. Watcher at scale (${w.hosts} BareMetalHosts in the API fixture)`,
      header: ['initial list ms', 'heap MiB', 'RSS MiB', 'events on initial list', 'events on resync', 'resync ms', 'notice 1 change ms', 'events for it'],
      rows: [[w.initialListMs, w.heapMiB, w.rssMiB, w.eventsOnInitialList, w.eventsOnResync, w.resyncMs, w.noticeOneChangeMs, w.eventsForOneChange]],
    });
  }
  out.push({
    title: '5. Fan-out (hosts created at once, through the broker to available; latency = event time → 2xx from the function)',
    header: ['hosts', 'concurrency', 'wall s', 'delivered', 'events/s', 'p50 ms', 'p95 ms', 'coalesced', 'dead letters', 'all available'],
    rows: r.fanOut.map((f) => [f.hosts, f.concurrency, f.wallS, f.delivered, f.eventsPerSecond, f.latencyMs.p50, f.latencyMs.p95, f.coalesced, f.deadLetters, f.allReached ? 'yes' : 'NO']),
  });
  if (r.ipmi) {
    const i = r.ipmi;
    out.push({
      title: '6. IPMI: power status, our client (reused session) vs ipmitool -I lanplus -C 3 (new process + session), same ipmi_sim',
      header: ['ours p50 ms', 'ours p95 ms', 'ipmitool p50 ms', 'ipmitool p95 ms', 'ratio p50', 'heap KiB/session', 'RSS KiB/session', 'BMCs polled/s'],
      rows: [[i.powerStatusMs.ours.p50, i.powerStatusMs.ours.p95, i.powerStatusMs.ipmitool.p50, i.powerStatusMs.ipmitool.p95, times(i.powerStatusMs.ratioP50), i.perSession.heapKiB, i.perSession.rssKiB, `${i.pollRate.bmcsPolledPerSecond} (${i.pollRate.bmcs} BMCs)`]],
    });
  }
  if (r.coldStart) {
    const c = r.coldStart;
    out.push({
      title: `7. Cold start (from bench/results/cold-start.json, ${c.at}; targets ≤ ${c.targets.firstEventMs} ms, ≤ ${c.targets.rssMB} MB${c.compileCache ? '; with the Node compile cache the images ship warmed, and without it' : ''})`,
      header: ['function', 'ready ms', 'first event ms', 'RSS MB', ...(c.compileCache ? ['no cache: first event ms', 'no cache: RSS MB'] : [])],
      rows: [c.baseline, ...(c.bundledBaseline ? [c.bundledBaseline] : []), ...c.functions].map((f) => [f.name, f.readyMs, f.firstEventMs, f.rssMB, ...(c.compileCache ? [f.noCache?.firstEventMs ?? '-', f.noCache?.rssMB ?? '-'] : [])]),
      note: 'The first event is a valid event for a host that does not exist: each function reads the host from the API server and answers with a no-op, without calling Ironic.'
        + (c.httpClientLoadMs === undefined ? '' : ` ky and Node\'s fetch load on a function\'s first call to Ironic or a BMC: ${c.httpClientLoadMs} ms more for an event that makes one (median, the slowest function\'s bundle).`),
    });
  }
  if (r.requestCost) {
    const q = r.requestCost;
    out.push({
      title: `8. Ironic CPU per request (Ironic ${q.ironic}, ${q.nodes} fake-hardware nodes, ${q.requestsPerKind} requests of each kind in turns, ${q.at})`,
      header: ['request', 'sent as', 'Ironic CPU ms per request', 'vs one node GET'],
      rows: q.kinds.map((k) => [k.name, `\`${k.request}\``, k.cpuMsPerRequest.toFixed(2), times(k.ratioToNodeGet, 2)]),
      note: 'Most of a request\'s cost is per request, not per node: at 10 hosts a list of every node costs about one node\'s GET, so no poll can undercut upstream\'s by much there; the watcher follows Ironic\'s notifications instead and lists once a minute, and the probe is what it falls back to without them (bench/README.md, "Steady load: how the watcher learns of a change").',
    });
  }
  out.push({
    title: 'Targets',
    header: ['target', 'wanted', 'measured', 'met'],
    rows: r.targets.map((t) => [t.name, t.target, t.measured, t.met ? 'yes' : 'MISSED']),
  });
  return out;
}

/** How the run's power drifts were placed (`settings.drift`), in the latency table's note. */
function driftNote(drift: unknown): string {
  if (!drift) return 'Power drifts at a fixed phase (this run predates random phases).';
  const ours = (drift as { ours?: { spreadMs: number; settleMs?: number; oneAtATime?: boolean } }).ours;
  if (ours && !ours.oneAtATime) return `Power drifts land at seeded, uniformly random moments over ${ours.spreadMs / 1000} s on both sides (\`settings.drift\`): a random phase of the baseline's 60 s poll of each host and of our watcher's minute list (its only poll while it follows Ironic's notifications, the shipped set-up).`;
  if (!ours) return 'Power drifts land at seeded, uniformly random moments over 60 s (`settings.drift`), so at a random phase of both sides\' poll cycles.';
  return `Power drifts land at seeded, uniformly random moments (\`settings.drift\`): the baseline's all within 60 s (each host has its own 60 s poll), ours one at a time, each within one idle watcher poll (${ours.spreadMs / 1000} s) after the previous host was corrected and ${(ours.settleMs ?? 0) / 1000} s passed, so every drift is caught by an idle poll as a lone drift is.`;
}

function machineLine(r: BenchResults): string {
  const m = r.machine;
  return `${m.cpus} CPUs (${m.cpuModel}), ${m.ramGiB} GiB RAM, Node ${m.node}, Linux ${m.kernel}, load average ${m.loadStart} at start / ${m.loadEnd ?? '?'} at end`;
}

export function renderConsole(r: BenchResults): string {
  const head = `npm run bench${r.quick ? ' -- --quick' : ''} — ${r.at} — ${machineLine(r)} — ${Math.round(r.wallS)} s`;
  return [head, ...sections(r).map((s) => `\n${s.title}\n${renderText(s.header, s.rows)}${s.note ? `\n${s.note}` : ''}`), ...(r.skipped.length ? [`\nNot run: ${r.skipped.join('; ')}`] : [])].join('\n');
}

export function renderDoc(r: BenchResults, notes: readonly string[] = []): string {
  const settings = Object.entries(r.settings).map(([k, v]) => `\`${k}\` = ${JSON.stringify(v)}`).join(', ');
  return [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench${r.quick ? ' -- --quick' : ''}\` (scripts/bench.ts) on ${r.at}; raw figures in \`bench/results/latest.json\`. Do not edit by hand.`,
    '',
    `**Machine:** ${machineLine(r)}. Whole run: ${Math.round(r.wallS)} s.`,
    '',
    ...(r.rerun?.length ? [`**Re-run later and merged** (\`--merge\`; each section self-contained, its ratios from its own run): ${r.rerun.map((x) => `${x.section} on ${x.at} (load ${x.loadStart})`).join(', ')}.`, ''] : []),
    `**Settings:** ${settings}.`,
    '',
    'Both modes run back to back in the same harness on a fresh Ironic and API fixture per run: **ours** = the event-driven all-in-one runner (watcher + broker + five functions); **polling** = the same five TransitionFunctions through the same createHandler, triggered the way upstream baremetal-operator triggers them (spec changes at once, then re-reads each host and its Ironic node after 10 s while Ironic works and after a 409, 15 s while inspecting, 60 s for power in stable states, no jitter, as its source has them (bench/README.md cites file and line); at most min(CPUs, 8), floor 2, reconciles at once). Ratios are baseline ÷ ours from the same run.',
    '',
    ...sections(r).flatMap((s) => [`## ${s.title}`, '', renderMarkdown(s.header, s.rows), ...(s.note ? ['', s.note] : []), '']),
    ...(r.skipped.length ? ['## Not run', '', ...r.skipped.map((s) => `- ${s}`), ''] : []),
    ...(notes.length ? ['## Notes', '', ...notes.map((n) => `- ${n}`), ''] : []),
  ].join('\n');
}

export { TARGETS };

const seconds = (ms: number): string => (Number.isFinite(ms) ? `${round(ms / 1000, 2)} s` : '–');
const met = (r: BenchResults, name: string): string => {
  const t = r.targets.find((x) => x.name === name);
  return t ? (t.met ? `met (${t.target})` : `MISSED (${t.target})`) : '–';
};

/** Which rows ran with the watcher following Ironic's notifications (the shipped set-up) and which before it. */
function notificationsNote(r: BenchResults): string {
  const steady = (r.steady ?? []).filter((f) => f.mode === 'event-driven');
  const withBus = steady.filter((f) => f.notifications).map((f) => f.hosts);
  if (withBus.length === 0) return '';
  const without = steady.filter((f) => !f.notifications).map((f) => f.hosts);
  const latency = r.settings.ironicNotifications ? ' and the latency rows' : '';
  const before = [...without.map((n) => `the ${n}-host steady rows`), ...(latency ? [] : ['the latency rows'])];
  return `; the watcher following Ironic's notifications on RabbitMQ, as the manifests ship it, in the steady rows at ${withBus.join(', ')} hosts${latency}${before.length ? ` (${before.join(' and ')} ran before it, with the watcher polling Ironic when idle)` : ''}`;
}

/**
 * The README's benchmark table, generated from a results file (bench/results/latest.json) so no
 * figure is typed by hand. Every row is measured with the shipped defaults at the size it names.
 */
export function renderReadmeBench(r: BenchResults): string {
  const shipped = r.settings.pollActiveMs === DEFAULT_POLL_ACTIVE_MS && r.settings.pollIdleMs === DEFAULT_POLL_IDLE_MS;
  const rows: string[][] = [];
  for (const f of r.latency.figures) {
    if (f.ours.n === 0) continue;
    rows.push([LATENCY_NAMES[f.kind] ?? f.kind, `${f.ours.n}/${f.baseline.n}`, seconds(f.ours.p50), seconds(f.baseline.p50), `${f.ratioP50}×`, met(r, `latency ${f.kind} ratio p50 (baseline/ours)`)]);
  }
  const ratioOf = (b?: number, o?: number) => (b !== undefined && o !== undefined && o > 0 ? `${round(b / o, 2)}×` : b !== undefined && o === 0 && b > 0 ? '∞' : '–');
  for (const { hosts: n, ours, base } of steadyPairs(r.steady)) {
    rows.push([`steady Ironic requests per host-minute, ${n} available hosts (seeded)`, '', String(ours.perHostMinute), String(base.perHostMinute), ratioOf(base.perHostMinute, ours.perHostMinute), met(r, `steady Ironic calls/host-min, N=${n} (baseline/ours)`)]);
    const o = steadyCpu(ours, base);
    const b = steadyCpu(base, ours);
    rows.push([`steady Ironic CPU s per host-hour answering us, ${n} available hosts (seeded; ${o.method})`, '', String(o.value), String(b.value), ratioOf(b.value, o.value), met(r, `steady Ironic CPU s/host-hour, N=${n} (baseline/ours)`)]);
    if (ours.busCpuSPerHostHour !== undefined && ours.notifications) {
      rows.push([`steady CPU s per host-hour of the notification bus (RabbitMQ; ours only, not Ironic's; no target)`, '', String(ours.busCpuSPerHostHour), 'no bus', '', '']);
    }
    if (o.method !== 'net of Ironic alone') {
      rows.push([`steady Ironic CPU s per host-hour, ${n} available hosts, net of Ironic alone (its periodic work in the window too; no target)`, '', String(ours.ironicAnsweringCpuSPerHostHour), String(base.ironicAnsweringCpuSPerHostHour), ratioOf(base.ironicAnsweringCpuSPerHostHour, ours.ironicAnsweringCpuSPerHostHour), '']);
    }
  }
  for (const d of steadyDrifts(r.steady)) {
    const ours = r.steady?.find((x) => x.hosts === d.hosts && x.mode === 'event-driven');
    const idle = ours?.drift?.options.ours.spreadMs;
    const how = ours?.notifications ? 'Ironic notifications; drifts within 60 s on both sides' : idle ? `idle poll ${seconds(idle)}` : '';
    rows.push([`power drift seen, ${d.hosts} available hosts (seeded${how ? `; ${how}` : ''})`, `${d.ours.n}/${d.baseline.n}`, seconds(d.ours.p50), seconds(d.baseline.p50), `${d.ratioP50}×`, met(r, `steady power drift p50 ratio, N=${d.hosts} (baseline/ours)`)]);
  }
  const sizes = r.steady?.length ? [] : [...new Set(r.runs.map((x) => x.hosts))].sort((a, b) => a - b);
  for (const n of sizes) {
    const ours = r.runs.find((x) => x.hosts === n && x.mode === 'event-driven');
    const base = r.runs.find((x) => x.hosts === n && x.mode === 'polling');
    if (ours?.steadyPerHostMinute === undefined) continue;
    rows.push([`steady Ironic requests per host-minute, ${n} hosts`, '', String(ours.steadyPerHostMinute), base?.steadyPerHostMinute === undefined ? 'not run' : String(base.steadyPerHostMinute), ratioOf(base?.steadyPerHostMinute, ours.steadyPerHostMinute), met(r, `steady Ironic calls/host-min, N=${n} (baseline/ours)`)]);
    if (ours.steadyIronicCpuSPerHostHour !== undefined) {
      rows.push([`steady Ironic CPU s per host-hour, ${n} hosts`, '', String(ours.steadyIronicCpuSPerHostHour), base?.steadyIronicCpuSPerHostHour === undefined ? 'not run' : String(base.steadyIronicCpuSPerHostHour), ratioOf(base?.steadyIronicCpuSPerHostHour, ours.steadyIronicCpuSPerHostHour), met(r, `steady Ironic CPU s/host-hour, N=${n} (baseline/ours)`)]);
    }
  }
  if (r.ipmi) rows.push(['IPMI power status, reused session vs `ipmitool`', '', `${round(r.ipmi.powerStatusMs.ours.p50, 1)} ms`, `${round(r.ipmi.powerStatusMs.ipmitool.p50, 1)} ms`, `${r.ipmi.powerStatusMs.ratioP50}×`, met(r, 'IPMI power status, reused session vs ipmitool (p50)')]);
  if (r.coldStart) {
    const slowest = Math.max(...r.coldStart.functions.map((f) => f.firstEventMs));
    rows.push(['cold start to a first no-op event, slowest function vs the trivial faas-js-runtime function (runtime from node_modules, as its users start it)', '', `${slowest} ms`, `${r.coldStart.baseline.firstEventMs} ms`, '', met(r, 'cold start overhead over the trivial function (slowest function)')]);
    const like = r.coldStart.bundledBaseline;
    if (like) rows.push(['cold start to a first no-op event, slowest function vs a trivial function with the runtime bundled as ours (our own code\'s cost; no target)', '', `${slowest} ms`, `${like.firstEventMs} ms`, '', '']);
    const http = r.coldStart.httpClientLoadMs;
    if (http !== undefined) rows.push(['cold start: more for a first event that calls Ironic or a BMC (loads ky and Node\'s fetch; no target)', '', `+${http} ms`, '', '', '']);
  }
  const m = r.machine;
  return [
    `Run of ${r.at.slice(0, 10)} (\`bench/results/latest.json\`): ${m.cpus} CPUs, Node ${m.node}, load ${m.loadStart} → ${m.loadEnd ?? '?'}, ${Math.round(r.wallS / 60)} min; `
      + `ours with POLL_ACTIVE_MS ${String(r.settings.pollActiveMs)}, POLL_IDLE_MS ${String(r.settings.pollIdleMs)} (${shipped ? 'the shipped defaults' : 'TUNED: not the shipped defaults'})${notificationsNote(r)}, every figure measured at the size it names (none extrapolated).`,
    '',
    renderMarkdown(['figure', 'n (ours/baseline)', 'ours p50', 'baseline p50', 'ratio', 'target'], rows),
  ].join('\n');
}
