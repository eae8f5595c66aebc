/**
 * @module redfish-emulator: a stateful Redfish BMC for tests, on node:https with a fresh self-signed certificate.
 *
 * @example
 *   const bmc = await startRedfishEmulator({ username: 'admin', password: 's3cret', systems: 2 });
 *   // bmc.systems[0].address → 'redfish://127.0.0.1:PORT/redfish/v1/Systems/<id>'; pin bmc.caPem
 *   await bmc.stop();
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createSelfSignedCertificate } from './certificate.ts';
import { newSeed, newSystemState, type SystemSpec, type SystemState, type VirtualMediaState } from './model.ts';
import { createEmulatorHandler, newServiceUuid, type EmulatorQuirks, type EmulatorState, type PowerChangeListener, type RequestLogEntry } from './server.ts';
import { systemPath } from './resources.ts';

export type { EmulatorQuirks, PowerChangeListener, RequestLogEntry } from './server.ts';
export type { SystemSpec } from './model.ts';

export interface RedfishEmulatorOptions {
  /** how many systems (default 1), or one spec per system */
  systems?: number | SystemSpec[];
  username: string;
  password: string;
  /** HTTPS with a self-signed certificate (default); false for plain HTTP */
  tls?: boolean;
  quirks?: EmulatorQuirks;
  /** default: a free port chosen by the kernel */
  port?: number;
  /** PoweringOn lasts this long before On (default 0: immediate) */
  powerOnDelayMs?: number;
  /** asyncReset tasks run this long (default 300 ms) */
  taskDurationMs?: number;
  /** request bodies above this are answered 413 (default 64 KiB) */
  maxBodyBytes?: number;
  /** whole-request timeout (default 15 s) */
  requestTimeoutMs?: number;
  /** told about every power change of a system (simulated machines start and halt their agent on it) */
  onPowerChange?: PowerChangeListener;
}

export interface EmulatedSystem {
  id: string;
  /** '/redfish/v1/Systems/<id>' */
  path: string;
  /** BareMetalHost-style address: 'redfish://127.0.0.1:PORT/redfish/v1/Systems/<id>' ('redfish+http' without TLS) */
  address: string;
}

export interface EmulatedSystemState {
  power: SystemState['power'];
  boot: SystemState['boot'];
  virtualMedia: VirtualMediaState[];
  bootHistory: string[];
  /** BIOS attributes in effect and those waiting for the next reset */
  bios: { current: SystemState['biosSettings']['current']; pending: SystemState['biosSettings']['pending'] };
  biosVersion: string;
  /** a flashed BIOS waiting for the next reset */
  stagedBiosVersion?: string | undefined;
  bmcVersion: string;
  volumes: SystemState['volumes'];
}

export interface RedfishEmulator {
  url: string;
  port: number;
  /** the self-signed certificate to pin ('' without TLS) */
  caPem: string;
  /** the same certificate as a file (for sushy/Ironic verify=...; '' without TLS) */
  caPath: string;
  systems: EmulatedSystem[];
  state(systemId: string): EmulatedSystemState;
  /** out-of-band power change, as if someone pressed the button */
  setPower(systemId: string, power: 'On' | 'Off'): void;
  /** every request answered so far (passwords redacted) */
  readonly requests: readonly RequestLogEntry[];
  /** live session count */
  sessionCount(): number;
  /** forget every session, as a BMC does when its SessionTimeout passes */
  expireSessions(): void;
  stop(): Promise<void>;
}

export async function startRedfishEmulator({
  systems = 1, username, password, tls = true, quirks = {}, port = 0, powerOnDelayMs = 0, taskDurationMs = 300,
  maxBodyBytes = 64 * 1024, requestTimeoutMs = 15_000, onPowerChange,
}: RedfishEmulatorOptions): Promise<RedfishEmulator> {
  const seed = newSeed();
  const specs: SystemSpec[] = typeof systems === 'number' ? Array.from({ length: systems }, () => ({})) : systems;
  const state: EmulatorState = {
    systems: specs.map((spec, i) => newSystemState(spec, i, seed)),
    sessions: new Map(), tasks: new Map(), requests: [], timers: new Set(), pendingPower: new Map(),
  };
  const handler = createEmulatorHandler(state, {
    username, password, quirks, serviceUuid: newServiceUuid(), maxBodyBytes, powerOnDelayMs, taskDurationMs, sessionTimeoutSec: 1800, onPowerChange,
  });

  const dir = tls ? await mkdtemp(join(tmpdir(), 'redfish-emulator-')) : undefined;
  let server: Server;
  let caPem = '';
  let caPath = '';
  try {
    if (dir) {
      const cert = await createSelfSignedCertificate(dir);
      caPem = cert.certPem;
      caPath = cert.certPath;
      server = createHttpsServer({ cert: cert.certPem, key: cert.keyPem }, handler);
    } else {
      server = createHttpServer(handler);
    }
  } catch (e) {
    if (dir) await rm(dir, { recursive: true, force: true });
    throw e;
  }
  server.requestTimeout = requestTimeoutMs;
  server.headersTimeout = Math.min(requestTimeoutMs, 10_000);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const actualPort = (server.address() as AddressInfo).port;
  const scheme = tls ? 'https' : 'http';
  const url = `${scheme}://127.0.0.1:${actualPort}`;

  const find = (systemId: string): SystemState => {
    const s = state.systems.find((x) => x.id === systemId);
    if (!s) throw new Error(`no emulated system ${systemId}`);
    return s;
  };

  return {
    url,
    port: actualPort,
    caPem,
    caPath,
    systems: state.systems.map((s) => ({
      id: s.id, path: systemPath(s), address: `${tls ? 'redfish' : 'redfish+http'}://127.0.0.1:${actualPort}${systemPath(s)}`,
    })),
    state(systemId) {
      const s = find(systemId);
      return structuredClone({
        power: s.power, boot: s.boot, virtualMedia: s.virtualMedia, bootHistory: s.bootHistory,
        bios: { current: s.biosSettings.current, pending: s.biosSettings.pending }, biosVersion: s.bios.version,
        stagedBiosVersion: s.firmware.stagedBios, bmcVersion: s.firmware.bmc, volumes: s.volumes,
      });
    },
    setPower(systemId, power) {
      // a button press wins over a PoweringOn still in flight
      const pending = state.pendingPower.get(systemId);
      if (pending) { clearTimeout(pending); state.timers.delete(pending); state.pendingPower.delete(systemId); }
      find(systemId).power = power;
    },
    get requests() { return state.requests; },
    sessionCount: () => state.sessions.size,
    expireSessions: () => state.sessions.clear(),
    async stop() {
      for (const t of state.timers) clearTimeout(t);
      state.timers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}
