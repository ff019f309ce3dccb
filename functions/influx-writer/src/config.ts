/** influx-writer configuration, parsed once from env at init. */
import { EnvReader, EVENT_TYPES, type Env } from '@kiot/core';
import { isReservedKey } from './names';

export type Precision = 'ns' | 'us' | 'ms' | 's';
export type WriteApi = 'v1' | 'v2';

export interface Mapping {
  /** `application/channel` or `channel` → measurement; default: the channel. */
  readonly measurements: Readonly<Record<string, string>>;
  /** Extra tags, looked up in the record's meta, then the event's extensions. */
  readonly tags: readonly string[];
  /** Fields written as integers; every other number is a float, so 42 and 42.5 never conflict. */
  readonly integerFields: readonly string[];
  /** When set, only these fields (dotted paths) are written. */
  readonly fields: readonly string[];
  readonly precision: Precision;
}

export interface WriterConfig {
  readonly url: string;
  readonly token: string;
  readonly org: string;
  readonly bucket: string;
  readonly api: WriteApi;
  readonly timeoutMs: number;
  readonly maxBatchLines: number;
  readonly concurrentWrites: number;
  readonly gzipThreshold: number;
  readonly gzipLevel: number;
  readonly retryAfterSeconds: number;
  readonly mapping: Mapping;
  /** Types written as readings (default validated.v1); a step inserted before it adds its own. */
  readonly inputTypes: readonly string[];
}

export function parseMap(r: EnvReader, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of r.list(name)) {
    const m = /^([^=\s]+)=(\S+)$/.exec(item);
    if (m) out[m[1]!] = m[2]!;
    else r.problem(`${name} item ${JSON.stringify(item)} is not key=value`);
  }
  return out;
}

/** Tag keys every point has (points.ts): a configured tag of the same name would replace one. */
const IDENTITY_TAGS = ['application', 'device', 'channel'];

/**
 * Names InfluxDB keeps for itself (line-protocol.ts; 1.x refuses such a tag with 400 and drops such a field
 * without a word) and keys starting with `_`, which 2.x keeps for its own. A mapping naming one would lose data on every write.
 */
function keyNames(r: EnvReader, name: string, kind: 'tag' | 'field'): string[] {
  const names = r.list(name);
  for (const n of names) {
    if (isReservedKey(n) || n.startsWith('_')) r.problem(`${name}: InfluxDB reserves the ${kind} key ${JSON.stringify(n)}`);
    else if (kind === 'tag' && IDENTITY_TAGS.includes(n)) r.problem(`${name}: ${n} is already a tag of every point`);
  }
  return names;
}

export function parseConfig(env: Env): Readonly<WriterConfig> {
  const r = new EnvReader(env);
  return r.done({
    url: r.url('INFLUX_URL', true) ?? '',
    token: r.string('INFLUX_TOKEN', ''),
    org: r.string('INFLUX_ORG', ''),
    bucket: r.required('INFLUX_BUCKET'),
    api: r.oneOf('INFLUX_API', ['v2', 'v1'] as const, 'v2'),
    timeoutMs: r.integer('INFLUX_TIMEOUT_MS', 10_000, 1),
    maxBatchLines: r.integer('WRITER_BATCH_LINES', 5000, 1, 100_000),
    concurrentWrites: r.integer('WRITER_CONCURRENT_WRITES', 2, 1, 64),
    gzipThreshold: r.integer('WRITER_GZIP_THRESHOLD', 1000, 0),
    gzipLevel: r.integer('WRITER_GZIP_LEVEL', 1, 1, 9),
    retryAfterSeconds: r.integer('WRITER_RETRY_AFTER_SECONDS', 2, 1),
    inputTypes: r.eventTypes('WRITER_INPUT_TYPES', [EVENT_TYPES.validated], []),
    mapping: {
      measurements: parseMap(r, 'WRITER_MEASUREMENTS'),
      tags: keyNames(r, 'WRITER_TAGS', 'tag'),
      integerFields: r.list('WRITER_INTEGER_FIELDS'),
      fields: keyNames(r, 'WRITER_FIELDS', 'field'),
      precision: r.oneOf('INFLUX_PRECISION', ['ns', 'us', 'ms', 's'] as const, 'ms'),
    },
  });
}
