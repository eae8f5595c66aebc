/**
 * @module bmc/redfish/errors: maps Redfish HTTP answers and transport failures onto our error family.
 *
 * Messages name the host, method and path, plus the DMTF error text; never a password or token.
 */
import { BmcAuthError, BmcCommandError, BmcProtocolError, BmcUnreachableError, BmcUnsupportedError, PermanentError } from '../../errors.ts';
import { ErrorBodySchema, type RedfishErrorBody } from './schemas.ts';

/** The BMC's TLS certificate is not trusted (wrong pinned CA, self-signed without opt-out): a retry won't fix it. */
export class BmcCertificateError extends PermanentError {
  override readonly name = 'BmcCertificateError';
}

/** Message ids that mean "this BMC does not accept that value": permanent and specific. */
const UNSUPPORTED_IDS = /\.(PropertyValueNotInList|ActionParameterValueNotInList|ActionParameterNotSupported|PropertyNotWritable|PropertyUnknown|ActionNotSupported|PropertyValueTypeError)$/;

export interface DmtfError {
  code?: string;
  message?: string;
  messageIds: string[];
  messages: string[];
  relatedProperties: string[];
}

/** Reads a DMTF error body; anything else yields an empty description. */
export function parseDmtfError(body: unknown): DmtfError {
  const parsed = ErrorBodySchema.safeParse(body);
  if (!parsed.success) return { messageIds: [], messages: [], relatedProperties: [] };
  const e: RedfishErrorBody['error'] = parsed.data.error;
  const info = e['@Message.ExtendedInfo'] ?? [];
  return {
    code: e.code ?? undefined,
    message: e.message ?? undefined,
    messageIds: info.map((i) => i.MessageId ?? '').filter(Boolean),
    messages: info.map((i) => i.Message ?? '').filter(Boolean),
    relatedProperties: info.flatMap((i) => i.RelatedProperties ?? []),
  };
}

/** "GeneralError: text; ExtendedInfo text" without repeats. */
export function describeDmtfError(e: DmtfError): string {
  const parts = [e.message, ...e.messages].filter((p): p is string => !!p);
  const unique = [...new Set(parts)];
  const ids = [...new Set([e.code, ...e.messageIds].filter((p): p is string => !!p))];
  return [ids.length ? `[${ids.join(', ')}]` : '', unique.join('; ')].filter(Boolean).join(' ');
}

export interface HttpFailure {
  operation: string;
  status: number;
  body: unknown;
  retryAfterMs?: number;
}

export function errorForStatus({ operation, status, body, retryAfterMs }: HttpFailure): Error {
  const dmtf = parseDmtfError(body);
  const detail = describeDmtfError(dmtf);
  const message = `${operation}: HTTP ${status}${detail ? ` ${detail}` : ''}`;
  const context = { status, messageIds: dmtf.messageIds.join(',') || undefined, related: dmtf.relatedProperties.join(',') || undefined };
  if (status === 401) return new BmcAuthError(`${operation}: HTTP 401 credentials rejected${detail ? ` ${detail}` : ''}`, { context });
  if (status === 403) return new BmcAuthError(`${operation}: HTTP 403 insufficient privilege${detail ? ` ${detail}` : ''}`, { context });
  if (status === 408 || status === 429 || status >= 500) {
    const err = new BmcUnreachableError(message, { context });
    if (retryAfterMs !== undefined) err.retryAfterMs = retryAfterMs;
    return err;
  }
  if (status === 400 && dmtf.messageIds.some((id) => UNSUPPORTED_IDS.test(id))) return new BmcUnsupportedError(message, { context });
  return new BmcCommandError(message, status, { context });
}

/** The causes' `code`s of a fetch failure (`TypeError: fetch failed` → `Error { code }`). */
export function causeCodes(e: unknown): string[] {
  const codes: string[] = [];
  let cur: unknown = e;
  for (let i = 0; i < 6 && cur && typeof cur === 'object'; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    cur = (cur as { cause?: unknown }).cause;
  }
  return codes;
}

const CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED', 'CERT_NOT_YET_VALID',
]);

/** A transport failure: TLS trust → BmcCertificateError; anything else → BmcUnreachableError. */
export function errorForTransport(operation: string, e: unknown): Error {
  const codes = causeCodes(e);
  const certCode = codes.find((c) => CERT_CODES.has(c));
  if (certCode) return new BmcCertificateError(`${operation}: TLS certificate not trusted (${certCode})`, { cause: e });
  const name = (e as { name?: string } | undefined)?.name;
  if (name === 'TimeoutError') return new BmcUnreachableError(`${operation}: timed out`, { cause: e });
  const reason = codes.find((c) => c !== 'ERR_NETWORK') ?? (e instanceof Error ? e.message : 'failed');
  return new BmcUnreachableError(`${operation}: ${reason}`, { cause: e });
}

export const protocolError = (operation: string, why: string): BmcProtocolError => new BmcProtocolError(`${operation}: ${why}`);
