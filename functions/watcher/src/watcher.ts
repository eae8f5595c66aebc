/**
 * @module watcher/watcher: turns BareMetalHost changes and Ironic node progress
 * into CloudEvents. It decides *whether* something is due (the transition
 * table's guard), never *how*: it does no provisioning work itself.
 *
 * No event storms: an event is emitted only when what is due for a host
 * changes (transition, generation, state, errorCount, deletion, Ironic
 * progress), so writes such as `lastUpdated` or `poweredOn` emit nothing.
 */
import type { CloudEvent } from 'cloudevents';
import { buildRequestedEvent, changeFingerprint, observeIronicNode } from '../../../events/src/build.ts';
import type { EmitReason } from '../../../events/src/schemas.ts';
import { EventType, WATCHER_SOURCE_PREFIX } from '../../../events/src/types.ts';
import { nodeNameFor } from '../../../shared/src/ironic/lookup.ts';
import { IronicRequestError } from '../../../shared/src/errors.ts';
import { ABANDONED_NODE_AFTER_MS, abandonedSince } from '../../../shared/src/ironic/states.ts';
import type { IronicClient, IronicNode } from '../../../shared/src/ironic/types.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import type { Logger } from '../../../shared/src/log.ts';
import type { IronicNotification } from '../../../shared/src/ironic/notifications.ts';
import { hostCountKey } from '../../../shared/src/metrics/metrics.ts';
import type { Metrics } from '../../../shared/src/metrics/metrics.ts';
import { currentState, dueFor } from '../../../shared/src/state-machine/guard.ts';
import { BUSY_STATES } from '../../../shared/src/state-machine/capacity.ts';
import { isStable } from '../../../shared/src/state-machine/states.ts';
import { FIRMWARE_CONDITIONS } from '../../../shared/src/state-machine/conditions.ts';
import type { StoredFirmwareComponents, StoredFirmwareSettings, StoredUpdatePolicy } from '../../../shared/src/api/firmware.ts';
import { firmwareChangeRequested, firmwareFacts, settingsServicingAllowed, updatesServicingAllowed } from '../../../shared/src/firmware/change.ts';
import { updatesRequested } from '../../../shared/src/firmware/updates.ts';
import type { InformerEvent, SecretVersion } from './informer.ts';

/** The node fields the poller asks for: one list call for all nodes. */
export const POLL_FIELDS = [
  'uuid', 'name', 'provision_state', 'target_provision_state', 'power_state', 'target_power_state', 'last_error', 'maintenance',
  'reservation', 'provision_updated_at',
] as const;

/** Upstream's steady-state poll of each settled host (baremetal-operator: `actionContinue{time.Second * 60}` in manageHostPower). */
export const UPSTREAM_STEADY_POLL_MS = 60_000;
/** Shipped poll intervals (POLL_ACTIVE_MS, POLL_IDLE_MS). */
export const DEFAULT_POLL_ACTIVE_MS = 500;
export const DEFAULT_POLL_IDLE_MS = 5_000;

/**
 * The idle poll period for a fleet of `nodes`: never more list calls than upstream's one GET per
 * settled host per minute (a 10-host fleet is polled every 6 s rather than 5 s).
 */
export const idlePollMs = (nodes: number, pollIdleMs: number = DEFAULT_POLL_IDLE_MS): number =>
  Math.max(pollIdleMs, Math.ceil(UPSTREAM_STEADY_POLL_MS / Math.max(1, nodes)));

export interface WatcherOptions {
  ironic: IronicClient;
  emit: (event: CloudEvent<unknown>) => Promise<unknown>;
  log: Logger;
  cluster?: string;
  /** poll interval while any host has work in flight */
  pollActiveMs?: number;
  /** poll interval when every host is settled (power drift detection) */
  pollIdleMs?: number;
  /** re-emit work still due after this long without an event for the host */
  resyncMs?: number;
  /**
   * A settled fleet is listed at least this often even while the change probe sees nothing new
   * (default: upstream's 60 s steady poll), so what the probe cannot see (a deleted node; a change
   * followed by a write to the newest node that leaves its polled fields as they were) is seen no
   * later than upstream would see it.
   */
  listEveryMs?: number;
  /**
   * The most of Ironic's time our polling may take: the next poll waits at least
   * `duration × (1/share − 1)` after a list call that took `duration` (default 0.2, so ≥ 4×).
   * A list of 1000 nodes costs Ironic ~0.3 s; polling it every 0.5 s would halve its throughput.
   */
  maxPollShare?: number;
  backoffBaseMs?: number;
  /** a node this long without a lock in a conductor state is abandoned (see `abandonedSince`): its host is evaluated again */
  abandonedAfterMs?: number;
  now?: () => number;
  /** poll durations, list sizes, events sent and hosts per state */
  metrics?: Metrics | undefined;
}

