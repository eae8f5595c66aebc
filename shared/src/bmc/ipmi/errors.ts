/** @module bmc/ipmi/errors: IPMI-specific members of the shared error family (shared/src/errors.ts). */
import { PermanentError, RetryableError } from '../../errors.ts';

/**
 * The BMC answered Open Session with algorithms other than the ones we asked for (a downgrade,
 * or a BMC that ignores the request). Refused: we never run a weaker suite than configured.
 */
export class BmcDowngradeError extends PermanentError {
  override readonly name = 'BmcDowngradeError';
}

/**
 * A non-idempotent command (power cycle, hard reset) got no reply; it was not resent because
 * it may already have run. The caller re-reads the power state before deciding anything.
 */
export class BmcOutcomeUnknownError extends RetryableError {
  override readonly name = 'BmcOutcomeUnknownError';
}

/** The BMC refused a session for now (no free session slots, inactive session ID). */
export class BmcSessionUnavailableError extends RetryableError {
  override readonly name = 'BmcSessionUnavailableError';
}
