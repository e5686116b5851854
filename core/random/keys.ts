// PRNG keys and raw bits, as jax.random with its default implementation (Threefry-2x32,
// `jax_threefry_partitionable=True`, the default since JAX 0.5). A key is a raw uint32
// array of shape [2] (what `jax.random.PRNGKey` returns). Bits at position i of an array of
// shape `shape` are the hash of the counter (hi, lo) of i (row-major), so any element is
// computed independently of the others (jax/_src/random/prng.py `iota_2x32_shape`).
// Everything here is composed of primitives: it works under jit, vmap and grad.
import { isArray, type NDArray } from "../array";
import { config } from "../config";
import { type DType, isInt } from "../dtype";
import { DTypeError, msg, ShapeError } from "../errors";
import * as np from "../numpy/index";
import { astype, scalarArray } from "../numpy/util";
import { prims } from "../primitives";
import { broadcastShapes, checkShape, prod, shapeEq, shapeStr } from "../shape";

/** A PRNG key: a uint32 array of shape [2]. */
export type Key = NDArray;
/** A sample shape: a list of non-negative integers (a single number means [n]). */
export type Shape = number | readonly number[];

const u32 = (v: number): NDArray => scalarArray(v, "uint32", false);

/** Validates a key argument: a single uint32[2] key (a batch of keys goes through vmap). */
export function checkKey(op: string, key: unknown): NDArray {
  if (!isArray(key)) throw new TypeError(msg(op, "key must be a PRNG key array (from random.key)", describe(key)));
  if (key.dtype !== "uint32" || key.ndim < 1 || key.shape[key.ndim - 1] !== 2) {
    throw new TypeError(msg(op, "key must be a uint32[2] PRNG key (from random.key or random.split)", key.aval.str()));
  }
  if (key.ndim !== 1) {
    throw new TypeError(msg(op, "accepts a single key", key.aval.str(), "Use vmap over the keys for a batch (e.g. vmap((k) => random.normal(k))(keys))."));
  }
  return key;
}
const describe = (x: unknown) => (x === null ? "null" : typeof x === "object" ? (x as object).constructor?.name ?? "object" : typeof x);

/** A user shape argument, validated. */
export const shapeArg = (op: string, shape: Shape): number[] => checkShape(op, shape);

/**
 * Checks that parameter shapes broadcast to exactly `shape` (JAX's `_check_shape`).
 * @internal
 */
export function checkParamShapes(op: string, shape: readonly number[], params: Record<string, NDArray>): void {
  const names = Object.keys(params);
  const out = broadcastShapes(op, [shape, ...names.map((n) => params[n].shape)],
    () => [`shape ${shapeStr(shape)}`, ...names.map((n) => `${n} ${params[n].aval.str()}`)]);
  if (!shapeEq(out, shape)) {
    throw new ShapeError(msg(op, `parameter shapes must broadcast to the requested shape ${shapeStr(shape)}`,
      names.map((n) => `${n} ${params[n].aval.str()}`).join(" and "), "Leave shape out to use the parameters' broadcast shape."));
  }
}

/** The two uint32 words of a key, as rank-0 arrays. */
export function keyWords(key: NDArray): [NDArray, NDArray] {
  const w = (i: number) => prims.reshape.bind1([prims.slice.bind1([key], { startIndices: [i], limitIndices: [i + 1], strides: null })], { newSizes: [] });
  return [w(0), w(1)];
}

/**
 * The 64-bit row-major index of every position of `shape`, as two uint32 words (hi, lo)
 * (JAX's `iota_2x32_shape`). Arrays here hold fewer than 2^32 elements, so hi is 0.
 */
function counters(shape: readonly number[]): [NDArray, NDArray] {
  const n = prod(shape);
  if (n >= 2 ** 32) throw new RangeError(msg("random", "sample arrays must have fewer than 2^32 elements", shapeStr(shape)));
  const lo = shape.length === 0 ? u32(0) : np.reshape(np.arange(n, undefined, 1, { dtype: "uint32" }), shape);
  return [u32(0), lo];
}

/** Threefry-2x32 of the counters of `shape` under `key`: the two uint32 words per position. */
export function hashBits(key: NDArray, shape: readonly number[]): [NDArray, NDArray] {
  const [k1, k2] = keyWords(key);
  const [hi, lo] = counters(shape);
  const [b1, b2] = prims.threefry2x32.bind([k1, k2, hi, lo], {});
  return [b1, b2];
}

/**
 * The Threefry-2x32 block cipher (20 rounds), elementwise over uint32 arrays: encrypts the
 * counter words (x1, x2) under the key words (k1, k2). Rank-0 operands broadcast.
 * @example
 * const [y1, y2] = random.threefry2x32(np.array(0x13198a2e, { dtype: "uint32" }), np.array(0x03707344, { dtype: "uint32" }),
 *   np.array(0x243f6a88, { dtype: "uint32" }), np.array(0x85a308d3, { dtype: "uint32" })); // 0xc4923a9c, 0x483df7a0
 */
