/**
 * @module watcher: the event source, run as a Knative ContainerSource
 * (K_SINK and K_CE_OVERRIDES are injected). It lists and watches
 * BareMetalHosts, polls Ironic once per interval for all nodes, and sends
 * CloudEvents to the sink. It does no provisioning work itself.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { IronicConnectionSchema, ironicConnectionOf } from '../../../shared/src/handler/config.ts';
import { createIronicClient } from '../../../shared/src/ironic/client.ts';
import { amqpServerName } from '../../../shared/src/amqp/consumer.ts';
import { followIronicNotifications } from '../../../shared/src/ironic/notifications.ts';
import { ABANDONED_NODE_AFTER_MS } from '../../../shared/src/ironic/states.ts';
import { createLogger } from '../../../shared/src/log.ts';
import { defaultMetrics } from '../../../shared/src/metrics/metrics.ts';
import type { Metrics } from '../../../shared/src/metrics/metrics.ts';
import { metricsPortOf, serveMetrics } from '../../../shared/src/metrics/server.ts';
import type { Logger } from '../../../shared/src/log.ts';
import { startInformers } from './informer.ts';
import type { HostInformer } from './informer.ts';
import { createClaimWatcher } from './claim-watcher.ts';
import { createSink, parseCeOverrides } from './sink.ts';
import { createWatcher, DEFAULT_POLL_ACTIVE_MS, DEFAULT_POLL_IDLE_MS } from './watcher.ts';

const WatcherEnv = z.object({
  K_SINK: z.url(),
  K_CE_OVERRIDES: z.string().optional(),
  IRONIC_URL: z.url().default('http://127.0.0.1:6385'),
  WATCH_NAMESPACE: z.string().optional(),
  CLUSTER_NAME: z.string().default('local'),
  POLL_ACTIVE_MS: z.coerce.number().int().positive().default(DEFAULT_POLL_ACTIVE_MS),
  POLL_IDLE_MS: z.coerce.number().int().positive().default(DEFAULT_POLL_IDLE_MS),
  /**
   * amqp://user:password@host:port/vhost of the RabbitMQ that Ironic publishes its notifications to
   * (docs/ironic-notifications.md). Unset: no subscription, the idle watcher probes Ironic instead.
   */
  IRONIC_NOTIFICATIONS_URL: z.string().regex(/^amqp:\/\//, 'an amqp:// URL (our consumer speaks plain AMQP: TLS is not supported)').optional(),
  RESYNC_MS: z.coerce.number().int().positive().default(60_000),
  /** the most of Ironic's time our list polls may take (the poll slows down when a list is slow) */
  POLL_MAX_IRONIC_SHARE: z.coerce.number().gt(0).lte(1).default(0.2),
  BACKOFF_BASE_MS: z.coerce.number().int().positive().default(60_000),
  /** the functions' setting of the same name: when an Ironic node without a lock counts as abandoned */
  IRONIC_ABANDONED_AFTER_MS: z.coerce.number().int().positive().default(ABANDONED_NODE_AFTER_MS),
  SINK_TOKEN: z.string().optional(),
  /**
   * Knative's OIDC token for the sink (authentication-oidc: the ContainerSource's SinkBinding mounts it,
   * renewed, at /oidc/token); read anew per send. Absent file: no token.
   */
  SINK_TOKEN_FILE: z.string().default('/oidc/token'),
  /** watch HostClaims (all namespaces) and emit claim events; `false` where the HostClaim CRD is not installed */
  WATCH_CLAIMS: z.enum(['true', 'false']).default('true'),
  /** watch HostFirmwareSettings and wake hosts whose desired settings changed; `false` where the CRD is not installed */
  WATCH_FIRMWARE: z.enum(['true', 'false']).default('true'),
});

/** The token file's current content (Knative renews it in place), or undefined when there is none. */
export function tokenFileReader(path: string, maxAgeMs = 10_000, now = Date.now): () => string | undefined {
  let cached: { token: string | undefined; at: number } | undefined;
  return function readToken() {
    if (cached && now() - cached.at < maxAgeMs) return cached.token;
    let token: string | undefined;
    try {
      token = readFileSync(path, 'utf8').trim() || undefined;
    } catch {
      token = undefined;
    }
    cached = { token, at: now() };
    return token;
  };
}

