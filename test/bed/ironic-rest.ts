/**
 * @module ironic-rest: the few plain-`fetch` calls bed tests make against a real Ironic.
 *
 * Test-side only (not the project's Ironic client): version header on every request,
 * 409 NodeLocked retried, and state waits with a deadline that report `last_error`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { IRONIC_API_VERSION } from './ironic.ts';

export interface IronicReply {
  status: number;
  /** Parsed JSON (tests read ad-hoc fields), or the raw text. */
  body: any;
}

export interface RequestOptions {
  /** Retry 409 (NodeLocked) this long. */
  conflictRetryMs?: number;
}

/** One request with `X-OpenStack-Ironic-API-Version`; retries 409 while the node is locked. */
export async function ironicRequest(
  baseUrl: string, method: string, path: string, body?: unknown, { conflictRetryMs = 15_000 }: RequestOptions = {},
): Promise<IronicReply> {
  const deadline = Date.now() + conflictRetryMs;
  for (;;) {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { 'X-OpenStack-Ironic-API-Version': IRONIC_API_VERSION, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    const parsed: unknown = text === '' ? null : safeJson(text);
    // 409 on a state change means a conductor holds the node lock: transient
    if (res.status === 409 && method !== 'POST' && Date.now() < deadline) {
      await sleep(200);
      continue;
    }
    return { status: res.status, body: parsed };
  }
}

/** Like `ironicRequest`, but throws unless the status is the expected one. */
export async function expectStatus(baseUrl: string, method: string, path: string, status: number, body?: unknown): Promise<IronicReply> {
  const reply = await ironicRequest(baseUrl, method, path, body);
  if (reply.status !== status) {
    throw new Error(`${method} ${path}: expected ${status}, got ${reply.status}: ${JSON.stringify(reply.body).slice(0, 500)}`);
  }
  return reply;
}

export interface WaitOptions {
  timeoutMs?: number;
  pollMs?: number;
}

/**
 * Poll the node until `field` equals `want` and `target_<field>` is null (settled).
 * Throws on a `* failed` provision state or at the deadline, quoting `last_error`.
 */
export async function waitForNode(
  baseUrl: string, uuid: string, field: 'provision_state' | 'power_state', want: string | null,
  { timeoutMs = 60_000, pollMs = 100 }: WaitOptions = {},
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  let last: Record<string, unknown> = {};
  while (Date.now() < deadline) {
    const { status, body } = await ironicRequest(baseUrl, 'GET', `/v1/nodes/${uuid}?fields=${field},target_${field},last_error`);
    if (status !== 200) throw new Error(`GET node ${uuid}: ${status} ${JSON.stringify(body)}`);
    last = body as Record<string, unknown>;
    if (last[field] === want && last[`target_${field}`] === null) return last;
    const ps = last.provision_state;
    if (field === 'provision_state' && typeof ps === 'string' && ps.endsWith('failed') && ps !== want) {
      throw new Error(`node ${uuid} reached ${ps} waiting for ${want}: ${String(last.last_error)}`);
    }
    await sleep(pollMs);
  }
  throw new Error(`node ${uuid}: ${field} not ${want} within ${timeoutMs} ms; last ${JSON.stringify(last)}`);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
