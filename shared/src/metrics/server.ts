/**
 * @module metrics/server: `/metrics` on a port of its own, apart from the
 * function's CloudEvent port, so that a NetworkPolicy can admit the monitoring
 * namespace to this port alone. GET only; same request limits as our other servers.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export const DEFAULT_METRICS_PORT = 9090;

/** METRICS_PORT (functions and watcher alike): a TCP port (default 9090), `0` for a free one, `off` for none */
export function metricsPortOf(env: Record<string, string | undefined>): number | undefined {
  const raw = env.METRICS_PORT ?? String(DEFAULT_METRICS_PORT);
  if (raw === 'off') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`METRICS_PORT must be a TCP port or "off", got "${raw}"`);
  return port;
}

export async function serveMetrics({ registry, port = DEFAULT_METRICS_PORT, host }: { registry: Registry; port?: number; host?: string }): Promise<Server & { url: string }> {
  const server = createServer(async function metricsRequest(req, res) {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') { res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n'); return; }
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n'); return; }
    try {
      const body = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body);
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics unavailable: ${(e as Error).message}\n`);
    }
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, host, () => resolve()); });
  const { port: bound } = server.address() as AddressInfo;
  return Object.assign(server, { url: `http://${host ?? '127.0.0.1'}:${bound}/metrics` });
}
