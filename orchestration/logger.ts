export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

/** pino-compatible: `(fields, message)`. */
export interface Logger {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** JSON lines on stderr at or above `level` (§5.1). */
export function jsonLogger(
  level: LogLevel = 'info',
  write = (line: string) => process.stderr.write(`${line}\n`),
): Logger {
  const at =
    (l: LogLevel) =>
    (fields: LogFields, message: string): void => {
      if (RANK[l] < RANK[level]) return;
      write(JSON.stringify({ time: new Date().toISOString(), level: l, msg: message, ...fields }));
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A logger that adds fixed fields (logger name, service) to every line. */
export function childLogger(base: Logger, fixed: LogFields): Logger {
  return {
    debug: (f, m) => base.debug({ ...fixed, ...f }, m),
    info: (f, m) => base.info({ ...fixed, ...f }, m),
    warn: (f, m) => base.warn({ ...fixed, ...f }, m),
    error: (f, m) => base.error({ ...fixed, ...f }, m),
  };
}
