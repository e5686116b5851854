// Reductions agree with naive loops over random arrays (rank 0..4, sides 0..4) and random
// axis arguments (a number, a list, negative axes, null, omitted) with keepdims on and off.
// float32 results are compared within 1e-5 relative to the sum of |x| (the error bound of a
// float32 summation in any order); int32 results exactly, with C wraparound.
import { describe, expect, it } from "vitest";
import fc, { type Arbitrary } from "fast-check";
import { np, type NDArray } from "graft";
import { arrays } from "graft/testing";
import { RUNS, expectClose, expectSameValues, flat, maybeNegative, reductionGroups, sizeOf, testShapes } from "./util";

type Axis = number | number[] | null | undefined;
type DT = "float32" | "int32" | "uint32" | "bool";

const SHAPES = testShapes({ maxRank: 4, maxSide: 4 });

/** An axis argument for rank `ndim`, with the sorted axes it names. */
function axisArg(ndim: number): Arbitrary<{ axis: Axis; axes: number[] }> {
  const all = [...Array(ndim).keys()];
  const options: Arbitrary<{ axis: Axis; axes: number[] }>[] = [
    fc.constant({ axis: null, axes: all }),
    fc.constant({ axis: undefined, axes: all }),
    fc.shuffledSubarray(all).chain((sub) =>
      fc.tuple(...sub.map((a) => maybeNegative(a, ndim))).map((axis) => ({ axis, axes: [...sub].sort((a, b) => a - b) }))),
  ];
  if (ndim > 0) {
    options.push(fc.integer({ min: 0, max: ndim - 1 }).chain((a) => maybeNegative(a, ndim).map((axis) => ({ axis, axes: [a] }))));
  }
  return fc.oneof(...options);
}

/** A single axis (possibly negative) or null, for argmax/argmin/cumsum. */
function singleAxisArg(ndim: number): Arbitrary<{ axis: number | null | undefined; axes: number[] }> {
  const all = [...Array(ndim).keys()];
  const options: Arbitrary<{ axis: number | null | undefined; axes: number[] }>[] = [
    fc.constant({ axis: null, axes: all }),
    fc.constant({ axis: undefined, axes: all }),
  ];
  if (ndim > 0) {
    options.push(fc.integer({ min: 0, max: ndim - 1 }).chain((a) => maybeNegative(a, ndim).map((axis) => ({ axis, axes: [a] }))));
  }
  return fc.oneof(...options);
}

interface Case<A> { x: NDArray; axis: A; axes: number[]; keepdims: boolean }

function cases(dtype: DT, elements?: Arbitrary<number | boolean>): Arbitrary<Case<Axis>> {
  return arrays({ shape: SHAPES, dtype, elements }).chain((x) =>
    fc.tuple(axisArg(x.ndim), fc.boolean()).map(([{ axis, axes }, keepdims]) => ({ x, axis, axes, keepdims })));
}
function singleAxisCases(dtype: DT, elements?: Arbitrary<number | boolean>): Arbitrary<Case<number | null | undefined>> {
  return arrays({ shape: SHAPES, dtype, elements }).chain((x) =>
    fc.tuple(singleAxisArg(x.ndim), fc.boolean()).map(([{ axis, axes }, keepdims]) => ({ x, axis, axes, keepdims })));
}

/** The output shape of a reduction over `axes`. */
const reducedShape = (shape: readonly number[], axes: readonly number[], keepdims: boolean): number[] =>
  keepdims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));

const INT32_WIDE = fc.oneof(fc.integer({ min: -100, max: 100 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
const UINT32_WIDE = fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }));
const opts = { numRuns: RUNS };

