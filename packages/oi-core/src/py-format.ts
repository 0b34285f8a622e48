/**
 * Python-exact number formatting. Python's `'{:.Nf}'.format(x)` rounds the EXACT binary value of the
 * double, ties to even; JS `toFixed` rounds ties up (3.125 → '3.13' in JS, '3.12' in Python).
 * Here the double is expanded into its exact rational value m·2^e with BigInt and rounded by hand.
 */

function decompose(x: number): { negative: boolean; mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const negative = hi >>> 31 === 1;
  const biased = (hi >>> 20) & 0x7ff;
  const fraction = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased === 0) return { negative, mantissa: fraction, exponent: -1074 };
  return { negative, mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}

/** `'{:.<digits>f}'.format(x)` exactly as CPython prints it (including '-0.00', 'nan', 'inf'). */
export function pyFixed(x: number, digits: number): string {
  if (!Number.isInteger(digits) || digits < 0 || digits > 100)
    throw new RangeError(`pyFixed digits must be an integer 0..100 (got ${digits})`);
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const { negative, mantissa, exponent } = decompose(x);
  const scale = 10n ** BigInt(digits);
  let scaled: bigint;
  if (exponent >= 0) {
    scaled = (mantissa << BigInt(exponent)) * scale;
  } else {
    const num = mantissa * scale;
    const den = 1n << BigInt(-exponent);
    const q = num / den;
    const twiceRem = (num % den) * 2n;
    scaled = twiceRem > den || (twiceRem === den && q % 2n === 1n) ? q + 1n : q;
  }
  let s = scaled.toString();
  if (digits > 0) {
    s = s.padStart(digits + 1, '0');
    s = `${s.slice(0, -digits)}.${s.slice(-digits)}`;
  }
  return (negative ? '-' : '') + s;
}

function groupThousands(intPart: string): string {
  return intPart.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `'{:,.<digits>f}'.format(x)`: pyFixed plus comma thousands grouping of the integer part. */
export function pyGroupedFixed(x: number, digits: number): string {
  const s = pyFixed(x, digits);
  if (!/\d/.test(s[s.length - 1] ?? '')) return s; // nan / inf
  const negative = s.startsWith('-');
  const body = negative ? s.slice(1) : s;
  const dot = body.indexOf('.');
  const intPart = dot === -1 ? body : body.slice(0, dot);
  const rest = dot === -1 ? '' : body.slice(dot);
  return (negative ? '-' : '') + groupThousands(intPart) + rest;
}

/**
 * Python's `repr(float)`: shortest round-trip digits (same digits as JS), but scientific notation when the
 * decimal exponent is < -4 or ≥ 16 (`1e-05`, `1e+16`), and '.0' on integral values.
 */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant = '', expStr = '0'] = x.toExponential().split('e');
  const exp = Number(expStr);
  if (exp < -4 || exp >= 16) {
    return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const negative = x < 0;
  const digits = mant.replace('-', '').replace('.', '');
  let out: string;
  if (exp >= 0) {
    const intLen = exp + 1;
    out =
      digits.length <= intLen
        ? `${digits.padEnd(intLen, '0')}.0`
        : `${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
  } else {
    out = `0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  return (negative ? '-' : '') + out;
}

function pyJsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (code < 0x20 || code > 0x7e) {
      // ensure_ascii=True: \uXXXX, astral characters as a surrogate pair
      for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

/**
 * `json.dumps(value)` with Python defaults (separators ', ' and ': ', ensure_ascii) for the payloads the
 * legacy daemons sent. Every JS number is written as a Python float (`repr`), which is what the legacy
 * scripts sent for volumes, prices and ratios. Keys keep their insertion order; `undefined` members are skipped.
 */
export function pyJsonDumps(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return pyFloatRepr(value);
  if (typeof value === 'string') return pyJsonString(value);
  if (Array.isArray(value)) return `[${value.map((v) => pyJsonDumps(v)).join(', ')}]`;
  if (typeof value === 'object') {
    const parts = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${pyJsonString(k)}: ${pyJsonDumps(v)}`);
    return `{${parts.join(', ')}}`;
  }
  throw new TypeError(`pyJsonDumps cannot serialise a ${typeof value}`);
}
