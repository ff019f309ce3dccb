/**
 * Loads and compiles every JSON Schema (draft 2020-12, formats on, strict) once at start.
 * A schema named `<channel>.json` applies to that channel unless the mapping says otherwise.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

export interface SchemaSet {
  /** The validator for an event: by dataschema first, then application/channel, then channel. */
  select(dataschema: string | undefined, application: string | undefined, channel: string | undefined): { id: string; validate: ValidateFunction } | undefined;
  readonly ids: readonly string[];
}

export class SchemaError extends Error {}

export function loadSchemas(dir: string, mapping: Readonly<Record<string, string>>): SchemaSet {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  const byId = new Map<string, ValidateFunction>();
  const byChannel = new Map<string, string>();
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  } catch (err) {
    throw new SchemaError(`cannot read schema folder ${dir}: ${(err as Error).message}`);
  }
  for (const file of files) {
    let schema: unknown;
    try {
      schema = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      const id = (schema as { $id?: unknown }).$id;
      if (typeof id !== 'string') throw new Error('it has no $id');
      byId.set(id, ajv.compile(schema as object));
      byChannel.set(basename(file, '.json'), id);
    } catch (err) {
      throw new SchemaError(`schema ${join(dir, file)} is invalid: ${(err as Error).message}`);
    }
  }
  for (const [key, id] of Object.entries(mapping)) {
    if (!byId.has(id)) throw new SchemaError(`VALIDATOR_SCHEMA_MAP ${key}=${id}: no schema in ${dir} has that $id`);
  }
  const pick = (id: string | undefined) => (id === undefined ? undefined : byId.has(id) ? { id, validate: byId.get(id)! } : undefined);
  return {
    ids: [...byId.keys()],
    select: (dataschema, application, channel) =>
      pick(dataschema) ??
      pick(application !== undefined && channel !== undefined ? mapping[`${application}/${channel}`] : undefined) ??
      pick(channel === undefined ? undefined : mapping[channel] ?? byChannel.get(channel)),
  };
}

export interface SchemaViolation {
  readonly record: number;
  readonly instancePath: string;
  readonly keyword: string;
  readonly message: string;
}

export function violations(record: number, errors: readonly ErrorObject[] | null | undefined): SchemaViolation[] {
  return (errors ?? []).map((e) => ({ record, instancePath: e.instancePath, keyword: e.keyword, message: e.message ?? e.keyword }));
}