describe("sum / prod / mean", () => {
  it("sum float32 is within 1e-5 * sum|x| of the exact sum", () => {
    fc.assert(fc.property(cases("float32"), ({ x, axis, axes, keepdims }) => {
      const out = np.sum(x, axis, { keepdims });
      expect(out.shape).toEqual(reducedShape(x.shape, axes, keepdims));
      expect(out.dtype).toBe("float32");
      const d = flat(x), groups = reductionGroups(x.shape, axes);
      expectClose(flat(out), groups.map((g) => g.reduce((s, i) => s + d[i], 0)),
        groups.map((g) => 1e-5 * g.reduce((s, i) => s + Math.abs(d[i]), 0)), "sum");
    }), opts);
  });

  it("sum int32 wraps like C; sum bool counts in int32", () => {
    fc.assert(fc.property(fc.oneof(cases("int32", INT32_WIDE), cases("bool")), ({ x, axis, axes, keepdims }) => {
      const out = np.sum(x, axis, { keepdims });
      expect(out.shape).toEqual(reducedShape(x.shape, axes, keepdims));
      expect(out.dtype).toBe("int32");
      const d = flat(x);
      expectSameValues(flat(out), reductionGroups(x.shape, axes).map((g) => g.reduce((s, i) => (s + d[i]) | 0, 0)), "sum");
    }), opts);
  });

  it("prod float32 is within n ulps of the exact product", () => {
    // 0 or 0.75 <= |x| <= 1.25 keeps products of up to 256 elements normal in float32.
    const small = fc.oneof(
      fc.constant(0),
      fc.tuple(fc.float({ min: 0.75, max: 1.25, noNaN: true }), fc.boolean()).map(([v, neg]) => (neg ? -v : v)),
    );
    fc.assert(fc.property(cases("float32", small), ({ x, axis, axes, keepdims }) => {
      const out = np.prod(x, axis, { keepdims });
      expect(out.shape).toEqual(reducedShape(x.shape, axes, keepdims));
      expect(out.dtype).toBe("float32");
      const d = flat(x), groups = reductionGroups(x.shape, axes);
      const ref = groups.map((g) => g.reduce((p, i) => p * d[i], 1));
      expectClose(flat(out), ref, ref.map((r, k) => (groups[k].length + 1) * 1.2e-7 * Math.abs(r)), "prod");
    }), opts);
  });

  it("sum and prod uint32 wrap modulo 2^32", () => {
    fc.assert(fc.property(cases("uint32", UINT32_WIDE), ({ x, axis, axes, keepdims }) => {
      const s = np.sum(x, axis, { keepdims }), p = np.prod(x, axis, { keepdims });
      for (const out of [s, p]) {
        expect(out.shape).toEqual(reducedShape(x.shape, axes, keepdims));
        expect(out.dtype).toBe("uint32");
      }
      const d = flat(x), groups = reductionGroups(x.shape, axes);
      expectSameValues(flat(s), groups.map((g) => g.reduce((a, i) => (a + d[i]) >>> 0, 0)), "sum");
      expectSameValues(flat(p), groups.map((g) => g.reduce((a, i) => Math.imul(a, d[i]) >>> 0, 1)), "prod");
    }), opts);
  });

  it("prod int32 wraps like C (Math.imul)", () => {
    fc.assert(fc.property(cases("int32", INT32_WIDE), ({ x, axis, axes, keepdims }) => {
      const out = np.prod(x, axis, { keepdims });
      expect(out.shape).toEqual(reducedShape(x.shape, axes, keepdims));
      expect(out.dtype).toBe("int32");
      const d = flat(x);
      expectSameValues(flat(out), reductionGroups(x.shape, axes).map((g) => g.reduce((p, i) => Math.imul(p, d[i]), 1)), "prod");
    }), opts);
  });

  it("mean is sum / count in float32 (NaN over empty axes)", () => {
    fc.assert(fc.property(fc.oneof(cases("float32"), cases("int32")), ({ x, axis, axes, keepdims }) => {
      const out = np.mean(x, axis, { keepdims });
      expect(out.shape).toEqual(reducedShape(x.shape, axes, keepdims));
      expect(out.dtype).toBe("float32");
      const d = flat(x), groups = reductionGroups(x.shape, axes);
      const n = axes.reduce((m, a) => m * x.shape[a], 1);
      expectClose(flat(out), groups.map((g) => g.reduce((s, i) => s + d[i], 0) / n),
        groups.map((g) => (1e-5 * g.reduce((s, i) => s + Math.abs(d[i]), 0)) / n + 1e-7), "mean");
    }), opts);
  });
});

describe("max / min", () => {
  // Some NaNs: max/min propagate them, as JAX does.
  const withNaN = fc.oneof({ weight: 9, arbitrary: fc.float({ min: -10, max: 10, noNaN: true }) }, { weight: 1, arbitrary: fc.constant(NaN) });
  const ref = {
    max: (vs: number[]) => (vs.some((v) => v !== v) ? NaN : Math.max(...vs)),
    min: (vs: number[]) => (vs.some((v) => v !== v) ? NaN : Math.min(...vs)),
  };
  for (const name of ["max", "min"] as const) {
    it(`${name} agrees with a naive loop over non-empty axes and throws RangeError over empty ones`, () => {
      fc.assert(fc.property(fc.oneof(cases("float32", withNaN), cases("int32", INT32_WIDE), cases("uint32", UINT32_WIDE)), ({ x, axis, axes, keepdims }) => {
        const fn = name === "max" ? np.max : np.min;
        if (axes.some((a) => x.shape[a] === 0)) {
          expect(() => fn(x, axis, { keepdims })).toThrow(RangeError);
          return;
        }
        const out = fn(x, axis, { keepdims });
        expect(out.shape).toEqual(reducedShape(x.shape, axes, keepdims));
        expect(out.dtype).toBe(x.dtype);
        const d = flat(x);
        expectSameValues(flat(out), reductionGroups(x.shape, axes).map((g) => ref[name](g.map((i) => d[i]))), name);
      }), opts);
    });
  }
});