export function threefry2x32(k1: NDArray, k2: NDArray, x1: NDArray, x2: NDArray): [NDArray, NDArray] {
  const [y1, y2] = prims.threefry2x32.bind([k1, k2, x1, x2], {});
  return [y1, y2];
}

/**
 * A PRNG key from an integer seed, as `jax.random.PRNGKey`: `[0, seed mod 2^32]` (with
 * `enableX64`, a JS-number seed is taken as a 64-bit integer: `[hi, lo]`). An int32/uint32
 * scalar array seed may be traced.
 * @example
 * const key = random.key(0);          // uint32 [0, 0]
 * const [k1, k2] = random.split(key);
 */
export function key(seed: number | NDArray): NDArray {
  if (typeof seed === "number") {
    if (!Number.isSafeInteger(seed)) throw new TypeError(msg("random.key", "seed must be an integer with |seed| < 2^53", String(seed)));
    const lo = ((seed % 2 ** 32) + 2 ** 32) % 2 ** 32;
    const hi = config.get("enableX64") ? ((Math.floor(seed / 2 ** 32) % 2 ** 32) + 2 ** 32) % 2 ** 32 : 0;
    return np.array([hi, lo], { dtype: "uint32" });
  }
  if (!isArray(seed) || seed.ndim !== 0 || !(isInt(seed.dtype) || seed.dtype === "bool")) {
    throw new TypeError(msg("random.key", "seed must be an integer or a scalar integer array", isArray(seed) ? seed.aval.str() : describe(seed)));
  }
  // A 32-bit seed has no high word (jax's threefry_seed: k1 = seed >> 32 = 0).
  const lo = astype(seed, "uint32");
  return np.stack([np.zerosLike(lo), lo]);
}
/** Alias of `key` (JAX's name for raw uint32 keys). @example const key = random.PRNGKey(42); */
export const PRNGKey = key;

/**
 * Splits a key into `num` new keys (a shape gives a key array of that shape), as
 * `jax.random.split` with partitionable Threefry: key i is the hash of the counter (0, i),
 * so `split(key, n)[i]` equals `foldIn(key, i)`.
 * @example
 * const [k1, k2] = random.split(random.key(0));   // iterable over the leading axis
 * const keys = random.split(random.key(0), 8);    // uint32[8, 2]
 */
export function split(key: NDArray, num: Shape = 2): NDArray {
  checkKey("random.split", key);
  const shape = shapeArg("random.split", num);
  const [b1, b2] = hashBits(key, shape);
  return np.stack([b1, b2], shape.length);
}

/**
 * A new key from a key and 32-bit integer data, as `jax.random.fold_in`: the hash of the
 * counter (0, data mod 2^32). `data` may be a traced int32/uint32 scalar.
 * @example
 * const stepKey = random.foldIn(key, step);
 */
export function foldIn(key: NDArray, data: number | NDArray): NDArray {
  checkKey("random.foldIn", key);
  let d: NDArray;
  if (typeof data === "number") {
    if (!Number.isSafeInteger(data)) throw new TypeError(msg("random.foldIn", "data must be an integer", String(data)));
    d = u32(((data % 2 ** 32) + 2 ** 32) % 2 ** 32);
  } else {
    if (!isArray(data) || data.ndim !== 0) {
      throw new TypeError(msg("random.foldIn", "data must be a scalar", isArray(data) ? data.aval.str() : describe(data), "Use vmap for batching."));
    }
    if (!isInt(data.dtype) && data.dtype !== "bool") throw new DTypeError(msg("random.foldIn", "data must be an integer", data.aval.str()));
    d = astype(data, "uint32");
  }
  const [k1, k2] = keyWords(key);
  const [b1, b2] = prims.threefry2x32.bind([k1, k2, u32(0), d], {});
  return np.stack([b1, b2]);
}

/**
 * Uniform random bits as unsigned integers, as `jax.random.bits`: per position, the xor of
 * the two hash words (only `uint32`; there is no uint64 storage).
 * @example
 * random.bits(random.key(0), [3]) // uint32[3]
 */
export function bits(key: NDArray, shape: Shape = [], opts: { dtype?: DType } = {}): NDArray {
  checkKey("random.bits", key);
  const dtype = opts.dtype ?? "uint32";
  if (dtype !== "uint32") throw new DTypeError(msg("random.bits", "dtype must be uint32 (the only unsigned dtype with storage)", String(dtype)));
  const [b1, b2] = hashBits(key, shapeArg("random.bits", shape));
  return prims.xor.bind1([b1, b2], {});
}

export { u32 };
