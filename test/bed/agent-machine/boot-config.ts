/**
 * @module boot-config: what a simulated machine's firmware boots (pure; no I/O).
 *
 * A real machine PXE-boots the config Ironic wrote for its MAC (PXE: `tftpboot/pxelinux.cfg/01-<mac>`,
 * iPXE: `httpboot/pxelinux.cfg/<mac>`) and the deploy ramdisk reads the `ipa-*` kernel parameters.
 * The bed's firmware reads the same file and starts ironic-python-agent with those parameters as
 * options. Without a file for the MAC, the machine gets the bed's default boot (what an unmanaged
 * DHCP/iPXE environment serves for Ironic's unmanaged in-band inspection).
 */

/** What the firmware found for the machine. */
export type BootChoice =
  /** the deploy ramdisk: run IPA with these kernel parameters */
  | { kind: 'agent'; params: Record<string, string> }
  /** anything else Ironic prepared (an instance ramdisk, a local disk chain-load): no agent runs */
  | { kind: 'other'; label: string };

/** Config file names Ironic links for a MAC: PXE (`tftpboot`) and iPXE (`httpboot`) forms. */
export function bootConfigPaths(mac: string): { pxe: string; ipxe: string[] } {
  const lower = mac.toLowerCase();
  const dashed = lower.replaceAll(':', '-');
  return { pxe: `tftpboot/pxelinux.cfg/01-${dashed}`, ipxe: [`httpboot/pxelinux.cfg/${dashed}`, `httpboot/pxelinux.cfg/${lower}`] };
}

/** Split a kernel command line into `key=value` parameters (bare words are ignored). */
export function parseKernelParams(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const token of line.trim().split(/\s+/)) {
    const eq = token.indexOf('=');
    if (eq > 0) out[token.slice(0, eq)] = token.slice(eq + 1);
  }
  return out;
}

/** The section a PXE (`default <label>`) or iPXE (`goto <label>`) config boots, and its kernel line. */
export function parseBootConfig(text: string): BootChoice {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  if (lines[0] === '#!ipxe') {
    const label = lines.find((l) => /^goto\s+\S+$/.test(l))?.split(/\s+/)[1] ?? '';
    if (label !== 'deploy') return { kind: 'other', label };
    const start = lines.indexOf(`:${label}`);
    const kernel = lines.slice(start + 1).find((l) => l.startsWith('kernel '));
    return kernel !== undefined && start >= 0 ? { kind: 'agent', params: parseKernelParams(kernel) } : { kind: 'other', label };
  }
  const label = lines.find((l) => /^default\s+\S+$/i.test(l))?.split(/\s+/)[1] ?? '';
  if (label !== 'deploy') return { kind: 'other', label };
  const start = lines.findIndex((l) => l === `label ${label}`);
  const append = start >= 0 ? lines.slice(start + 1).find((l) => l.startsWith('append ') || l.startsWith('label ')) : undefined;
  return append?.startsWith('append ') ? { kind: 'agent', params: parseKernelParams(append) } : { kind: 'other', label };
}

/** ironic-python-agent options for the kernel parameters a ramdisk would read (`ipa-api-url` → `api_url`, …). */
export function agentOptionsFromParams(params: Record<string, string>): Record<string, string> {
  const map: Record<string, string> = {
    'ipa-api-url': 'api_url',
    'ipa-inspection-callback-url': 'inspection_callback_url',
    'ipa-global-request-id': 'global_request_id',
    'ipa-inspection-collectors': 'inspection_collectors',
  };
  const out: Record<string, string> = {};
  for (const [param, option] of Object.entries(map)) {
    const value = params[param];
    if (value !== undefined && value !== '') out[option] = value;
  }
  return out;
}

/**
 * The machine's /proc/cmdline: the booted parameters plus `BOOTIF=01-<mac>` when the boot loader
 * did not set one (pxelinux's `ipappend 2` appends it; the bed's default boot does the same).
 * Ironic's inspection marks the port with this MAC as the PXE port.
 */
export function kernelCommandLine(params: Record<string, string>, mac: string): string {
  const all = { ...params };
  all.BOOTIF ??= `01-${mac.toLowerCase().replaceAll(':', '-')}`;
  return Object.entries(all).map(([k, v]) => `${k}=${v}`).join(' ');
}
