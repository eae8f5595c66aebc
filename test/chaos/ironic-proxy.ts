/**
 * @module chaos/ironic-proxy: a fault-injecting loopback proxy in front of
 * Ironic. It answers 409 (node locked, in Ironic's double-encoded error
 * format) or 503 at random *before* forwarding, so an injected fault never
 * has a side effect; while Ironic is down it answers 503 like a load
 * balancer. It also counts what the assertions need: node creations and
 * deletions, and accepted deploy requests (PUT …/states/provision
 * {"target":"active"} answered 202), per node.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Prng } from './prng.ts';

export interface IronicProxyOptions {
  target: string;
  random: Prng;
  conflictRate?: number;
  unavailableRate?: number;
}

export interface DeployRecord { node: string; at: number }

export interface IronicProxyStats { forwarded: number; injected409: number; injected503: number; upstreamDown: number }

export interface IronicProxy {
  readonly url: string;
  readonly stats: IronicProxyStats;
  /** accepted deploys (202) in order */
  readonly deploys: readonly DeployRecord[];
  /** node name → uuid, from creation and GET answers */
  readonly uuidByName: ReadonlyMap<string, string>;
  /** node name → number of successful POST /v1/nodes */
  readonly createdByName: ReadonlyMap<string, number>;
  /** uuid or name → time of the successful DELETE, or of the first 404 for a node Ironic had created */
  readonly deletedAt: ReadonlyMap<string, number>;
  setTarget(url: string): void;
  /** turn fault injection on or off (off while settling at the end) */
  setFaults(on: boolean): void;
  close(): Promise<void>;
}

const LOCKED = (ident: string): string => JSON.stringify({
  error_message: JSON.stringify({ faultstring: `Node ${ident} is locked by host chaos-proxy, please retry after the current operation is completed.`, faultcode: 'Client', debuginfo: null }),
});
const UNAVAILABLE = JSON.stringify({ error_message: JSON.stringify({ faultstring: 'Service Unavailable (chaos)', faultcode: 'Server', debuginfo: null }) });

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startIronicProxy({ target, random, conflictRate = 0, unavailableRate = 0 }: IronicProxyOptions): Promise<IronicProxy> {
  let upstream = target.replace(/\/+$/, '');
  let faultsOn = true;
  const stats: IronicProxyStats = { forwarded: 0, injected409: 0, injected503: 0, upstreamDown: 0 };
  const deploys: DeployRecord[] = [];
  const uuidByName = new Map<string, string>();
  const createdByName = new Map<string, number>();
  const deletedAt = new Map<string, number>();

  const learn = (node: unknown): void => {
    const n = node as { uuid?: unknown; name?: unknown } | null;
    if (n && typeof n.uuid === 'string' && typeof n.name === 'string') uuidByName.set(n.name, n.uuid);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const path = url.split('?')[0] ?? '/';
    const body = await readAll(req);
    const nodeIdent = /^\/v1\/nodes\/([^/]+)/.exec(path)?.[1];
    // the API root answers version negotiation; faults there only slow start-up
    const faultable = faultsOn && path.startsWith('/v1/nodes');
    if (faultable && random.chance(conflictRate) && nodeIdent && method !== 'GET') {
      stats.injected409++;
      res.writeHead(409, { 'content-type': 'application/json' }).end(LOCKED(decodeURIComponent(nodeIdent)));
      return;
    }
    if (faultable && random.chance(unavailableRate)) {
      stats.injected503++;
      res.writeHead(503, { 'content-type': 'application/json' }).end(UNAVAILABLE);
      return;
    }
    let answer: Response;
    // wait as long as Ironic takes: a deploy it accepts after our client gave up is still a deploy to count
    try {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'connection' && k !== 'content-length') headers[k] = v;
      answer = await fetch(upstream + url, { method, headers, ...(body.length > 0 ? { body } : {}), signal: AbortSignal.timeout(600_000) });
    } catch {
      stats.upstreamDown++;
      res.writeHead(503, { 'content-type': 'application/json' }).end(UNAVAILABLE);
      return;
    }
    const text = Buffer.from(await answer.arrayBuffer());
    stats.forwarded++;
    record(method, path, nodeIdent, body, answer.status, text);
    const headers: Record<string, string> = {};
    answer.headers.forEach((v, k) => { if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'content-encoding' && k !== 'connection') headers[k] = v; });
    res.writeHead(answer.status, headers).end(text);
  }

  function record(method: string, path: string, ident: string | undefined, body: Buffer, status: number, text: Buffer): void {
    try {
      if (method === 'POST' && path === '/v1/nodes' && status === 201) {
        const node = JSON.parse(text.toString()) as { name?: string };
        learn(node);
        if (node.name) createdByName.set(node.name, (createdByName.get(node.name) ?? 0) + 1);
      } else if (method === 'GET' && path.startsWith('/v1/nodes') && status === 200) {
        const parsed = JSON.parse(text.toString()) as { nodes?: unknown[] };
        if (Array.isArray(parsed.nodes)) parsed.nodes.forEach(learn); else learn(parsed);
      } else if (method === 'PUT' && ident && path.endsWith('/states/provision') && status === 202) {
        const { target } = JSON.parse(body.toString()) as { target?: string };
        if (target === 'active') deploys.push({ node: decodeURIComponent(ident), at: Date.now() });
      } else if (method === 'DELETE' && ident && path === `/v1/nodes/${ident}` && status === 204) {
        deletedAt.set(decodeURIComponent(ident), Date.now());
      } else if ((method === 'GET' || method === 'DELETE') && ident && path === `/v1/nodes/${ident}` && status === 404) {
        // Ironic may carry out a DELETE whose answer never arrives (it was shutting down): a later 404 for a
        // node it created is its own word that the node is gone by then
        const id = decodeURIComponent(ident);
        const created = createdByName.has(id) || [...uuidByName.values()].includes(id);
        if (created && !deletedAt.has(id)) deletedAt.set(id, Date.now());
      }
    } catch { /* not JSON: nothing to learn */ }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => { if (!res.headersSent) res.writeHead(502).end(); else res.destroy(); });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    url: `http://127.0.0.1:${port}`,
    stats, deploys, uuidByName, createdByName, deletedAt,
    setTarget: (u) => { upstream = u.replace(/\/+$/, ''); },
    setFaults: (on) => { faultsOn = on; },
    close: async function close() {
      const done = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await done;
    },
  };
}
