/** The converter's configuration, parsed once from env at init. */
import { EnvReader, type Env } from '@kiot/core';

export interface ConverterConfig {
  /** Set as `dataschema` on converted events that do not carry one. */
  readonly dataschema?: string;
}

export function parseConfig(env: Env): Readonly<ConverterConfig> {
  const r = new EnvReader(env);
  const dataschema = r.optional('CONVERTER_DATASCHEMA');
  return r.done(dataschema === undefined ? {} : { dataschema });
}
