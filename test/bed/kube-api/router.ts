/** @module kube-api/router: one HTTP request → auth, fault injection, discovery/openapi or a resource verb; Status errors rendered here only. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import yaml from 'js-yaml';
import type { Authenticator } from './auth.ts';
import type { ApiContext, WriteOptions } from './context.ts';
import { AGGREGATED_CONTENT_TYPE, VERSION_INFO, aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions, wantsAggregated } from './discovery.ts';
import { openApiGroupVersion, openApiRoot } from './openapi.ts';
import { getObject, listObjects } from './reads.ts';
import { parseRequestInfo } from './request-info.ts';
import { KubeStatusError, badRequest, methodNotAllowed, pathNotFound, reasonForCode, unsupportedMediaType } from './status-error.ts';
import { qualifiedResource, resourceKey } from './types.ts';
import { serveWatch } from './watch-stream.ts';
import { createObject, deleteObject, parseDeleteOptions, patchObject, updateObject } from './writes.ts';
import type { UserInfo } from './rbac.ts';

export interface RequestRecord {
  method: string;
  path: string;
  query: string;
  contentType: string | undefined;
  /** the request's Accept header (which representation it asked for) */
  accept: string | undefined;
  user: string;
  verb: string;
  status: number;
}

export interface FailRule {
  method?: string;
  pathPrefix?: string;
  status: number;
  /** How many matching requests fail (default 1). */
  times?: number;
  reason?: string;
  message?: string;
  /** Sent as `details.retryAfterSeconds` and the Retry-After header, as the real server does for 429. */
  retryAfterSeconds?: number;
  /**
   * Forget the rule if no matching request came within this long. A fault meant for "a random
   * request about now" must not wait for the next write after a quiet spell: rules armed on a
   * timer would otherwise pile up and fail every request for a while.
   */
  withinMs?: number;
}

export interface DelayRule {
  method?: string;
  pathPrefix?: string;
  /** How long matching requests wait before being served. */
  ms: number;
  /** How many matching requests are delayed (default 1). */
  times?: number;
}

export interface RouterOptions {
  bookmarkIntervalMs: number;
  watchTimeoutSeconds: number;
  maxRequestLog: number;
  serverAddress: () => string;
}

const MAX_BODY = 3 * 1024 * 1024;

const ruleMatches = (r: { method?: string; pathPrefix?: string }, method: string, path: string): boolean =>
  (r.method === undefined || r.method.toUpperCase() === method) && (r.pathPrefix === undefined || path.startsWith(r.pathPrefix));

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new KubeStatusError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJson(buf: Buffer): unknown {
  if (buf.length === 0) return undefined;
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
  }
}

/** YAML bodies (`application/yaml`, server-side apply), converted to JSON as the apiserver does. */
function parseYaml(buf: Buffer): unknown {
  if (buf.length === 0) return undefined;
  try {
    return yaml.load(buf.toString('utf8'));
  } catch (e) {
    throw badRequest(`error converting YAML to JSON: ${(e as Error).message.split('\n')[0]}`);
  }
}

export class ApiRouter {
  readonly requests: RequestRecord[] = [];
  readonly #faults: (FailRule & { left: number; until: number })[] = [];
  /** Fault rules that fired (per status code) and that expired unused. */
  readonly faultStats = { fired: {} as Record<number, number>, expired: 0 };
  readonly #delays: (DelayRule & { left: number })[] = [];
  readonly #ctx: ApiContext;
  readonly #auth: Authenticator;
  readonly #opts: RouterOptions;
  #openWatches = 0;

  constructor(ctx: ApiContext, auth: Authenticator, opts: RouterOptions) {
    this.#ctx = ctx;
    this.#auth = auth;
    this.#opts = opts;
  }

  get openWatches(): number {
    return this.#openWatches;
  }

  failNext(rule: FailRule): void {
    this.#faults.push({ ...rule, left: rule.times ?? 1, until: rule.withinMs === undefined ? Infinity : Date.now() + rule.withinMs });
  }

  /** Armed fault rules not yet used up or expired. */
  pendingFaults(): number {
    this.#dropExpiredFaults();
    return this.#faults.length;
  }

