/** The validator's configuration, parsed once from env at init. */
import { EnvReader, EVENT_TYPES, type Env } from '@kiot/core';

export interface ValidatorConfig {
  /** Folder of *.json schemas (shipped in ./schemas, or a mounted ConfigMap). */
  readonly schemasDir: string;
  /** `application/channel` or `channel` → schema $id, on top of the file-name convention. */
  readonly mapping: Readonly<Record<string, string>>;
  /** What happens to an event no schema applies to. */
  readonly noSchema: 'pass' | 'reject';
  /** Types it validates (default converted.v1); a step inserted before it adds its own. */
  readonly inputTypes: readonly string[];
}

export function parseConfig(env: Env): Readonly<ValidatorConfig> {
  const r = new EnvReader(env);
  const schemasDir = r.string('VALIDATOR_SCHEMAS_DIR', 'schemas');
  const noSchema = r.oneOf('VALIDATOR_NO_SCHEMA', ['pass', 'reject'] as const, 'pass');
  const mapping: Record<string, string> = {};
  for (const item of r.list('VALIDATOR_SCHEMA_MAP')) {
    const m = /^([^=\s]+)=(\S+)$/.exec(item);
    if (m) mapping[m[1]!] = m[2]!;
    else r.problem(`VALIDATOR_SCHEMA_MAP item ${JSON.stringify(item)} is not key=schema-id (key: channel or application/channel)`);
  }
  const inputTypes = r.eventTypes('VALIDATOR_INPUT_TYPES', [EVENT_TYPES.converted], [EVENT_TYPES.validated, EVENT_TYPES.rejected]);
  return r.done({ schemasDir, mapping, noSchema, inputTypes });
}
