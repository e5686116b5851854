// One table of differentiable operations for the transform property tests, like
// LAX_GRAD_OPS in JAX's tests/lax_autodiff_test.py. Each spec names an np / lax / nnFunctions
// operation, its arity, an arbitrary of compatible input shapes with the op's static
// parameters (axes, permutations, index lists...), and a generator of float64 inputs in a
// domain where the op is smooth (logs of positives, acos inside (-1, 1), distinct values for
// max / sort so that no finite-difference step crosses a tie).
import fc, { type Arbitrary } from "fast-check";
import { lax, nnFunctions, np, type IndexEntry, type NDArray } from "graft";
import { arrays, broadcastableShapes, shapes } from "graft/testing";
import { naiveBroadcast, permutation, sizeOf } from "./util";

export type Fn = (...xs: NDArray[]) => NDArray;

/** Input shapes with the op's static parameters for them. */
export interface ShapeCase<P = any> { shapes: number[][]; params: P }

export interface OpSpec<P = any> {
  name: string;
  arity: number;
  /** Compatible input shapes (one per argument) and static parameters. */
  shapes: Arbitrary<ShapeCase<P>>;
  /** float64 inputs of those shapes in the op's safe domain. */
  domain: (shapes: number[][], params: P) => Arbitrary<NDArray[]>;
  /** The operation, closed over its static parameters. */
  fn: (params: P) => Fn;
  /** Smooth enough to check second derivatives against finite differences. */
  order2?: boolean;
}

// ---- element domains -------------------------------------------------------------------

type Elems = Arbitrary<number>;
type Domain<P = any> = (shapes: number[][], params: P) => Arbitrary<NDArray[]>;

const F64 = "float64" as const;
/** Reals in [min, max]. */
export const real = (min: number, max: number): Elems => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
/** Reals with lo <= |x| <= hi, either sign. */
export const away = (lo: number, hi: number): Elems => fc.tuple(fc.boolean(), real(lo, hi)).map(([neg, v]) => (neg ? -v : v));
/** Never exactly 0. */
const nonZero = (e: Elems): Elems => e.map((v) => (v === 0 ? 0.5 : v));
/** Reals at least 0.1 from any integer (and from any half-integer: safe for floor/ceil/round/trunc). */
const offGrid: Elems = fc.tuple(fc.integer({ min: -3, max: 3 }), fc.oneof(real(0.1, 0.4), real(0.6, 0.9))).map(([k, f]) => k + f);

const fromValues = (shape: readonly number[], values: readonly number[]): NDArray =>
  np.array(Float64Array.from(values), { shape: [...shape], dtype: F64 });

/** Independent elements per argument (the last domain repeats). */
const each = (...els: Elems[]): Domain => (shs) =>
  fc.tuple(...shs.map((s, i) => arrays({ shape: s, dtype: F64, elements: els[Math.min(i, els.length - 1)] })));

/**
 * Every element of every argument distinct: (k + 1/2) / 40 * scale for distinct integers k
 * in [-200, 200), so values are >= 1/40 apart and never 0, +-1 or an integer.
 */
const distinct = (scale = 1, opts: { distinctAbs?: boolean } = {}): Domain => (shs) => {
  const n = shs.reduce((a, s) => a + sizeOf(s), 0);
  // With distinctAbs, |values| are distinct too: distinct k >= 0, each mirrored to -k - 1 or not.
  const ints = opts.distinctAbs
    ? fc.tuple(fc.uniqueArray(fc.integer({ min: 0, max: 199 }), { minLength: n, maxLength: n }), fc.array(fc.boolean(), { minLength: n, maxLength: n }))
      .map(([ks, neg]) => ks.map((k, i) => (neg[i] ? -k - 1 : k)))
    : fc.uniqueArray(fc.integer({ min: -200, max: 199 }), { minLength: n, maxLength: n });
  return ints.map((ks) => {
    let off = 0;
    return shs.map((s) => {
      const m = sizeOf(s);
      const vals = ks.slice(off, off + m).map((k) => ((k + 0.5) / 40) * scale);
      off += m;
      return fromValues(s, vals);
    });
  });
};

// ---- shapes --------------------------------------------------------------------------

