// dtypes: names, storage, and JAX's type-promotion lattice (with weak types).
// Reference: JAX's `jax/_src/dtypes.py` (the lattice and weak-type rules) and
// https://jax.readthedocs.io/en/latest/type_promotion.html.
import { DTypeError } from "./errors";
import { halfBits } from "./float16";

export type DType =
  | "bool"
  | "int32"
  | "uint32"
  | "float16"
  | "float32"
  | "float64"
  | "complex64"
  | "complex128";

export const DTYPES: readonly DType[] = [
  "bool", "int32", "uint32", "float16", "float32", "float64", "complex64", "complex128",
];

/** dtypes with array storage (all of them). */
export const STORABLE: readonly DType[] = DTYPES;

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array;

const SHORT: Record<DType, string> = {
  bool: "bool", int32: "i32", uint32: "u32", float16: "f16", float32: "f32", float64: "f64",
  complex64: "c64", complex128: "c128",
};
export const shortName = (d: DType): string => SHORT[d];

export const isFloat = (d: DType): boolean => d === "float16" || d === "float32" || d === "float64";
export const isComplex = (d: DType): boolean => d === "complex64" || d === "complex128";
export const isInexact = (d: DType): boolean => isFloat(d) || isComplex(d);
export const isInt = (d: DType): boolean => d === "int32" || d === "uint32";
export const isUnsigned = (d: DType): boolean => d === "uint32" || d === "bool";

/** Validates a user-supplied dtype name. */
export function checkDType(op: string, d: unknown): DType {
  if (typeof d === "string" && (DTYPES as readonly string[]).includes(d)) return d as DType;
  throw new DTypeError(
    `${op}: unknown dtype ${JSON.stringify(d)}; valid dtypes are ${DTYPES.join(", ")}.`,
  );
}

/**
 * The TypedArray class that stores a dtype on the CPU. Complex values are stored as
 * interleaved (re, im) pairs of their real dtype, so an array of n complex64 elements is a
 * Float32Array of length 2n (`allocate` accounts for this). float16 is stored as binary16 bit
 * patterns in a Uint16Array (core/float16.ts); reading an array decodes them.
 */
export function storageFor(op: string, d: DType): new (n: number) => TypedArray {
  switch (d) {
    case "float32": case "complex64": return Float32Array;
    case "float64": case "complex128": return Float64Array;
    case "int32": return Int32Array;
    case "uint32": return Uint32Array;
    case "bool": return Uint8Array;
    case "float16": return Uint16Array;
    default:
      throw new DTypeError(
        `${op}: dtype ${d} has no array storage yet; use float32 or float64.`,
      );
  }
}

/** Storage for `n` elements of dtype `d` (2n floats for complex dtypes). */
export function allocate(op: string, d: DType, n: number): TypedArray {
  return new (storageFor(op, d))(isComplex(d) ? 2 * n : n);
}

/** The real dtype of a complex one's parts (complex64 -> float32); other dtypes unchanged. */
export const realDType = (d: DType): DType => (d === "complex64" ? "float32" : d === "complex128" ? "float64" : d);
/** The complex dtype holding a real one (float64 -> complex128, else complex64). */
export const complexDType = (d: DType): DType => (d === "float64" || d === "complex128" ? "complex128" : "complex64");

// The lattice, as in JAX (x32 view, restricted to our dtypes):
//   bool -> i* (weak int) -> {int32, uint32};  i* -> f* (weak float) -> float16 -> float32 -> float64
//   f* -> c* (weak complex) -> complex64 -> complex128;  float32 -> complex64;  float64 -> complex128
// int32 and uint32 join at int64, which x32 mode canonicalises to int32 (as jnp does).
type Node = DType | "i*" | "f*" | "c*";
const UP: Record<Node, Node[]> = {
  bool: ["i*"],
  "i*": ["int32", "uint32", "f*"],
  int32: ["f*"],
  uint32: ["f*"],
  "f*": ["float16", "c*"],
  float16: ["float32"],
  float32: ["float64", "complex64"],
  float64: ["complex128"],
  "c*": ["complex64"],
  complex64: ["complex128"],
  complex128: [],
};

