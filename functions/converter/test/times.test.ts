/** Readings' times to the nanosecond, and only dates the calendar has. */
import { strict as assert } from 'node:assert';
import { instantText, rfc3339Instant, secondsInstant } from '../src/times';
import { rng } from '../../../test/support/seeded';

describe('converter: reading times', () => {
  it('reads RFC 3339 to the nanosecond and writes it back in UTC with 3, 6 or 9 fraction digits', () => {
    const cases: [string, string][] = [
      ['2026-01-01T00:00:00Z', '2026-01-01T00:00:00.000Z'],
      ['2026-01-01T00:00:00.5Z', '2026-01-01T00:00:00.500Z'],
      ['2026-01-01T00:00:00.1234Z', '2026-01-01T00:00:00.123400Z'],
      ['2026-01-01T00:00:00.123456789Z', '2026-01-01T00:00:00.123456789Z'],
      ['2026-01-01T00:00:00.1234567891Z', '2026-01-01T00:00:00.123456789Z'],
      ['2026-01-01T01:00:00.000001+01:00', '2026-01-01T00:00:00.000001Z'],
      ['1969-12-31T23:59:59.9995Z', '1969-12-31T23:59:59.999500Z'],
      ['2024-02-29T12:00:00Z', '2024-02-29T12:00:00.000Z'],
      ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z'],
    ];
    for (const [given, canonical] of cases) assert.equal(instantText(rfc3339Instant(given)!), canonical, given);
  });

  it('refuses what is no RFC 3339 time, or a date the calendar does not have', () => {
    for (const t of ['2026-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2026-01-31T24:00:00Z', '2026-13-01T00:00:00Z', '2026-01-00T00:00:00Z', '2026-01-01T00:60:00Z', '2026-01-01', 'yesterday', '2026-01-01T00:00:00']) {
      assert.equal(rfc3339Instant(t), undefined, t);
    }
  });

  it('reads the form toISOString writes (its fast path) as it reads the same time with an offset', () => {
    const r = rng(7);
    for (let i = 0; i < 2000; i++) {
      const iso = new Date(Math.floor(r() * 6e12) - 2e12).toISOString();
      const digits = String(Math.floor(r() * 1e9)).padStart(9, '0').slice(0, Math.floor(r() * 10));
      const canonical = digits === '' ? iso.replace(/\.\d+Z$/, 'Z') : iso.replace(/\.\d+Z$/, `.${digits}Z`);
      const fast = rfc3339Instant(canonical);
      const full = rfc3339Instant(canonical.replace(/Z$/, '+00:00'));
      assert.ok(fast !== undefined && full !== undefined, canonical);
      assert.deepEqual([fast.ms, fast.nanos, instantText(fast)], [full.ms, full.nanos, instantText(full)], canonical);
      assert.equal(fast.ms, Date.parse(canonical), canonical);
    }
  });

  it('reads epoch seconds (SenML) to the microsecond, before 1970 too', () => {
    assert.equal(instantText(secondsInstant(1.7e9 + 0.0001)), '2023-11-14T22:13:20.000100Z');
    assert.equal(instantText(secondsInstant(1.7e9 + 0.25)), '2023-11-14T22:13:20.250Z');
    assert.equal(instantText(secondsInstant(-0.0005)), '1969-12-31T23:59:59.999500Z');
  });
});
