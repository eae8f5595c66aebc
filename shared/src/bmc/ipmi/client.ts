/**
 * @module bmc/ipmi/client: `BmcClient` over IPMI 2.0 (RMCP+, lanplus), cipher suites 3 and 17.
 *
 * One session per client, reused across calls, opened lazily and re-established once when
 * the BMC dropped it; one request in flight per client (a queue), nothing shared between
 * clients, so one dead BMC never delays another.
 *
 * @example
 * const bmc = createIpmiClient({ host: '10.0.0.5', username: 'admin', password });
 * try { console.log(await bmc.powerState()); } finally { await bmc.close(); }
 */
import { BmcAuthError, BmcCommandError, BmcUnreachableError, BmcUnsupportedError } from '../../errors.ts';
import { redact } from '../../log.ts';
import type { BmcClient, BootDevice, PowerAction, SetBootDeviceOptions } from '../types.ts';
import type { CipherSuiteId } from './cipher-suites.ts';
import {
  chassisControl, getBootFlags, getChassisStatus, getDeviceId, parseBootFlags, parseChassisStatus, parseDeviceId,
  setBootDeviceSequence, type CommandSpec,
} from './commands.ts';
import { describeCompletionCode, RETRYABLE_COMPLETION_CODES } from './completion-codes.ts';
import { Privilege, type PrivilegeName } from './constants.ts';
import { passwordKey } from './crypto.ts';
import { BmcOutcomeUnknownError } from './errors.ts';
import { openIpmiSession, type IpmiSession } from './session.ts';
import { NoReplyError, type SocketFactory } from './transport.ts';

export interface IpmiClientOptions {
  host: string;
  port?: number;
  username: string;
  password: string;
  /** default: 17 when the BMC accepts it, else 3. Nothing else is ever offered. */
  cipherSuite?: CipherSuiteId;
  /** per attempt */
  timeoutMs?: number;
  /** resends of idempotent requests (and whole set-up exchanges) after a timeout */
  retries?: number;
  privilege?: PrivilegeName;
  /** BMC key K_G (hex or raw bytes); most BMCs have none and use the password */
  bmcKey?: Buffer;
  /** a session idle longer than this is replaced before use (ipmi_sim drops them at 30 s) */
  sessionIdleMs?: number;
  socketFactory?: SocketFactory;
  now?: () => number;
  /** jitter source in [0, 1) */
  random?: () => number;
  randomBytes?: (n: number) => Buffer;
}

export interface IpmiClient extends BmcClient {
  readonly protocol: 'ipmi';
  /** the cipher suite of the current session, once one is open */
  readonly cipherSuite: CipherSuiteId | undefined;
}

const MAX_USERNAME_BYTES = 16;
const MAX_PASSWORD_BYTES = 20;
/** boot options parameters 0 and 4 are optional on many BMCs (ipmi_sim answers 0xCC) */
const TOLERATED_ON_OPTIONAL_BOOT_PARAMETERS = new Set([0x80, 0xcc]);

