/** The converter's configuration, parsed once from env at init. */
import { EnvReader, type Env } from '@kiot/core';
import { CODEC_NAMES, type CodecName } from './codecs';

export interface ConverterConfig {
  /** Set as `dataschema` on converted events that do not carry one. */
  readonly dataschema?: string;
  /** `app`, `app/channel`, `app/channel/fport`, `app//fport` or `*` → codec for binary payloads. */
  readonly codecs: Readonly<Record<string, CodecName>>;
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
  return r.done(dataschema === undefined ? { codecs } : { dataschema, codecs });
}