interface HostEntry {
  host: StoredHost;
  /** what was last emitted for (or 'none'); a new event goes out only when it changes */
  lastKey?: string;
  lastEmitAt: number;
  node?: IronicNode | null;
  nodeFp?: string;
  timer?: NodeJS.Timeout;
}

export interface Watcher {
  onInformerEvent(e: InformerEvent): void;
  /** a Secret of the hosts' namespace changed (or went), seen as metadata only: hosts naming it are re-evaluated */
  onSecretEvent(e: { type: 'upsert' | 'delete'; secret: SecretVersion }): void;
  /** a HostFirmwareSettings changed (or went): the host of the same name is re-evaluated */
  onFirmwareSettingsEvent(e: { type: 'upsert' | 'delete'; settings: StoredFirmwareSettings }): void;
  /** a HostUpdatePolicy changed (or went): the host of the same name is re-evaluated */
  onUpdatePolicyEvent(e: { type: 'upsert' | 'delete'; policy: StoredUpdatePolicy }): void;
  /** A HostFirmwareComponents changed: listed updates not yet started wake the host of the same name. */
  onFirmwareComponentsEvent(e: { type: 'upsert' | 'delete'; components: StoredFirmwareComponents }): void;
  /**
   * Ironic announced a change (docs/ironic-notifications.md): idle, the next poll is brought
   * forward and lists. Only a hint: what the list says is what counts. Undefined: a malformed message.
   */
  onIronicNotification(n: IronicNotification | undefined): void;
  /** Subscribed to Ironic's notifications: idle, only the minute's list is polled; lost: the change probe again. */
  setNotificationsConnected(connected: boolean): void;
  /** one Ironic poll: a single list call for all nodes */
  poll(): Promise<void>;
  /** periodic resync: re-evaluates every host; emits only for work still due and not recently emitted */
  resync(): void;
  start(): void;
  stop(): void;
  readonly stats: {
    emitted: number; suppressed: number; polls: number; pollErrors: number; resyncEmits: number; lastPollMs: number; lastListSize: number;
    /** idle polls that asked Ironic only for the node written last and found it as before, so did not list */
    listsSkipped: number;
    /** Ironic notifications received, and those that brought a poll forward */
    notifications: number; notificationPolls: number;
  };
  /** true while some host has work due (the poller runs at its active rate) */
  busy(): boolean;
  /** ms until the next poll: the active or idle rate, or longer while Ironic's list answers are slow */
  nextPollDelay(): number;
}

const hostKey = (h: StoredHost): string => h.metadata.uid ?? `${h.metadata.namespace}/${h.metadata.name}`;
/** What a handler acts on; the lock itself is left out (it changes with every step), only abandonment counts. */
const nodeFingerprint = (n: IronicNode | null | undefined, abandoned: boolean): string =>
  n ? JSON.stringify([n.provision_state, n.target_provision_state, n.power_state, n.target_power_state, n.last_error, n.maintenance, abandoned]) : 'absent';