function ancestors(n: Node): Set<Node> {
  const seen = new Set<Node>([n]);
  const stack = [n];
  while (stack.length) for (const m of UP[stack.pop()!]) if (!seen.has(m)) (seen.add(m), stack.push(m));
  return seen;
}
const ANCESTORS = new Map<Node, Set<Node>>(
  (Object.keys(UP) as Node[]).map((n) => [n, ancestors(n)]),
);

function nodeOf(d: DType, weak: boolean): Node {
  if (!weak) return d;
  if (isComplex(d)) return "c*";
  if (isFloat(d)) return "f*";
  if (isInt(d)) return "i*";
  return "bool";
}

/** Resolves the join of weak nodes to a concrete dtype (weak float -> default float). */
function concrete(n: Node, defaultFloat: DType): DType {
  if (n === "i*") return "int32";
  if (n === "f*") return defaultFloat;
  if (n === "c*") return defaultFloat === "float64" ? "complex128" : "complex64";
  return n;
}

export interface DTypeAndWeak { dtype: DType; weakType: boolean }

/**
 * JAX's `promote_types` with weak types: the least upper bound in the lattice. The result
 * is weak exactly when the bound is a weak node (e.g. `int32` array times `2.5`), as in
 * `jax._src.dtypes._lattice_result_type`. `int32` with `uint32` gives `int32` (x32 mode).
 */
export function promoteTypes(ts: readonly DTypeAndWeak[], defaultFloat: DType = "float32"): DTypeAndWeak {
  if (ts.length === 0) throw new Error("promoteTypes: no types given");
  const t0 = ts[0];
  if (ts.every((t) => t.dtype === t0.dtype && t.weakType === t0.weakType)) return { dtype: t0.dtype, weakType: t0.weakType };
  const key = `${defaultFloat}|${ts.map((t) => (t.weakType ? "~" : "") + t.dtype).join(",")}`;
  let hit = promoteCache.get(key);
  if (!hit) { hit = promoteUncached(ts, defaultFloat); promoteCache.set(key, hit); }
  return { ...hit };
}
const promoteCache = new Map<string, DTypeAndWeak>();

function promoteUncached(ts: readonly DTypeAndWeak[], defaultFloat: DType): DTypeAndWeak {
  const nodes = ts.map((t) => nodeOf(t.dtype, t.weakType));
  if (nodes.includes("int32") && nodes.includes("uint32") &&
      nodes.every((n) => n === "int32" || n === "uint32" || n === "bool" || n === "i*")) {
    return { dtype: "int32", weakType: false };
  }
  let common = new Set(ANCESTORS.get(nodes[0])!);
  for (const n of nodes.slice(1)) {
    const a = ANCESTORS.get(n)!;
    common = new Set([...common].filter((x) => a.has(x)));
  }
  // The least upper bound: the common ancestor below every other common ancestor.
  let lub: Node | undefined;
  for (const c of common) {
    const a = ANCESTORS.get(c)!;
    if ([...common].every((x) => a.has(x))) { lub = c; break; }
  }
  if (lub === undefined) throw new Error("promoteTypes: no common type (internal error)");
  const weakType = lub === "i*" || lub === "f*" || lub === "c*";
  return { dtype: concrete(lub, defaultFloat), weakType };
}


/** Like `promoteTypes` for plain (non-weak) dtypes. */
export const resultType = (...ds: DType[]): DType =>
  promoteTypes(ds.map((dtype) => ({ dtype, weakType: false }))).dtype;

/**
 * Casts a JS number to what a dtype stores (wrapping ints like C, as NumPy's astype does);
 * for float16 that is the bit pattern of the nearest binary16 value.
 */
export function castScalar(v: number, d: DType): number {
  switch (d) {
    case "float16": return halfBits(v);
    case "float32": case "complex64": return Math.fround(v);
    case "int32": return Number.isFinite(v) ? Math.trunc(v) | 0 : 0;
    case "uint32": return Number.isFinite(v) ? Math.trunc(v) >>> 0 : 0;
    case "bool": return v !== 0 && !Number.isNaN(v) ? 1 : 0;
    default: return v;
  }
}