const MAX_SIDE = 3;
const dim = (min = 1) => fc.integer({ min, max: MAX_SIDE });
/** Shapes of rank minRank..3, sides 1..3; one case in six has sides of length 0. */
const anyShape = (minRank = 0, maxRank = 3): Arbitrary<number[]> => fc.oneof(
  { weight: 5, arbitrary: shapes({ minRank, maxRank, minSide: 1, maxSide: MAX_SIDE }) },
  { weight: 1, arbitrary: shapes({ minRank, maxRank, minSide: 0, maxSide: MAX_SIDE }) },
);
const nonEmpty = (minRank = 0, maxRank = 3): Arbitrary<number[]> => shapes({ minRank, maxRank, minSide: 1, maxSide: MAX_SIDE });
const broadcast2: Arbitrary<number[][]> = fc.oneof(
  { weight: 5, arbitrary: broadcastableShapes(2, { maxRank: 3, minSide: 1, maxSide: MAX_SIDE }) },
  { weight: 1, arbitrary: broadcastableShapes(2, { maxRank: 3, minSide: 0, maxSide: MAX_SIDE }) },
);
const noParams = (s: Arbitrary<number[][]>): Arbitrary<ShapeCase<null>> => s.map((shs) => ({ shapes: shs, params: null }));
const one = (s: Arbitrary<number[]>) => noParams(s.map((x) => [x]));
/** A shape with its static parameters drawn from `p(shape)`. */
const withParams = <P>(s: Arbitrary<number[]>, p: (shape: number[]) => Arbitrary<P>, argShapes?: (shape: number[], params: P) => number[][]): Arbitrary<ShapeCase<P>> =>
  s.chain((shape) => p(shape).map((params) => ({ shapes: argShapes ? argShapes(shape, params) : [shape], params })));

/** An axis argument: null (all), one axis (maybe negative), or a list of distinct axes. */
export function axisArg(ndim: number): Arbitrary<number | number[] | null> {
  const all = [...Array(ndim).keys()];
  const options: Arbitrary<number | number[] | null>[] = [
    fc.constant(null),
    fc.shuffledSubarray(all).chain((sub) => fc.tuple(...sub.map((a) => fc.constantFrom(a, a - ndim)))),
  ];
  if (ndim > 0) options.push(fc.integer({ min: -ndim, max: ndim - 1 }));
  return fc.oneof(...options);
}
const reducedAxes = (axis: number | number[] | null, ndim: number): number[] =>
  axis === null ? [...Array(ndim).keys()] : (typeof axis === "number" ? [axis] : axis).map((a) => (a + ndim) % ndim);
const reducedCount = (shape: number[], axis: number | number[] | null) => reducedAxes(axis, shape.length).reduce((n, a) => n * shape[a], 1);
/** One axis of a rank >= 1 shape, maybe negative. */
const oneAxis = (ndim: number) => fc.integer({ min: -ndim, max: ndim - 1 });

/** One basic index entry for an axis of length n. */
function sliceEntry(n: number, allowNegativeStep = true): Arbitrary<IndexEntry> {
  const bound = fc.option(fc.integer({ min: -n - 1, max: n + 1 }));
  const steps = allowNegativeStep ? [-2, -1, 1, 2, 3] : [1, 2, 3];
  const options: Arbitrary<IndexEntry>[] = [
    fc.constant([] as IndexEntry),
    fc.tuple(bound, bound) as Arbitrary<IndexEntry>,
    fc.tuple(bound, bound, fc.constantFrom(...steps)) as Arbitrary<IndexEntry>,
  ];
  if (n > 0) options.push(fc.integer({ min: -n, max: n - 1 }));
  return fc.oneof(...options);
}
/** A basic index for `shape`: entries for a prefix of the axes, maybe with a new axis (null) or "...". */
function basicIndex(shape: number[], extras: boolean): Arbitrary<IndexEntry[]> {
  return fc.tuple(fc.tuple(...shape.map((n) => sliceEntry(n))), fc.integer({ min: 0, max: shape.length }),
    fc.constantFrom("none", "newaxis", "ellipsis"), fc.nat()).map(([entries, keep, extra, pos]) => {
    const at = pos % (keep + 1);
    // After "...", the entries index the trailing axes.
    if (extras && extra === "ellipsis") return [...entries.slice(0, at), "...", ...entries.slice(shape.length - (keep - at))];
    const idx: IndexEntry[] = entries.slice(0, keep);
    if (extras && extra === "newaxis") idx.splice(at, 0, null);
    return idx;
  });
}

/** Contraction dims for dot_general: logical [batch..., contract..., free...] permuted per operand. */
interface Contraction { a: number[]; b: number[]; contract: [number[], number[]]; batch: [number[], number[]] }
function contraction(maxBatch: number): Arbitrary<Contraction> {
  const dims = (max: number) => fc.array(dim(), { maxLength: max });
  return fc.record({ batch: dims(maxBatch), contract: dims(2), freeA: dims(1), freeB: dims(1) }).chain(({ batch, contract, freeA, freeB }) => {
    const la = [...batch, ...contract, ...freeA], lb = [...batch, ...contract, ...freeB];
    return fc.tuple(permutation(la.length), permutation(lb.length)).map(([pa, pb]) => {
      const pos = (p: number[], j: number) => p.indexOf(j);
      const nb = batch.length;
      return {
        a: pa.map((j) => la[j]),
        b: pb.map((j) => lb[j]),
        batch: [batch.map((_, j) => pos(pa, j)), batch.map((_, j) => pos(pb, j))],
        contract: [contract.map((_, j) => pos(pa, nb + j)), contract.map((_, j) => pos(pb, nb + j))],
      };
    });
  });
}

