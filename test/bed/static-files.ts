/**
 * @module static-files: a tiny loopback HTTP server for boot artefacts (the
 * kernel/ramdisk Ironic's ramdisk deploy downloads, images, ISOs). The files
 * are random bytes made at start: Ironic checks they can be fetched, no more.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';

export interface StaticFiles {
  url: string;
  /** path → URL of each served file */
  urls: Record<string, string>;
  /** requests served, by path */
  hits: Map<string, number>;
  stop(): Promise<void>;
}

/** What the bed serves unless told otherwise: random bytes of these sizes. */
export const DEFAULT_BED_FILES: Readonly<Record<string, number>> = { '/vmlinuz': 4096, '/initrd.img': 4096, '/images/host.qcow2': 8192, '/images/live.iso': 8192 };

export async function startStaticFiles(files: Record<string, Buffer | number> = DEFAULT_BED_FILES): Promise<StaticFiles> {
  const content = new Map<string, Buffer>();
  for (const [path, v] of Object.entries(files)) content.set(path, typeof v === 'number' ? randomBytes(v) : v);
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const body = content.get(path);
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (!body) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  server.requestTimeout = 10_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return {
    url,
    urls: Object.fromEntries([...content.keys()].map((p) => [p, `${url}${p}`])),
    hits,
    stop: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
