/** The edge between a handler's logic and faas-js-runtime: anything thrown becomes one answer. */
import { toKiotError, toStructuredReturn, type StructuredError } from './errors';

/** faas-js-runtime's Logger (pino): one argument, an object or a string. */
export interface Log {
  info(msg: unknown): void;
  warn(msg: unknown): void;
  error(msg: unknown): void;
}

/**
 * Runs the work and turns any failure into a StructuredError. Only the error's name, status and
 * message are logged: device payloads and credentials never reach a log line.
 */
export async function answer<T>(log: Log, work: () => Promise<T> | T): Promise<T | StructuredError> {
  try {
    return await work();
  } catch (thrown) {
    const err = toKiotError(thrown);
    const line = { error: err.errorName, status: err.status, msg: err.message };
    if (err.errorName === 'INTERNAL') log.error({ ...line, cause: err.cause instanceof Error ? err.cause.stack : String(err.cause) });
    else if (err.status >= 500) log.warn({ ...line, cause: err.cause instanceof Error ? err.cause.message : undefined });
    else log.info(line);
    return toStructuredReturn(err);
  }
}
