/** @module bmc/ipmi/cipher-suites: the only two cipher suites we speak (3 and 17) and their algorithms. */

export type CipherSuiteId = 3 | 17;

export interface CipherSuite {
  readonly id: CipherSuiteId;
  /** authentication algorithm number: 1 RAKP-HMAC-SHA1, 3 RAKP-HMAC-SHA256 */
  readonly authAlgorithm: number;
  /** integrity algorithm number: 1 HMAC-SHA1-96, 4 HMAC-SHA256-128 */
  readonly integrityAlgorithm: number;
  /** confidentiality algorithm number: 1 AES-CBC-128 */
  readonly confidentialityAlgorithm: number;
  readonly hash: 'sha1' | 'sha256';
  /** bytes of the RAKP 2/3 HMAC (full digest) */
  readonly rakpHmacLength: number;
  /** bytes of the RAKP 4 ICV and of every session AuthCode (truncated digest) */
  readonly integrityLength: number;
}

export const CIPHER_SUITES: Readonly<Record<CipherSuiteId, CipherSuite>> = {
  3: { id: 3, authAlgorithm: 1, integrityAlgorithm: 1, confidentialityAlgorithm: 1, hash: 'sha1', rakpHmacLength: 20, integrityLength: 12 },
  17: { id: 17, authAlgorithm: 3, integrityAlgorithm: 4, confidentialityAlgorithm: 1, hash: 'sha256', rakpHmacLength: 32, integrityLength: 16 },
};

/** Suite 0 (no password check), 1–2 (no encryption), MD5 and xRC4 suites are refused on purpose. */
export function isSupportedCipherSuite(id: number): id is CipherSuiteId {
  return id === 3 || id === 17;
}
