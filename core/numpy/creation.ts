// Array creation: np.array from JS data, and the constructors (zeros, arange, eye, ...).
import { type ComplexScalar, ConcreteArray, isArray, type NDArray, type NestedArray } from "../array";
import { ShapedArray } from "../aval";
import { defaultFloat } from "../config";
import { getBackend } from "../device";
import { allocate, castScalar, checkDType, complexDType, type DType, isComplex, realDType, type TypedArray } from "../dtype";
import { msg, ShapeError } from "../errors";
import { checkShape, prod } from "../shape";
import { astype, broadcastTo, reshape, scalarArray } from "./util";
export { scalarArray };

export interface ArrayOpts { dtype?: DType; shape?: readonly number[]; device?: string }
export type ArrayData = NDArray | NestedArray | TypedArray | Int8Array | Int16Array | Uint16Array | Uint8ClampedArray;

/** Uploads flat data; for complex dtypes `data` holds either real values (one per element)
 * or interleaved (re, im) pairs. */
function fromTyped(data: TypedArray, shape: readonly number[], dtype: DType, device?: string): NDArray {
  const aval = new ShapedArray(shape, dtype);
  const storage = allocate("array", dtype, aval.size);
  if (dtype === "bool") for (let i = 0; i < data.length; i++) storage[i] = data[i] ? 1 : 0;
  else if (isComplex(dtype) && data.length === aval.size) for (let i = 0; i < data.length; i++) storage[2 * i] = data[i];
  else storage.set(data);
  const b = getBackend(device);
  return new ConcreteArray(b, b.upload(storage, aval), aval);
}

function typedDType(d: ArrayLike<number>): DType {
  if (d instanceof Float64Array) return "float64";
  if (d instanceof Float32Array) return "float32";
  if (d instanceof Uint32Array) return "uint32";
  return "int32";
}

const isTyped = (x: unknown): x is TypedArray => ArrayBuffer.isView(x) && !(x instanceof DataView);

/** Shape of nested JS arrays; throws on ragged input. */
function nestedShape(data: NestedArray, path: number[] = []): number[] {
  if (!Array.isArray(data)) return [];
  if (data.length === 0) return [0];
  const first = nestedShape(data[0], [...path, 0]);
  data.forEach((d, i) => {
    const s = nestedShape(d, [...path, i]);
    if (s.length !== first.length || s.some((v, k) => v !== first[k])) {
      throw new ShapeError(`array: ragged nested input: element at [${[...path, i].join(",")}] has shape [${s.join(",")}], ` +
        `expected [${first.join(",")}] like element [${[...path, 0].join(",")}]. All rows must have the same length.`);
    }
  });
  return [data.length, ...first];
}

/**
 * Creates an array from a number, boolean, nested JS arrays, a TypedArray (flat, with
 * `opts.shape`) or an existing array. Complex values are `{ re, im }` objects (what `x.js()`
 * returns for complex arrays; the default complex dtype is complex64, complex128 with
 * enableX64); real data with `dtype: "complex64"` gets zero imaginary parts.
 * @example np.array([[1, 2], [3, 4]], { dtype: "int32" })
 * @example np.array([{ re: 1, im: 2 }, { re: 3, im: -1 }]) // [1.+2.j 3.-1.j], complex64
 */
export function array(data: ArrayData, opts: ArrayOpts = {}): NDArray {
  const dtype = opts.dtype === undefined ? undefined : checkDType("array", opts.dtype);
  if (isArray(data)) {
    let x = data;
    if (dtype && dtype !== x.dtype) x = astype(x, dtype);
    if (opts.shape) x = reshape(x, opts.shape);
    return x;
  }
  if (isTyped(data)) {
    const shape = opts.shape ? checkShape("array", opts.shape) : [data.length];
    if (prod(shape) !== data.length) {
      throw new ShapeError(msg("array", `shape [${shape.join(",")}] must hold ${data.length} elements`, `size ${prod(shape)}`));
    }
    const own = typedDType(data);
    const d = dtype ?? own;
    const src: TypedArray = d === own || d === "bool" ? (data as TypedArray) : castAll(data, d);
    return fromTyped(src, shape, d, opts.device);
  }
  if (isComplexScalar(data)) return array([data], opts.shape ? opts : { ...opts, shape: [] });
  if (typeof data === "number" || typeof data === "boolean") {
    const d = dtype ?? (typeof data === "boolean" ? "bool" : defaultFloat());
    const out = fromTyped(Float64Array.of(castScalar(Number(data), d)), [], d, opts.device);
    return opts.shape ? reshape(out, opts.shape) : out;
  }
  if (!Array.isArray(data)) {
    throw new TypeError(`array: expected a number, boolean, nested array or TypedArray, got ${data === null ? "null" : typeof data}.`);
  }
  const shape = nestedShape(data);
  const flat = (data as unknown[]).flat(Infinity);
  let allBool = flat.length > 0, anyComplex = false;
  for (const v of flat) {
    if (typeof v === "boolean") continue;
    allBool = false;
    if (isComplexScalar(v)) { anyComplex = true; continue; }
    if (typeof v !== "number") {
      throw new TypeError(`array: nested input must hold numbers or booleans, got ${v === null ? "null" : typeof v}.` +
        (isArray(v) ? " To combine arrays use np.stack." : ""));
    }
  }
  if (anyComplex) return fromComplexValues(flat as (number | boolean | ComplexScalar)[], shape, dtype, opts);
  const d = dtype ?? (allBool ? "bool" : defaultFloat());
  const values = Float64Array.from(flat as (number | boolean)[], (v) => castScalar(Number(v), d));
  const out = fromTyped(values, shape, d, opts.device);
  return opts.shape ? reshape(out, opts.shape) : out;
}

