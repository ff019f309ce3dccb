/** The validator's decision for one converted event: validated, rejected, or unprocessable. */
import { normalizedProblem, unprocessable, type Normalized } from '@kiot/core';
import { violations, type SchemaSet, type SchemaViolation } from './schemas';

export type Verdict =
  | { readonly kind: 'valid'; readonly schema: string | undefined }
  | { readonly kind: 'invalid'; readonly schema: string | undefined; readonly errors: readonly SchemaViolation[] };

export interface Target {
  readonly dataschema?: string | undefined;
  readonly application?: string | undefined;
  readonly channel?: string | undefined;
}

export function judge(data: unknown, target: Target, schemas: SchemaSet, noSchema: 'pass' | 'reject'): Verdict {
  const problem = normalizedProblem(data);
  if (problem !== undefined) throw unprocessable(`not normalized data: ${problem}`, 'not normalized');
  const chosen = schemas.select(target.dataschema, target.application, target.channel);
  if (!chosen) {
    return noSchema === 'pass'
      ? { kind: 'valid', schema: undefined }
      : { kind: 'invalid', schema: undefined, errors: [{ record: -1, instancePath: '', keyword: 'schema', message: `no schema for channel ${JSON.stringify(target.channel ?? '')}` }] };
  }
  const errors = (data as Normalized).records.flatMap((r, i) => (chosen.validate(r.values) ? [] : violations(i, chosen.validate.errors)));
  return errors.length === 0 ? { kind: 'valid', schema: chosen.id } : { kind: 'invalid', schema: chosen.id, errors };
}
