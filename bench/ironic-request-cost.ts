/**
 * @module bench/ironic-request-cost: what one request of each kind costs Ironic in CPU, on a fresh
 * real Ironic with N fake-hardware nodes: upstream's per-host poll (one node, every field), the
 * watcher's poll (one list of every node, its fields), the list without fields, the watcher's idle
 * change probe (the node written last, the same fields), and `GET /` (what any request costs Ironic before it reaches a node).
 * The kinds are measured in turns, `rounds` times, so machine noise spreads over all alike; CPU
 * is the Ironic process tree's (utime + stime from /proc) over each turn. Ironic's own periodic
 * work is not subtracted: a turn lasts under a second, so it adds a few hundredths of a ms per
 * request to every kind.
 *
 * It explains the steady-load figures: at 10 hosts both sides make the same number of calls a
 * minute, so whichever call costs Ironic more decides the steady CPU row.
 *
 * Run alone: `node bench/ironic-request-cost.ts [nodes] [requests per kind per round]`.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { POLL_FIELDS } from '../functions/watcher/src/watcher.ts';
import { createIronicClient } from '../shared/src/ironic/client.ts';
import { startIronic } from '../test/bed/ironic.ts';
import { sampleProcessTree } from './machine.ts';
import { fakeNodeRequest } from './scenarios/hosts.ts';
import { round } from './stats.ts';

export interface RequestCostKind {
  name: string;
  /** the request as sent */
  request: string;
  cpuMsPerRequest: number;
  /** against upstream's per-host poll (one node, every field) */
  ratioToNodeGet: number;
}

export interface RequestCostResult {
  at: string;
  ironic: string;
  nodes: number;
  requestsPerKind: number;
  kinds: RequestCostKind[];
}

export interface RequestCostOptions {
  nodes?: number;
  requestsPerRound?: number;
  rounds?: number;
  log?: (line: string) => void;
}

interface Kind extends CostedRequest { request: string }

/** A kind of request to cost: `send(i)` makes the i-th one. */
export interface CostedRequest { name: string; send(i: number): Promise<unknown> }

/**
 * Ironic's process-tree CPU (utime + stime from /proc) per HTTP request of each kind, in ms.
 * The kinds are sent in turns (`rounds` × `perRound` each, after a warm-up of the first kind) so
 * machine noise and Ironic's periodic work fall on every kind alike. `httpRequests`, when given,
 * counts the HTTP requests sent so far: a kind whose one call takes several pages is costed per page.
 */
export async function cpuPerRequest(
  pid: number, kinds: readonly CostedRequest[],
  { rounds = 5, perRound = 100, httpRequests, log = () => undefined }: { rounds?: number; perRound?: number; httpRequests?: () => number; log?: (line: string) => void } = {},
): Promise<Map<string, number>> {
  const cpu = () => sampleProcessTree(pid)?.cpuSeconds ?? Number.NaN;
  const spent = new Map(kinds.map((k) => [k.name, { cpuS: 0, requests: 0 }]));
  for (let i = 0; i < perRound; i++) await kinds[0]!.send(i); // warm-up: caches, connections
  for (let r = 0; r < rounds; r++) {
    for (const k of kinds) {
      const c0 = cpu();
      const n0 = httpRequests?.() ?? 0;
      for (let i = 0; i < perRound; i++) await k.send(i);
      const s = spent.get(k.name)!;
      s.cpuS += cpu() - c0;
      s.requests += httpRequests ? httpRequests() - n0 : perRound;
    }
    log(`  request cost: round ${r + 1}/${rounds}`);
  }
  return new Map([...spent].map(([name, s]) => [name, (s.cpuS * 1000) / s.requests]));
}

export async function runIronicRequestCost({ nodes = 10, requestsPerRound = 100, rounds = 5, log = () => undefined }: RequestCostOptions = {}): Promise<RequestCostResult> {
  const ironic = await startIronic({ hardwareTypes: ['fake-hardware'] });
  try {
    const client = createIronicClient({ url: ironic.url });
    const ids: string[] = [];
    for (let i = 0; i < nodes; i++) {
      const node = await client.createNode(fakeNodeRequest(`cost-${i}`, `cost-${i}`));
      ids.push(node.uuid);
    }
    const raw = async (path: string) => {
      const res = await fetch(`${ironic.url}${path}`, { headers: { 'X-OpenStack-Ironic-API-Version': '1.82' } });
      if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${(await res.text()).slice(0, 200)}`);
      return res.arrayBuffer();
    };
    const pollFields = ['uuid', ...POLL_FIELDS.filter((f) => f !== 'uuid')].join(',');
    const probe = `/v1/nodes?fields=${pollFields}&limit=1&sort_key=updated_at&sort_dir=desc`;
    // the shipped client's own calls where one exists, so the requests are the ones that ship
    const kinds: Kind[] = [
      { name: "upstream's per-host poll: one node, every field", request: 'GET /v1/nodes/{uuid}', send: (i) => client.getNode(ids[i % nodes]!) },
      { name: "the watcher's poll: every node, its fields", request: `GET /v1/nodes?fields=${pollFields}`, send: () => client.listNodes({ fields: POLL_FIELDS }) },
      { name: 'every node, default fields', request: 'GET /v1/nodes', send: () => raw('/v1/nodes') },
      { name: "the watcher's change probe: the node written last, its fields", request: `GET ${probe}`, send: () => client.lastWrittenNode(POLL_FIELDS) },
      { name: 'API root (no node read)', request: 'GET /', send: () => raw('/') },
    ];
    const perRequest = await cpuPerRequest(ironic.pid, kinds, { rounds, perRound: requestsPerRound, log });
    const perRequestMs = (name: string) => perRequest.get(name)!;
    const base = perRequestMs(kinds[0]!.name);
    const result: RequestCostResult = {
      at: new Date().toISOString(),
      ironic: ironic.installation.version,
      nodes,
      requestsPerKind: rounds * requestsPerRound,
      kinds: kinds.map((k) => ({ name: k.name, request: k.request, cpuMsPerRequest: round(perRequestMs(k.name), 2), ratioToNodeGet: round(perRequestMs(k.name) / base, 2) })),
    };
    for (const k of result.kinds) log(`  ${k.name.padEnd(48)} ${String(k.cpuMsPerRequest).padStart(6)} ms CPU/request  ${k.ratioToNodeGet}× the node GET`);
    return result;
  } finally {
    await ironic.stop();
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runIronicRequestCost({ nodes: Number(process.argv[2] ?? 10), requestsPerRound: Number(process.argv[3] ?? 100), log: console.log });
}
