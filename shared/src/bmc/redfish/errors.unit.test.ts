import { describe, expect, it } from '@jest/globals';
import { BmcAuthError, BmcCommandError, BmcUnreachableError, BmcUnsupportedError, isPermanent, isRetryable } from '../../errors.ts';
import { BmcCertificateError, describeDmtfError, errorForStatus, errorForTransport, parseDmtfError } from './errors.ts';

const dmtf = (id: string, message: string, related?: string[]) => ({
  error: { code: 'Base.1.16.GeneralError', message: 'A general error has occurred.', '@Message.ExtendedInfo': [{ MessageId: `Base.1.16.${id}`, Message: message, RelatedProperties: related }] },
});

describe('parseDmtfError', () => {
  it('reads code, message ids, messages and related properties when the body is a DMTF error', () => {
    // Act
    const e = parseDmtfError(dmtf('PropertyValueNotInList', "The value 'X' is not in the list.", ['#/Boot/BootSourceOverrideTarget']));
    // Assess
    expect(e).toEqual({
      code: 'Base.1.16.GeneralError', message: 'A general error has occurred.', messageIds: ['Base.1.16.PropertyValueNotInList'],
      messages: ["The value 'X' is not in the list."], relatedProperties: ['#/Boot/BootSourceOverrideTarget'],
    });
    expect(describeDmtfError(e)).toBe("[Base.1.16.GeneralError, Base.1.16.PropertyValueNotInList] A general error has occurred.; The value 'X' is not in the list.");
  });

  it('returns an empty description when the body is not a DMTF error', () => {
    expect(parseDmtfError('<html>oops</html>')).toEqual({ messageIds: [], messages: [], relatedProperties: [] });
    expect(describeDmtfError(parseDmtfError(undefined))).toBe('');
  });
});

describe('errorForStatus', () => {
  it.each([
    { case: '401', status: 401, body: undefined, cls: BmcAuthError },
    { case: '403', status: 403, body: undefined, cls: BmcAuthError },
    { case: '400 value not in list', status: 400, body: dmtf('PropertyValueNotInList', 'no'), cls: BmcUnsupportedError },
    { case: '400 other', status: 400, body: dmtf('MalformedJSON', 'bad'), cls: BmcCommandError },
    { case: '404', status: 404, body: undefined, cls: BmcCommandError },
    { case: '503', status: 503, body: undefined, cls: BmcUnreachableError },
  ])('maps $case to $cls.name', ({ status, body, cls }) => {
    // Act
    const e = errorForStatus({ operation: 'PATCH https://bmc/redfish/v1/Systems/1', status, body });
    // Assess
    expect(e).toBeInstanceOf(cls);
    expect(e.message).toContain('PATCH https://bmc/redfish/v1/Systems/1: HTTP ');
  });

  it('surfaces the ExtendedInfo message and keeps Retry-After when the BMC is busy', () => {
    // Act
    const e = errorForStatus({ operation: 'POST x', status: 503, body: dmtf('ServiceTemporarilyUnavailable', 'Try later.'), retryAfterMs: 3000 });
    // Assess
    expect(isRetryable(e)).toBe(true);
    expect(e.message).toContain('Try later.');
    expect((e as BmcUnreachableError).retryAfterMs).toBe(3000);
  });
});

describe('errorForTransport', () => {
  it('returns a permanent BmcCertificateError when the cause chain carries a TLS trust code', () => {
    // Prepare
    const cause = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    const err = Object.assign(new Error('Request failed'), { name: 'NetworkError', cause: new TypeError('fetch failed', { cause }) });
    // Act
    const e = errorForTransport('GET https://bmc/redfish/v1/', err);
    // Assess
    expect(e).toBeInstanceOf(BmcCertificateError);
    expect(isPermanent(e)).toBe(true);
    expect(e.message).toBe('GET https://bmc/redfish/v1/: TLS certificate not trusted (DEPTH_ZERO_SELF_SIGNED_CERT)');
  });

  it('returns a retryable BmcUnreachableError naming the socket error when the connection is refused', () => {
    // Prepare
    const err = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    // Act
    const e = errorForTransport('GET https://bmc/redfish/v1/', err);
    // Assess
    expect(e).toBeInstanceOf(BmcUnreachableError);
    expect(e.message).toBe('GET https://bmc/redfish/v1/: ECONNREFUSED');
  });
});
