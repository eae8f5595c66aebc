/**
 * @module amqp/errors: why an AMQP subscription could not start or ended.
 *
 * One class with a closed `code` vocabulary; the disposition follows from it, so a caller
 * reconnects after `connection-lost` but stops on `auth-failed`. Messages name the server as
 * host:port/vhost and never carry the URL's password.
 */
import { AppError, type AppErrorOptions } from '../errors.ts';

export const AmqpErrorCode = {
  /** The URL is not `amqp://user:pass@host:port/vhost`. */
  InvalidUrl: 'invalid-url',
  /** No TCP connection (refused, unreachable, DNS). */
  ConnectFailed: 'connect-failed',
  /** The server refused the credentials (403 ACCESS_REFUSED, or it hung up right after Start-Ok). */
  AuthFailed: 'auth-failed',
  /** The server sent Connection.Close or Channel.Close (reply code and text attached). */
  ClosedByServer: 'closed-by-server',
  /** The socket ended or failed without a Connection.Close. */
  ConnectionLost: 'connection-lost',
  /** Nothing arrived from the server for two heartbeat intervals. */
  HeartbeatMissed: 'heartbeat-missed',
  /** A malformed frame, an unexpected method, or a limit the server broke. */
  Protocol: 'protocol',
  /** The connection was not consuming within `connectTimeoutMs`. */
  Timeout: 'timeout',
} as const;
export type AmqpErrorCode = (typeof AmqpErrorCode)[keyof typeof AmqpErrorCode];

/** Server reply codes that a retry of the same request cannot fix (AMQP 0-9-1 §1.9 constants). */
const PERMANENT_REPLY_CODES: ReadonlySet<number> = new Set([
  402, // INVALID_PATH (no such vhost)
  403, // ACCESS_REFUSED
  404, // NOT_FOUND
  406, // PRECONDITION_FAILED (e.g. an exchange declared with another type)
  530, // NOT_ALLOWED
]);

export interface AmqpErrorOptions extends AppErrorOptions {
  /** From the server's Connection.Close / Channel.Close. */
  replyCode?: number;
  replyText?: string;
}

export class AmqpError extends AppError {
  override readonly name = 'AmqpError';
  readonly code: AmqpErrorCode;
  readonly replyCode: number | undefined;
  readonly replyText: string | undefined;
  readonly disposition: 'retry' | 'permanent';
  constructor(code: AmqpErrorCode, message: string, { replyCode, replyText, ...options }: AmqpErrorOptions = {}) {
    super(message, options);
    this.code = code;
    this.replyCode = replyCode;
    this.replyText = replyText;
    const permanent = code === 'invalid-url' || code === 'auth-failed' || (replyCode !== undefined && PERMANENT_REPLY_CODES.has(replyCode));
    this.disposition = permanent ? 'permanent' : 'retry';
  }
}

/** `instanceof` or `name`, so errors crossing bundles still classify (errors.ts guards). */
export function isAmqpError(e: unknown): e is AmqpError {
  return e instanceof AmqpError || (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'AmqpError');
}