  clearFaults(): void {
    this.#faults.length = 0;
  }

  #dropExpiredFaults(): void {
    const now = Date.now();
    for (let i = this.#faults.length - 1; i >= 0; i--) {
      if (this.#faults[i]!.until > now) continue;
      this.#faults.splice(i, 1);
      this.faultStats.expired++;
    }
  }

  delayNext(rule: DelayRule): void {
    this.#delays.push({ ...rule, left: rule.times ?? 1 });
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fixture');
    const method = req.method ?? 'GET';
    const record: RequestRecord = { method, path: url.pathname, query: url.search.slice(1), contentType: req.headers['content-type'], accept: req.headers.accept, user: '', verb: '', status: 0 };
    this.requests.push(record);
    if (this.requests.length > this.#opts.maxRequestLog) this.requests.splice(0, this.requests.length - this.#opts.maxRequestLog);
    const warnings: string[] = [];
    try {
      const user = this.#auth.authenticate(req.headers.authorization);
      record.user = user.name;
      await this.#injectDelay(method, url.pathname);
      this.#injectFault(method, url.pathname);
      const out = await this.#route(req, res, url, method, user, record, warnings);
      if (out === 'streamed') {
        record.status = 200;
        return;
      }
      record.status = out.code;
      this.#send(res, out.code, out.json, warnings, out.contentType);
    } catch (e) {
      const err = e instanceof KubeStatusError ? e : new KubeStatusError(500, 'InternalError', `Internal error occurred: ${(e as Error).message}`);
      record.status = err.code;
      const retryAfter = err.details?.retryAfterSeconds;
      if (!res.headersSent) this.#send(res, err.code, JSON.stringify(err.toStatus()), warnings, 'application/json', retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) });
      else res.end();
    }
  }

  async #injectDelay(method: string, path: string): Promise<void> {
    const i = this.#delays.findIndex((d) => ruleMatches(d, method, path));
    if (i < 0) return;
    const d = this.#delays[i]!;
    if (--d.left <= 0) this.#delays.splice(i, 1);
    await new Promise((r) => setTimeout(r, d.ms));
  }

