/**
 * What fastify refuses itself, before a function runs: a body above FUNC_BODY_LIMIT, an empty JSON
 * body, a `__proto__` key. Answered in kiot's error form like every other refusal, kne-reason
 * included for the dead letter; the bundled runtime makes this fastify's error handler
 * (scripts/build.mjs). A 5xx says nothing of its cause (the runtime logs it).
 */
import { KiotError, toStructuredReturn, type ErrorName, type StructuredError } from './errors';

const BY_STATUS = new Map<number, ErrorName>([
  [400, 'BAD_REQUEST'],
  [413, 'PAYLOAD_TOO_LARGE'],
  [415, 'UNSUPPORTED_MEDIA_TYPE'],
]);

/** kiot's answer to a refusal fastify raised; undefined for a 4xx the catalogue has no name for (fastify answers it). */
export function runtimeRefusal(err: { readonly statusCode?: unknown; readonly message?: unknown }): StructuredError | undefined {
  const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
  if (status >= 500) return toStructuredReturn(new KiotError('INTERNAL', 'internal error'));
  const name = BY_STATUS.get(status);
  if (name === undefined) return undefined;
  return toStructuredReturn(new KiotError(name, typeof err.message === 'string' ? err.message : 'refused'));
}
