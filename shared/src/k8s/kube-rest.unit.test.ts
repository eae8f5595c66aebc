import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  HostConflictError, HostNotFoundError, KubeRequestError, KubeUnavailableError, dispositionOf,
} from '../errors.ts';
import { freeTcpPort } from '../../../test/bed/ports.ts';
import type { KubeConnection } from './kube-connection.ts';
import { createKubeRest, kubeErrorFor } from './kube-rest.ts';
import type { KubeRest } from './kube-rest.ts';

const status = (code: number, message: string, causes: object[] = []) =>
  ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, message, ...(causes.length ? { details: { causes } } : {}) });

/** Bodies as a real kube-apiserver sends them (metadata, reason and details as on the wire). */
const REAL = {
  notFound: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'baremetalhosts.metal3.io "h-0" not found', reason: 'NotFound', details: { name: 'h-0', group: 'metal3.io', kind: 'baremetalhosts' }, code: 404 },
  conflict: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Operation cannot be fulfilled on baremetalhosts.metal3.io "h-0": the object has been modified; please apply your changes to the latest version and try again', reason: 'Conflict', details: { name: 'h-0', group: 'metal3.io', kind: 'baremetalhosts' }, code: 409 },
  expired: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version: 12 (3456)', reason: 'Expired', code: 410 },
  // a failed JSON-patch `test` op: the generic 422, nothing naming the test
  patchTestFailed: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server rejected our request due to an error in our request', reason: 'Invalid', details: {}, code: 422 },
  invalid: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'BareMetalHost.metal3.io "h-0" is invalid: status.operationalStatus: Unsupported value: "bogus": supported values: "OK", "discovered", "error", "delayed", "detached", "servicing"', reason: 'Invalid', details: { name: 'h-0', group: 'metal3.io', kind: 'BareMetalHost', causes: [{ reason: 'FieldValueNotSupported', message: 'Unsupported value: "bogus"', field: 'status.operationalStatus' }] }, code: 422 },
  forbidden: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'baremetalhosts.metal3.io "h-0" is forbidden: User "system:serviceaccount:m:power" cannot patch resource "baremetalhosts/status" in API group "metal3.io" in the namespace "m"', reason: 'Forbidden', details: { name: 'h-0', group: 'metal3.io', kind: 'baremetalhosts' }, code: 403 },
  tooMany: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Too many requests, please try again later.', reason: 'TooManyRequests', details: { causes: [{ message: 'Too many requests, please try again later.' }], retryAfterSeconds: 1 }, code: 429 },
  unavailable: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server is currently unable to handle the request', reason: 'ServiceUnavailable', details: { retryAfterSeconds: 2 }, code: 503 },
  timeout: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Timeout: request did not complete within requested timeout - context deadline exceeded', reason: 'Timeout', details: {}, code: 504 },
} as const;

/** The one mapping of Kubernetes answers to our errors; its class decides re-read, back off, ignore or record. */
describe('kubeErrorFor', () => {
  it.each([
    { case: '404 NotFound → HostNotFoundError (ignore)', body: REAL.notFound, type: HostNotFoundError, disposition: 'ignore' },
    { case: '409 Conflict (stale resourceVersion) → HostConflictError (re-read)', body: REAL.conflict, type: HostConflictError, disposition: 'retry' },
    { case: '410 Expired → HostConflictError (re-read)', body: REAL.expired, type: HostConflictError, disposition: 'retry' },
    // nothing in a failed JSON-patch test says it was one, so it cannot be told from a real validation error: never a conflict
    { case: '422 after a failed JSON-patch test → KubeRequestError (record)', body: REAL.patchTestFailed, type: KubeRequestError, disposition: 'permanent' },
    { case: '422 Invalid with causes → KubeRequestError (record)', body: REAL.invalid, type: KubeRequestError, disposition: 'permanent' },
    { case: '403 Forbidden → KubeRequestError (record)', body: REAL.forbidden, type: KubeRequestError, disposition: 'permanent' },
    { case: '429 TooManyRequests → KubeUnavailableError (back off)', body: REAL.tooMany, type: KubeUnavailableError, disposition: 'retry' },
    { case: '503 ServiceUnavailable → KubeUnavailableError (back off)', body: REAL.unavailable, type: KubeUnavailableError, disposition: 'retry' },
    { case: '504 Timeout → KubeUnavailableError (back off)', body: REAL.timeout, type: KubeUnavailableError, disposition: 'retry' },
  ])('maps $case', ({ body, type, disposition }) => {
    // Act
    const err = kubeErrorFor(body.code, body, JSON.stringify(body), 'patch baremetalhost ns/test-host status');
    // Assess
    expect(err).toBeInstanceOf(type);
    expect(dispositionOf(err)).toBe(disposition);
    expect(err.message.startsWith(`patch baremetalhost ns/test-host status: ${body.code} ${body.message}`)).toBe(true);
  });

  it('names the field and reason of each cause of a 422 Invalid', () => {
    const err = kubeErrorFor(422, REAL.invalid, '', 'patch baremetalhost m/h-0 status');
    expect(err.message).toBe(`patch baremetalhost m/h-0 status: 422 ${REAL.invalid.message}; status.operationalStatus: Unsupported value: "bogus"`);
  });

  it('maps a 500 without a Status body by the first line of its text', () => {
    const err = kubeErrorFor(500, undefined, 'boom\nmore', 'get x');
    expect(err).toBeInstanceOf(KubeUnavailableError);
    expect(err.message).toBe('get x: 500 boom');
  });

  it('keeps a schema 422 permanent even when the host name contains "test"', () => {
    const err = kubeErrorFor(422, status(422, 'is invalid', [{ field: 'spec.online', message: 'must be boolean' }]), '', 'patch baremetalhost test/test-1 status');
    expect(err).toBeInstanceOf(KubeRequestError);
    expect(err.message).toBe('patch baremetalhost test/test-1 status: 422 is invalid; spec.online: must be boolean');
  });

  it.each([429, 503])('carries Retry-After on a %i, and none when the server sent none', (code) => {
    const body = code === 429 ? REAL.tooMany : REAL.unavailable;
    expect((kubeErrorFor(code, body, '', 'get x', 3000) as KubeUnavailableError).retryAfterMs).toBe(3000);
    expect((kubeErrorFor(code, body, '', 'get x') as KubeUnavailableError).retryAfterMs).toBeUndefined();
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

  it.each([429, 503])('reads the Retry-After header of a %i into the error', async (code) => {
    // Prepare
    handler = (_q, _b, res) => {
      res.writeHead(code, { 'Content-Type': 'application/json', 'Retry-After': '7' });
      res.end(JSON.stringify(code === 429 ? REAL.tooMany : REAL.unavailable));
    };
    // Act
    const err = await rest().request({ method: 'GET', path: '/api/v1/namespaces/m/secrets/s', what: 'get secret m/s' }).catch((e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(KubeUnavailableError);
    expect((err as KubeUnavailableError).retryAfterMs).toBe(7000);
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