  #injectFault(method: string, path: string): void {
    this.#dropExpiredFaults();
    const i = this.#faults.findIndex((f) => ruleMatches(f, method, path));
    if (i < 0) return;
    const f = this.#faults[i]!;
    if (--f.left <= 0) this.#faults.splice(i, 1);
    this.faultStats.fired[f.status] = (this.faultStats.fired[f.status] ?? 0) + 1;
    throw new KubeStatusError(f.status, f.reason ?? reasonForCode(f.status), f.message ?? `injected failure (${f.status})`, f.retryAfterSeconds === undefined ? undefined : { retryAfterSeconds: f.retryAfterSeconds });
  }

  #send(res: ServerResponse, code: number, json: string, warnings: string[], contentType = 'application/json', extra: Record<string, string> = {}): void {
    const headers: Record<string, string | string[]> = { 'Content-Type': contentType, 'Cache-Control': 'no-cache, private', 'Content-Length': String(Buffer.byteLength(json)), ...extra };
    if (warnings.length > 0) headers.Warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
    res.writeHead(code, headers);
    res.end(json);
  }

  async #route(
    req: IncomingMessage, res: ServerResponse, url: URL, method: string, user: UserInfo, record: RequestRecord, warnings: string[],
  ): Promise<'streamed' | { code: number; json: string; contentType?: string }> {
    const ctx = this.#ctx;
    const info = parseRequestInfo(method, url, ctx.registry);
    record.verb = info.verb;
    const accept = req.headers.accept;
    const q = url.searchParams;
    if (info.kind === 'nonresource') {
      this.#auth.check(user, { verb: info.verb, apiGroup: '', resource: '', subresource: '', namespace: '', name: '', resourceRequest: false }, '', '');
      if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(method);
      return this.#nonResource(url.pathname, accept);
    }
    const { def } = info;
    const attrs = { verb: info.verb, apiGroup: info.group, resource: info.resource, subresource: info.subresource, namespace: info.namespace, name: info.name, resourceRequest: true };
    this.#auth.check(user, attrs, def ? qualifiedResource(def) : info.group ? `${info.resource}.${info.group}` : info.resource, info.resource);
    const tokens = await this.#tokenCalls(req, method, info);
    if (tokens) return tokens;
    if (!def) throw pathNotFound();
    // a cluster-scoped kind under /namespaces/{ns}/ is not a path the server serves (namespaces/{name} itself aside)
    if (!def.namespaced && info.namespace !== '' && def.flavor !== 'namespace') throw pathNotFound();
    if (def.namespaced && info.namespace === '' && !(method === 'GET' && info.name === '')) throw pathNotFound();
    if (info.subresource !== '' && !(info.subresource === 'status' && def.statusSubresource)) throw pathNotFound();
    if (info.name === '' && info.subresource !== '') throw pathNotFound();

    const dryRunParam = q.get('dryRun');
    if (dryRunParam !== null && dryRunParam !== '' && dryRunParam !== 'All') throw badRequest(`Invalid dry run value: ${dryRunParam}`);
    const fv = q.get('fieldValidation') ?? '';
    if (!['', 'Strict', 'Warn', 'Ignore'].includes(fv)) throw badRequest(`fieldValidation ${fv} is not a valid option`);
    const opts: WriteOptions = { dryRun: dryRunParam === 'All', fieldValidation: fv as WriteOptions['fieldValidation'], fieldManager: q.get('fieldManager') ?? '', force: q.get('force') === 'true', warnings };
    const contentType = (req.headers['content-type'] ?? '').toLowerCase();

    switch (method) {
      case 'GET': {
        if (info.name !== '') return getObject(ctx, def, info.namespace, info.name, accept, q);
        if (info.verb === 'watch') {
          this.#openWatches++;
          serveWatch(ctx, def, info.namespace, q, accept, res, {
            bookmarkIntervalMs: this.#opts.bookmarkIntervalMs,
            maxTimeoutSeconds: this.#opts.watchTimeoutSeconds,
            onEnd: () => { this.#openWatches--; },
          });
          return 'streamed';
        }
        return listObjects(ctx, def, info.namespace, accept, q);
      }
      case 'POST': {
        if (info.name !== '') throw methodNotAllowed(method);
        const body = await this.#jsonBody(req, contentType);
        return this.#json(createObject(ctx, def, info.namespace, body, opts));
      }
      case 'PUT': {
        if (info.name === '') throw methodNotAllowed(method);
        const body = await this.#jsonBody(req, contentType);
        return this.#json(updateObject(ctx, def, info.namespace, info.name, info.subresource, body, opts));
      }
      case 'PATCH': {
        if (info.name === '') throw methodNotAllowed(method);
        const buf = await readBody(req);
        if (contentType.includes('protobuf')) throw unsupportedMediaType(['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml']);
        const patch = contentType.startsWith('application/apply-patch+yaml') ? parseYaml(buf) : parseJson(buf);
        return this.#json(patchObject(ctx, def, info.namespace, info.name, info.subresource, contentType, patch, opts));
      }
      case 'DELETE': {
        const buf = await readBody(req);
        const body = contentType.includes('protobuf') ? undefined : parseJson(buf);
        const delOpts = parseDeleteOptions(body, opts.dryRun, q.get('propagationPolicy'));
        if (info.name !== '') return this.#json(deleteObject(ctx, def, info.namespace, info.name, delOpts));
        return this.#deleteCollection(def, info.namespace, q, delOpts);
      }
      default:
        throw methodNotAllowed(method);
    }
  }

  /** TokenReview and TokenRequest (kube-api/tokens.ts), SubjectAccessReview (kube-api/access-review.ts); undefined for every other request. */
  async #tokenCalls(req: IncomingMessage, method: string, info: { group: string; resource: string; subresource: string; namespace: string; name: string }): Promise<{ code: number; json: string } | undefined> {
    if (info.group === 'authentication.k8s.io' && info.resource === 'tokenreviews' && info.namespace === '' && info.name === '') {
      if (method !== 'POST') throw methodNotAllowed(method);
      const body = await this.#jsonBody(req, (req.headers['content-type'] ?? '').toLowerCase());
      return this.#json(this.#auth.bound.review(body, (t) => this.#auth.staticUser(t)));
    }
    if (info.group === 'authorization.k8s.io' && info.resource === 'subjectaccessreviews' && info.namespace === '' && info.name === '') {
      if (method !== 'POST') throw methodNotAllowed(method);
      const body = await this.#jsonBody(req, (req.headers['content-type'] ?? '').toLowerCase());
      return this.#json(this.#auth.reviewAccess(body));
    }
    if (info.group === '' && info.resource === 'serviceaccounts' && info.subresource === 'token' && info.namespace !== '' && info.name !== '') {
      if (method !== 'POST') throw methodNotAllowed(method);
      const body = await this.#jsonBody(req, (req.headers['content-type'] ?? '').toLowerCase());
      const def = this.#ctx.registry.find('', 'v1', 'serviceaccounts');
      const sa = def ? this.#ctx.store.get(resourceKey(def), info.namespace, info.name) : undefined;
      if (!def || !sa) throw new KubeStatusError(404, 'NotFound', `serviceaccounts "${info.name}" not found`, { name: info.name, kind: 'serviceaccounts' });
      return this.#json(this.#auth.bound.request(info.namespace, info.name, String(sa.metadata.uid ?? ''), body));
    }
    return undefined;
  }

  #deleteCollection(def: NonNullable<ReturnType<ApiContext['registry']['find']>>, namespace: string, q: URLSearchParams, delOpts: ReturnType<typeof parseDeleteOptions>) {
    // answers the list of what was selected, as the real server does
    const listed = listObjects(this.#ctx, def, namespace, undefined, q);
    const items = (JSON.parse(listed.json) as { items: { metadata: { name: string; namespace?: string } }[] }).items;
    for (const item of items) deleteObject(this.#ctx, def, item.metadata.namespace ?? '', item.metadata.name, delOpts);
    return listed;
  }

  async #jsonBody(req: IncomingMessage, contentType: string): Promise<unknown> {
    const buf = await readBody(req);
    const type = contentType.split(';')[0]!.trim();
    if (type === 'application/yaml') return parseYaml(buf);
    if (type !== '' && type !== 'application/json' && type !== '*/*') throw unsupportedMediaType(['application/json', 'application/yaml']);
    return parseJson(buf);
  }

  #json(r: { code: number; body: unknown }): { code: number; json: string } {
    return { code: r.code, json: JSON.stringify(r.body) };
  }

  #nonResource(path: string, accept: string | undefined): { code: number; json: string; contentType?: string } {
    const { registry } = this.#ctx;
    const ok = (body: unknown, contentType?: string) => ({ code: 200, json: JSON.stringify(body), ...(contentType ? { contentType } : {}) });
    const clean = path.replace(/\/+$/, '') || '/';
    if (clean === '/version') return ok(VERSION_INFO);
    if (clean === '/healthz' || clean === '/readyz' || clean === '/livez') return { code: 200, json: '"ok"' };
    if (clean === '/api') return wantsAggregated(accept) ? ok(aggregatedDiscovery(registry, true), AGGREGATED_CONTENT_TYPE) : ok(apiVersions(this.#opts.serverAddress()));
    if (clean === '/apis') return wantsAggregated(accept) ? ok(aggregatedDiscovery(registry, false), AGGREGATED_CONTENT_TYPE) : ok(apiGroupList(registry));
    if (clean === '/openapi/v3') return ok(openApiRoot(registry));
    const parts = clean.split('/').filter((p) => p !== '');
    if (parts[0] === 'openapi' && parts[1] === 'v3') {
      const doc = openApiGroupVersion(registry, parts.slice(2).join('/'));
      if (doc) return ok(doc);
    }
    if (parts[0] === 'api' && parts.length === 2) {
      const list = apiResourceList(registry, '', parts[1]!);
      if (list) return ok(list);
    }
    if (parts[0] === 'apis' && parts.length === 2) {
      const g = apiGroup(registry, parts[1]!);
      if (g) return ok(g);
    }
    if (parts[0] === 'apis' && parts.length === 3) {
      const list = apiResourceList(registry, parts[1]!, parts[2]!);
      if (list) return ok(list);
    }
    throw pathNotFound();
  }
}
