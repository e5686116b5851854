// lax.convGeneralDilated and lax.reduceWindow through the public API: gradients in both
// operands against finite differences (checkGrads, float64, to second order), vmap against
// a loop, jit against eager, layouts given as strings, padding strings, dtypes, errors, and
// reduceWindow's named/function computations and non-identity init values.
import { describe, expect, it } from "vitest";
import { grad, jit, lax, makeJaxpr, np, vmap, type NDArray } from "graft";
import { checkGrads } from "graft/testing";

let state = 7;
const next = () => { state = (Math.imul(state, 1664525) + 1013904223) >>> 0; return state / 2 ** 32 * 2 - 1; };
const rand = (shape: number[], dtype: "float32" | "float64" = "float64") =>
  np.array(Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, next), { shape, dtype: "float64" }).astype(dtype);
const flat = (a: NDArray) => Array.from(a.dataSync() as ArrayLike<number>);
function expectClose(got: NDArray, want: NDArray, tol = 1e-12): void {
  expect(got.shape).toEqual(want.shape);
  const g = flat(got), w = flat(want);
  g.forEach((v, i) => expect(Math.abs(v - w[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(w[i]))));
}

type Opts = Parameters<typeof lax.convGeneralDilated>[4];
interface Cfg { name: string; x: number[]; w: number[]; strides: number[]; padding: Parameters<typeof lax.convGeneralDilated>[3]; opts?: Opts }
const CONFIGS: Cfg[] = [
  { name: "1-d VALID", x: [2, 3, 7], w: [2, 3, 3], strides: [1], padding: "VALID" },
  { name: "2-d SAME stride 2", x: [2, 2, 5, 6], w: [3, 2, 3, 2], strides: [2, 2], padding: "SAME" },
  { name: "2-d dilations + explicit pads", x: [1, 2, 5, 5], w: [2, 2, 2, 3], strides: [1, 2], padding: [[1, 2], [-1, 1]], opts: { lhsDilation: [2, 1], rhsDilation: [1, 2] } },
  { name: "2-d feature groups", x: [2, 4, 4, 4], w: [6, 2, 2, 2], strides: [1, 1], padding: "SAME_LOWER", opts: { featureGroupCount: 2 } },
  { name: "2-d batch groups", x: [4, 2, 4, 5], w: [6, 2, 3, 2], strides: [1, 1], padding: "VALID", opts: { batchGroupCount: 2 } },
  { name: "2-d NHWC/HWIO", x: [2, 5, 4, 3], w: [2, 3, 3, 4], strides: [1, 2], padding: "SAME", opts: { dimensionNumbers: ["NHWC", "HWIO", "NHWC"] } },
  { name: "3-d", x: [1, 2, 3, 4, 3], w: [2, 2, 2, 2, 2], strides: [1, 2, 1], padding: "SAME", opts: { rhsDilation: [1, 1, 2] } },
];
const convOf = (c: Cfg) => (x: NDArray, w: NDArray) => lax.convGeneralDilated(x, w, c.strides, c.padding, c.opts);

describe("convGeneralDilated", () => {
  it("computes a cross-correlation (1-d, by hand)", () => {
    const x = np.array([[[1, 2, 3, 4]]]), w = np.array([[[1, 0, -1]]]);
    expect(lax.convGeneralDilated(x, w, [1], "VALID").js()).toEqual([[[-2, -2]]]);
    expect(lax.convGeneralDilated(x, w, [1], "SAME").js()).toEqual([[[-2, -2, -2, 3]]]);
    // lhs dilation (a transposed conv): x dilated to [1, 0, 2, 0, 3, 0, 4].
    expect(lax.convGeneralDilated(x, np.array([[[1, 1]]]), [1], [[0, 0]], { lhsDilation: [2] }).js()).toEqual([[[1, 2, 2, 3, 3, 4]]]);
  });

  for (const c of CONFIGS) {
    it(`${c.name}: checkGrads in both operands (to second order)`, () => {
      checkGrads(convOf(c), [rand(c.x), rand(c.w)], { order: 2 });
    });
  }

  it("layout strings are the same conv as transposed NCHW/OIHW", () => {
    const x = rand([2, 3, 6, 5]), w = rand([4, 3, 3, 2]);
    const ref = lax.convGeneralDilated(x, w, [2, 1], "SAME", { rhsDilation: [1, 2] });
    const got = lax.convGeneralDilated(x.transpose([0, 2, 3, 1]), w.transpose([2, 3, 1, 0]), [2, 1], "SAME",
      { rhsDilation: [1, 2], dimensionNumbers: ["NHWC", "HWIO", "NCHW"] });
    expectClose(got, ref);
    // Spatial letters pair up by name, strides follow the rhs spec's order ("WH" below).
    const swapped = lax.convGeneralDilated(x.transpose([0, 1, 3, 2]), w, [2, 1], "SAME",
      { rhsDilation: [1, 2], dimensionNumbers: ["NCWH", "OIHW", "NCHW"] });
    expectClose(swapped, ref);
  });

  it("vmap over lhs, rhs and both equals a loop", () => {
    for (const c of CONFIGS) {
      const f = convOf(c);
      const xs = rand([3, ...c.x]), ws = rand([3, ...c.w]);
      for (const inAxes of [[0, null], [null, 0], [0, 0]] as const) {
        const got = vmap(f, { inAxes: [...inAxes] })(inAxes[0] === null ? xs.slice(0) : xs, inAxes[1] === null ? ws.slice(0) : ws) as NDArray;
        const loop = np.stack([0, 1, 2].map((i) => f(inAxes[0] === null ? xs.slice(0) : xs.slice(i), inAxes[1] === null ? ws.slice(0) : ws.slice(i))), 0);
        expectClose(got, loop);
      }
    }
  });

  it("vmap of grad (per-example gradients) equals a loop", () => {
    const c = CONFIGS[3];
    const loss = (w: NDArray, x: NDArray) => np.sum(np.square(convOf(c)(x, w)));
    const w = rand(c.w), xs = rand([3, ...c.x]);
    const got = vmap(grad(loss), { inAxes: [null, 0] })(w, xs) as NDArray;
    expectClose(got, np.stack([0, 1, 2].map((i) => grad(loss)(w, xs.slice(i)) as NDArray), 0));
  });

  it("jit equals eager, forward and backward", () => {
    for (const c of CONFIGS) {
      const f = convOf(c);
      const loss = (x: NDArray, w: NDArray) => np.sum(np.tanh(f(x, w)));
      const x = rand(c.x), w = rand(c.w);
      expectClose(jit(f)(x, w) as NDArray, f(x, w));
      const [gx, gw] = grad(loss, { argnums: [0, 1] })(x, w) as NDArray[];
      const [jx, jw] = jit(grad(loss, { argnums: [0, 1] }))(x, w) as NDArray[];
      expectClose(jx, gx);
      expectClose(jw, gw);
    }
  });

  it("dtypes: float32 in, float32 out; preferredElementType; int32", () => {
    const x = rand([1, 2, 4, 4], "float32"), w = rand([3, 2, 3, 3], "float32");
    const y = lax.convGeneralDilated(x, w, [1, 1], "SAME");
    expect(y.dtype).toBe("float32");
    const y64 = lax.convGeneralDilated(x, w, [1, 1], "SAME", { preferredElementType: "float64" });
    expect(y64.dtype).toBe("float64");
    expectClose(y64, lax.convGeneralDilated(x.astype("float64"), w.astype("float64"), [1, 1], "SAME"));
    const gw = grad((w: NDArray) => np.sum(lax.convGeneralDilated(x, w, [1, 1], "SAME", { preferredElementType: "float64" })))(w) as NDArray;
    expect(gw.dtype).toBe("float32");
    const xi = np.array([[[1, 2, 3]]], { dtype: "int32" }), wi = np.array([[[2, -1]]], { dtype: "int32" });
    const yi = lax.convGeneralDilated(xi, wi, [1], "VALID");
    expect(yi.dtype).toBe("int32");
    expect(yi.js()).toEqual([[[0, 1]]]);
  });

  it("no spatial dims: a matmul", () => {
    const x = rand([2, 3]), w = rand([4, 3]);
    expectClose(lax.convGeneralDilated(x, w, [], []), np.matmul(x, w.T));
    checkGrads((a: NDArray, b: NDArray) => lax.convGeneralDilated(a, b, [], [], { dimensionNumbers: ["NC", "IO", "CN"] }), [x, w.T]);
  });

  it("zero-size outputs and batches", () => {
    expect(lax.convGeneralDilated(np.ones([2, 1, 2]), np.ones([1, 1, 3]), [1], "VALID").shape).toEqual([2, 1, 0]);
    expect(lax.convGeneralDilated(np.ones([0, 1, 4]), np.ones([1, 1, 3]), [1], "VALID").shape).toEqual([0, 1, 2]);
    expect((vmap((x: NDArray) => lax.convGeneralDilated(x, np.ones([1, 1, 3]), [1], "VALID"))(np.ones([0, 2, 1, 4])) as NDArray).shape).toEqual([0, 2, 1, 2]);
  });

  it("prints as one conv_general_dilated equation", () => {
    const j = makeJaxpr((x: NDArray, w: NDArray) => lax.convGeneralDilated(x, w, [1], "SAME"))(np.ones([1, 1, 4]), np.ones([1, 1, 3]));
    expect(j.toString()).toContain("conv_general_dilated[");
    expect(j.jaxpr.eqns.length).toBe(1);
  });

  it("raises clear errors", () => {
    const x = np.ones([1, 4, 5, 5]), w = np.ones([2, 3, 3, 3]);
    expect(() => lax.convGeneralDilated(x, w, [1, 1], "SAME")).toThrow(/conv_general_dilated: lhs feature size \/ featureGroupCount \(1\) must equal the rhs input feature size/);
    expect(() => lax.convGeneralDilated(x, np.ones([3, 3, 3]), [1, 1], "SAME")).toThrow(/same rank/);
    expect(() => lax.convGeneralDilated(x, np.ones([2, 4, 3, 3]), [1], "SAME")).toThrow(/windowStrides must have 2 entries/);
    expect(() => lax.convGeneralDilated(x, np.ones([2, 4, 3, 3]), [1, 1], "FULL" as "SAME")).toThrow(/padding must be "SAME"/);
    expect(() => lax.convGeneralDilated(x, np.ones([2, 4, 3, 3]), [1, 1], "SAME", { lhsDilation: [2, 2] })).toThrow(/string padding is not supported with lhsDilation/);
    expect(() => lax.convGeneralDilated(x, np.ones([2, 4, 3, 3]), [1, 1], "SAME", { dimensionNumbers: ["NCHW", "OIHW", "NCXW"] })).toThrow(/same spatial letters/);
    expect(() => lax.convGeneralDilated(x, np.ones([2, 4, 3, 3], { dtype: "float64" }), [1, 1], "SAME")).toThrow(/same dtype/);
    expect(() => lax.convGeneralDilated(x, np.ones([3, 2, 3, 3]), [1, 1], "SAME", { featureGroupCount: 2 })).toThrow(/multiple of featureGroupCount/);
  });
});

describe("reduceWindow", () => {
  const x = np.arange(16).reshape([1, 1, 4, 4]).astype("float64");

  it("max and average pooling by hand", () => {
    expect(lax.reduceWindow(x, -Infinity, "max", [1, 1, 2, 2], [1, 1, 2, 2]).js()).toEqual([[[[5, 7], [13, 15]]]]);
    expect(lax.reduceWindow(x, 0, "add", [1, 1, 2, 2], [1, 1, 2, 2]).div(4).js()).toEqual([[[[2.5, 4.5], [10.5, 12.5]]]]);
    expect(lax.reduceWindow(np.arange(1, 5), 1, "mul", [2]).js()).toEqual([2, 6, 12]);
    // Base dilation: holes hold the init value.
    expect(lax.reduceWindow(np.array([1, 2, 3]), 0, "add", [2], null, "VALID", { baseDilation: [2] }).js()).toEqual([1, 2, 2, 3]);
  });

  it("recognises lax ops as the named primitives, and folds other functions", () => {
    const prim = (f: Parameters<typeof lax.reduceWindow>[2], init: number) =>
      makeJaxpr((y: NDArray) => lax.reduceWindow(y, init, f, [1, 1, 3, 3], [1, 1, 1, 1], "SAME"))(x).jaxpr.eqns.map((e) => e.prim.name);
    expect(prim(lax.add, 0)).toEqual(["reduce_window_sum"]);
    expect(prim((a, b) => lax.max(a, b), -Infinity)).toEqual(["reduce_window_max"]);
    expect(prim(np.minimum, Infinity)).toEqual(["reduce_window_min"]);
    expect(prim("max", 0)).toEqual(["pad", "reduce_window_max", "max"]);
    // A logsumexp-style pool is folded over the window's slices.
    const lse = (a: NDArray, b: NDArray) => np.logaddexp(a, b);
    const got = lax.reduceWindow(x, -Infinity, lse, [1, 1, 2, 2], [1, 1, 2, 2]);
    const want = np.log(lax.reduceWindow(np.exp(x), 0, "add", [1, 1, 2, 2], [1, 1, 2, 2]));
    expectClose(got, want);
    checkGrads((y: NDArray) => lax.reduceWindow(y, -Infinity, lse, [1, 1, 2, 2], [1, 1, 1, 1], "SAME"), [rand([1, 1, 3, 3])]);
  });

  it("non-identity init values enter once per window and fill padding (as XLA)", () => {
    const y = np.array([1, -2, 3]);
    expect(lax.reduceWindow(y, 10, "add", [2], [1], [[1, 0]]).js()).toEqual([21, 9, 11]);
    expect(lax.reduceWindow(y, 0, "max", [2], [1], [[1, 1]]).js()).toEqual([1, 1, 3, 3]);
    expect(lax.reduceWindow(y, 2, "mul", [2], [1], [[0, 1]]).js()).toEqual([-4, -12, 12]);
    // A traced init value (under jit) takes the same path.
    const f = jit((a: NDArray, init: NDArray) => lax.reduceWindow(a, init, "add", [2], [1], [[1, 0]]));
    expect((f(y, np.array(10)) as NDArray).js()).toEqual([21, 9, 11]);
    // Batched and differentiated init values.
    const h = vmap((a: NDArray, init: NDArray) => lax.reduceWindow(a, init, "max", [2], [1], [[1, 1]]), { inAxes: [null, 0] });
    expect((h(y, np.array([0, 5])) as NDArray).js()).toEqual([[1, 1, 3, 3], [5, 5, 5, 5]]);
    // Windows [c, 1], [1, -2], [-2, 3], each plus c once: the sum is 4c + 1.
    expect((grad((c: NDArray) => np.sum(lax.reduceWindow(y, c, "add", [2], [1], [[1, 0]])))(np.array(10)) as NDArray).item()).toBe(4);
  });

  it("checkGrads: sum, max (2nd order), min, with strides, padding and dilations", () => {
    const cases: [string, number][] = [["add", 0], ["max", -Infinity], ["min", Infinity], ["mul", 1]];
    for (const [op, init] of cases) {
      // (max/min windows that see only padding or dilation holes give +-inf, so no base dilation there.)
      const f = (y: NDArray) => lax.reduceWindow(y, init, op as "add", [1, 2, 3], [1, 2, 1], [[0, 0], [1, 0], [1, 1]],
        { baseDilation: [1, 1, op === "add" || op === "mul" ? 2 : 1], windowDilation: [1, 1, 2] });
      checkGrads(f, [rand([2, 5, 4])], { order: op === "max" ? 2 : 1 });
    }
  });

  it("vmap and jit", () => {
    const f = (y: NDArray) => lax.reduceWindow(y, -Infinity, "max", [2, 2], [1, 2], "SAME");
    const ys = rand([3, 4, 5]);
    expectClose(vmap(f)(ys) as NDArray, np.stack([0, 1, 2].map((i) => f(ys.slice(i))), 0));
    expectClose(vmap(f, { inAxes: 2 })(ys) as NDArray, np.stack([0, 1, 2, 3, 4].map((i) => f(ys.slice([], [], i))), 0));
    expectClose(jit(f)(ys.slice(0)) as NDArray, f(ys.slice(0)));
    const g = grad((y: NDArray) => np.sum(np.square(f(y))));
    expectClose(jit(g)(ys.slice(0)) as NDArray, g(ys.slice(0)) as NDArray);
    expectClose(vmap(g)(ys) as NDArray, np.stack([0, 1, 2].map((i) => g(ys.slice(i)) as NDArray), 0));
  });

  it("max pooling routes the gradient to the first maximum of each window", () => {
    const y = np.array([[1, 3, 3], [0, 3, 2]]);
    const g = grad((a: NDArray) => np.sum(lax.reduceWindow(a, -Infinity, "max", [2, 2], [1, 1])))(y) as NDArray;
    expect(g.js()).toEqual([[0, 2, 0], [0, 0, 0]]);
  });

  it("integer operands", () => {
    const a = np.array([[1, 5], [7, 2]], { dtype: "int32" });
    expect(lax.reduceWindow(a, -2147483648, "max", [2, 1]).js()).toEqual([[7, 5]]);
    expect(lax.reduceWindow(a, 0, "add", [1, 2]).js()).toEqual([[6], [9]]);
  });

  it("raises clear errors", () => {
    expect(() => lax.reduceWindow(x, 0, "add", [2, 2])).toThrow(/windowDimensions must have one entry per operand axis \(4\)/);
    expect(() => lax.reduceWindow(x, 0, "sum" as "add", [1, 1, 2, 2])).toThrow(/computation must be "add", "mul", "max", "min" or a function/);
    expect(() => lax.reduceWindow(x, 0, "add", [1, 1, 0, 2])).toThrow(/windowDimensions must be 4 integers >= 1/);
    expect(() => lax.reduceWindow(x, np.zeros([2]), "add", [1, 1, 2, 2])).toThrow(/initValue must be a scalar/);
    expect(() => lax.reduceWindow(x, 0, (a: NDArray) => np.sum(a), [1, 1, 2, 2])).toThrow(/act elementwise/);
  });
});
