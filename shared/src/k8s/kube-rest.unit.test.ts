import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  HostConflictError, HostNotFoundError, KubeRequestError, KubeUnavailableError,
} from '../errors.ts';
import { freeTcpPort } from '../../../test/bed/ports.ts';
import type { KubeConnection } from './kube-connection.ts';
import { createKubeRest, kubeErrorFor } from './kube-rest.ts';
import type { KubeRest } from './kube-rest.ts';

const status = (code: number, message: string, causes: object[] = []) =>
  ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, message, ...(causes.length ? { details: { causes } } : {}) });

describe('kubeErrorFor', () => {
  it.each([
    { case: '404 → HostNotFoundError', code: 404, body: status(404, 'baremetalhosts.metal3.io "h" not found'), type: HostNotFoundError },
    { case: '409 → HostConflictError', code: 409, body: status(409, 'the object has been modified'), type: HostConflictError },
    // what a real apiserver answers to a failed JSON-patch `test`: nothing says it was a test, so it is not a conflict
    { case: 'bare 422 (a failed JSON patch) → KubeRequestError', code: 422, body: status(422, 'the server rejected our request due to an error in our request'), type: KubeRequestError },
    { case: '422 schema → KubeRequestError', code: 422, body: status(422, 'BareMetalHost.metal3.io "h" is invalid', [{ field: 'status.operationalStatus', message: 'Unsupported value' }]), type: KubeRequestError },
    { case: '403 → KubeRequestError', code: 403, body: status(403, 'forbidden'), type: KubeRequestError },
    { case: '429 → KubeUnavailableError', code: 429, body: status(429, 'too many requests'), type: KubeUnavailableError },
    { case: '500 → KubeUnavailableError', code: 500, body: undefined, type: KubeUnavailableError },
  ])('maps $case', ({ code, body, type }) => {
    // Act
    const err = kubeErrorFor(code, body, body ? JSON.stringify(body) : 'boom\nmore', 'patch baremetalhost ns/test-host status');
    // Assess
    expect(err).toBeInstanceOf(type);
    expect(err.message).toMatch(new RegExp(`^patch baremetalhost ns/test-host status: ${code} `));
  });

  it('keeps a schema 422 permanent even when the host name contains "test"', () => {
    const err = kubeErrorFor(422, status(422, 'is invalid', [{ field: 'spec.online', message: 'must be boolean' }]), '', 'patch baremetalhost test/test-1 status');
    expect(err).toBeInstanceOf(KubeRequestError);
    expect(err.message).toBe('patch baremetalhost test/test-1 status: 422 is invalid; spec.online: must be boolean');
  });

  it('carries Retry-After on a 429', () => {
    const err = kubeErrorFor(429, status(429, 'slow down'), '', 'get x', 3000) as KubeUnavailableError;
    expect(err.retryAfterMs).toBe(3000);
  });
});

