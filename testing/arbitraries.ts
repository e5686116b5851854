// fast-check arbitraries for property tests of graft programs: shapes, broadcastable shape
// sets, arrays of a dtype, and pytrees. Uses graft only through its public entry.

import fc, { type Arbitrary } from "fast-check";
import { np } from "graft";

/** A graft array, as `np.array` returns it. */
export type GraftArray = ReturnType<typeof np.array>;

/** The dtypes `arrays()` can generate. */
export type ArbitraryDType = "float32" | "float64" | "int32" | "uint32" | "bool";

/** Bounds on the rank and side lengths of generated shapes. */
export interface ShapeOptions {
  /** Fewest axes (default 0: scalars included). */
  minRank?: number;
  /** Most axes (default 4). */
  maxRank?: number;
  /** Smallest side length (default 0: empty arrays included). */
  minSide?: number;
  /** Largest side length (default 5). */
  maxSide?: number;
}

function checkRange(op: string, what: string, min: number, max: number): void {
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || min > max) {
    throw new RangeError(`${op}: ${what} must be integers with 0 <= min <= max, got min ${min} and max ${max}.`);
  }
}

/**
 * Shapes (lists of side lengths) with a rank and side lengths in the given bounds.
 * @example
 * fc.assert(fc.property(shapes({ maxRank: 2 }), (shape) => np.zeros(shape).ndim === shape.length));
 */
export function shapes(opts: ShapeOptions = {}): Arbitrary<number[]> {
  const { minRank = 0, maxRank = 4, minSide = 0, maxSide = 5 } = opts;
  checkRange("shapes", "minRank/maxRank", minRank, maxRank);
  checkRange("shapes", "minSide/maxSide", minSide, maxSide);
  return fc.array(fc.integer({ min: minSide, max: maxSide }), { minLength: minRank, maxLength: maxRank });
}

/**
 * `n` shapes that broadcast together under NumPy rules: each is the common shape with some
 * leading axes dropped and some sides replaced by 1.
 * @example
 * fc.assert(fc.property(broadcastableShapes(2), ([a, b]) => {
 *   np.add(np.zeros(a), np.zeros(b)); // never throws
 * }));
 */
export function broadcastableShapes(n: number, opts: ShapeOptions = {}): Arbitrary<number[][]> {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`broadcastableShapes: n must be a positive integer, got ${n}.`);
  }
  return shapes(opts).chain((full) => {
    const rank = full.length;
    const minRank = Math.min(opts.minRank ?? 0, rank);
    const one = fc
      .tuple(
        fc.integer({ min: minRank, max: rank }),
        fc.array(fc.boolean(), { minLength: rank, maxLength: rank }),
      )
      .map(([r, ones]) => full.slice(rank - r).map((side, i) => (ones[rank - r + i] ? 1 : side)));
    return fc.array(one, { minLength: n, maxLength: n });
  });
}

const defaultElements: Record<ArbitraryDType, Arbitrary<number | boolean>> = {
  float32: fc.float({ min: -10, max: 10, noNaN: true }),
  float64: fc.double({ min: -10, max: 10, noNaN: true }),
  int32: fc.integer({ min: -100, max: 100 }),
  uint32: fc.integer({ min: 0, max: 200 }),
  bool: fc.boolean(),
};

function typedArrayFor(dtype: ArbitraryDType, values: readonly (number | boolean)[]) {
  const nums = values.map((v) => (dtype === "bool" ? (v ? 1 : 0) : Number(v)));
  switch (dtype) {
    case "float32":
      return Float32Array.from(nums);
    case "float64":
      return Float64Array.from(nums);
    case "int32":
      return Int32Array.from(nums);
    case "uint32":
      return Uint32Array.from(nums);
    case "bool":
      return Uint8Array.from(nums);
  }
}

// Array.isArray, not instanceof fc.Arbitrary: the caller may hold another copy of fast-check.
function isShape(s: readonly number[] | Arbitrary<number[]>): s is readonly number[] {
  return Array.isArray(s);
}

/** What `arrays()` generates. */
export interface ArrayOptions {
  /** A fixed shape, or an arbitrary of shapes (default `shapes()`). */
  shape?: readonly number[] | Arbitrary<number[]>;
  /** The dtype (default `"float32"`). */
  dtype?: ArbitraryDType;
  /**
   * Element values (default: finite floats in [-10, 10] for float dtypes, integers in
   * [-100, 100] for int32 and [0, 200] for uint32, booleans for bool).
   */
  elements?: Arbitrary<number | boolean>;
}

/**
 * Graft arrays of a dtype, with shapes and elements drawn as asked.
 * @example
 * fc.assert(fc.property(arrays({ shape: [3], dtype: "int32" }), (x) => {
 *   expect(np.add(x, 0).js()).toEqual(x.js());
 * }));
 */
export function arrays(opts: ArrayOptions = {}): Arbitrary<GraftArray> {
  const dtype = opts.dtype ?? "float32";
  if (!(dtype in defaultElements)) {
    throw new TypeError(
      `arrays: dtype must be one of ${Object.keys(defaultElements).join(", ")}, got ${String(dtype)}.`,
    );
  }
  const elements = opts.elements ?? defaultElements[dtype];
  const { shape } = opts;
  const shapeArb: Arbitrary<number[]> =
    shape === undefined ? shapes() : isShape(shape) ? fc.constant([...shape]) : shape;
  return shapeArb.chain((s) => {
    const size = s.reduce((a, b) => a * b, 1);
    return fc
      .array(elements, { minLength: size, maxLength: size })
      .map((values) => np.array(typedArrayFor(dtype, values), { shape: [...s], dtype }));
  });
}

/** What `pytrees()` generates around its leaves. */
export interface PytreeOptions {
  /** Most levels of containers (default 3; 0 gives single leaves). */
  maxDepth?: number;
  /** Most children per array or object (default 4). */
  maxChildren?: number;
  /** Object keys (default short lowercase names). */
  keys?: Arbitrary<string>;
}

/**
 * Pytrees of `leaf` values: nested JS arrays, plain objects and nulls, at most `maxDepth`
 * containers deep. A single leaf is a pytree too, as in JAX.
 * @example
 * fc.assert(fc.property(pytrees(fc.integer()), (t) => {
 *   expect(tree.unflatten(tree.structure(t), tree.leaves(t))).toEqual(t);
 * }));
 */
export function pytrees<L>(leaf: Arbitrary<L>, opts: PytreeOptions = {}): Arbitrary<unknown> {
  const { maxDepth = 3, maxChildren = 4 } = opts;
  checkRange("pytrees", "maxDepth", 0, maxDepth);
  checkRange("pytrees", "maxChildren", 0, maxChildren);
  const keys = opts.keys ?? fc.string({ minLength: 1, maxLength: 3, unit: fc.constantFrom("a", "b", "c", "w", "x", "y") });
  const { tree } = fc.letrec<{ tree: unknown; node: unknown }>((tie) => ({
    // maxDepth makes oneof fall back to its first option (a leaf) once reached.
    tree: fc.oneof(
      { maxDepth },
      { arbitrary: leaf as Arbitrary<unknown>, weight: 1 },
      { arbitrary: tie("node"), weight: 2 },
    ),
    node: fc.oneof(
      { arbitrary: fc.array(tie("tree"), { maxLength: maxChildren }), weight: 3 },
      { arbitrary: fc.dictionary(keys, tie("tree"), { maxKeys: maxChildren, noNullPrototype: true }), weight: 3 },
      { arbitrary: fc.constant(null), weight: 1 },
    ),
  }));
  return tree;
}
