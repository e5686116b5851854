// NumPy-style text for n-d arrays: `formatArray` (like `str(ndarray)`) and `reprArray` (like
// JAX's `Array(..., dtype=...)`). Owns float-to-decimal conversion (Dragon4 digit generation on
// BigInt, with numpy's margins and rounding), the per-dtype element formatters, line wrapping
// and `...` summarisation. Uses numpy's default print options (precision 8, threshold 1000,
// edgeitems 3, linewidth 75, floatmode 'maxprec', suppress False, sign '-').
// Reference: numpy/core/arrayprint.py and numpy/core/src/multiarray/dragon4.c (numpy 1.24).
import type { DType } from "./dtype";
import { f16round } from "./float16";

const PRECISION = 8;
const THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const LINE_WIDTH = 75;

// ---------------------------------------------------------------------------------------------
// Binary formats and exact decomposition

interface FloatSpec {
  readonly mant: number; // stored mantissa bits
  readonly minExp: number; // exponent of the smallest normal number
  readonly round: (x: number) => number; // round a double to this format
}

function floorLog2(a: number): number {
  let e = Math.floor(Math.log2(a));
  // Math.log2 can be off by one ulp next to powers of two.
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return e;
}


const SPECS: Partial<Record<DType, FloatSpec>> = {
  float64: { mant: 52, minExp: -1022, round: (x) => x },
  float32: { mant: 23, minExp: -126, round: Math.fround },
  float16: { mant: 10, minExp: -14, round: f16round },
};

// ---------------------------------------------------------------------------------------------
// Dragon4: decimal digits of a positive finite value `a` (exactly representable in `spec`).
// Generates the shortest digits that round-trip (unique mode), but never fewer than `cutoffMin`
// nor more than `cutoffMax` digits — counted in total or after the decimal point. Returns the
// digits and the decimal exponent of the first one (value ≈ d.ddd × 10^exp).

type Cutoff = "total" | "frac";
interface Digits { digits: string; exp: number }

function dragon4(a: number, spec: FloatSpec, mode: Cutoff, cutoffMax: number, cutoffMin: number): Digits {
  if (a === 0) return { digits: "0", exp: 0 };
  const log2a = floorLog2(a);
  const e = Math.max(log2a, spec.minExp) - spec.mant;
  const m = BigInt(a / 2 ** e);
  // The gap to the next smaller value is half as big at an exact power of two.
  const unequal = m === 1n << BigInt(spec.mant) && e > spec.minExp - spec.mant;
  // A decimal on the rounding boundary reads back as this value iff the mantissa is even.
  const isEven = (m & 1n) === 0n;

  // value = v / scale; the rounding interval is (value - mLow/scale, value + mHigh/scale).
  const up = BigInt(Math.max(e, 0));
  let v = (4n * m) << up;
  let scale = 4n << BigInt(Math.max(-e, 0));
  let mHigh = 2n << up;
  let mLow = unequal ? 1n << up : mHigh;

  // Estimate of floor(log10(a)) + 1; may be one too small, corrected below.
  let k = Math.ceil(log2a * Math.log10(2) - 0.69);
  if (mode === "frac" && cutoffMax >= 0 && k <= -cutoffMax) k = -cutoffMax + 1;
  if (k > 0) scale *= 10n ** BigInt(k);
  else if (k < 0) {
    const p = 10n ** BigInt(-k);
    v *= p; mLow *= p; mHigh *= p;
  }
  if (v >= scale) k++;
  else { v *= 10n; mLow *= 10n; mHigh *= 10n; }
  let exp = k - 1;

  let maxExp = -Infinity;
  if (cutoffMax >= 0) maxExp = mode === "total" ? k - cutoffMax : -cutoffMax;
  let minExp = k;
  if (cutoffMin >= 0) minExp = Math.min(k, mode === "total" ? k - cutoffMin : -cutoffMin);

  let digits = "";
  let low = false;
  let high = false;
  let d = 0;
  for (;;) {
    k--;
    d = Number(v / scale);
    v %= scale;
    low = isEven ? v <= mLow : v < mLow;
    high = isEven ? v + mHigh >= scale : v + mHigh > scale;
    if (((low || high) && k <= minExp) || k <= maxExp) break;
    digits += d;
    v *= 10n; mLow *= 10n; mHigh *= 10n;
  }
  // Round the last digit: toward whichever neighbour is legal, else to nearest (ties to even).
  let roundDown = low;
  if (low === high) {
    const c = 2n * v - scale;
    roundDown = c < 0n || (c === 0n && d % 2 === 0);
  }
  if (roundDown) digits += d;
  else if (d < 9) digits += d + 1;
  else {
    let i = digits.length - 1;
    while (i >= 0 && digits[i] === "9") i--;
    if (i < 0) { digits = "1"; exp += 1; }
    else digits = digits.slice(0, i) + (Number(digits[i]) + 1);
  }
  return { digits, exp };
}

