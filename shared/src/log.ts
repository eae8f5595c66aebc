/**
 * @module log: structured JSON logging with secret scrubbing.
 *
 * Secrets must never reach a log line. Code that handles a secret value (a BMC
 * password, user data) calls `redact.add(value)`; every line is then scrubbed of
 * every registered value before it is written, as a second line of defence
 * behind "don't log it in the first place".
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

/** Values that must never appear in output. Process-wide on purpose: any logger may see any secret. */
class SecretRegistry {
  readonly #values = new Set<string>();
  add(value: string | undefined): void {
    // very short values would scrub ordinary words; they are still never logged on purpose
    if (value !== undefined && value.length >= 4) this.#values.add(value);
  }
  scrub(text: string): string {
    let out = text;
    for (const v of this.#values) if (out.includes(v)) out = out.split(v).join('[REDACTED]');
    return out;
  }
  get size(): number {
    return this.#values.size;
  }
}

export const redact = new SecretRegistry();

export interface LoggerOptions {
  level?: LogLevel;
  write?: (line: string) => void;
  now?: () => Date;
  fields?: LogFields;
}

function serialise(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
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
    const record: Record<string, unknown> = { time: now().toISOString(), level: lvl, msg, ...fields };
    for (const [k, v] of Object.entries(extra ?? {})) record[k] = serialise(v);
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
