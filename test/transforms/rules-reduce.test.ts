// jvp / vmap / transpose rules of the reduction, cumulative and sort primitives
// (core/primitives/reduce.ts, core/primitives/sort.ts), checked in float64 against central
// finite differences, per-example loops, the dot-product test, and values from JAX 0.10.2
// (jax_enable_x64) for ties and zeros.
import { describe, expect, it } from "vitest";
import { lax, np, type NDArray } from "graft";
import { UndefinedPrimal, Zero } from "../../core/primitive";
import { prims } from "../../core/primitives";
import { jvp } from "../../transforms/jvp";
import { vmap } from "../../transforms/vmap";

// Deterministic inputs: mulberry32.
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const next = rng(1234);
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
/** Random float64 array with values in ±[lo, hi] (no ties in practice). */
const rand = (shape: number[], lo = 0.5, hi = 1.5): NDArray =>
  np.array(Array.from({ length: size(shape) }, () => (next() < 0.5 ? -1 : 1) * (lo + (hi - lo) * next())), { dtype: "float64", shape });
const f64 = (xs: number[]) => np.array(xs, { dtype: "float64" });

function expectClose(actual: NDArray, expected: NDArray, rtol = 1e-6, atol = 1e-8): void {
  expect(actual.shape).toEqual(expected.shape);
  const a = actual.dataSync(), e = expected.dataSync();
  for (let i = 0; i < e.length; i++) {
    const ok = Math.abs(Number(a[i]) - Number(e[i])) <= atol + rtol * Math.abs(Number(e[i]));
    if (!ok) expect.fail(`element ${i}: got ${a[i]}, expected ${e[i]}\nactual   ${Array.from(a)}\nexpected ${Array.from(e)}`);
  }
}

/** Central difference of f at x along v. */
const fd = (f: (x: NDArray) => NDArray, x: NDArray, v: NDArray, eps = 1e-6): NDArray =>
  f(x.add(v.mul(eps))).sub(f(x.sub(v.mul(eps)))).div(2 * eps);

type Case = { name: string; f: (x: NDArray) => NDArray; shape: number[] };
const cases: Case[] = [
  { name: "reduce_sum [1]", f: (x) => np.sum(x, 1), shape: [3, 4] },
  { name: "reduce_sum [0,2]", f: (x) => np.sum(x, [0, 2]), shape: [2, 3, 4] },
  { name: "reduce_sum all", f: (x) => np.sum(x), shape: [3, 4] },
  { name: "reduce_prod [1]", f: (x) => np.prod(x, 1), shape: [3, 5] },
  { name: "reduce_prod [0,2]", f: (x) => np.prod(x, [0, 2]), shape: [3, 2, 3] },
  { name: "reduce_prod all", f: (x) => np.prod(x), shape: [7] },
  { name: "reduce_max [1]", f: (x) => np.max(x, 1), shape: [3, 4] },
  { name: "reduce_max [0,2]", f: (x) => np.max(x, [0, 2]), shape: [2, 3, 4] },
  { name: "reduce_min [0]", f: (x) => np.min(x, 0), shape: [3, 4] },
  { name: "reduce_min all", f: (x) => np.min(x), shape: [2, 3, 2] },
  { name: "cumsum 1", f: (x) => np.cumsum(x, 1), shape: [3, 4] },
  { name: "cumsum 0 reverse", f: (x) => lax.cumsum(x, 0, { reverse: true }), shape: [5, 2] },
  { name: "cumprod 1", f: (x) => np.cumprod(x, 1), shape: [3, 6] },
  { name: "cumprod 0 reverse", f: (x) => lax.cumprod(x, 0, { reverse: true }), shape: [7, 2] },
  { name: "cummax 1", f: (x) => np.cummax(x, 1), shape: [3, 5] },
  { name: "cummax 0 reverse", f: (x) => np.cummax(x, 0, { reverse: true }), shape: [6, 2] },
  { name: "cummin 1", f: (x) => np.cummin(x, 1), shape: [2, 8] },
  { name: "cummin 0 reverse", f: (x) => lax.cummin(x, 0, { reverse: true }), shape: [5, 3] },
  { name: "sort -1", f: (x) => np.sort(x), shape: [3, 5] },
  { name: "sort 0", f: (x) => np.sort(x, 0), shape: [4, 3] },
  { name: "sort (x, sin x) keyed on x", f: (x) => lax.sort([x, np.sin(x)], 1)[1], shape: [3, 5] },
  { name: "sort (x, sin x) keyed on both", f: (x) => { const [a, b] = lax.sort([x, np.sin(x)], 0, 2); return a.add(b.mul(3)); }, shape: [4, 2] },
];