/** Shapes for an einsum expression: each letter gets a size, "..." gets a shared shape. */
function einsumShapes(exprs: string[]): Arbitrary<ShapeCase<string>> {
  return fc.tuple(fc.constantFrom(...exprs), fc.array(dim(1), { minLength: 26, maxLength: 26 }), nonEmpty(0, 2)).map(([expr, sizes, ell]) => {
    const ins = expr.split("->")[0].split(",");
    const shapeOf = (term: string): number[] => {
      const [pre, post] = term.includes("...") ? term.split("...") : [term, null];
      const size = (l: string) => sizes[l.charCodeAt(0) - 97];
      return post === null ? [...pre].map(size) : [...[...pre].map(size), ...ell, ...[...post].map(size)];
    };
    return { shapes: ins.map(shapeOf), params: expr };
  });
}

// ---- spec constructors -------------------------------------------------------------------

const R3 = real(-3, 3);

function unary(name: string, f: Fn, el: Elems, extra: Partial<OpSpec> = {}): OpSpec<null> {
  return { name, arity: 1, shapes: one(anyShape()), domain: each(el), fn: () => f, order2: true, ...extra };
}
function binary(name: string, f: Fn, domain: Domain, extra: Partial<OpSpec> = {}): OpSpec<null> {
  return { name, arity: 2, shapes: noParams(broadcast2), domain, fn: () => f, order2: true, ...extra };
}
interface ReduceParams { axis: number | number[] | null; keepdims: boolean }
function reduction(name: string, f: (x: NDArray, axis: number | number[] | null, keepdims: boolean) => NDArray, domain: Domain,
  extra: Partial<OpSpec> & { shape?: Arbitrary<number[]>; minCount?: number } = {}): OpSpec<ReduceParams> {
  const { shape = anyShape(), minCount = 0, ...rest } = extra;
  return {
    name, arity: 1,
    // Reducing over all axes (axis null) always qualifies once the whole shape does.
    shapes: withParams(minCount ? shape.filter((s) => sizeOf(s) >= minCount) : shape, (s) => fc.record({ axis: axisArg(s.length), keepdims: fc.boolean() })
      .filter(({ axis }) => reducedCount(s, axis) >= minCount)),
    domain,
    fn: ({ axis, keepdims }) => (x) => f(x, axis, keepdims),
    ...rest,
  };
}
interface CumParams { axis: number; reverse: boolean }
function cumulative(name: string, f: (x: NDArray, axis: number, reverse: boolean) => NDArray, domain: Domain): OpSpec<CumParams> {
  return {
    name, arity: 1,
    shapes: withParams(anyShape(1), (s) => fc.record({ axis: fc.integer({ min: 0, max: s.length - 1 }), reverse: fc.boolean() })),
    domain,
    fn: ({ axis, reverse }) => (x) => f(x, axis, reverse),
  };
}
const int32 = (shape: number[], values: number[]) => np.array(Int32Array.from(values), { shape, dtype: "int32" });

// ---- the table ---------------------------------------------------------------------------