// ---------------------------------------------------------------------------------------------
// Positional / scientific rendering. Trim modes as numpy's: 'k' keep trailing zeros, '.' trim
// zeros but keep the point, '0' keep one zero after the point, '-' trim zeros and the point.

type Trim = "k" | "." | "0" | "-";
// `plus`: write "+" before non-negative values (numpy's sign='+', used for imaginary parts).
interface PosOpts { precision: number; minDigits: number; trim: Trim; padLeft: number; padRight: number; plus?: boolean }
interface SciOpts { precision: number; minDigits: number; trim: Trim; padLeft: number; expDigits: number; plus?: boolean }

const isNeg = (x: number): boolean => x < 0 || Object.is(x, -0);

function trimFrac(frac: string, trim: Trim, minDigits: number): string {
  if (trim === "0" && frac === "") return "0";
  if (trim === "k") return frac.padEnd(Math.max(minDigits, 0), "0");
  if (frac === "") return frac;
  const t = frac.replace(/0+$/, "");
  return t === "" && trim === "0" ? "0" : t;
}

function positional(x: number, spec: FloatSpec, o: PosOpts): string {
  const sign = isNeg(x) ? "-" : o.plus ? "+" : "";
  const { digits, exp } = dragon4(Math.abs(x), spec, "frac", o.precision, o.minDigits);
  let whole: string;
  let frac: string;
  if (exp >= 0) {
    whole = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
    frac = digits.slice(exp + 1);
  } else {
    whole = "0";
    frac = "0".repeat(-exp - 1) + digits;
  }
  frac = trimFrac(frac, o.trim, o.minDigits);
  let s = whole + (frac !== "" || o.trim !== "-" ? "." : "") + frac;
  if (o.padRight >= frac.length) {
    if (o.trim === "-" && frac === "") s += " ";
    s += " ".repeat(o.padRight - frac.length);
  }
  return " ".repeat(Math.max(0, o.padLeft - whole.length - sign.length)) + sign + s;
}

function scientific(x: number, spec: FloatSpec, o: SciOpts): string {
  const sign = isNeg(x) ? "-" : o.plus ? "+" : "";
  const { digits, exp } = dragon4(
    Math.abs(x), spec, "total",
    o.precision < 0 ? -1 : o.precision + 1, o.minDigits < 0 ? -1 : o.minDigits + 1,
  );
  // Unlike positional, numpy keeps the point in '-' mode once a fraction was generated.
  const dot = digits.length > 1 || o.trim !== "-" ? "." : "";
  const frac = trimFrac(digits.slice(1), o.trim, o.minDigits);
  const expDigits = o.expDigits < 0 ? 2 : Math.min(o.expDigits, 5);
  const expStr = (exp < 0 ? "-" : "+") + String(Math.abs(exp)).padStart(expDigits, "0");
  const pad = " ".repeat(Math.max(0, o.padLeft - 1 - sign.length));
  return pad + sign + digits[0] + dot + frac + "e" + expStr;
}