describe("jvp agrees with central finite differences (float64)", () => {
  it.each(cases)("$name", ({ f, shape }) => {
    const x = rand(shape), v = rand(shape, -1, 1);
    const [y, dy] = jvp(f, [x], [v]);
    expectClose(y, f(x), 0, 0);
    expectClose(dy, fd(f, x, v));
  });

  it("jvp is linear in the tangent (cumprod, reduce_prod, cummax, sort)", () => {
    const x = rand([3, 4]), u = rand([3, 4], -1, 1), w = rand([3, 4], -1, 1);
    for (const f of [(a: NDArray) => np.cumprod(a, 1), (a: NDArray) => np.prod(a, 0), (a: NDArray) => np.cummax(a, 1), (a: NDArray) => np.sort(a, 0)]) {
      const d = (t: NDArray) => jvp(f, [x], [t])[1] as NDArray;
      expectClose(d(u.mul(2).add(w)), d(u).mul(2).add(d(w)), 1e-12, 1e-12);
    }
  });

  it("integer- and bool-valued reductions have zero tangents", () => {
    const x = rand([3, 4]), v = rand([3, 4], -1, 1);
    for (const f of [(a: NDArray) => np.argmax(a, 1), (a: NDArray) => np.argmin(a, 0), (a: NDArray) => np.argsort(a, 1)]) {
      const [y, dy] = jvp(f, [x], [v]);
      expect(y.js()).toEqual(f(x).js());
      expect(Array.from((dy as NDArray).dataSync()).every((t) => t === 0)).toBe(true);
    }
    // Called directly: the rules return symbolic zeros of the output's aval.
    const b = x.gt(0);
    for (const [p, params] of [[prims.reduce_and, { axes: [1] }], [prims.reduce_or, { axes: [0, 1] }], [prims.argmax, { axis: 1, indexDtype: "int32" }], [prims.argmin, { axis: 0, indexDtype: "int32" }]] as const) {
      const arg = p === prims.argmax || p === prims.argmin ? x : b;
      const [[y], [t]] = p.rules.jvp!([arg], [arg], params as never);
      expect(t).toBeInstanceOf(Zero);
      expect((t as Zero).aval.shape).toEqual(y.shape);
    }
  });
});

describe("jvp at ties and zeros (values from JAX)", () => {
  const t6 = f64([1, 2, 4, 8, 16, 32]);
  it("reduce_max / reduce_min split the tangent evenly over ties", () => {
    const x = f64([3, 1, 3, 3, 2, 3]);
    expect(jvp((a) => np.max(a), [x], [t6])[1].item()).toBe(11.25);  // (1 + 4 + 8 + 32) / 4
    expect(jvp((a) => np.min(a), [x.neg()], [t6])[1].item()).toBe(11.25);
    const m = np.array([[1, 5, 5], [2, 2, 0]], { dtype: "float64" });
    expect(jvp((a) => np.max(a, 1), [m], [np.array([[1, 2, 4], [8, 16, 32]], { dtype: "float64" })])[1].js()).toEqual([3, 12]);
  });
  it("cummax / cummin follow JAX's associative-scan weights on ties", () => {
    const x = f64([3, 1, 3, 3, 2, 3]);
    expect(jvp((a) => np.cummax(a, 0), [f64([1, 1, 1])], [f64([1, 2, 4])])[1].js()).toEqual([1, 1.5, 2.75]);
    expect(jvp((a) => np.cummax(a, 0), [x], [t6])[1].js()).toEqual([1, 1, 2.5, 3.5, 3.5, 17.75]);
    expect(jvp((a) => np.cummax(a, 0, { reverse: true }), [x], [t6])[1].js()).toEqual([10, 19, 19, 20, 32, 32]);
    expect(jvp((a) => np.cummin(a, 0, { reverse: true }), [x.neg()], [t6])[1].js()).toEqual([10, 19, 19, 20, 32, 32]);
  });
  it("reduce_prod with one and with two zeros gives the exact derivative", () => {
    const t = f64([1, 2, 4, 8, 16]);
    expect(jvp((a) => np.prod(a), [f64([2, 0, 3, 5, 0.5])], [t])[1].item()).toBe(30);  // JAX: 30
    expect(jvp((a) => np.prod(a), [f64([2, 0, 3, 0, 0.5])], [t])[1].item()).toBe(0);
    // Gradient by basis tangents: d/dx_j prod = prod of the others.
    const x = f64([2, 0, 3, 5, 0.5]), grads = [0, 1, 2, 3, 4].map((j) => jvp((a) => np.prod(a), [x], [f64([0, 1, 2, 3, 4].map((k) => +(k === j)))])[1].item());
    expect(grads).toEqual([0, 15, 0, 0, 0]);
    const m = np.array([[2, 0, 3], [0, 4, 0], [1, 2, 3]], { dtype: "float64" });
    const tm = np.array([[1, 2, 4], [8, 16, 32], [64, 128, 256]], { dtype: "float64" });
    expect(jvp((a) => np.prod(a, 1), [m], [tm])[1].js()).toEqual([12, 0, 64 * 6 + 128 * 3 + 256 * 2]);
    expect(jvp((a) => np.prod(a, 0), [m], [tm])[1].js()).toEqual([8 * 2 * 1, 2 * 4 * 2, 32 * 3 * 3]);
  });
  it("cumprod with zeros gives the exact derivative", () => {
    expect(jvp((a) => np.cumprod(a, 0), [f64([2, 0, 3, 5, 0.5])], [f64([1, 2, 4, 8, 16])])[1].js()).toEqual([1, 4, 12, 60, 30]);  // JAX
    expect(jvp((a) => np.cumprod(a, 0), [f64([0, 0, 3])], [f64([1, 2, 4])])[1].js()).toEqual([1, 0, 0]);
  });
  it("sort with ties is stable: tangents follow their elements", () => {
    const [y, dy] = jvp((a) => np.sort(a), [f64([2, 1, 2, 0])], [f64([1, 2, 4, 8])]);
    expect(y.js()).toEqual([0, 1, 2, 2]);
    expect(dy.js()).toEqual([8, 2, 1, 4]);
  });
});