export interface RunningWatcher {
  stop(): Promise<void>;
  watcher: ReturnType<typeof createWatcher>;
  /** undefined with WATCH_CLAIMS=false */
  claimWatcher: ReturnType<typeof createClaimWatcher> | undefined;
  informer: HostInformer;
  sink: ReturnType<typeof createSink>;
  metrics: Metrics;
  /** where `/metrics` is served (undefined with METRICS_PORT=off) */
  metricsUrl?: string | undefined;
}

export async function startWatcher(env: Record<string, string | undefined> = process.env, options: { kubeConfig?: KubeConfig; log?: Logger; metrics?: Metrics } = {}): Promise<RunningWatcher> {
  const parsed = WatcherEnv.safeParse(env);
  if (!parsed.success) throw new Error(`invalid watcher configuration:\n${z.prettifyError(parsed.error)}`);
  const cfg = parsed.data;
  const log = options.log ?? createLogger({ fields: { component: 'watcher' } });
  const kubeConfig = options.kubeConfig ?? (() => { const kc = new KubeConfig(); kc.loadFromDefault(); return kc; })();
  const sink = createSink({ url: cfg.K_SINK, log, overrides: parseCeOverrides(cfg.K_CE_OVERRIDES), token: cfg.SINK_TOKEN ?? tokenFileReader(cfg.SINK_TOKEN_FILE) });
  const metrics = options.metrics ?? defaultMetrics();
  const ironic = createIronicClient({ ...ironicConnectionOf({ ...IronicConnectionSchema.parse(env), IRONIC_URL: cfg.IRONIC_URL }), onRequest: (info) => metrics.ironicRequest({ component: 'watcher', ...info }) });
  const watcher = createWatcher({
    metrics,
    ironic, emit: (e) => sink.send(e), log, cluster: cfg.CLUSTER_NAME,
    pollActiveMs: cfg.POLL_ACTIVE_MS, pollIdleMs: cfg.POLL_IDLE_MS, resyncMs: cfg.RESYNC_MS, maxPollShare: cfg.POLL_MAX_IRONIC_SHARE, backoffBaseMs: cfg.BACKOFF_BASE_MS,
    abandonedAfterMs: cfg.IRONIC_ABANDONED_AFTER_MS,
  });
  const claimWatcher = cfg.WATCH_CLAIMS === 'true' ? createClaimWatcher({ emit: (e) => sink.send(e), log, cluster: cfg.CLUSTER_NAME }) : undefined;
  const { informer, stop: stopInformers } = await startInformers({ kubeConfig, namespace: cfg.WATCH_NAMESPACE, log, claimResyncMs: cfg.RESYNC_MS, watcher, claimWatcher, watchFirmware: cfg.WATCH_FIRMWARE === 'true' });
  watcher.start();
  const feed = cfg.IRONIC_NOTIFICATIONS_URL ? followIronicNotifications(watcher, { url: cfg.IRONIC_NOTIFICATIONS_URL, log }) : undefined;
  const metricsPort = metricsPortOf(env);
  const metricsServer = metricsPort === undefined ? undefined : await serveMetrics({ registry: metrics.registry, port: metricsPort });
  log.info('watcher started', { sink: cfg.K_SINK, ironic: cfg.IRONIC_URL, namespace: cfg.WATCH_NAMESPACE ?? '(all)', notifications: cfg.IRONIC_NOTIFICATIONS_URL ? amqpServerName(cfg.IRONIC_NOTIFICATIONS_URL) : '(none: polling)' });
  return {
    watcher, claimWatcher, informer, sink, metrics, metricsUrl: metricsServer?.url,
    stop: async function stop() {
      metricsServer?.close();
      await feed?.stop();
      watcher.stop();
      await stopInformers();
      await sink.idle();
    },
  };
}

// run as a container: node functions/watcher/src/index.ts (or its bundle)
if (import.meta.url === `file://${process.argv[1]}`) {
  const running = await startWatcher();
  const shutdown = async (): Promise<void> => {
    await running.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
}
