/**
 * The options faas-js-runtime starts with, read as its CLI reads them (FUNC_LOG_LEVEL, FUNC_PORT,
 * FUNC_INCLUDE_RAW, FUNC_BODY_LIMIT, `--include-raw`), but checked: the runtime takes any text, so
 * FUNC_PORT=abc listened on 8080 without a word, FUNC_BODY_LIMIT=2mb became no limit it enforced
 * (NaN), and a port out of range or an unknown log level died with a stack. A bad value now stops
 * the start with every problem listed (core config.ts), as a function's own config does.
 */
import { EnvReader, type Env } from './config';

/** pino's levels, which the runtime's logger takes. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export interface RuntimeOptions {
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly port: number;
  readonly includeRaw: boolean;
  readonly bodyLimit: number;
}

/** `fallback`: the runtime's own defaults (warn, 8080, no raw body, 1 MiB). */
export function runtimeOptions(argv: readonly string[], env: Env, fallback: RuntimeOptions): Readonly<RuntimeOptions> {
  const r = new EnvReader(env);
  // Knative's runtime contract: the container listens on $PORT (8080 unless the Service names
  // another containerPort). The runtime reads only FUNC_PORT, which still wins when both are set.
  const portVariable = env['FUNC_PORT'] !== undefined && env['FUNC_PORT'] !== '' ? 'FUNC_PORT' : 'PORT';
  const options: RuntimeOptions = {
    logLevel: r.oneOf('FUNC_LOG_LEVEL', LOG_LEVELS, fallback.logLevel),
    port: r.integer(portVariable, fallback.port, 1, 65535),
    // As the runtime's CLI: any value turns it on.
    includeRaw: env['FUNC_INCLUDE_RAW'] !== undefined || argv.includes('--include-raw') || fallback.includeRaw,
    bodyLimit: r.integer('FUNC_BODY_LIMIT', fallback.bodyLimit, 1),
  };
  return r.done(options);
}
