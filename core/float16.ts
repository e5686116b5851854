// IEEE binary16 (float16): storage is a Uint16Array of bit patterns (Node 20 has no
// Float16Array). Conversions round to nearest, ties to even, straight from float64, never
// through float32 (rounding twice can differ: 1 + 2^-11 + 2^-30 is a float64 value whose
// float32 rounding is the tie 1 + 2^-11, which then rounds to 1, not to 1 + 2^-10).

/** floor(log2(a)) exactly (Math.log2 can be off by one next to powers of two). */
function floorLog2(a: number): number {
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return e;
}

/** The binary16 value nearest `x` (ties to even); beyond 65520 in magnitude, infinity. */
export function f16round(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  // Spacing of binary16 values at a: 2^(e - 10) for normals, 2^-24 below 2^-14.
  const ulp = 2 ** (Math.max(floorLog2(a), -14) - 10);
  const q = a / ulp, fl = Math.floor(q), r = q - fl;   // exact: ulp is a power of two
  const v = (r > 0.5 || (r === 0.5 && fl % 2 === 1) ? fl + 1 : fl) * ulp;
  return Math.sign(x) * (v > 65504 ? Infinity : v);
}

/** The bit pattern of f16round(x); NaN becomes the quiet NaN 0x7e00. */
export function halfBits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const v = f16round(x), s = v < 0 || Object.is(v, -0) ? 0x8000 : 0, a = Math.abs(v);
  if (a === Infinity) return s | 0x7c00;
  if (a < 2 ** -14) return s | (a * 2 ** 24);                       // subnormal (or zero)
  const e = floorLog2(a);
  return s | ((e + 15) << 10) | (a / 2 ** (e - 10) - 1024);
}

/** The value of a binary16 bit pattern. */
export function halfValue(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  return e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * (1024 + m) * 2 ** (e - 25);
}

/** Values to binary16 bit patterns (float32 data through its bits: the hot path of every float16 op). */
export function toHalfBits(values: ArrayLike<number>): Uint16Array {
  const n = values.length, out = new Uint16Array(n);
  if (!(values instanceof Float32Array)) {
    for (let i = 0; i < n; i++) out[i] = halfBits(values[i]);
    return out;
  }
  const u = new Uint32Array(values.buffer, values.byteOffset, n);
  for (let i = 0; i < n; i++) {
    const b = u[i], s = (b >>> 16) & 0x8000, a = b & 0x7fffffff;
    if (a >= 0x7f800000) out[i] = a > 0x7f800000 ? 0x7e00 : s | 0x7c00;       // NaN, infinity
    else if (a >= 0x477ff000) out[i] = s | 0x7c00;                              // rounds past 65504
    else if (a < 0x38800000) out[i] = s | halfBits(Math.abs(values[i]));        // subnormal or zero
    else out[i] = s | (((a + 0xfff + ((a >>> 13) & 1)) >>> 13) - (112 << 10));   // ties to even on the 13 dropped bits
  }
  return out;
}

/** binary16 bit patterns to their values (exact in float32). */
export function fromHalfBits(bits: ArrayLike<number>): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = halfValue(bits[i]);
  return out;
}