export const OP_SPECS: OpSpec[] = [
  // Elementwise unary.
  unary("neg", np.negative, real(-5, 5)),
  unary("abs", np.abs, away(0.05, 5)),
  unary("sign", np.sign, away(0.05, 5)),
  unary("floor", np.floor, offGrid),
  unary("ceil", np.ceil, offGrid),
  unary("round", (x) => np.round(x), offGrid),
  unary("trunc", np.trunc, offGrid),
  unary("exp", np.exp, R3),
  unary("exp2", np.exp2, R3),
  unary("expm1", np.expm1, R3),
  unary("log", np.log, real(0.1, 5)),
  unary("log2", np.log2, real(0.1, 5)),
  unary("log10", np.log10, real(0.1, 5)),
  unary("log1p", np.log1p, real(-0.9, 5)),
  unary("sqrt", np.sqrt, real(0.1, 5)),
  unary("cbrt", np.cbrt, away(0.1, 5)),
  unary("square", np.square, R3),
  unary("reciprocal", np.reciprocal, away(0.2, 5)),
  {
    name: "integer_pow", arity: 1, order2: true,
    shapes: withParams(anyShape(), () => fc.constantFrom(-3, -2, -1, 0, 1, 2, 3, 5)),
    domain: each(away(0.3, 2)),
    fn: (y: number) => (x) => lax.integerPow(x, y),
  },
  unary("power(x, 2.5)", (x) => np.power(x, 2.5), real(0.1, 4)),
  unary("sin", np.sin, R3),
  unary("cos", np.cos, R3),
  unary("tan", np.tan, real(-1.3, 1.3)),
  unary("arcsin", np.arcsin, real(-0.9, 0.9)),
  unary("arccos", np.arccos, real(-0.9, 0.9)),
  unary("arctan", np.arctan, real(-5, 5)),
  unary("sinh", np.sinh, R3),
  unary("cosh", np.cosh, R3),
  unary("tanh", np.tanh, R3),
  unary("arcsinh", np.arcsinh, real(-5, 5)),
  unary("arccosh", np.arccosh, real(1.1, 5)),
  unary("arctanh", np.arctanh, real(-0.9, 0.9)),
  unary("lax.erf", lax.erf, R3),
  unary("lax.logistic", lax.logistic, real(-5, 5)),
  unary("clip(x, -1, 1)", (x) => np.clip(x, -1, 1), real(-2, 2), { domain: distinct(2), order2: false }),
  // nnFunctions activations (relu-like ones away from their kink).
  unary("nn.sigmoid", nnFunctions.sigmoid, real(-5, 5)),
  // Second derivatives at ties are covered by test/transforms/numerics.test.ts.
  unary("nn.softplus", nnFunctions.softplus, nonZero(real(-5, 5))),
  unary("nn.logSigmoid", nnFunctions.logSigmoid, nonZero(real(-5, 5))),
  unary("nn.silu", nnFunctions.silu, real(-5, 5)),
  unary("nn.gelu (tanh)", (x) => nnFunctions.gelu(x), real(-4, 4)),
  unary("nn.gelu (erf)", (x) => nnFunctions.gelu(x, { approximate: false }), real(-4, 4)),
  unary("nn.tanh", nnFunctions.tanh, R3),
  unary("nn.relu", nnFunctions.relu, away(0.05, 3), { order2: false }),
  unary("nn.elu", (x) => nnFunctions.elu(x), away(0.05, 3), { order2: false }),
  unary("nn.leakyRelu", (x) => nnFunctions.leakyRelu(x, 0.1), away(0.05, 3), { order2: false }),

  // Elementwise binary, with NumPy broadcasting.
  binary("add", np.add, each(R3)),
  binary("subtract", np.subtract, each(R3)),
  binary("multiply", np.multiply, each(R3)),
  binary("divide", np.divide, each(R3, away(0.3, 3))),
  // Exponent 0 left out: d/dy (d/dx x**y) is 0 there instead of 1/x (pow's jvp selects 0 at y == 0, as JAX's does), so the Hessian is asymmetric.
  binary("power", np.power, each(real(0.2, 3), nonZero(real(-2, 2)))),
  binary("arctan2", np.arctan2, each(away(0.2, 3))),
  binary("hypot", np.hypot, distinct(3, { distinctAbs: true })),
  binary("logaddexp", np.logaddexp, distinct(3)),
  binary("maximum", np.maximum, distinct(3), { order2: false }),
  binary("minimum", np.minimum, distinct(3), { order2: false }),
  // fmod / mod (the rem primitive) are discontinuous where a / b is an integer; their
  // derivatives are checked in test/transforms/numerics.test.ts.
  {
    name: "where", arity: 2, order2: true,
    shapes: broadcast2.chain((shs) => {
      const out = naiveBroadcast(...shs)!;
      return fc.array(fc.boolean(), { minLength: sizeOf(out), maxLength: sizeOf(out) }).map((mask) => ({ shapes: shs, params: { out, mask } }));
    }),
    domain: each(R3),
    fn: ({ out, mask }: { out: number[]; mask: boolean[] }) => {
      const cond = np.array(Uint8Array.from(mask.map(Number)), { shape: out, dtype: "bool" });
      return (a, b) => np.where(cond, a, b);
    },
  },
  {
    name: "lax.selectN", arity: 3, order2: true,
    shapes: anyShape().chain((s) => fc.array(fc.integer({ min: 0, max: 2 }), { minLength: sizeOf(s), maxLength: sizeOf(s) })
      .map((which) => ({ shapes: [s, s, s], params: which }))),
    domain: each(R3),
    fn: (which: number[]) => (a, b, c) => lax.selectN(int32(a.shape, which), a, b, c),
  },

  // Reductions over random axes (null, one axis, a list), keepdims on and off.
  reduction("sum", (x, axis, keepdims) => np.sum(x, axis, { keepdims }), each(R3), { order2: true }),
  reduction("prod", (x, axis, keepdims) => np.prod(x, axis, { keepdims }), each(real(-1.5, 1.5)), { order2: true }),
  reduction("max", (x, axis, keepdims) => np.max(x, axis, { keepdims }), distinct(2), { shape: nonEmpty() }),
  reduction("min", (x, axis, keepdims) => np.min(x, axis, { keepdims }), distinct(2), { shape: nonEmpty() }),
  reduction("mean", (x, axis, keepdims) => np.mean(x, axis, { keepdims }), each(R3), { shape: nonEmpty(), order2: true }),
  reduction("var", (x, axis, keepdims) => np.var(x, axis, { keepdims }), each(R3), { shape: nonEmpty(), order2: true }),
  reduction("var ddof=1", (x, axis, keepdims) => np.var(x, axis, { keepdims, ddof: 1 }), each(R3), { shape: nonEmpty(), minCount: 2 }),
  reduction("std", (x, axis, keepdims) => np.std(x, axis, { keepdims }), distinct(2), { shape: nonEmpty(), minCount: 2 }),
  reduction("nn.logsumexp", (x, axis, keepdims) => nnFunctions.logsumexp(x, axis, { keepdims }), each(R3), { shape: nonEmpty(), order2: true }),
  reduction("nn.softmax", (x, axis) => nnFunctions.softmax(x, axis), each(R3), { shape: nonEmpty(), order2: true }),
  reduction("nn.logSoftmax", (x, axis) => nnFunctions.logSoftmax(x, axis), each(R3), { shape: nonEmpty() }),
  {
    name: "nn.standardize", arity: 1,
    shapes: one(fc.tuple(nonEmpty(0, 2), dim(2)).map(([s, n]) => [...s, n])),
    domain: distinct(2),
    fn: () => (x) => nnFunctions.standardize(x),
  },
  {
    name: "cumsum (np, axis or null)", arity: 1, order2: true,
    shapes: withParams(anyShape(), (s) => (s.length ? fc.option(oneAxis(s.length)) : fc.constant(null))),
    domain: each(R3),
    fn: (axis: number | null) => (x) => np.cumsum(x, axis),
  },
  {
    name: "cumprod (np, axis or null)", arity: 1, order2: true,
    shapes: withParams(anyShape(), (s) => (s.length ? fc.option(oneAxis(s.length)) : fc.constant(null))),
    domain: each(real(-1.5, 1.5)),
    fn: (axis: number | null) => (x) => np.cumprod(x, axis),
  },
  cumulative("lax.cumsum", (x, axis, reverse) => lax.cumsum(x, axis, { reverse }), each(R3)),
  cumulative("lax.cumprod", (x, axis, reverse) => lax.cumprod(x, axis, { reverse }), each(real(-1.5, 1.5))),
  cumulative("lax.cummax", (x, axis, reverse) => lax.cummax(x, axis, { reverse }), distinct(2)),
  cumulative("lax.cummin", (x, axis, reverse) => lax.cummin(x, axis, { reverse }), distinct(2)),
  {
    name: "sort", arity: 1,
    shapes: withParams(anyShape(1), (s) => fc.option(oneAxis(s.length))),
    domain: distinct(2),
    fn: (axis: number | null) => (x) => np.sort(x, axis),
  },
  {
    name: "lax.sort (values by keys)", arity: 2,
    shapes: withParams(anyShape(1), (s) => fc.integer({ min: 0, max: s.length - 1 }), (s) => [s, s]),
    domain: distinct(2),
    fn: (dimension: number) => (k, v) => lax.sort([k, v], dimension, 1)[1],
  },

  // Shape operations.
  {
    name: "reshape", arity: 1,
    shapes: withParams(anyShape(), (s) => fc.oneof(
      permutation(s.length).map((p) => p.map((i) => s[i])),
      fc.constant([sizeOf(s)]),
      fc.nat().map((k) => { const t = [...s]; t.splice(k % (t.length + 1), 0, 1); return t; }),
      fc.nat().map((k) => (s.length && sizeOf(s) > 0 ? s.map((d, i) => (i === k % s.length ? -1 : d)) : s)),
    )),
    domain: each(R3),
    fn: (shape: number[]) => (x) => np.reshape(x, shape),
  },
  {
    name: "transpose", arity: 1,
    shapes: withParams(anyShape(), (s) => fc.option(permutation(s.length))),
    domain: each(R3),
    fn: (perm: number[] | null) => (x) => np.transpose(x, perm),
  },
  {
    name: "moveaxis", arity: 1,
    shapes: withParams(anyShape(1), (s) => fc.tuple(oneAxis(s.length), oneAxis(s.length))),
    domain: each(R3),
    fn: ([src, dst]: [number, number]) => (x) => np.moveaxis(x, src, dst),
  },
  {
    name: "expandDims", arity: 1,
    shapes: withParams(anyShape(), (s) => fc.integer({ min: -s.length - 1, max: s.length })),
    domain: each(R3),
    fn: (axis: number) => (x) => np.expandDims(x, axis),
  },
  {
    name: "squeeze", arity: 1,
    shapes: one(fc.tuple(anyShape(0, 2), fc.nat()).map(([s, k]) => { const t = [...s]; t.splice(k % (t.length + 1), 0, 1); return t; })),
    domain: each(R3),
    fn: () => (x) => np.squeeze(x),
  },
  {
    name: "broadcastTo", arity: 1,
    shapes: anyShape().chain((full) => fc.tuple(fc.integer({ min: 0, max: full.length }),
      fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length })).map(([r, ones]) => ({
      shapes: [full.slice(full.length - r).map((d, i) => (ones[full.length - r + i] ? 1 : d))], params: full,
    }))),
    domain: each(R3),
    fn: (target: number[]) => (x) => np.broadcastTo(x, target),
  },
  {
    name: "lax.broadcastInDim", arity: 1,
    shapes: anyShape().chain((target) => fc.tuple(fc.subarray([...target.keys()]),
      fc.array(fc.boolean(), { minLength: 3, maxLength: 3 })).map(([dims, ones]) => ({
      shapes: [dims.map((d, i) => (ones[i] ? 1 : target[d]))], params: { target, dims },
    }))),
    domain: each(R3),
    fn: ({ target, dims }: { target: number[]; dims: number[] }) => (x) => lax.broadcastInDim(x, target, dims),
  },
  {
    name: "slice (x.slice)", arity: 1,
    shapes: withParams(anyShape(), (s) => basicIndex(s, true)),
    domain: each(R3),
    fn: (index: IndexEntry[]) => (x) => x.slice(...index),
  },
  {
    name: "np.pad", arity: 1,
    shapes: withParams(anyShape(), (s) => fc.record({
      widths: fc.tuple(...s.map(() => fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })))),
      mode: sizeOf(s) > 0 ? fc.constantFrom("constant", "edge", "wrap", "reflect", "symmetric") : fc.constant("constant"),
      value: real(-2, 2),
    })),
    domain: each(R3),
    fn: ({ widths, mode, value }: { widths: [number, number][]; mode: "constant" | "edge" | "wrap" | "reflect" | "symmetric"; value: number }) =>
      (x) => np.pad(x, widths, { mode, constantValues: value }),
  },
  {
    name: "lax.pad (negative, interior; padding value differentiated)", arity: 2,
    shapes: withParams(anyShape(), (s) => fc.tuple(...s.map((d) => fc.tuple(fc.integer({ min: -2, max: 2 }), fc.integer({ min: -2, max: 2 }), fc.integer({ min: 0, max: 2 }))
      .filter(([lo, hi, int]) => lo + hi + d + Math.max(0, d - 1) * int >= 0))), (s) => [s, []]),
    domain: each(R3),
    fn: (config: [number, number, number][]) => (x, v) => lax.pad(x, v, config),
  },
  {
    name: "concatenate", arity: 3,
    shapes: anyShape(1).chain((s) => fc.tuple(oneAxis(s.length), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 3, maxLength: 3 }))
      .map(([axis, sizes]) => ({ shapes: sizes.map((n) => s.map((d, i) => (i === (axis + s.length) % s.length ? n : d))), params: axis }))),
    domain: each(R3),
    fn: (axis: number) => (a, b, c) => np.concatenate([a, b, c], axis),
  },
  {
    name: "stack", arity: 2,
    shapes: withParams(anyShape(), (s) => fc.integer({ min: -s.length - 1, max: s.length }), (s) => [s, s]),
    domain: each(R3),
    fn: (axis: number) => (a, b) => np.stack([a, b], axis),
  },
  {
    name: "flip", arity: 1,
    shapes: withParams(anyShape(), (s) => axisArg(s.length)),
    domain: each(R3),
    fn: (axis: number | number[] | null) => (x) => np.flip(x, axis),
  },
  {
    name: "roll", arity: 1,
    shapes: withParams(anyShape(), (s) => fc.tuple(fc.integer({ min: -4, max: 4 }), s.length ? fc.option(oneAxis(s.length)) : fc.constant(null))),
    domain: each(R3),
    fn: ([shift, axis]: [number, number | null]) => (x) => np.roll(x, shift, axis),
  },
  {
    name: "tile", arity: 1,
    shapes: withParams(anyShape(0, 2), () => fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 3 })),
    domain: each(R3),
    fn: (reps: number[]) => (x) => np.tile(x, reps),
  },
  {
    name: "repeat", arity: 1,
    shapes: withParams(anyShape(), (s) => fc.tuple(fc.integer({ min: 0, max: 3 }), s.length ? fc.option(oneAxis(s.length)) : fc.constant(null))),
    domain: each(R3),
    fn: ([reps, axis]: [number, number | null]) => (x) => np.repeat(x, reps, axis),
  },
  {
    name: "tril / triu", arity: 1,
    shapes: withParams(anyShape(2), () => fc.tuple(fc.integer({ min: -2, max: 2 }), fc.boolean())),
    domain: each(R3),
    fn: ([k, lower]: [number, boolean]) => (x) => (lower ? np.tril(x, k) : np.triu(x, k)),
  },
  {
    name: "diagonal", arity: 1,
    shapes: withParams(anyShape(2), (s) => fc.tuple(fc.integer({ min: -2, max: 2 }), permutation(s.length))),
    domain: each(R3),
    fn: ([offset, perm]: [number, number[]]) => (x) => np.diagonal(x, offset, perm[0], perm[1]),
  },
  {
    name: "trace", arity: 1,
    shapes: withParams(anyShape(2), () => fc.integer({ min: -2, max: 2 })),
    domain: each(R3),
    fn: (offset: number) => (x) => np.trace(x, offset),
  },
  // x.at(intArray) updates are covered by test/indexing/.
  {
    name: "x.at(...).set", arity: 2,
    shapes: withParams(anyShape(), (s) => basicIndex(s, false), (s, index) => [s, np.zeros(s).slice(...index).shape]),
    domain: each(R3),
    fn: (index: IndexEntry[]) => (x, v) => x.at(...index).set(v),
  },
  {
    name: "x.at(...).add", arity: 2,
    shapes: withParams(anyShape(), (s) => basicIndex(s, false), (s, index) => [s, np.zeros(s).slice(...index).shape]),
    domain: each(R3),
    fn: (index: IndexEntry[]) => (x, v) => x.at(...index).add(v),
  },
  {
    name: "x.at(...).mul", arity: 2,
    shapes: withParams(anyShape(), (s) => basicIndex(s, false), (s, index) => [s, np.zeros(s).slice(...index).shape]),
    // Subnormal updates left out: the second derivative divides by the update (1/u overflows to inf, then inf - inf).
    domain: each(R3, R3.map((v) => (Math.abs(v) < 1e-300 ? 0 : v))),
    fn: (index: IndexEntry[]) => (x, v) => x.at(...index).mul(v),
  },
  {
    name: "take", arity: 1,
    shapes: nonEmpty().chain((s) => fc.tuple(s.length ? fc.option(oneAxis(s.length)) : fc.constant(null),
      fc.oneof(fc.tuple(fc.integer({ min: 0, max: 4 })), fc.tuple(dim(), dim()))).chain(([axis, ishape]) => {
      const n = axis === null ? sizeOf(s) : s.at(axis)!;
      return fc.array(fc.integer({ min: -n, max: n - 1 }), { minLength: sizeOf(ishape), maxLength: sizeOf(ishape) })
        .map((idx) => ({ shapes: [s], params: { axis, ishape: [...ishape], idx } }));
    })),
    domain: each(R3),
    fn: ({ axis, ishape, idx }: { axis: number | null; ishape: number[]; idx: number[] }) => (x) => np.take(x, int32(ishape, idx), axis),
  },
  {
    name: "takeAlongAxis", arity: 1,
    shapes: nonEmpty(1).chain((s) => fc.tuple(fc.integer({ min: 0, max: s.length - 1 }), fc.integer({ min: 0, max: 3 }),
      fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length })).chain(([axis, m, ones]) => {
      const ishape = s.map((d, i) => (i === axis ? m : ones[i] ? 1 : d));
      const n = s[axis];
      return fc.array(fc.integer({ min: -n, max: n - 1 }), { minLength: sizeOf(ishape), maxLength: sizeOf(ishape) })
        .map((idx) => ({ shapes: [s], params: { axis, ishape, idx } }));
    })),
    domain: each(R3),
    fn: ({ axis, ishape, idx }: { axis: number; ishape: number[]; idx: number[] }) => (x) => np.takeAlongAxis(x, int32(ishape, idx), axis),
  },

  // Products.
  {
    name: "matmul", arity: 2, order2: true,
    shapes: fc.tuple(fc.constantFrom("mm", "vm", "mv", "vv"), dim(0), dim(0), dim(0), broadcastableShapes(2, { maxRank: 2, minSide: 1, maxSide: 2 }))
      .map(([kind, n, k, m, [b1, b2]]) => ({
        shapes: kind === "vv" ? [[k], [k]] : kind === "vm" ? [[k], [...b2, k, m]] : kind === "mv" ? [[...b1, n, k], [k]] : [[...b1, n, k], [...b2, k, m]],
        params: null,
      })),
    domain: each(R3),
    fn: () => np.matmul,
  },
  {
    name: "dot", arity: 2,
    shapes: fc.tuple(fc.constantFrom("vv", "mm", "nd·1d", "nd·md", "scalar"), dim(), dim(), dim(), nonEmpty(0, 1), anyShape(0, 2))
      .map(([kind, n, k, m, lead, any]) => ({
        shapes: kind === "vv" ? [[k], [k]] : kind === "mm" ? [[n, k], [k, m]] : kind === "nd·1d" ? [[...lead, n, k], [k]]
          : kind === "nd·md" ? [[n, k], [...lead, k, m]] : [[], any],
        params: null,
      })),
    domain: each(R3),
    fn: () => np.dot,
  },
  {
    name: "vdot", arity: 2,
    shapes: noParams(anyShape().map((s) => [s, s])),
    domain: each(R3),
    fn: () => np.vdot,
  },
  {
    name: "inner", arity: 2,
    shapes: noParams(fc.tuple(anyShape(0, 1), anyShape(0, 1), dim()).map(([a, b, k]) => [[...a, k], [...b, k]])),
    domain: each(R3),
    fn: () => np.inner,
  },
  { name: "outer", arity: 2, shapes: noParams(fc.tuple(anyShape(0, 2), anyShape(0, 2))), domain: each(R3), fn: () => np.outer },
  {
    name: "kron", arity: 2,
    shapes: noParams(fc.tuple(shapes({ maxRank: 2, minSide: 1, maxSide: 2 }), shapes({ maxRank: 2, minSide: 1, maxSide: 2 }))),
    domain: each(R3),
    fn: () => np.kron,
  },
  {
    name: "cross", arity: 2,
    shapes: noParams(broadcastableShapes(2, { maxRank: 1, minSide: 1, maxSide: 2 }).map(([a, b]) => [[...a, 3], [...b, 3]])),
    domain: each(R3),
    fn: () => (a, b) => np.cross(a, b),
  },
  {
    name: "tensordot", arity: 2,
    shapes: fc.tuple(contraction(0), fc.boolean()).map(([c, asInt]) => {
      // The integer form contracts the last `n` axes of a with the first `n` of b, in order.
      if (asInt) {
        const n = c.contract[0].length;
        const shared = c.contract[0].map((i) => c.a[i]);
        const freeA = c.a.filter((_, i) => !c.contract[0].includes(i)), freeB = c.b.filter((_, i) => !c.contract[1].includes(i));
        return { shapes: [[...freeA, ...shared], [...shared, ...freeB]], params: n as number | [number[], number[]] };
      }
      return { shapes: [c.a, c.b], params: c.contract as number | [number[], number[]] };
    }),
    domain: each(R3),
    fn: (axes: number | [number[], number[]]) => (a, b) => np.tensordot(a, b, axes),
  },
  {
    name: "lax.dotGeneral", arity: 2, order2: true,
    shapes: contraction(2).map((c) => ({ shapes: [c.a, c.b], params: [c.contract, c.batch] as [[number[], number[]], [number[], number[]]] })),
    domain: each(R3),
    fn: (dn: [[number[], number[]], [number[], number[]]]) => (a, b) => lax.dotGeneral(a, b, dn),
  },
  {
    name: "einsum (one operand)", arity: 1,
    shapes: einsumShapes(["ij->ji", "ii->i", "ii->", "ijk->kj", "ij->", "iji->j", "i->"]),
    domain: each(R3),
    fn: (expr: string) => (x) => np.einsum(expr, x),
  },
  {
    name: "einsum (two operands)", arity: 2, order2: true,
    shapes: einsumShapes(["ij,jk->ik", "bij,bjk->bik", "i,i->", "i,j->ij", "ij,j->i", "ij,ij->ij", "ijk,ik->j", "ij,kj", "ii,ij->j", "...ij,...jk->...ik", "ij,jk", "ab,ab->"]),
    domain: each(R3),
    fn: (expr: string) => (a, b) => np.einsum(expr, a, b),
  },
  {
    name: "einsum (three operands)", arity: 3,
    shapes: einsumShapes(["ij,jk,kl->il", "i,i,i->i", "ab,bc,ca->"]),
    domain: each(R3),
    fn: (expr: string) => (a, b, c) => np.einsum(expr, a, b, c),
  },
];

// ---- cases -------------------------------------------------------------------------------

/** One drawn case: shapes, params, inputs and the op closed over its params. */
export interface OpCase<P = any> extends ShapeCase<P> { args: NDArray[]; f: Fn }

const describeArray = (x: NDArray) => `f64[${x.shape.join(",")}] ${JSON.stringify(x.js())}`;
/** A readable counterexample for fast-check's report. */
export function caseToString(name: string, c: { shapes: number[][]; params: unknown; args: NDArray[] }): string {
  return `${name} shapes ${JSON.stringify(c.shapes)} params ${JSON.stringify(c.params)} args ${c.args.map(describeArray).join(" ; ")}`;
}

/** Cases of a spec: shapes and params, then inputs in its domain. */
export function opCases<P>(spec: OpSpec<P>): Arbitrary<OpCase<P>> {
  return spec.shapes.chain((sc) => spec.domain(sc.shapes, sc.params).map((args) => {
    const c: OpCase<P> = { ...sc, args, f: spec.fn(sc.params) };
    Object.defineProperty(c, fc.toStringMethod, { value: () => caseToString(spec.name, c) });
    return c;
  }));
}
