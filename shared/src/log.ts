/**
 * @module log: structured JSON logging with secret scrubbing.
 *
 * Secrets must never reach a log line. Code that handles a secret value (a BMC
 * password, user data) calls `redact.add(value)`; every record is then scrubbed
 * by structure before it is serialised (secret-named fields dropped, every string
 * scrubbed of every registered value in every encoding), as a second line of
 * defence behind "don't log it in the first place".
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Field names whose values are never logged, whatever they hold (compared case-insensitively). */
const SECRET_FIELDS = new Set(['password', 'passwd', 'userdata', 'networkdata', 'authorization', 'token', 'bearertoken', 'configdrive', 'config_drive', 'ipmi_password', 'redfish_password']);

/** How long a registered value stays scrubbed after it was last registered, and how many are kept. */
export const SECRET_TTL_MS = 6 * 60 * 60_000;
export const MAX_SECRETS = 4_096;

/** Every form a value can take on its way into a line: as is, JSON-escaped, base64, URL-encoded. */
function formsOf(value: string): string[] {
  const forms = new Set([value, JSON.stringify(value).slice(1, -1), Buffer.from(value, 'utf8').toString('base64'), encodeURIComponent(value)]);
  return [...forms].filter((f) => f.length >= 4);
}

/**
 * Values that must never appear in output. Process-wide on purpose: any logger may see any secret.
 * Bounded: a value is forgotten SECRET_TTL_MS after it was last registered (its host long done with),
 * and at most MAX_SECRETS are kept (the least recently registered go first).
 */
class SecretRegistry {
  /** value → [forms, last registered at] in registration order (re-registering moves it to the end) */
  readonly #values = new Map<string, { forms: string[]; at: number }>();
  /** every form, longest first (a value that is part of a longer one must not leave the longer one's tail) */
  #sorted: string[] | undefined;
  readonly #now: () => number;
  constructor(now: () => number = Date.now) { this.#now = now; }
  add(value: string | undefined): void {
    // very short values would scrub ordinary words; they are still never logged on purpose
    if (value === undefined || value.length < 4) return;
    const known = this.#values.delete(value);
    this.#values.set(value, { forms: formsOf(value), at: this.#now() });
    while (this.#values.size > MAX_SECRETS) this.#values.delete(this.#values.keys().next().value as string);
    if (!known) this.#sorted = undefined;
  }
  /** Every registered value, in every form, replaced in `text`. */
  scrub(text: string): string {
    this.#expire();
    this.#sorted ??= [...this.#values.values()].flatMap((v) => v.forms).sort((a, b) => b.length - a.length);
    let out = text;
    for (const f of this.#sorted) if (out.includes(f)) out = out.split(f).join('[REDACTED]');
    return out;
  }
  /** Values not registered again within SECRET_TTL_MS are dropped (the oldest come first in the map). */
  #expire(): void {
    const expired = this.#now() - SECRET_TTL_MS;
    for (const [value, { at }] of this.#values) {
      if (at >= expired) break;
      this.#values.delete(value);
      this.#sorted = undefined;
    }
  }
  get size(): number {
    this.#expire();
    return this.#values.size;
  }
}

export const redact = new SecretRegistry();
/** A registry of its own (tests of expiry and bounds). */
export const createSecretRegistry = (now?: () => number): SecretRegistry => new SecretRegistry(now);

/**
 * The record with secrets taken out before it is serialised: fields named like secrets are
 * replaced whole, and every string (keys' values at any depth, error messages) is scrubbed
 * while still raw, so JSON escaping cannot hide a value from the scrub.
 */
function redacted(value: unknown, key = '', depth = 0): unknown {
  if (SECRET_FIELDS.has(key.toLowerCase())) return '[REDACTED]';
  if (typeof value === 'string') return redact.scrub(value);
  if (value instanceof Error) return { name: value.name, message: redact.scrub(value.message) };
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8) return '[…]';
  if (Array.isArray(value)) return value.map((v) => redacted(v, '', depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redacted(v, k, depth + 1);
  return out;
}

export interface LoggerOptions {
  level?: LogLevel;
  write?: (line: string) => void;
  now?: () => Date;
  fields?: LogFields;
}

export function createLogger({
  level = (process.env.LOG_LEVEL as LogLevel | undefined) ?? 'info',
  write = (line) => process.stderr.write(line + '\n'),
  now = () => new Date(),
  fields = {},
}: LoggerOptions = {}): Logger {
  const threshold = ORDER[level] ?? ORDER.info;
  const emit = (lvl: Exclude<LogLevel, 'silent'>, msg: string, extra?: LogFields): void => {
    if (ORDER[lvl] < threshold) return;
    const record = redacted({ time: now().toISOString(), level: lvl, msg, ...fields, ...extra });
    // the line is scrubbed once more: a form the structure walk could not see (a value split across fields) stays out too
    write(redact.scrub(JSON.stringify(record)));
  };
  return {
    debug: function debug(msg, f) { emit('debug', msg, f); },
    info: function info(msg, f) { emit('info', msg, f); },
    warn: function warn(msg, f) { emit('warn', msg, f); },
    error: function error(msg, f) { emit('error', msg, f); },
    child: function child(f) { return createLogger({ level, write, now, fields: { ...fields, ...f } }); },
  };
}

/** A logger that writes nothing (tests, benchmarks). */
export const silentLogger: Logger = createLogger({ level: 'silent' });
