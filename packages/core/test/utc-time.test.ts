/**
 * The canonical UTC reader takes the time check's fast path in attributeProblems (every event on every
 * hop): the check must answer exactly as the full pattern-and-Date.parse check answers (the check as it
 * stood before the fast path), for canonical times and everything near them.
 */
import { strict as assert } from 'node:assert';
import { attributeProblems, canonicalUtc, isoString, rfc3339ByPattern as fullCheck } from '../src';

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const base = { specversion: '1.0', id: '1', source: '/s', type: 't' };
const timeValid = (time: string): boolean => attributeProblems({ ...base, time }).length === 0;

describe('canonical UTC times', () => {
  it('an event time is valid exactly when the full RFC 3339 check says so, canonical or one character off', () => {
    const r = random(11);
    const alphabet = '0123456789-:.TZtz +/x';
    let canonicalSeen = 0;
    for (let i = 0; i < 30_000; i++) {
      const iso = new Date(Math.floor(r() * 2.6e14) - 6.2e13).toISOString();
      const digits = Math.floor(r() * 11);
      let s = digits === 3 ? iso : iso.replace(/\.\d{3}Z$/, digits === 0 ? 'Z' : `.${String(Math.floor(r() * 10 ** digits)).padStart(digits, '0')}Z`);
      if (i % 2 === 1) {
        const chars = [...s];
        chars[Math.floor(r() * chars.length)] = alphabet[Math.floor(r() * alphabet.length)]!;
        s = chars.join('');
      }
      if (canonicalUtc(s) !== undefined) canonicalSeen++;
      assert.equal(timeValid(s), fullCheck(s), s);
    }
    assert.ok(canonicalSeen > 10_000, `the fast path read ${canonicalSeen}`);
  });

  it('agrees on edges: month and day bounds, hour 24, second 60, small years, fraction lengths, offsets', () => {
    for (const date of ['0000-01-01', '0099-12-31', '0100-01-01', '2024-02-29', '2026-02-30', '2026-02-31', '2026-04-31', '2026-00-10', '2026-13-01', '2026-01-00', '2026-01-32', '9999-12-31']) {
      for (const time of ['00:00:00', '23:59:59', '24:00:00', '23:60:00', '23:59:60', '99:99:99']) {
        for (const tail of ['Z', 'z', '.Z', '.5Z', '.999Z', '.123456789Z', '.1234567890Z', '+00:00', '-23:59', '+24:00', '']) {
          const s = `${date}T${time}${tail}`;
          assert.equal(timeValid(s), fullCheck(s), s);
        }
      }
    }
  });

  it('reads a time where it stands in a longer text as Date.parse reads it alone, and leaves other forms to the caller', () => {
    const r = random(4);
    for (let i = 0; i < 2000; i++) {
      const time = i % 2 === 0 ? new Date(Math.floor(r() * 4e12)).toISOString() : `2026-06-0${1 + (i % 9)}T12:00:00+02:00`;
      const text = `{"records":[{"time":"${time}","values":{}}]}`;
      const from = text.indexOf(time);
      assert.equal(canonicalUtc(text, from, from + time.length), i % 2 === 0 ? Date.parse(time) : undefined, time);
    }
  });

  it('reads a time where it stands in a longer text', () => {
    const t = '2026-06-01T12:00:00.123Z';
    const text = `{"time":"${t}"}`;
    assert.equal(canonicalUtc(text, 9, 9 + t.length), Date.parse(t));
    assert.equal(canonicalUtc(t), Date.parse(t));
    assert.equal(canonicalUtc('2026-06-01T12:00:00+02:00'), undefined);
  });
});

describe('isoString: toISOString remembered for the last millisecond', () => {
  it('answers what toISOString answers, for the same millisecond asked again and for each new one', () => {
    const r = random(7);
    let ms = 1_700_000_000_000;
    for (let i = 0; i < 5000; i++) {
      // Mostly the same millisecond again or the next, as a busy endpoint asks; now and then far away, back in time too.
      ms = i % 97 === 0 ? Math.floor(r() * 4e12) : ms + (r() < 0.7 ? 0 : 1);
      const at = new Date(ms);
      assert.equal(isoString(at), at.toISOString());
    }
  });

  it('throws for an invalid date, as toISOString does, every time', () => {
    isoString(new Date(0));
    for (let i = 0; i < 2; i++) assert.throws(() => isoString(new Date(NaN)), RangeError);
    assert.equal(isoString(new Date(0)), '1970-01-01T00:00:00.000Z');
  });
});