const isComplexScalar = (v: unknown): v is ComplexScalar =>
  typeof v === "object" && v !== null && !Array.isArray(v) && typeof (v as ComplexScalar).re === "number" && typeof (v as ComplexScalar).im === "number";

function fromComplexValues(flat: (number | boolean | ComplexScalar)[], shape: number[], dtype: DType | undefined, opts: ArrayOpts): NDArray {
  const d = dtype ?? complexDType(defaultFloat());
  if (!isComplex(d)) {
    throw new TypeError(`array: complex values ({ re, im }) need a complex dtype, got dtype ${d}. Take np.real(...) of the array for the real parts.`);
  }
  const pairs = new Float64Array(2 * flat.length);
  flat.forEach((v, i) => {
    pairs[2 * i] = castScalar(typeof v === "object" ? v.re : Number(v), d);
    pairs[2 * i + 1] = typeof v === "object" ? castScalar(v.im, d) : 0;
  });
  const out = fromTyped(pairs, shape, d, opts.device);
  return opts.shape ? reshape(out, opts.shape) : out;
}

function castAll(data: ArrayLike<number>, d: DType): TypedArray {
  // Complex targets get their real values here; fromTyped pairs them with zeros.
  const out = allocate("array", realDType(d), data.length);
  for (let i = 0; i < data.length; i++) out[i] = castScalar(data[i], d);
  return out;
}

/** Like `array`, but returns arrays unchanged. */
export const asarray = (data: ArrayData, opts: ArrayOpts = {}): NDArray => array(data, opts);

/** @example np.full([2, 3], 7, { dtype: "int32" }) */
export function full(shape: number | readonly number[], value: number | boolean, opts: { dtype?: DType; device?: string } = {}): NDArray {
  const s = checkShape("full", shape);
  const d = opts.dtype ? checkDType("full", opts.dtype) : typeof value === "boolean" ? "bool" : defaultFloat();
  if (isComplex(d)) {
    const data = allocate("full", d, prod(s)), v = castScalar(Number(value), d);
    for (let i = 0; i < data.length; i += 2) data[i] = v;
    return fromTyped(data, s, d, opts.device);
  }
  const data = allocate("full", d, prod(s)).fill(castScalar(Number(value), d));
  return fromTyped(data, s, d, opts.device);
}
/** @example np.zeros([2, 2]) */
export const zeros = (shape: number | readonly number[], opts: { dtype?: DType; device?: string } = {}): NDArray => full(shape, 0, opts);
/** @example np.ones([3]) */
export const ones = (shape: number | readonly number[], opts: { dtype?: DType; device?: string } = {}): NDArray => full(shape, 1, opts);
/** Arrays are immutable, so `empty` is `zeros`. @example np.empty([2]) */
export const empty = zeros;
/** @example np.zerosLike(x) */
export const zerosLike = (x: NDArray, opts: { dtype?: DType } = {}): NDArray => full(x.shape, 0, { dtype: opts.dtype ?? x.dtype });
/** @example np.onesLike(x) */
export const onesLike = (x: NDArray, opts: { dtype?: DType } = {}): NDArray => full(x.shape, 1, { dtype: opts.dtype ?? x.dtype });
/** @example np.fullLike(x, 3) */
export const fullLike = (x: NDArray, value: number | boolean, opts: { dtype?: DType } = {}): NDArray =>
  full(x.shape, value, { dtype: opts.dtype ?? x.dtype });

/**
 * Evenly spaced values in [start, stop). Integer arguments give int32, as NumPy/JAX.
 * @example np.arange(5) // [0 1 2 3 4]; np.arange(1, 2, 0.25)
 */
