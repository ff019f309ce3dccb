/** recordMillis answers exactly what Date.parse answers, for canonical times and for everything near them; millisText writes what String() writes. */
import { strict as assert } from 'node:assert';
import { millisText, recordMillis } from '../src/record-time';

/** A deterministic generator, so a failure names a case that can be run again. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

describe('record time', () => {
  it('reads canonical UTC times, with 0 to 12 fraction digits, as Date.parse does', () => {
    const r = random(1);
    for (let i = 0; i < 20_000; i++) {
      const ms = Math.floor(r() * 8e12) - 1e12;
      const iso = new Date(ms).toISOString();
      const digits = Math.floor(r() * 13);
      const fraction = digits === 0 ? '' : `.${Array.from({ length: digits }, () => Math.floor(r() * 10)).join('')}`;
      const s = iso.replace(/\.\d{3}Z$/, `${fraction}Z`);
      assert.equal(recordMillis(s), Date.parse(s), s);
    }
  });

  it('agrees with Date.parse on edges: month lengths, hour 24, second 60, small years, empty fraction', () => {
    for (const year of [0, 1, 99, 100, 1969, 1970, 2024, 2026, 9999]) {
      for (const month of [0, 1, 2, 4, 12, 13]) {
        for (const day of [0, 1, 28, 29, 30, 31, 32]) {
          for (const time of ['00:00:00', '23:59:59', '24:00:00', '24:00:01', '23:60:00', '23:59:60', '99:99:99']) {
            for (const tail of ['Z', '.Z', '.5Z', '.999Z', '.0001Z', '+00:00', '+02:00', 'z', '']) {
              const s = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${time}${tail}`;
              assert.equal(recordMillis(s), Date.parse(s), s);
            }
          }
        }
      }
    }
  });

  it('counts days as Date.parse does over years 100 to 9999, with every day 1 to 31 of every month (past the end rolls over)', () => {
    // The day count is kiot's own arithmetic (not Date.UTC): leap years, centuries, 400-year eras, before 1970.
    const r = random(3);
    for (let i = 0; i < 20_000; i++) {
      const year = 100 + Math.floor(r() * 9900);
      const s = `${pad(year, 4)}-${pad(1 + Math.floor(r() * 12), 2)}-${pad(1 + Math.floor(r() * 31), 2)}T${pad(Math.floor(r() * 24), 2)}:${pad(Math.floor(r() * 60), 2)}:${pad(Math.floor(r() * 60), 2)}.${pad(Math.floor(r() * 1000), 3)}Z`;
      assert.equal(recordMillis(s), Date.parse(s), s);
    }
    for (const year of [100, 1600, 1700, 1900, 1969, 2000, 2100, 2400, 9999]) {
      for (const md of ['02-28', '02-29', '02-30', '02-31', '03-01', '12-31', '01-01']) {
        const s = `${year}-${md}T00:00:00Z`;
        assert.equal(recordMillis(s), Date.parse(s), s);
      }
    }
  });

  it('writes epoch milliseconds as String() writes them', () => {
    const r = random(5);
    const cases = [0, 1, 9, 10, 999_999, 1_000_000, 1_000_001, 1_000_010, 10_000_000, 1_780_272_000_000, 1_780_272_000_001, 1_780_272_099_999, Number.MAX_SAFE_INTEGER];
    for (let i = 0; i < 20_000; i++) cases.push(Math.floor(r() * (i % 2 === 0 ? 4e12 : 2e6)));
    for (const ms of cases) assert.equal(millisText(ms), String(ms), String(ms));
  });

  it('agrees with Date.parse on canonical times with one character changed', () => {
    const r = random(2);
    const alphabet = '0123456789-:.TZtz +/\u0660x';
    for (let i = 0; i < 20_000; i++) {
      const s = [...new Date(Math.floor(r() * 4e12)).toISOString()];
      s[Math.floor(r() * s.length)] = alphabet[Math.floor(r() * alphabet.length)]!;
      const t = s.join('');
      assert.equal(recordMillis(t), Date.parse(t), t);
    }
  });
});
