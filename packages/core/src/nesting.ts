/**
 * How deep JSON data may nest. No reading nests anywhere near it (a The Things Stack uplink nests
 * about six levels), yet a few KB of brackets nest thousands deep: JSON.parse takes them, but
 * JSON.stringify and every walk over the value overflow the stack, so such data would fail each
 * stage with a 500, be retried, and be lost where it is written out again. It is refused instead,
 * named, at the first stage that reads it (docs/events.md).
 */
export const MAX_NESTING = 64;

/** The refusal's text, one wording for every stage. */
export const TOO_DEEP = `nests deeper than ${MAX_NESTING} levels of objects and arrays`;

/** Whether a parsed value nests objects and arrays deeper than `limit`; the walk itself goes no deeper than that. */
export function nestsDeeperThan(value: unknown, limit: number = MAX_NESTING): boolean {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return false;
  if (limit === 0) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (nestsDeeperThan(value[i], limit - 1)) return true;
    return false;
  }
  // A CBOR map whose keys are not all strings decodes to a Map (SenML's integer labels).
  if (value instanceof Map) {
    for (const v of value.values()) if (nestsDeeperThan(v, limit - 1)) return true;
    return false;
  }
  for (const k in value) if (nestsDeeperThan((value as Record<string, unknown>)[k], limit - 1)) return true;
  return false;
}