export function arange(start: number, stop?: number, step = 1, opts: { dtype?: DType } = {}): NDArray {
  if (opts.dtype && isComplex(opts.dtype)) return astype(arange(start, stop, step, { dtype: realDType(opts.dtype) }), opts.dtype);
  if (stop === undefined || stop === null) { stop = start; start = 0; }
  if (step === 0) throw new RangeError(msg("arange", "step must be nonzero", "0"));
  const allInt = [start, stop, step].every(Number.isInteger);
  const d = opts.dtype ? checkDType("arange", opts.dtype) : allInt ? "int32" : defaultFloat();
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const data = allocate("arange", d, n);
  for (let i = 0; i < n; i++) data[i] = castScalar(start + i * step, d);
  return fromTyped(data, [n], d);
}

/** @example np.linspace(0, 1, 5) // [0. 0.25 0.5 0.75 1.] */
export function linspace(start: number, stop: number, num = 50, opts: { endpoint?: boolean; dtype?: DType } = {}): NDArray {
  if (opts.dtype && isComplex(opts.dtype)) return astype(linspace(start, stop, num, { ...opts, dtype: realDType(opts.dtype) }), opts.dtype);
  if (!Number.isInteger(num) || num < 0) throw new RangeError(msg("linspace", "num must be a non-negative integer", String(num)));
  const endpoint = opts.endpoint ?? true;
  const d = opts.dtype ? checkDType("linspace", opts.dtype) : defaultFloat();
  return fromTyped(d === "float32" || d === "float64" ? linspaceValues(start, stop, num, endpoint) : castAll(linspaceValues(start, stop, num, endpoint), d), [num], d);
}

/** linspace's points in float64 on the host (also the exponents of logspace). */
function linspaceValues(start: number, stop: number, num: number, endpoint: boolean): Float64Array {
  const div = endpoint ? num - 1 : num;
  const step = div > 0 ? (stop - start) / div : 0;
  const data = new Float64Array(num);
  for (let i = 0; i < num; i++) data[i] = start + i * step;
  if (endpoint && num > 1) data[num - 1] = stop;
  return data;
}

/** @example np.logspace(0, 2, 3) // [1. 10. 100.] */
export function logspace(start: number, stop: number, num = 50, opts: { endpoint?: boolean; base?: number; dtype?: DType } = {}): NDArray {
  if (opts.dtype && isComplex(opts.dtype)) return astype(logspace(start, stop, num, { ...opts, dtype: realDType(opts.dtype) }), opts.dtype);
  if (!Number.isInteger(num) || num < 0) throw new RangeError(msg("logspace", "num must be a non-negative integer", String(num)));
  const lin = linspaceValues(start, stop, num, opts.endpoint ?? true);
  const base = opts.base ?? 10;
  const d = opts.dtype ? checkDType("logspace", opts.dtype) : defaultFloat();
  return fromTyped(castAll(lin.map((v) => Math.pow(base, v)), d), [num], d);
}

/** Ones on the k-th diagonal. @example np.eye(3, null, 1) */
export function eye(n: number, m?: number | null, k = 0, opts: { dtype?: DType } = {}): NDArray {
  if (opts.dtype && isComplex(opts.dtype)) return astype(eye(n, m, k, { dtype: realDType(opts.dtype) }), opts.dtype);
  const cols = m ?? n;
  const d = opts.dtype ? checkDType("eye", opts.dtype) : defaultFloat();
  const data = allocate("eye", d, n * cols);
  for (let i = 0; i < n; i++) if (i + k >= 0 && i + k < cols) data[i * cols + i + k] = castScalar(1, d);
  return fromTyped(data, checkShape("eye", [n, cols]), d);
}
/** @example np.identity(2) */
export const identity = (n: number, opts: { dtype?: DType } = {}): NDArray => eye(n, n, 0, opts);

/** Ones at and below the k-th diagonal. @example np.tri(3) */
export function tri(n: number, m?: number | null, k = 0, opts: { dtype?: DType } = {}): NDArray {
  if (opts.dtype && isComplex(opts.dtype)) return astype(tri(n, m, k, { dtype: realDType(opts.dtype) }), opts.dtype);
  const cols = m ?? n;
  const d = opts.dtype ? checkDType("tri", opts.dtype) : defaultFloat();
  const data = allocate("tri", d, n * cols);
  for (let i = 0; i < n; i++) for (let j = 0; j < cols && j <= i + k; j++) data[i * cols + j] = castScalar(1, d);
  return fromTyped(data, checkShape("tri", [n, cols]), d);
}

/** Broadcasts a scalar fill to a shape (used by composites). */
export const fullOf = (value: number, shape: readonly number[], dtype: DType): NDArray =>
  broadcastTo("full", scalarArray(value, dtype, false), shape);