export function createWatcher({
  ironic, emit, log, cluster = 'local', pollActiveMs = DEFAULT_POLL_ACTIVE_MS, pollIdleMs = DEFAULT_POLL_IDLE_MS, resyncMs = 60_000, listEveryMs = UPSTREAM_STEADY_POLL_MS, maxPollShare = 0.2, backoffBaseMs, abandonedAfterMs = ABANDONED_NODE_AFTER_MS, now = Date.now, metrics,
}: WatcherOptions): Watcher {
  const source = `${WATCHER_SOURCE_PREFIX}/${cluster}`;
  const hosts = new Map<string, HostEntry>();
  const byNodeName = new Map<string, string>();
  /** `<ns>/<secret>` → resourceVersion of the Secrets in the watched namespace (metadata only) */
  const secretVersions = new Map<string, string>();
  /** `<ns>/<name>` of the HostFirmwareSettings that ask for a change their host does not have */
  const firmwareChanges = new Set<string>();
  /** `<ns>/<name>` of the HostFirmwareComponents that list updates not yet started */
  const componentUpdates = new Set<string>();
  /** `<ns>/<name>` of the HostUpdatePolicies that let firmware settings change on a provisioned host */
  const settingsPolicies = new Set<string>();
  /** `<ns>/<name>` of the HostUpdatePolicies that let firmware be updated on a provisioned host */
  const updatesPolicies = new Set<string>();
  const nameKey = (h: { metadata: { namespace?: string | undefined; name: string } }): string => `${h.metadata.namespace ?? 'default'}/${h.metadata.name}`;
  const credentialsKey = (h: StoredHost): string | undefined =>
    h.spec?.bmc?.credentialsName ? `${h.metadata.namespace ?? 'default'}/${h.spec.bmc.credentialsName}` : undefined;
  const stats = { emitted: 0, suppressed: 0, polls: 0, pollErrors: 0, resyncEmits: 0, lastPollMs: 0, lastListSize: 0, listsSkipped: 0, notifications: 0, notificationPolls: 0 };
  /** the change probe's answer taken just before the last idle list (undefined: none taken since a busy list) */
  let listedAsOf: string | undefined;
  /** when the last list was asked for */
  let listedAt = Number.NEGATIVE_INFINITY;
  /** false once Ironic refused the probe (400): every poll lists */
  let probeWorks = true;
  /** subscribed to Ironic's notifications: they stand in for the idle probe */
  let notificationsConnected = false;
  /** a notification came since the last poll began: the next poll lists without probing */
  let notified = false;
  /** when the last poll began (notifications never bring polls closer together than the active rate) */
  let lastPollAt = Number.NEGATIVE_INFINITY;
  let pollTimer: NodeJS.Timeout | undefined;
  /** when the scheduled poll runs; undefined while one runs (it schedules the next itself) */
  let pollDueAt: number | undefined;
  let resyncTimer: NodeJS.Timeout | undefined;
  let running = false;
  metrics?.countHostsWith(countHosts);

  function evaluate(entry: HostEntry, reason: EmitReason, force = false): void {
    const { host } = entry;
    clearTimeout(entry.timer);
    const node = entry.node ?? undefined;
    const credKey = credentialsKey(host);
    const credentialsVersion = credKey ? secretVersions.get(credKey) : undefined;
    const hostKey = nameKey(host);
    const asked = firmwareFacts({ settings: firmwareChanges.has(hostKey), updates: componentUpdates.has(hostKey), settingsAllowed: settingsPolicies.has(hostKey), updatesAllowed: updatesPolicies.has(hostKey) });
    const firmwareChange = asked.firmwareChangeRequested || undefined;
    const due = dueFor(host, { now: now(), backoffBaseMs, facts: { ...(node ? { nodePowerState: node.power_state } : {}), credentialsVersion, firmwareChangeRequested: firmwareChange, servicingAllowed: asked.servicingAllowed || undefined } });
    if (due.kind === 'none') {
      entry.lastKey = 'none';
      if (due.reason === 'backoff' && due.retryAt !== undefined) {
        entry.timer = setTimeout(() => evaluate(entry, 'backoff-expired'), Math.max(0, due.retryAt - now()) + 5);
        entry.timer.unref?.();
      }
      return;
    }
    // the hint travels only to the edge that needs it: other work keeps its event ids (no duplicate deliveries)
    const firmwareHint = firmwareChange && 'edge' in due && FIRMWARE_CONDITIONS.includes(due.edge.when) ? true : undefined;
    const abandoned = node ? abandonedSince(node, new Date(now()), abandonedAfterMs) : undefined;
    const observed = node ? observeIronicNode(node, abandoned) : undefined;
    const key = `${due.by}|${changeFingerprint(host, due.by, observed, credentialsVersion, firmwareHint)}`;
    if (key === entry.lastKey && !force) {
      stats.suppressed++;
      return;
    }
    entry.lastKey = key;
    entry.lastEmitAt = now();
    stats.emitted++;
    metrics?.watcherEmitted(EventType[due.by], reason);
    const event = buildRequestedEvent({ host, transition: due.by, reason, source, ironic: node, ironicAbandonedSince: abandoned, credentialsVersion, firmwareChange: firmwareHint, now: () => new Date(now()) });
    void emit(event).catch((e: unknown) => log.error('emit failed', { host: `${host.metadata.namespace}/${host.metadata.name}`, error: (e as Error).message }));
  }

  function onInformerEvent(e: InformerEvent): void {
    const key = hostKey(e.host);
    if (e.type === 'delete') {
      const entry = hosts.get(key);
      clearTimeout(entry?.timer);
      hosts.delete(key);
      byNodeName.delete(nodeNameFor(e.host));
      return;
    }
    const entry = hosts.get(key) ?? { host: e.host, lastEmitAt: 0 };
    const before = entry.host;
    entry.host = e.host;
    hosts.set(key, entry);
    byNodeName.set(nodeNameFor(e.host), key);
    const reason: EmitReason = before === e.host || (before.metadata.generation === e.host.metadata.generation && currentState(before) !== currentState(e.host))
      ? 'state-changed'
      : 'spec-changed';
    evaluate(entry, reason);
    if (before !== e.host && leftBusyState(before, e.host)) wakeOneDelayedHost(key);
    pollSoonIfBusy();
  }

  /** A host left a slot of the provisioning limit: the delayed host that has waited longest may take it now. */
  function wakeOneDelayedHost(freedBy: string): void {
    let oldest: HostEntry | undefined;
    for (const [key, entry] of hosts) {
      if (key === freedBy || entry.host.status?.operationalStatus !== 'delayed') continue;
      if (!oldest || String(entry.host.status?.lastUpdated ?? '') < String(oldest.host.status?.lastUpdated ?? '')) oldest = entry;
    }
    if (oldest) evaluate(oldest, 'state-changed', true);
  }

  function onSecretEvent(e: { type: 'upsert' | 'delete'; secret: SecretVersion }): void {
    const key = `${e.secret.metadata.namespace ?? 'default'}/${e.secret.metadata.name}`;
    const before = secretVersions.get(key);
    if (e.type === 'delete') secretVersions.delete(key);
    else secretVersions.set(key, e.secret.metadata.resourceVersion ?? '');
    if (before === secretVersions.get(key)) return;
    // every Secret of the namespace is seen; only those a host names as its BMC credentials count
    const naming = [...hosts.values()].filter((entry) => credentialsKey(entry.host) === key);
    if (before !== undefined && e.type === 'upsert' && naming.length > 0) metrics?.credentials('updated');
    for (const entry of naming) evaluate(entry, 'credentials-changed');
  }

  /** Sets or clears a host's flag (by the host's name); when that changes, the host is looked at again. */
  function flagHost(flags: Set<string>, key: string, on: boolean): void {
    if (flags.has(key) === on) return;
    if (on) flags.add(key);
    else flags.delete(key);
    for (const entry of hosts.values()) if (nameKey(entry.host) === key) evaluate(entry, 'spec-changed');
  }

  function onFirmwareSettingsEvent(e: { type: 'upsert' | 'delete'; settings: StoredFirmwareSettings }): void {
    flagHost(firmwareChanges, nameKey(e.settings), e.type === 'upsert' && firmwareChangeRequested(e.settings));
  }

  function onFirmwareComponentsEvent(e: { type: 'upsert' | 'delete'; components: StoredFirmwareComponents }): void {
    flagHost(componentUpdates, nameKey(e.components), e.type === 'upsert' && updatesRequested(e.components));
  }

  function onUpdatePolicyEvent(e: { type: 'upsert' | 'delete'; policy: StoredUpdatePolicy }): void {
    flagHost(settingsPolicies, nameKey(e.policy), e.type === 'upsert' && settingsServicingAllowed(e.policy));
    flagHost(updatesPolicies, nameKey(e.policy), e.type === 'upsert' && updatesServicingAllowed(e.policy));
  }

  /**
   * Idle, a poll first asks Ironic for the node written last, with the polled fields (cheaper for
   * Ironic than the list, and than one node's GET: `docs/benchmarks.md` section 8). Ironic orders
   * that by `updated_at`, which every write to a node row sets: while the answer is the one taken
   * before the last list, no node was written since, bar a write to that same node that left its
   * polled fields as they were after a change elsewhere; `listEveryMs` bounds how long such a
   * change waits. Busy, or once `listEveryMs` has passed, the poll lists at once; with no answer
   * taken since work was in flight, it probes and lists.
   * Returns the answer (as text), or undefined when no probe was made or it failed.
   */
  async function changeProbe(): Promise<string | undefined> {
    // a list due by time keeps the answer taken before the last list; without one, probe before listing
    if (!probeWorks || (listedAsOf !== undefined && now() - listedAt >= listEveryMs)) return undefined;
    try {
      return JSON.stringify(await ironic.lastWrittenNode(POLL_FIELDS));
    } catch (e) {
      // an Ironic that cannot sort by `updated_at` answers 400: list every time from now on
      if (e instanceof IronicRequestError && e.statusCode === 400) probeWorks = false;
      log.warn('Ironic change probe failed, listing instead', { error: (e as Error).message });
      return undefined;
    }
  }

  async function poll(): Promise<void> {
    stats.polls++;
    const started = performance.now();
    lastPollAt = now();
    const idle = !busy();
    // a notification says something changed, and while subscribed the probe has nothing to add
    const probe = idle && !notified && !notificationsConnected ? await changeProbe() : undefined;
    notified = false;
    if (probe !== undefined) {
      const unchanged = probe === listedAsOf;
      metrics?.watcherProbe(unchanged);
      if (unchanged) {
        stats.listsSkipped++;
        stats.lastPollMs = performance.now() - started;
        return;
      }
    }
    let nodes: IronicNode[];
    const listStarted = performance.now();
    const askedAt = now();
    try {
      nodes = await ironic.listNodes({ fields: POLL_FIELDS });
      stats.lastPollMs = performance.now() - started;
      stats.lastListSize = nodes.length;
      metrics?.watcherPoll((performance.now() - listStarted) / 1000, nodes.length);
    } catch (e) {
      stats.pollErrors++;
      metrics?.watcherPoll((performance.now() - listStarted) / 1000, undefined);
      log.warn('Ironic poll failed', { error: (e as Error).message });
      return;
    }
    listedAt = askedAt;
    // a busy list leaves no mark (writes go on); an idle list due by time keeps the one it had
    if (!idle) listedAsOf = undefined;
    else if (probe !== undefined) listedAsOf = probe;
    const seen = new Set<string>();
    for (const node of nodes) {
      const key = node.name ? byNodeName.get(node.name) : undefined;
      if (!key) continue;
      seen.add(key);
      const entry = hosts.get(key);
      if (!entry) continue;
      const fp = nodeFingerprint(node, abandonedSince(node, new Date(now()), abandonedAfterMs) !== undefined);
      entry.node = node;
      if (fp === entry.nodeFp) continue;
      entry.nodeFp = fp;
      // first sighting too: the node may have finished its step before we ever saw it
      evaluate(entry, 'ironic-progress');
    }
    for (const [key, entry] of hosts) {
      if (seen.has(key) || entry.nodeFp === undefined || entry.nodeFp === 'absent') continue;
      entry.node = null;
      entry.nodeFp = 'absent';
      evaluate(entry, 'ironic-progress');
    }
  }

  /** hosts by provisioning state and operational status, for the per-state gauge */
  function countHosts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const { host } of hosts.values()) {
      const key = hostCountKey(currentState(host) ?? '', host.status?.operationalStatus ?? '');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }

  function busy(): boolean {
    for (const entry of hosts.values()) {
      const state = currentState(entry.host);
      if (state !== undefined && !isStable(state)) return true;
      if (entry.lastKey !== undefined && entry.lastKey !== 'none') return true;
    }
    return false;
  }

  function resync(): void {
    const at = now();
    for (const entry of hosts.values()) {
      const stale = at - entry.lastEmitAt >= resyncMs;
      const before = stats.emitted;
      evaluate(entry, 'resync', stale && entry.lastKey !== 'none');
      if (stats.emitted > before) stats.resyncEmits++;
    }
  }

  /**
   * The configured rate, slowed down when Ironic takes long to answer the list (it is then busy).
   * Idle and following Ironic's notifications, only the minute's list: a notification brings it
   * forward. Idle without them, never more calls than upstream's one GET per settled host per
   * minute: a small fleet (say 10 hosts) is polled every 6 s rather than 5 s.
   */
  function nextPollDelay(): number {
    const wanted = busy() ? pollActiveMs : notificationsConnected ? listEveryMs : idlePollMs(stats.lastListSize, pollIdleMs);
    const share = Math.min(Math.max(maxPollShare, 0.01), 1);
    return Math.max(wanted, Math.round(stats.lastPollMs * (1 / share - 1)));
  }

  function schedulePoll(delay = nextPollDelay()): void {
    if (!running) return;
    pollDueAt = now() + delay;
    pollTimer = setTimeout(async () => {
      pollDueAt = undefined;
      await poll();
      // a notification that came while this poll ran may not be in its list
      schedulePoll(notified ? Math.min(pollActiveMs, nextPollDelay()) : nextPollDelay());
    }, delay);
  }

  function onIronicNotification(n: IronicNotification | undefined): void {
    stats.notifications++;
    const eventType = n?.eventType ?? '(malformed)';
    // busy, polls run at the active rate anyway; a malformed message is no hint at all
    if (!n || !running || busy()) {
      metrics?.ironicNotification(eventType, n ? 'ignored' : 'malformed');
      return;
    }
    const queued = notified;
    notified = true;
    // a poll is running: it lists again one active period later (schedulePoll), once for any number of these
    if (pollDueAt === undefined) {
      if (!queued) stats.notificationPolls++;
      metrics?.ironicNotification(eventType, queued ? 'ignored' : 'polled');
      return;
    }
    const soonest = Math.max(0, lastPollAt + pollActiveMs - now());
    if (pollDueAt - now() <= soonest) {
      metrics?.ironicNotification(eventType, 'ignored');
      return;
    }
    stats.notificationPolls++;
    metrics?.ironicNotification(eventType, 'polled');
    clearTimeout(pollTimer);
    schedulePoll(soonest);
  }

  function setNotificationsConnected(connected: boolean): void {
    if (connected === notificationsConnected) return;
    notificationsConnected = connected;
    metrics?.ironicNotificationsConnected(connected);
    // lost: what changed meanwhile is not known, so the next poll lists; then the probe takes over
    if (!connected) notified = true;
    if (!running || pollDueAt === undefined) return;
    const wanted = nextPollDelay();
    if (pollDueAt - now() > wanted || !connected) {
      clearTimeout(pollTimer);
      schedulePoll(connected ? wanted : Math.min(wanted, Math.max(0, pollDueAt - now())));
    }
  }

  /** Work appeared while an idle poll is far off (up to 60 s on a small fleet): poll at the active rate. */
  function pollSoonIfBusy(): void {
    if (!running || pollDueAt === undefined || !busy()) return;
    if (pollDueAt - now() <= nextPollDelay()) return;
    clearTimeout(pollTimer);
    schedulePoll();
  }

  return {
    stats,
    onInformerEvent,
    onSecretEvent,
    onFirmwareSettingsEvent,
    onFirmwareComponentsEvent,
    onUpdatePolicyEvent,
    onIronicNotification,
    setNotificationsConnected,
    poll,
    resync,
    busy,
    nextPollDelay,
    start: function start() {
      running = true;
      // a (re)started watcher reads Ironic at once, as upstream reconciles every host on start:
      // until the first list it knows no fleet size, and the idle delay would be a full minute
      schedulePoll(0);
      resyncTimer = setInterval(resync, resyncMs);
      resyncTimer.unref?.();
    },
    stop: function stop() {
      running = false;
      clearTimeout(pollTimer);
      clearInterval(resyncTimer);
      for (const e of hosts.values()) clearTimeout(e.timer);
    },
  };
}

/** The host held a provisioning-limit slot before this change and holds none after it. */
function leftBusyState(before: StoredHost, after: StoredHost): boolean {
  const busy = (h: StoredHost) => (BUSY_STATES as readonly string[]).includes(currentState(h) ?? '');
  return busy(before) && !busy(after);
}