// ---------------------------------------------------------------------------------------------
// Element formatters. Like numpy, an array's formatter is fitted to the elements that are shown.

type Formatter = (x: number) => string;

function floatFormatter(vals: readonly number[], spec: FloatSpec, plus = false): Formatter {
  const finite = vals.filter(Number.isFinite);
  let maxAbs = 0;
  let minAbs = Infinity;
  for (const x of finite) {
    if (x === 0) continue;
    maxAbs = Math.max(maxAbs, Math.abs(x));
    minAbs = Math.min(minAbs, Math.abs(x));
  }
  // numpy compares against 1e8/1e-4 in float64 but divides in the array's own dtype.
  const useExp = minAbs !== Infinity &&
    (maxAbs >= 1e8 || minAbs < 1e-4 || spec.round(maxAbs / minAbs) > 1000);

  let padLeft = 0;
  let padRight = 0;
  let precision = PRECISION;
  let minDigits = -1;
  let expSize = -1;
  const trim: Trim = useExp ? "k" : ".";
  if (finite.length > 0) {
    const parts = finite.map((x) => useExp
      ? scientific(x, spec, { precision, minDigits: -1, trim: ".", padLeft: -1, expDigits: -1, plus })
      : positional(x, spec, { precision, minDigits: -1, trim: ".", padLeft: -1, padRight: -1, plus }));
    let fracLen = 0;
    for (const p of parts) {
      const [mantissa = "", expPart = ""] = p.split("e");
      const [intPart = "", fracPart = ""] = mantissa.split(".");
      padLeft = Math.max(padLeft, intPart.length);
      fracLen = Math.max(fracLen, fracPart.length);
      if (useExp) expSize = Math.max(expSize, expPart.length - 1);
    }
    if (useExp) {
      // Every element gets the same number of mantissa digits.
      precision = minDigits = fracLen;
      padRight = expSize + 2 + precision;
    } else {
      padRight = fracLen;
      minDigits = 0;
    }
  }
  if (finite.length !== vals.length) {
    const negInf = plus || vals.some((x) => x === -Infinity) ? 1 : 0;
    padLeft = Math.max(padLeft, 3 - (padRight + 1), 3 + negInf - (padRight + 1));
  }
  const width = padLeft + padRight + 1;
  return (x) => {
    if (Number.isNaN(x)) return (plus ? "+nan" : "nan").padStart(width);
    if (!Number.isFinite(x)) return (x < 0 ? "-inf" : plus ? "+inf" : "inf").padStart(width);
    return useExp
      ? scientific(x, spec, { precision, minDigits, trim, padLeft, expDigits: expSize, plus })
      : positional(x, spec, { precision, minDigits, trim, padLeft, padRight, plus });
  };
}

/** Complex data as separate real and imaginary parts (element i is re[i] + im[i] j). */
interface Parts { re: number[]; im: number[] }

/**
 * numpy's ComplexFloatingFormat: real parts and imaginary parts get their own float
 * formatters (the imaginary one with sign '+'), and "j" goes before the imaginary part's
 * trailing padding. Elements are passed as indices into `parts`.
 */
function complexFormatter(idx: readonly number[], parts: Parts, spec: FloatSpec): Formatter {
  const fr = floatFormatter(idx.map((i) => parts.re[i]), spec);
  const fi = floatFormatter(idx.map((i) => parts.im[i]), spec, true);
  return (i) => {
    const im = fi(parts.im[i]);
    const end = im.trimEnd().length;
    return fr(parts.re[i]) + im.slice(0, end) + "j" + im.slice(end);
  };
}

function elementFormatter(vals: readonly number[], dtype: DType, zeroD: boolean, parts?: Parts): Formatter {
  if (parts) return complexFormatter(vals, parts, SPECS[partDType(dtype)]!);
  if (dtype === "bool") {
    // The extra space aligns " True" with "False", except for a lone 0-d value.
    const t = zeroD ? "True" : " True";
    return (x) => (x ? t : "False");
  }
  const spec = SPECS[dtype];
  if (spec) return floatFormatter(vals, spec);
  let width = 0;
  for (const x of vals) width = Math.max(width, String(x).length);
  return (x) => String(x).padStart(width);
}