/** An in-process API stand-in: each test sets `handler`. */
describe('createKubeRest', () => {
  let server: Server;
  let url: string;
  let handler: (req: IncomingMessage, body: string, res: ServerResponse) => void = (_q, _b, res) => res.end('{}');
  const tokens: string[] = ['token-1'];
  const seenAuth: (string | undefined)[] = [];
  const connection = (server: string): KubeConnection => ({
    server, tls: { rejectUnauthorized: true }, namespace: undefined, source: 'test',
    bearerToken: async ({ refresh = false } = {}) => (refresh ? tokens.at(-1) : tokens[0]),
  });
  const clients: KubeRest[] = [];
  const rest = (options: Partial<Parameters<typeof createKubeRest>[0]> = {}): KubeRest => {
    const r = createKubeRest({ connection: connection(url), ...options });
    clients.push(r);
    return r;
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      seenAuth.push(req.headers.authorization);
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => handler(req, body, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends method, path, JSON body, content type and bearer token, and parses the answer', async () => {
    // Prepare
    let seen: { method?: string; url?: string; type?: string; body?: unknown } = {};
    handler = (req, body, res) => {
      seen = { method: req.method, url: req.url, type: req.headers['content-type'], body: JSON.parse(body) };
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    };
    // Act
    const res = await rest().request({ method: 'PATCH', path: '/apis/g/v1/x', body: [{ op: 'test' }], contentType: 'application/json-patch+json', what: 'patch x' });
    // Assess
    expect(res).toEqual({ status: 200, body: { ok: true } });
    expect(seen).toEqual({ method: 'PATCH', url: '/apis/g/v1/x', type: 'application/json-patch+json', body: [{ op: 'test' }] });
    expect(seenAuth.at(-1)).toBe('Bearer token-1');
  });

  it('returns an allowed non-2xx status instead of throwing', async () => {
    handler = (_q, _b, res) => res.writeHead(409).end(JSON.stringify(status(409, 'exists')));
    const res = await rest().request({ method: 'POST', path: '/x', body: {}, what: 'create x', allow: [409] });
    expect(res.status).toBe(409);
  });

  it('re-reads a rotated token after a 401 and retries once', async () => {
    // Prepare: the server only accepts the new token
    tokens.push('token-2');
    handler = (req, _b, res) => (req.headers.authorization === 'Bearer token-2' ? res.end('{"v":2}') : res.writeHead(401).end(JSON.stringify(status(401, 'Unauthorized'))));
    const before = seenAuth.length;
    // Act
    const res = await rest().request({ method: 'GET', path: '/x', what: 'get x' });
    // Assess
    expect(res.body).toEqual({ v: 2 });
    expect(seenAuth.slice(before)).toEqual(['Bearer token-1', 'Bearer token-2']);
    tokens.pop();
  });

  it('gives up with KubeUnavailableError when no complete answer arrives within timeoutMs', async () => {
    // Prepare: headers, then silence
    handler = (_q, _b, res) => { res.writeHead(200); res.write('{"a":'); };
    const t0 = Date.now();
    // Act
    const err = await rest({ timeoutMs: 300 }).request({ method: 'GET', path: '/slow', what: 'get slow' }).catch((e: unknown) => e as Error);
    // Assess
    expect(err).toBeInstanceOf(KubeUnavailableError);
    expect((err as Error).message).toBe('get slow: no complete answer within 300 ms');
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it.each([
    { case: 'a declared length', send: (res: ServerResponse) => res.writeHead(200, { 'content-length': 5000 }).end('x'.repeat(5000)), message: /answer of 5000 bytes exceeds the 1024-byte limit/ },
    { case: 'a streamed body', send: (res: ServerResponse) => { res.writeHead(200); for (let i = 0; i < 10; i++) res.write('y'.repeat(500)); res.end(); }, message: /answer exceeds the 1024-byte limit/ },
  ])('refuses an answer over maxResponseBytes with $case', async ({ send, message }) => {
    handler = (_q, _b, res) => send(res);
    await expect(rest({ maxResponseBytes: 1024 }).request({ method: 'GET', path: '/big', what: 'get big' })).rejects.toThrow(message);
  });

  it('rejects a 2xx answer that is not JSON', async () => {
    handler = (_q, _b, res) => res.writeHead(200).end('<html>');
    const err = await rest().request({ method: 'GET', path: '/html', what: 'get html' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeUnavailableError);
    expect((err as Error).message).toBe('get html: 200 answer is not valid JSON');
  });

  it('maps a non-JSON error answer by its first line', async () => {
    handler = (_q, _b, res) => res.writeHead(503).end('upstream connect error\ndetails');
    await expect(rest().request({ method: 'GET', path: '/x', what: 'get x' })).rejects.toThrow(/^get x: 503 upstream connect error$/);
  });

  it('maps a refused connection to KubeUnavailableError naming the code', async () => {
    const port = await freeTcpPort();
    const r = createKubeRest({ connection: connection(`http://127.0.0.1:${port}`) });
    clients.push(r);
    const err = await r.request({ method: 'GET', path: '/x', what: 'get x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeUnavailableError);
    expect((err as Error).message).toMatch(/^get x: ECONNREFUSED/);
  });
});
