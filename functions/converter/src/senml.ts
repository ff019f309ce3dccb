/**
 * SenML JSON packs (RFC 8428 §4): base fields carry over to later records, relative times
 * resolve against the reference time, one normalized record per resolved timestamp (records.ts:
 * two values for one name at one time are refused, not one of them dropped).
 */
import { unprocessable, isPlainObject, type KiotError, type Normalized, type Value } from '@kiot/core';
import { RecordsByTime } from './records';
import { eventInstant, inRfc3339Years, instantSeconds, secondsInstant } from './times';

/** RFC 8428 §4.5.3: times below 2**28 are relative to now (here: the event time). */
const RELATIVE_LIMIT = 2 ** 28;

const bad = (message: string): KiotError => unprocessable(`senml: ${message}`);

export function fromSenml(pack: unknown, eventTime: string): Normalized {
  if (!Array.isArray(pack) || pack.length === 0) throw bad('a pack is a non-empty JSON array of records');
  const now = instantSeconds(eventInstant(eventTime));
  let bn = '';
  let bt = 0;
  let bu: string | undefined;
  let bv = 0;
  let bs = 0;
  const byTime = new RecordsByTime('senml');
  pack.forEach((rec: unknown, i) => {
    if (!isPlainObject(rec)) throw bad(`record ${i} is not an object`);
    // RFC 8428 §4.4: a label ending in "_" must be understood, or the pack rejected; kiot knows none.
    const mandatory = Object.keys(rec).find((k) => k.endsWith('_'));
    if (mandatory !== undefined) throw bad(`record ${i}: field ${JSON.stringify(mandatory.slice(0, 32))} must be understood (it ends in _), and kiot does not know it`);
    if (rec['bver'] !== undefined && rec['bver'] !== 10 && typeof rec['bver'] === 'number' && rec['bver'] > 10) throw bad(`record ${i}: unsupported bver ${String(rec['bver'])}`);
    if (rec['bn'] !== undefined) bn = str(rec['bn'], i, 'bn');
    if (rec['bt'] !== undefined) bt = num(rec['bt'], i, 'bt');
    if (rec['bu'] !== undefined) bu = str(rec['bu'], i, 'bu');
    if (rec['bv'] !== undefined) bv = num(rec['bv'], i, 'bv');
    if (rec['bs'] !== undefined) bs = num(rec['bs'], i, 'bs');
    const name = bn + (rec['n'] === undefined ? '' : str(rec['n'], i, 'n'));
    const kinds = ['v', 'vs', 'vb', 'vd', 's'].filter((k) => rec[k] !== undefined);
    if (kinds.length === 0) return; // a record with only base fields
    if (name === '') throw bad(`record ${i} has a value but no name`);
    if (!/^[A-Za-z0-9][-:./_A-Za-z0-9]*$/.test(name)) throw bad(`record ${i}: invalid name ${JSON.stringify(name.slice(0, 64))}`);
    let t = bt + (rec['t'] === undefined ? 0 : num(rec['t'], i, 't'));
    if (t < RELATIVE_LIMIT) t = now + t;
    const unit = rec['u'] === undefined ? bu : str(rec['u'], i, 'u');
    const values: Record<string, Value> = {};
    for (const k of kinds) {
      const v = rec[k];
      if (k === 'v') values[name] = bv + num(v, i, 'v');
      else if (k === 's') values[`${name}.sum`] = bs + num(v, i, 's');
      else if (k === 'vb') values[name] = bool(v, i);
      else values[name] = str(v, i, k);
    }
    if (unit !== undefined) values[`${name}.unit`] = unit;
    const at = secondsInstant(t);
    if (!inRfc3339Years(at)) throw bad(`record ${i}: time ${t} s is not within the years 0000 to 9999`);
    byTime.add(at, values, i);
  });
  if (byTime.size === 0) throw bad('the pack has no values');
  return { records: byTime.records() };
}

function num(v: unknown, i: number, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`record ${i}: ${field} must be a number`);
  return v;
}

function str(v: unknown, i: number, field: string): string {
  if (typeof v !== 'string') throw bad(`record ${i}: ${field} must be a string`);
  return v;
}

function bool(v: unknown, i: number): boolean {
  if (typeof v !== 'boolean') throw bad(`record ${i}: vb must be a boolean`);
  return v;
}

/** RFC 8428 §6: SenML in CBOR uses integer labels; map them to the JSON names. */
const CBOR_LABELS: Readonly<Record<number, string>> = { [-1]: 'bver', [-2]: 'bn', [-3]: 'bt', [-4]: 'bu', [-5]: 'bv', [-6]: 'bs', 0: 'n', 1: 'u', 2: 'v', 3: 'vs', 4: 'vb', 5: 's', 6: 't', 7: 'ut', 8: 'vd' };

export function senmlFromCbor(pack: unknown): unknown {
  if (!Array.isArray(pack)) return pack;
  return pack.map((rec: unknown) => {
    const entries = rec instanceof Map ? [...rec.entries()] : isPlainObject(rec) ? Object.entries(rec) : undefined;
    if (!entries) return rec;
    return Object.fromEntries(entries.map(([k, v]) => [CBOR_LABELS[Number(k)] ?? String(k), v instanceof Uint8Array ? Buffer.from(v).toString('base64url') : v]));
  });
}