/** `str()` of a numpy scalar: shortest round-trip digits, scientific outside [1e-4, 1e16). */
function scalarString(x: number, dtype: DType): string {
  if (dtype === "bool") return x ? "True" : "False";
  const spec = SPECS[dtype];
  if (!spec) return String(x);
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x < 0 ? "-inf" : "inf";
  const a = Math.abs(x);
  if (a === 0 || (a < 1e16 && a >= 1e-4)) {
    return positional(x, spec, { precision: -1, minDigits: -1, trim: "0", padLeft: -1, padRight: -1 });
  }
  return scientific(x, spec, { precision: -1, minDigits: -1, trim: "-", padLeft: -1, expDigits: -1 });
}

const partDType = (d: DType): DType => (d === "complex64" ? "float32" : "float64");

/**
 * `str()` of a numpy complex scalar: `(1+2j)`, or `2j` when the real part is +0; parts in
 * shortest round-trip digits with trailing zeros and point trimmed.
 */
function complexScalarString(re: number, im: number, spec: FloatSpec): string {
  const either = (x: number, plus: boolean): string => {
    if (Number.isNaN(x)) return plus ? "+nan" : "nan";
    if (!Number.isFinite(x)) return x < 0 ? "-inf" : plus ? "+inf" : "inf";
    const a = Math.abs(x);
    return a === 0 || (a < 1e16 && a >= 1e-4)
      ? positional(x, spec, { precision: -1, minDigits: -1, trim: "-", padLeft: -1, padRight: -1, plus })
      : scientific(x, spec, { precision: -1, minDigits: -1, trim: "-", padLeft: -1, expDigits: -1, plus });
  };
  if (re === 0 && !isNeg(re)) return either(im, false) + "j";
  return `(${either(re, false)}${either(im, true)}j)`;
}

/** Splits interleaved complex data into rounded parts. */
function complexParts(op: string, data: ArrayLike<number | boolean>, shape: readonly number[], dtype: DType): Parts {
  const size = shape.reduce((p, n) => p * n, 1);
  if (data.length !== 2 * size) {
    throw new Error(`${op}: ${dtype} data has ${data.length} values but shape [${shape.join(", ")}] needs ${2 * size} (interleaved re, im)`);
  }
  const round = SPECS[partDType(dtype)]!.round;
  const re = new Array<number>(size), im = new Array<number>(size);
  for (let i = 0; i < size; i++) { re[i] = round(Number(data[2 * i])); im[i] = round(Number(data[2 * i + 1])); }
  return { re, im };
}

// ---------------------------------------------------------------------------------------------
// Layout

function normalize(op: string, data: ArrayLike<number | boolean>, shape: readonly number[], dtype: DType): number[] {
  if (dtype === "complex64" || dtype === "complex128") {
    // Elements are indices into the parts (see complexParts).
    complexParts(op, data, shape, dtype);
    return Array.from({ length: shape.reduce((p, n) => p * n, 1) }, (_, i) => i);
  }
  const size = shape.reduce((p, n) => p * n, 1);
  if (data.length !== size) {
    throw new Error(`${op}: data has ${data.length} elements but shape [${shape.join(", ")}] needs ${size}`);
  }
  const round = SPECS[dtype]?.round;
  const out = new Array<number>(size);
  for (let i = 0; i < size; i++) {
    const x = Number(data[i]);
    out[i] = dtype === "bool" ? (x ? 1 : 0) : round ? round(x) : x;
  }
  return out;
}

