/**
 * @module handler/serve: a function bundle serving itself (`node dist/main.cjs`,
 * the images' command, calls the bundle's `serve()`) — faas-js-runtime
 * `start()` with the environment its CLI reads (FUNC_PORT, FUNC_LOG_LEVEL,
 * FUNC_BODY_LIMIT) plus the request limits the CLI cannot set: fastify leaves
 * `requestTimeout` at 0, so a client that trickles its body would hold a
 * handler for good. The CLI (`faas-js-runtime dist/index.js`) still loads the
 * same bundle; it just runs without these limits.
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { defaultMetrics } from '../metrics/metrics.ts';
import { metricsPortOf, serveMetrics } from '../metrics/server.ts';
import { installLenientEventDecoding } from './runtime.ts';
import type { FunctionModule, RuntimeCloudEvents } from './runtime.ts';

/** faas-js-runtime as `dist/main.cjs` hands it over: bundled, with the CloudEvents SDK copy it decodes with. */
export type FaasRuntime = Pick<typeof import('faas-js-runtime'), 'start'> & { cloudEvents?: RuntimeCloudEvents };

/** Every function server of ours: the whole request within 60 s, its headers within 15 s. */
export const FUNCTION_SERVER_LIMITS = { requestTimeoutMs: 60_000, headersTimeoutMs: 15_000 } as const;

/** faas-js-runtime's own defaults (its CLI's). */
const DEFAULT_PORT = 8080;
const DEFAULT_BODY_LIMIT = 1_048_576;

function limitRequests(server: Server): Server {
  server.requestTimeout = FUNCTION_SERVER_LIMITS.requestTimeoutMs;
  server.headersTimeout = FUNCTION_SERVER_LIMITS.headersTimeoutMs;
  return server;
}

/**
 * Serves a function module on FUNC_PORT (the all-in-one runner and the chaos processes pass their
 * own env). `runtime`: the bundled faas-js-runtime the image's main loads; default: the installed one.
 */
export async function serveFunction(module: FunctionModule, env: Record<string, string | undefined> = process.env, runtime?: FaasRuntime): Promise<Server> {
  const port = Number(env.FUNC_PORT ?? DEFAULT_PORT);
  const bodyLimit = Number(env.FUNC_BODY_LIMIT ?? DEFAULT_BODY_LIMIT);
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) throw new Error(`FUNC_PORT must be a TCP port, got "${env.FUNC_PORT}"`);
  if (!Number.isInteger(bodyLimit) || bodyLimit <= 0) throw new Error(`FUNC_BODY_LIMIT must be a positive number of bytes, got "${env.FUNC_BODY_LIMIT}"`);
  // required when serving, not imported by the module: the CLI loads the same bundle and brings its own
  const faasRuntime = runtime ?? createRequire(import.meta.url)('faas-js-runtime') as FaasRuntime;
  // before start() runs init(): the bundled runtime decodes with its own copy of the SDK
  if (faasRuntime.cloudEvents) installLenientEventDecoding(faasRuntime.cloudEvents);
  const server = await faasRuntime.start(module as never, { port, bodyLimit, logLevel: env.FUNC_LOG_LEVEL ?? 'info' } as never) as unknown as Server;
  const metricsPort = metricsPortOf(env);
  if (metricsPort !== undefined) {
    // our metrics on a port of their own (faas-js-runtime's generic ones stay on the function port)
    const metricsServer = await serveMetrics({ registry: defaultMetrics().registry, port: metricsPort });
    server.once('close', () => metricsServer.close());
  }
  return limitRequests(server);
}
