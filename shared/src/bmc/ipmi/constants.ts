/** @module bmc/ipmi/constants: wire numbers of IPMI 2.0 (RMCP+) that more than one file needs. */

/** RMCP+ payload types (session header byte 1, bits 5:0). */
export const PayloadType = {
  Ipmi: 0x00,
  OpenSessionRequest: 0x10,
  OpenSessionResponse: 0x11,
  Rakp1: 0x12,
  Rakp2: 0x13,
  Rakp3: 0x14,
  Rakp4: 0x15,
} as const;

export const PAYLOAD_ENCRYPTED = 0x80;
export const PAYLOAD_AUTHENTICATED = 0x40;

export const NetFn = { Chassis: 0x00, App: 0x06 } as const;

/** Privilege levels as the spec numbers them. */
export const Privilege = { callback: 1, user: 2, operator: 3, administrator: 4 } as const;
export type PrivilegeName = keyof typeof Privilege;

/** RMCP+ / RAKP status codes (IPMI 2.0 Table 13-15), for messages. */
export const RMCP_PLUS_STATUS: Readonly<Record<number, string>> = {
  0x01: 'insufficient resources for session',
  0x02: 'invalid session ID',
  0x03: 'invalid payload type',
  0x04: 'invalid authentication algorithm',
  0x05: 'invalid integrity algorithm',
  0x06: 'no matching authentication payload',
  0x07: 'no matching integrity payload',
  0x08: 'inactive session ID',
  0x09: 'invalid role',
  0x0a: 'unauthorized role or privilege',
  0x0b: 'insufficient resources for role',
  0x0c: 'invalid name length',
  0x0d: 'unauthorized name',
  0x0e: 'unauthorized GUID',
  0x0f: 'invalid integrity check value',
  0x10: 'invalid confidentiality algorithm',
  0x11: 'no cipher suite match',
  0x12: 'illegal parameter',
};

export const rmcpPlusStatusName = (code: number): string =>
  `0x${code.toString(16).padStart(2, '0')} ${RMCP_PLUS_STATUS[code] ?? 'unknown status'}`;

/** Largest datagram we accept; anything bigger is not an IPMI LAN reply. */
export const MAX_DATAGRAM_BYTES = 1024;