export function createIpmiClient({
  host,
  port = 623,
  username,
  password,
  cipherSuite,
  timeoutMs = 1000,
  retries = 3,
  privilege = 'administrator',
  bmcKey,
  sessionIdleMs = 20_000,
  socketFactory,
  now = Date.now,
  random = Math.random,
  randomBytes,
}: IpmiClientOptions): IpmiClient {
  redact.add(password);
  const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const usernameBytes = Buffer.from(username, 'utf8');
  const passwordBytes = Buffer.from(password, 'utf8');
  // IPMI 2.0 limits; truncating would authenticate as someone else or fail confusingly
  if (usernameBytes.length > MAX_USERNAME_BYTES) throw new BmcAuthError(`IPMI username for ${target} is ${usernameBytes.length} bytes; IPMI 2.0 allows at most ${MAX_USERNAME_BYTES}`);
  if (passwordBytes.length > MAX_PASSWORD_BYTES) throw new BmcAuthError(`IPMI password for ${target} is longer than ${MAX_PASSWORD_BYTES} bytes (the IPMI 2.0 limit); refusing to truncate it`);
  if (cipherSuite !== undefined && cipherSuite !== 3 && cipherSuite !== 17) throw new BmcUnsupportedError(`IPMI cipher suite ${String(cipherSuite)} refused: only 3 and 17 are allowed`);
  const kuid = passwordKey(passwordBytes);
  passwordBytes.fill(0);

  let session: IpmiSession | undefined;
  let lastUsed = 0;
  let closed = false;
  let queue: Promise<unknown> = Promise.resolve();

  /** Serialise per client: one request in flight per session. */
  const enqueue = <T>(work: () => Promise<T>): Promise<T> => {
    const result = queue.then(work, work);
    queue = result.catch(() => undefined);
    return result;
  };

  const unreachable = (operation: string, e: NoReplyError): BmcUnreachableError =>
    new BmcUnreachableError(`${operation} on IPMI BMC ${target}: ${e.message}`, { cause: e, context: { host, port, operation } });

  const dropSession = async (): Promise<void> => {
    const s = session;
    session = undefined;
    await s?.close();
  };

  const ensureSession = async (operation: string): Promise<{ session: IpmiSession; reused: boolean }> => {
    if (closed) throw new BmcUnreachableError(`${operation} on IPMI BMC ${target}: client is closed`);
    if (session && (session.exhausted || now() - lastUsed > sessionIdleMs)) await dropSession();
    if (session) return { session, reused: true };
    try {
      session = await openIpmiSession({
        host, port, username: usernameBytes, kuid, kg: bmcKey, cipherSuite: cipherSuite ?? 'auto',
        privilege: Privilege[privilege], timeoutMs, retries, socketFactory, random, randomBytes,
      });
    } catch (e) {
      if (e instanceof NoReplyError) throw unreachable(`${operation} (session set-up)`, e);
      if (e instanceof Error && 'message' in e) e.message = `${operation} on IPMI BMC ${target}: ${e.message}`;
      throw e;
    }
    return { session, reused: false };
  };

  /** One command: completion code checked, session re-established once if it went away. */
  const run = (spec: CommandSpec, tolerated: ReadonlySet<number> = new Set()): Promise<Buffer> =>
    enqueue(async () => {
      for (let attempt = 0; ; attempt++) {
        const { session: s, reused } = await ensureSession(spec.name);
        let reply;
        try {
          reply = await s.request(spec.netFn, spec.cmd, spec.data, { idempotent: spec.idempotent });
        } catch (e) {
          if (!(e instanceof NoReplyError)) throw e;
          await dropSession();
          // a reused session may have been dropped by the BMC: one fresh session, for idempotent commands only
          if (reused && spec.idempotent && attempt === 0) continue;
          throw unreachable(spec.name, e);
        }
        lastUsed = now();
        const cc = reply.completionCode;
        if (cc === 0 || tolerated.has(cc)) return reply.data;
        if (spec.idempotent && RETRYABLE_COMPLETION_CODES.has(cc) && attempt < retries) {
          // busy / BMC starting up: a fresh request after a jittered pause
          await new Promise((r) => setTimeout(r, Math.min(timeoutMs, 250) * 2 ** attempt * (0.5 + random())));
          continue;
        }
        throw new BmcCommandError(`${spec.name}: ${describeCompletionCode(cc, { bootOptions: spec.cmd === 0x08 || spec.cmd === 0x09 })}`, cc, {
          context: { host, port, operation: spec.name },
        });
      }
    });

  const powerState = async () => parseChassisStatus(await run(getChassisStatus()));

  return {
    protocol: 'ipmi',
    get cipherSuite() {
      return session?.suite.id;
    },
    powerState: function powerState_() {
      return powerState();
    },
    setPower: async function setPower(action: PowerAction) {
      const spec = chassisControl(action);
      try {
        await run(spec);
      } catch (e) {
        if (spec.idempotent || !(e instanceof BmcUnreachableError)) throw e;
        // not resent: it may have run. Say what we can observe now.
        const observed = await powerState().then((p) => `the BMC answers again and reports power ${p}`, () => 'the BMC still does not answer');
        throw new BmcOutcomeUnknownError(
          `Chassis Control (power ${action}) on IPMI BMC ${target}: no reply, and not resent because power ${action} is not idempotent; it may or may not have run; ${observed}`,
          { cause: e, context: { host, port, operation: `power ${action}` } },
        );
      }
    },
    bootDevice: async function bootDevice() {
      return parseBootFlags(await run(getBootFlags()));
    },
    setBootDevice: async function setBootDevice(device: BootDevice, options: SetBootDeviceOptions = {}) {
      const [inProgress, acknowledge, flags] = setBootDeviceSequence(device, options);
      await run(inProgress!, TOLERATED_ON_OPTIONAL_BOOT_PARAMETERS);
      await run(acknowledge!, TOLERATED_ON_OPTIONAL_BOOT_PARAMETERS);
      await run(flags!);
    },
    info: async function info() {
      const identity = parseDeviceId(await run(getDeviceId()));
      return { ...identity, powerState: await powerState() };
    },
    inventory: async function inventory(): Promise<never> {
      throw new BmcUnsupportedError(`inventory on IPMI BMC ${target}: IPMI has no hardware inventory; use Redfish or inspection`);
    },
    close: function close() {
      return enqueue(async () => {
        closed = true;
        await dropSession();
      });
    },
  };
}
