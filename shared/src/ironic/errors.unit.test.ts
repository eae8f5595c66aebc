import { describe, expect, it } from '@jest/globals';
import { IronicConflictError, IronicRequestError, IronicUnavailableError, isPermanent, isRetryable } from '../errors.ts';
import { conflictKindOf, faultStringOf, retryAfterMsOf, scrub, secretsIn, toIronicError } from './errors.ts';

/** The body Ironic's ParsableErrorMiddleware sends: JSON whose error_message is JSON again. */
const ironicBody = (faultstring: string) => ({
  error_message: JSON.stringify({ faultcode: 'Client', faultstring, debuginfo: null }),
});

describe('faultStringOf', () => {
  it('unwraps the faultstring when the body is double-encoded', () => {
    expect(faultStringOf(ironicBody('Node x could not be found.'))).toBe('Node x could not be found.');
  });

  it('unwraps the faultstring when the body arrives as raw text', () => {
    expect(faultStringOf(JSON.stringify(ironicBody('boom')))).toBe('boom');
  });

  it('falls back to the raw text when the body is not JSON', () => {
    expect(faultStringOf('<html>502 Bad Gateway</html>')).toBe('<html>502 Bad Gateway</html>');
  });

  it('falls back to the inner text when error_message is plain text', () => {
    expect(faultStringOf({ error_message: 'plain words' })).toBe('plain words');
  });

  it('is empty when there is no body', () => {
    expect(faultStringOf(undefined)).toBe('');
  });

  it('truncates a huge message', () => {
    expect(faultStringOf('x'.repeat(5_000)).length).toBeLessThanOrEqual(1_001);
  });
});

describe('toIronicError', () => {
  it.each([
    { status: 409, cls: IronicConflictError, retry: true },
    { status: 500, cls: IronicUnavailableError, retry: true },
    { status: 503, cls: IronicUnavailableError, retry: true },
    { status: 400, cls: IronicRequestError, retry: false },
    { status: 404, cls: IronicRequestError, retry: false },
    { status: 406, cls: IronicRequestError, retry: false },
  ])('maps $status to $cls.name', ({ status, cls, retry }) => {
    // Act
    const err = toIronicError({ operation: 'PUT /v1/nodes/u/states/provision', status, body: ironicBody('why') });
    // Assess
    expect(err).toBeInstanceOf(cls);
    expect(isRetryable(err)).toBe(retry);
    expect(isPermanent(err)).toBe(!retry);
    expect(err.message).toBe(`PUT /v1/nodes/u/states/provision failed: ${status} why`);
  });

  it('carries the HTTP status on a request error', () => {
    const err = toIronicError({ operation: 'GET /v1/x', status: 400, body: ironicBody('bad') }) as IronicRequestError;
    expect(err.statusCode).toBe(400);
  });

  it('names the kind of conflict when the node is locked', () => {
    const err = toIronicError({
      operation: 'PUT /v1/nodes/u/states/power', status: 409,
      body: ironicBody('Node u is locked by host c1, please retry after the current operation is completed.'),
    }) as IronicConflictError;
    expect(err.context.conflict).toBe('locked');
  });

  it('keeps the retry hint on a retryable error', () => {
    const err = toIronicError({ operation: 'GET /', status: 503, body: undefined, retryAfterMs: 2_000 }) as IronicUnavailableError;
    expect(err.retryAfterMs).toBe(2_000);
  });

  it('never repeats a secret from the request when Ironic echoes it', () => {
    // Prepare
    const secrets = secretsIn({ driver_info: { ipmi_password: 'hunter2-secret' } });
    // Act
    const err = toIronicError({ operation: 'POST /v1/nodes', status: 400, body: ironicBody('bad value hunter2-secret'), secrets });
    // Assess
    expect(err.message).not.toContain('hunter2-secret');
    expect(err.message).toContain('[REDACTED]');
  });
});

describe('conflictKindOf', () => {
  it.each([
    ['Node u is locked by host h, please retry after the current operation is completed.', 'locked'],
    ['A node with name n already exists.', 'exists'],
    ['A port with MAC address 52:54:00:00:00:01 already exists.', 'exists'],
    ['Can not delete node "u" while it is in provision state "active".', 'state'],
  ])('reads %s as %s', (fault, kind) => {
    expect(conflictKindOf(fault)).toBe(kind);
  });
});

describe('secretsIn', () => {
  it('collects strings under secret-looking keys at any depth', () => {
    const body = {
      name: 'host', driver_info: { ipmi_username: 'admin', ipmi_password: 'pw-1234', redfish_password: 'pw-5678' },
      configdrive: { user_data: '#cloud-config', meta_data: { uuid: 'u' } },
    };
    expect(secretsIn(body).sort()).toEqual(['#cloud-config', 'pw-1234', 'pw-5678', 'u'].sort());
  });

  it('collects the value of a JSON-patch op whose path names a secret', () => {
    const ops = [{ op: 'replace', path: '/driver_info/ipmi_password', value: 'new-password' }, { op: 'replace', path: '/name', value: 'n' }];
    expect(secretsIn(ops)).toEqual(['new-password']);
  });
});

describe('scrub', () => {
  it('keeps short values so ordinary words survive', () => {
    expect(scrub('a bc', ['a', 'bc'])).toBe('a bc');
  });
});

describe('retryAfterMsOf', () => {
  it('reads seconds', () => {
    expect(retryAfterMsOf('3')).toBe(3_000);
  });

  it('reads an HTTP date relative to now', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMsOf('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5_000);
  });

  it('is undefined when absent or unreadable', () => {
    expect(retryAfterMsOf(null)).toBeUndefined();
    expect(retryAfterMsOf('soon')).toBeUndefined();
  });
});