describe("vmap equals stacking per-example results", () => {
  const perExample: Case[] = [
    ...cases,
    { name: "argmax 1", f: (x) => np.argmax(x, 1), shape: [3, 4] },
    { name: "argmin 0", f: (x) => np.argmin(x, 0), shape: [3, 4] },
    { name: "reduce_and [1]", f: (x) => np.all(x.gt(0), 1), shape: [3, 4] },
    { name: "reduce_or all", f: (x) => np.any(x.gt(1), [0, 1]), shape: [3, 4] },
    { name: "argsort 0", f: (x) => np.argsort(x, 0), shape: [4, 3] },
  ];
  const B = 3;
  for (const axis of [0, 1]) {
    it.each(perExample)(`inAxes ${axis}: $name`, ({ f, shape }) => {
      const bshape = [...shape];
      bshape.splice(axis, 0, B);
      const xs = rand(bshape);
      const loop = np.stack([...Array(B).keys()].map((i) => f(np.take(xs, i, axis))));
      const out = vmap(f, { inAxes: axis })(xs);
      expect(out.dtype).toBe(loop.dtype);
      expectClose(out, loop, 0, 0);
    });
  }
  it("multi-operand sort with an unbatched operand (numKeys 1 and 2)", () => {
    const xs = rand([3, 4, 5]), w = rand([3, 5]);
    for (const numKeys of [1, 2]) {
      const f = (a: NDArray, b: NDArray) => lax.sort([np.round(a), b], 1, numKeys);
      const outs = vmap(f, { inAxes: [1, null] })(xs, w);
      for (let k = 0; k < 2; k++) {
        expectClose(outs[k], np.stack([0, 1, 2, 3].map((i) => f(np.take(xs, i, 1), w)[k])), 0, 0);
      }
    }
  });
  it("outAxes 1 and jvp of a vmapped reduction", () => {
    const xs = rand([4, 3, 5]);
    const out = vmap((x: NDArray) => np.cumprod(x, 1), { outAxes: 1 })(xs);
    expectClose(out, np.moveaxis(np.cumprod(xs, 2), 0, 1), 1e-14, 0);
    const v = rand([4, 3, 5], -1, 1);
    const g = (x: NDArray) => vmap((a: NDArray) => np.prod(a, 1))(x);
    expectClose(jvp(g, [xs], [v])[1], fd(g, xs, v));
  });
});

describe("transpose rules of linear primitives: <ct, f(x)> == <T(ct), x>", () => {
  const dot = (a: NDArray, b: NDArray) => np.sum(a.mul(b)).item();
  it.each([
    { axes: [1], shape: [3, 4] },
    { axes: [0, 2], shape: [2, 3, 4] },
    { axes: [0, 1], shape: [3, 2] },
    { axes: [], shape: [3] },
  ])("reduce_sum axes $axes of $shape", ({ axes, shape }) => {
    const x = rand(shape), params = { axes };
    const y = prims.reduce_sum.bind1([x], params);
    const ct = rand(y.shape, -1, 1);
    const [tx] = prims.reduce_sum.rules.transpose!([ct], [new UndefinedPrimal(x.aval)], params);
    expect((tx as NDArray).shape).toEqual(shape);
    expect(dot(tx as NDArray, x)).toBeCloseTo(dot(ct, y), 12);
  });
  it.each([
    { axis: 0, reverse: false }, { axis: 1, reverse: false }, { axis: 1, reverse: true }, { axis: 0, reverse: true },
  ])("cumsum axis $axis reverse $reverse", (params) => {
    const x = rand([4, 5]);
    const y = prims.cumsum.bind1([x], params);
    const ct = rand(y.shape, -1, 1);
    const [tx] = prims.cumsum.rules.transpose!([ct], [new UndefinedPrimal(x.aval)], params);
    expect(dot(tx as NDArray, x)).toBeCloseTo(dot(ct, y), 12);
  });
  it("a symbolic zero cotangent transposes to a zero", () => {
    const x = rand([2, 3]);
    const [tx] = prims.reduce_sum.rules.transpose!([new Zero(prims.reduce_sum.bind1([x], { axes: [1] }).aval)], [new UndefinedPrimal(x.aval)], { axes: [1] });
    expect(tx).toBeInstanceOf(Zero);
  });
});
