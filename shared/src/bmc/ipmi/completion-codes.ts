/** @module bmc/ipmi/completion-codes: IPMI completion codes (Table 5-2) and their spec names. */

const NAMES: Readonly<Record<number, string>> = {
  0x00: 'Command completed normally',
  0xc0: 'Node busy',
  0xc1: 'Invalid command',
  0xc2: 'Invalid command on LUN',
  0xc3: 'Timeout',
  0xc4: 'Out of space',
  0xc5: 'Reservation cancelled or invalid',
  0xc6: 'Request data truncated',
  0xc7: 'Request data length invalid',
  0xc8: 'Request data field length limit exceeded',
  0xc9: 'Parameter out of range',
  0xca: 'Cannot return number of requested data bytes',
  0xcb: 'Requested sensor, data, or record not found',
  0xcc: 'Invalid data field in request',
  0xcd: 'Command illegal for specified sensor or record type',
  0xce: 'Command response could not be provided',
  0xcf: 'Cannot execute duplicated request',
  0xd0: 'SDR Repository in update mode',
  0xd1: 'Device firmware in update mode',
  0xd2: 'BMC initialization in progress',
  0xd3: 'Destination unavailable',
  0xd4: 'Insufficient privilege level',
  0xd5: 'Command not supported in present state',
  0xd6: 'Cannot execute command, command disabled',
  0xff: 'Unspecified error',
};

/** Command-specific codes of Set/Get System Boot Options (§28.12). */
const BOOT_OPTION_NAMES: Readonly<Record<number, string>> = {
  0x80: 'Parameter not supported',
  0x81: 'Attempt to set the set in progress value while not in set complete state',
  0x82: 'Attempt to write read-only parameter',
};

/** Codes after which the same request may succeed later (busy, timeout, BMC starting up). */
export const RETRYABLE_COMPLETION_CODES: ReadonlySet<number> = new Set([0xc0, 0xc3, 0xd2]);

const hex = (code: number): string => `0x${code.toString(16).toUpperCase().padStart(2, '0')}`;

/** "0xCC Invalid data field in request", the form used in error messages. */
export function describeCompletionCode(code: number, options: { bootOptions?: boolean } = {}): string {
  const name =
    (options.bootOptions ? BOOT_OPTION_NAMES[code] : undefined) ??
    NAMES[code] ??
    (code >= 0x01 && code <= 0x7e ? 'OEM completion code' : code >= 0x80 && code <= 0xbe ? 'Command-specific completion code' : 'Unknown completion code');
  return `${hex(code)} ${name}`;
}
