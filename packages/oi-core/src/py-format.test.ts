import { describe, expect, it } from 'vitest';
import { pyFixed, pyFloatRepr, pyGroupedFixed, pyJsonDumps } from './py-format.js';

describe('pyFixed = Python "{:.Nf}".format(x)', () => {
  it.each([
    // why: exact binary ties go to even in Python; JS toFixed rounds them up
    { x: 3.125, d: 2, out: '3.12' },
    { x: 0.125, d: 2, out: '0.12' },
    { x: 0.375, d: 2, out: '0.38' },
    { x: 123456789.125, d: 2, out: '123456789.12' },
    // why: 2.675 and 1.005 are stored slightly BELOW the written value, so they round down in both languages
    { x: 2.675, d: 2, out: '2.67' },
    { x: 1.005, d: 2, out: '1.00' },
    { x: 0.5, d: 0, out: '0' },
    { x: 1.5, d: 0, out: '2' },
    { x: 2.5, d: 0, out: '2' },
    { x: 998.5, d: 0, out: '998' },
    { x: 999.5, d: 0, out: '1000' },
    { x: 4.032258225806451, d: 2, out: '4.03' },
    { x: 0, d: 2, out: '0.00' },
    { x: -0, d: 2, out: '-0.00' },
    { x: -0.001, d: 2, out: '-0.00' },
    { x: -3.125, d: 2, out: '-3.12' },
    { x: 1e16, d: 2, out: '10000000000000000.00' },
    { x: 1e22, d: 0, out: '10000000000000000000000' },
    { x: 5e-324, d: 3, out: '0.000' },
    { x: 0.1, d: 20, out: '0.10000000000000000555' },
    { x: Number.NaN, d: 2, out: 'nan' },
    { x: Infinity, d: 2, out: 'inf' },
    { x: -Infinity, d: 2, out: '-inf' },
  ])('pyFixed($x, $d) → $out', ({ x, d, out }) => {
    expect(pyFixed(x, d)).toBe(out);
  });

  it('differs from toFixed exactly on binary ties', () => {
    expect((3.125).toFixed(2)).toBe('3.13');
    expect(pyFixed(3.125, 2)).toBe('3.12');
  });
});

describe('pyGroupedFixed = Python "{:,.Nf}"', () => {
  it.each([
    { x: 1234.5, d: 2, out: '1,234.50' },
    { x: 999.5, d: 0, out: '1,000' },
    { x: 1234567.125, d: 2, out: '1,234,567.12' },
    { x: -1234567, d: 0, out: '-1,234,567' },
    { x: 12, d: 2, out: '12.00' },
  ])('$x → $out', ({ x, d, out }) => {
    expect(pyGroupedFixed(x, d)).toBe(out);
  });
});

describe('pyFloatRepr / pyJsonDumps = Python repr(float) / json.dumps', () => {
  it.each([
    { x: 3100000, out: '3100000.0' },
    { x: 12500000.5, out: '12500000.5' },
    { x: 0.0001, out: '0.0001' },
    { x: 1e-5, out: '1e-05' },
    { x: 1e-7, out: '1e-07' },
    { x: 1e16, out: '1e+16' },
    { x: 1.5e16, out: '1.5e+16' },
    { x: 1234567890123456, out: '1234567890123456.0' },
    { x: 1e22, out: '1e+22' },
    { x: 5e-324, out: '5e-324' },
    { x: -2.5, out: '-2.5' },
    { x: 0, out: '0.0' },
    { x: 4.032258225806451, out: '4.032258225806451' },
  ])('repr($x) → $out', ({ x, out }) => {
    expect(pyFloatRepr(x)).toBe(out);
  });

  it('dumps with Python separators, ensure_ascii and key order', () => {
    expect(pyJsonDumps({ a: 1, m: '× — ←', b: [1e-7, 1e22, 5e-324], t: true, n: null, u: undefined, q: 'a"b\\' })).toBe(
      '{"a": 1.0, "m": "\\u00d7 \\u2014 \\u2190", "b": [1e-07, 1e+22, 5e-324], "t": true, "n": null, "q": "a\\"b\\\\"}',
    );
  });
});