describe("argmax / argmin", () => {
  // Few distinct values so that ties are common (the first occurrence wins), and NaNs (the
  // first NaN wins, as in NumPy).
  const tiesAndNaN = fc.oneof({ weight: 9, arbitrary: fc.integer({ min: -3, max: 3 }) }, { weight: 1, arbitrary: fc.constant(NaN) });
  for (const name of ["argmax", "argmin"] as const) {
    it(`${name} gives the first extreme position along one axis or the flattened array`, () => {
      fc.assert(fc.property(fc.oneof(singleAxisCases("float32", tiesAndNaN), singleAxisCases("int32", fc.integer({ min: -3, max: 3 }))), ({ x, axis, axes, keepdims }) => {
        const fn = name === "argmax" ? np.argmax : np.argmin;
        if (axes.some((a) => x.shape[a] === 0)) {
          expect(() => fn(x, axis, { keepdims })).toThrow(RangeError);
          return;
        }
        const out = fn(x, axis, { keepdims });
        expect(out.shape).toEqual(reducedShape(x.shape, axes, keepdims));
        expect(out.dtype).toBe("int32");
        const d = flat(x);
        const better = name === "argmax" ? (v: number, b: number) => v > b : (v: number, b: number) => v < b;
        const expected = reductionGroups(x.shape, axes).map((g) => {
          const vs = g.map((i) => d[i]);
          const nan = vs.findIndex((v) => v !== v);
          if (nan >= 0) return nan;
          let best = 0;
          vs.forEach((v, k) => { if (better(v, vs[best])) best = k; });
          return best;
        });
        expectSameValues(flat(out), expected, name);
      }), opts);
    });
  }
});

describe("any / all", () => {
  const zeroish = fc.constantFrom(0, -0, 0, 1.5, -2, NaN);
  for (const name of ["any", "all"] as const) {
    it(`${name} agrees with a naive loop (x != 0 for numbers; empty: ${name === "any" ? "false" : "true"})`, () => {
      fc.assert(fc.property(fc.oneof(cases("bool"), cases("float32", zeroish), cases("int32", fc.integer({ min: -1, max: 1 }))), ({ x, axis, axes, keepdims }) => {
        const out = name === "any" ? np.any(x, axis, { keepdims }) : np.all(x, axis, { keepdims });
        expect(out.shape).toEqual(reducedShape(x.shape, axes, keepdims));
        expect(out.dtype).toBe("bool");
        const d = flat(x);
        const expected = reductionGroups(x.shape, axes).map((g) =>
          Number(name === "any" ? g.some((i) => d[i] !== 0) : g.every((i) => d[i] !== 0)));
        expectSameValues(flat(out), expected, name);
      }), opts);
    });
  }
});

describe("cumsum", () => {
  /** Running sums along one axis (or the flattened array), in the input's row-major order. */
  function running(x: NDArray, axes: number[], flatten: boolean, step: (s: number, v: number) => number): { values: number[]; abs: number[] } {
    const d = flat(x);
    const shape = flatten ? [x.size] : x.shape;
    const values = new Array<number>(sizeOf(shape)), abs = new Array<number>(sizeOf(shape));
    for (const g of reductionGroups(shape, flatten ? [0] : axes)) {
      let s = 0, a = 0;
      for (const i of g) { s = step(s, d[i]); a += Math.abs(d[i]); values[i] = s; abs[i] = a; }
    }
    return { values, abs };
  }

  it("cumsum float32 is within 1e-5 * running sum|x| of the exact running sum", () => {
    fc.assert(fc.property(singleAxisCases("float32"), ({ x, axis, axes }) => {
      const out = np.cumsum(x, axis);
      const flatten = axis === null || axis === undefined;
      expect(out.shape).toEqual(flatten ? [x.size] : x.shape);
      expect(out.dtype).toBe("float32");
      const { values, abs } = running(x, axes, flatten, (s, v) => s + v);
      expectClose(flat(out), values, abs.map((a) => 1e-5 * a), "cumsum");
    }), opts);
  });

  it("cumsum int32 wraps like C; cumsum bool counts in int32", () => {
    fc.assert(fc.property(fc.oneof(singleAxisCases("int32", INT32_WIDE), singleAxisCases("bool")), ({ x, axis, axes }) => {
      const out = np.cumsum(x, axis);
      const flatten = axis === null || axis === undefined;
      expect(out.shape).toEqual(flatten ? [x.size] : x.shape);
      expect(out.dtype).toBe("int32");
      expectSameValues(flat(out), running(x, axes, flatten, (s, v) => (s + v) | 0).values, "cumsum");
    }), opts);
  });
});
