/** The converter's configuration, parsed once from env at init. */
import { EnvReader, EVENT_TYPES, type Env } from '@kiot/core';
import { CODEC_NAMES, type CodecName } from './codecs';

export interface ConverterConfig {
  /** Set as `dataschema` on converted events that do not carry one. */
  readonly dataschema?: string;
  /** `app`, `app/channel`, `app/channel/fport`, `app//fport` or `*` → codec for binary payloads. */
  readonly codecs: Readonly<Record<string, CodecName>>;
  /** Types it converts (default raw.v1); a step inserted before it adds its own. */
  readonly inputTypes: readonly string[];
  /** How far after its event's time a reading may be stamped (ahead.ts). */
  readonly maxAheadSeconds: number;
}

export function parseConfig(env: Env): Readonly<ConverterConfig> {
  const r = new EnvReader(env);
  const dataschema = r.optional('CONVERTER_DATASCHEMA');
  const codecs: Record<string, CodecName> = {};
  for (const item of r.list('CONVERTER_CODECS')) {
    const m = /^([^=\s]+)=(\S+)$/.exec(item);
    if (!m || !(CODEC_NAMES as string[]).includes(m[2]!)) r.problem(`CONVERTER_CODECS item ${JSON.stringify(item)} must be selector=codec with codec one of ${CODEC_NAMES.join(', ')}`);
    else codecs[m[1]!] = m[2] as CodecName;
  }
  const inputTypes = r.eventTypes('CONVERTER_INPUT_TYPES', [EVENT_TYPES.raw], [EVENT_TYPES.converted]);
  const maxAheadSeconds = r.integer('CONVERTER_MAX_AHEAD_SECONDS', 86_400);
  return r.done(dataschema === undefined ? { codecs, inputTypes, maxAheadSeconds } : { dataschema, codecs, inputTypes, maxAheadSeconds });
}