function array2string(vals: readonly number[], shape: readonly number[], dtype: DType,
  sep: string, prefix: string, lineWidth: number, parts?: Parts): string {
  const nd = shape.length;
  const strides = new Array<number>(nd);
  for (let ax = nd - 1, s = 1; ax >= 0; ax--) { strides[ax] = s; s *= shape[ax]!; }
  const summarize = vals.length > THRESHOLD;
  // Per axis, the indices shown in order; -1 marks the "..." gap.
  const shown = shape.map((n) => summarize && n > 2 * EDGE_ITEMS
    ? [...Array.from({ length: EDGE_ITEMS }, (_, i) => i), -1,
       ...Array.from({ length: EDGE_ITEMS }, (_, i) => n - EDGE_ITEMS + i)]
    : Array.from({ length: n }, (_, i) => i));

  const picked: number[] = [];
  const collect = (off: number, ax: number): void => {
    if (ax === nd) { picked.push(vals[off]!); return; }
    for (const i of shown[ax]!) if (i >= 0) collect(off + i * strides[ax]!, ax + 1);
  };
  collect(0, 0);
  const fmt = elementFormatter(picked, dtype, nd === 0, parts);

  // `hang` is the indentation continuation lines get; the result drops it from the first line.
  const rec = (off: number, ax: number, hang: string, width: number): string => {
    if (ax === nd) return fmt(vals[off]!);
    const sub = (i: number): string =>
      i < 0 ? "..." : rec(off + i * strides[ax]!, ax + 1, hang + " ", width - 1);
    const idx = shown[ax]!;
    let s = "";
    if (ax === nd - 1) {
      // Leave room for the "]" (or the "," of a repr separator) after each element.
      const elemWidth = width - 1;
      let line = hang;
      idx.forEach((i, j) => {
        const word = sub(i);
        if (line.length + word.length > elemWidth && line.length > hang.length) {
          s += line.trimEnd() + "\n";
          line = hang;
        }
        line += word + (j < idx.length - 1 ? sep : "");
      });
      s += line;
    } else {
      const lineSep = sep.trimEnd() + "\n".repeat(nd - ax - 1);
      s = idx.map((i) => hang + sub(i)).join(lineSep);
    }
    return "[" + s.slice(hang.length) + "]";
  };
  return rec(0, 0, " ".repeat(prefix.length + 1), lineWidth);
}

const isComplexDType = (d: DType): boolean => d === "complex64" || d === "complex128";

/** Like numpy's `str(array)`. `data` is flat row-major; bool data may be 0/1 or booleans;
 * complex data is interleaved (re, im) pairs, as complex arrays store it. */
export function formatArray(data: ArrayLike<number | boolean>, shape: readonly number[], dtype: DType): string {
  const vals = normalize("formatArray", data, shape, dtype);
  const parts = isComplexDType(dtype) ? complexParts("formatArray", data, shape, dtype) : undefined;
  if (shape.length === 0) return parts ? complexScalarString(parts.re[0], parts.im[0], SPECS[partDType(dtype)]!) : scalarString(vals[0]!, dtype);
  if (vals.length === 0) return "[]";
  return array2string(vals, shape, dtype, " ", "", LINE_WIDTH, parts);
}

/** Like JAX's repr: `Array([1., 2.], dtype=float32)`, the dtype always shown. */
export function reprArray(data: ArrayLike<number | boolean>, shape: readonly number[], dtype: DType): string {
  const vals = normalize("reprArray", data, shape, dtype);
  const parts = isComplexDType(dtype) ? complexParts("reprArray", data, shape, dtype) : undefined;
  const prefix = "Array(";
  let body: string;
  if (vals.length > 0) {
    // The "," that precedes the dtype counts against the line width.
    body = array2string(vals, shape, dtype, ", ", prefix, LINE_WIDTH - 1, parts);
  } else if (shape.length === 1) {
    body = "[]";
  } else {
    body = `[], shape=(${shape.join(", ")})`;
  }
  const head = prefix + body + ",";
  const tail = `dtype=${dtype})`;
  const lastLine = head.length - (head.lastIndexOf("\n") + 1);
  const spacer = lastLine + tail.length + 1 > LINE_WIDTH ? "\n" + " ".repeat(prefix.length) : " ";
  return head + spacer + tail;
}
