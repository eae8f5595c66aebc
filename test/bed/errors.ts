/**
 * @module bed-errors: why the test bed could not start (package missing, port taken, never ready).
 *
 * All are permanent: retrying the same set-up gives the same answer, so they fail loud and fast.
 */
import { PermanentError, type AppErrorOptions } from '../../shared/src/errors.ts';

/** Base of every test-bed set-up failure. */
export class BedSetupError extends PermanentError {
  override readonly name: string = 'BedSetupError';
}

/** A binary the bed needs is missing and could not be installed; names the Debian package. */
export class MissingPackageError extends BedSetupError {
  override readonly name = 'MissingPackageError';
  readonly packages: readonly string[];
  constructor(message: string, packages: readonly string[], options: AppErrorOptions = {}) {
    super(message, options);
    this.packages = packages;
  }
}

/** The port asked for is already taken by another process. */
export class PortInUseError extends BedSetupError {
  override readonly name = 'PortInUseError';
  readonly port: number;
  constructor(message: string, port: number, options: AppErrorOptions = {}) {
    super(message, options);
    this.port = port;
  }
}

/** A started process did not become ready before its deadline (or exited first). */
export class NotReadyError extends BedSetupError {
  override readonly name = 'NotReadyError';
}
