// Transform rules of gather and the scatter family (and everything built on them:
// dynamicSlice, dynamicUpdateSlice, x.at(...), x.slice(intArray)): gradients against finite
// differences with checkGrads in float64, transposes against <ct, f(x)> = <T(ct), x>,
// vmap against a loop over examples for every batched/unbatched combination, jit against
// eager, duplicate-index accumulation and the out-of-bounds modes.
import { describe, expect, it } from "vitest";
import { grad, jit, jvp, lax, makeJaxpr, np, vmap, type NDArray } from "graft";
import { checkGrads } from "graft/testing";
import { prims } from "../../core/primitives";
import { type Primitive, UndefinedPrimal, Zero } from "../../core/primitive";

let state = 7;
const next = () => { state = (Math.imul(state, 1664525) + 1013904223) >>> 0; return state / 2 ** 32; };
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const rand = (shape: readonly number[]): NDArray =>
  np.array(Float64Array.from({ length: size(shape) }, () => 2 * next() - 1), { dtype: "float64", shape: [...shape] });
const i32 = (data: unknown) => np.array(data as number[], { dtype: "int32" });
const flat = (a: NDArray) => Array.from(a.dataSync() as ArrayLike<number>);
function expectClose(got: NDArray, want: NDArray, tol = 1e-12): void {
  expect(got.shape).toEqual(want.shape);
  expect(got.dtype).toBe(want.dtype);
  const g = flat(got), w = flat(want);
  g.forEach((v, i) => {
    if (Number.isNaN(w[i])) expect(v).toBeNaN();
    else expect(Math.abs(v - w[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(w[i])));
  });
}

// Dimension numbers used below.
const ROWS = { offsetDims: [1], collapsedSliceDims: [0], startIndexMap: [0] };          // x[idx] on [n, k], idx [m, 1]
const ROWS_S = { updateWindowDims: [1], insertedWindowDims: [0], scatterDimsToOperandDims: [0] };
const PTS = { offsetDims: [], collapsedSliceDims: [0, 1], startIndexMap: [0, 1] };        // x[i, j] pairs, idx [m, 2]
const PTS_S = { updateWindowDims: [], insertedWindowDims: [0, 1], scatterDimsToOperandDims: [0, 1] };
const WIN = { offsetDims: [1, 2], collapsedSliceDims: [], startIndexMap: [0, 1] };        // 2-D windows, idx [m, 2]
const WIN_S = { updateWindowDims: [1, 2], insertedWindowDims: [], scatterDimsToOperandDims: [0, 1] };
const BAT = { offsetDims: [], collapsedSliceDims: [1], startIndexMap: [1], operandBatchingDims: [0], startIndicesBatchingDims: [0] };
const BAT_S = { updateWindowDims: [], insertedWindowDims: [1], scatterDimsToOperandDims: [1], operandBatchingDims: [0], scatterIndicesBatchingDims: [0] };

const rowsIdx = i32([[2], [0], [2], [4], [-1], [7]]);                 // duplicates and out-of-bounds
const ptsIdx = i32([[1, 2], [0, 0], [1, 2], [3, 4], [3, 1]]);         // a duplicate pair
const winIdx = i32([[0, 0], [3, 4], [1, 2], [4, 6]]);                 // the last windows overrun
const batIdx = i32([[[1], [1], [4]], [[0], [3], [3]], [[2], [2], [2]]]);

type Kind = "scatter" | "scatterAdd" | "scatterMul" | "scatterMin" | "scatterMax";
const KINDS: Kind[] = ["scatter", "scatterAdd", "scatterMul", "scatterMin", "scatterMax"];

describe("gather: gradients (checkGrads, float64)", () => {
  it.each(["clip", "fill", "promise_in_bounds"] as const)("rows, points, windows, batching dims in mode %s", (mode) => {
    const opts = { mode, fillValue: 0 };
    checkGrads((x: NDArray) => lax.gather(x, rowsIdx, ROWS, [1, 3], opts), [rand([5, 3])], { order: 2 });
    checkGrads((x: NDArray) => lax.gather(x, ptsIdx, PTS, [1, 1], opts), [rand([4, 5])]);
    checkGrads((x: NDArray) => lax.gather(x, winIdx, WIN, [2, 3], opts), [rand([5, 7])]);
    checkGrads((x: NDArray) => lax.gather(x, batIdx, BAT, [1, 1], opts), [rand([3, 5])]);
  });
  it("duplicate indices accumulate in the gradient; out-of-bounds reads get none in fill mode", () => {
    const x = rand([5, 3]);
    const g = grad((x: NDArray) => lax.gather(x, rowsIdx, ROWS, [1, 3], { mode: "fill", fillValue: 0 }).sum())(x);
    expect(g.js()).toEqual([[1, 1, 1], [0, 0, 0], [2, 2, 2], [0, 0, 0], [1, 1, 1]]);
    const gc = grad((x: NDArray) => lax.gather(x, rowsIdx, ROWS, [1, 3], { mode: "clip" }).sum())(x);
    expect(gc.js()).toEqual([[2, 2, 2], [0, 0, 0], [2, 2, 2], [0, 0, 0], [2, 2, 2]]);  // -1 -> 0, 7 -> 4
  });
});

describe("scatter family: gradients (checkGrads, float64)", () => {
  // Updates without ties (min/max are not differentiable at ties), some zeros for mul.
  const upd = (shape: number[]) => rand(shape);
  it.each(KINDS)("%s: rows with duplicates and out-of-bounds, drop and clip", (kind) => {
    for (const mode of ["fill", "clip"] as const) {
      checkGrads((x: NDArray, u: NDArray) => lax[kind](x, rowsIdx, u, ROWS_S, { mode }), [rand([5, 3]), upd([6, 3])]);
    }
  });
  it.each(KINDS)("%s: points, windows and batching dims", (kind) => {
    checkGrads((x: NDArray, u: NDArray) => lax[kind](x, ptsIdx, u, PTS_S), [rand([4, 5]), upd([5])]);
    checkGrads((x: NDArray, u: NDArray) => lax[kind](x, winIdx, u, WIN_S, { mode: "clip" }), [rand([5, 7]), upd([4, 2, 3])]);
    checkGrads((x: NDArray, u: NDArray) => lax[kind](x, batIdx, u, BAT_S), [rand([3, 5]), upd([3, 3])]);
  });
  it("second order through scatter, scatterAdd, scatterMul", () => {
    for (const kind of ["scatter", "scatterAdd", "scatterMul"] as const) {
      checkGrads((x: NDArray, u: NDArray) => lax[kind](x, rowsIdx, u, ROWS_S).mul(x), [rand([5, 3]), upd([6, 3])], { order: 2 });
    }
  });
  it("scatterMul is exact with zero updates and duplicates (exclusive products)", () => {
    const x = rand([4]);
    const u = np.array([0, 2, 0, 3, 0.5], { dtype: "float64" });
    const idx = i32([[1], [1], [2], [2], [1]]);
    const dn = { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0] };
    const f = (u: NDArray) => lax.scatterMul(x, idx, u, dn);
    checkGrads(f, [u]);
    // d/du of x1 * u0 * u1 * u4 at u0 = 0 is x1 * u1 * u4; the others see the zero.
    const g = grad((u: NDArray) => f(u).sum())(u);
    const x1 = flat(x)[1], x2 = flat(x)[2];
    expectClose(g, np.array([x1 * 2 * 0.5, 0, x2 * 3, 0, 0], { dtype: "float64" }));
  });
  it("scatter (set) with duplicate indices: only the last update gets a gradient", () => {
    const idx = i32([[1], [3], [1], [9]]);
    const dn = { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0] };
    const [gx, gu] = grad((x: NDArray, u: NDArray) => lax.scatter(x, idx, u, dn).mul(np.arange(5)).sum(), { argnums: [0, 1] })(rand([5]), rand([4]));
    expect(gx.js()).toEqual([0, 0, 2, 0, 4]);
    expect(gu.js()).toEqual([0, 3, 1, 0]);
  });
  it("uniqueIndices takes the cheap jvp and gives the same derivatives", () => {
    const idx = i32([[4], [0], [2]]);
    const f = (unique: boolean) => (x: NDArray, u: NDArray) => lax.scatter(x, idx, u, ROWS_S, { uniqueIndices: unique });
    const args = [rand([5, 3]), rand([3, 3])];
    checkGrads(f(true), args);
    const t = [rand([5, 3]), rand([3, 3])];
    expectClose(jvp(f(true), args, t)[1], jvp(f(false), args, t)[1]);
    expect(makeJaxpr((x: NDArray, u: NDArray, tx: NDArray, tu: NDArray) => jvp(f(true), [x, u], [tx, tu])[1])(...args, ...t).toString())
      .not.toContain("scatter_add");
  });
  it("min/max ties share the tangent equally", () => {
    const x = np.array([1, 5], { dtype: "float64" });
    const idx = i32([[0], [0], [1]]);
    const u = np.array([1, 1, 2], { dtype: "float64" });
    const dn = { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0] };
    const [, t] = jvp((x: NDArray, u: NDArray) => lax.scatterMax(x, idx, u, dn), [x, u], [np.array([3, 1], { dtype: "float64" }), np.array([6, 9, 4], { dtype: "float64" })]);
    expect(t.js()).toEqual([(3 + 6 + 9) / 3, 1]);
  });
});

/** Calls a transpose rule directly and checks <ct, f(args)> = sum <T(ct)_i, args_i> over the linear args. */
function checkTranspose(name: keyof typeof prims, params: object, args: NDArray[], linear: number[]): void {
  const p = prims[name] as Primitive<any>;
  const y = p.bind1(args, params);
  const ct = rand(y.shape);
  const cts = p.rules.transpose!([ct], args.map((a, i) => (linear.includes(i) ? new UndefinedPrimal(a.aval) : a)), params);
  let rhs = 0;
  args.forEach((a, i) => {
    if (!linear.includes(i)) { expect(cts[i]).toBeNull(); return; }
    const c = cts[i] as NDArray;
    expect(c).not.toBeInstanceOf(Zero);
    expect(c.shape).toEqual(a.shape);
    rhs += np.sum(c.mul(a)).item();
  });
  const lhs = np.sum(ct.mul(y)).item();
  expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(lhs)));
}
const fullDn = <T extends object>(d: T) => ({ operandBatchingDims: [], startIndicesBatchingDims: [], scatterIndicesBatchingDims: [], ...d });
const gp = (dn: object, sliceSizes: number[], mode: string) => ({ dimensionNumbers: fullDn(dn), sliceSizes, mode, fillValue: mode === "fill" ? 0 : null });
const sp = (dn: object, mode: string, uniqueIndices = false) => ({ dimensionNumbers: fullDn(dn), mode, uniqueIndices });
const zerosLike = (x: NDArray) => np.zerosLike(x);

describe("transpose rules", () => {
  it("gather <-> scatter_add in every mode", () => {
    for (const mode of ["clip", "fill", "promise_in_bounds"]) {
      checkTranspose("gather", gp(ROWS, [1, 3], mode), [rand([5, 3]), rowsIdx], [0]);
      checkTranspose("gather", gp(WIN, [2, 3], mode), [rand([5, 7]), winIdx], [0]);
      checkTranspose("gather", gp(BAT, [1, 1], mode), [rand([3, 5]), batIdx], [0]);
      checkTranspose("scatter_add", sp(ROWS_S, mode), [rand([5, 3]), rowsIdx, rand([6, 3])], [0, 2]);
      checkTranspose("scatter_add", sp(WIN_S, mode), [rand([5, 7]), winIdx, rand([4, 2, 3])], [0, 2]);
    }
  });
  it("scatter (set) is jointly linear, exact with duplicates", () => {
    for (const mode of ["clip", "fill"]) {
      checkTranspose("scatter", sp(ROWS_S, mode), [rand([5, 3]), rowsIdx, rand([6, 3])], [0, 2]);
      checkTranspose("scatter", sp(ROWS_S, mode), [rand([5, 3]), rowsIdx, zerosLike(rand([6, 3]))], [0]);
      checkTranspose("scatter", sp(ROWS_S, mode), [zerosLike(rand([5, 3])), rowsIdx, rand([6, 3])], [2]);
      checkTranspose("scatter", sp(PTS_S, mode), [rand([4, 5]), ptsIdx, rand([5])], [0, 2]);
    }
    checkTranspose("scatter", sp(ROWS_S, "fill", true), [rand([5, 3]), i32([[4], [0]]), rand([2, 3])], [0, 2]);
  });
  it("scatter_mul is linear in the operand only", () => {
    checkTranspose("scatter_mul", sp(ROWS_S, "fill"), [rand([5, 3]), rowsIdx, rand([6, 3])], [0]);
    expect(() => prims.scatter_mul.rules.transpose!([rand([5, 3])], [rand([5, 3]), rowsIdx, new UndefinedPrimal(rand([6, 3]).aval)], sp(ROWS_S, "fill") as never))
      .toThrow(/linear in the operand only/);
  });
});

/** vmap(f, inAxes)(...args) against stacking f over the examples. */
function checkVmap(f: (...xs: NDArray[]) => NDArray, args: NDArray[], inAxes: (number | null)[]): void {
  const k = inAxes.findIndex((a) => a !== null);
  const n = args[k].shape[inAxes[k]!];
  const loop = Array.from({ length: n }, (_, b) => f(...args.map((a, i) => (inAxes[i] === null ? a : np.take(a, b, inAxes[i])))));
  expectClose(vmap(f, { inAxes })(...args), np.stack(loop, 0), 0);
}
/** Every batched/unbatched combination (at least one batched), batch axis at `axis` (clamped to each rank). */
function combos(n: number): (number | null)[][] {
  const out: (number | null)[][] = [];
  for (let m = 1; m < 1 << n; m++) out.push([...Array(n).keys()].map((i) => (m & (1 << i) ? 0 : null)));
  return out;
}
const B = 3;
const stackB = (f: () => NDArray, axis = 0) => np.stack(Array.from({ length: B }, f), axis);
const idxB = (make: () => NDArray, axis = 0) => stackB(make, axis);
const shuffle = (hi: number, shape: number[], lo = 0) => () => np.array(Int32Array.from({ length: size(shape) }, () => lo + Math.floor(next() * (hi - lo))), { shape, dtype: "int32" });

describe("vmap vs a loop", () => {
  it("gather: every batched combination, several dimension numbers and modes", () => {
    const cases: [object, number[], number[], number[], number][] = [
      [ROWS, [1, 3], [5, 3], [6, 1], 5], [PTS, [1, 1], [4, 5], [5, 2], 4], [WIN, [2, 3], [5, 7], [4, 2], 6], [BAT, [1, 1], [3, 5], [3, 3, 1], 5],
    ];
    for (const [dn, ss, xs, is, hi] of cases) {
      for (const mode of ["clip", "fill"] as const) {
        const f = (x: NDArray, i: NDArray) => lax.gather(x, i, dn as typeof ROWS, ss, { mode });
        for (const axes of combos(2)) {
          checkVmap(f, [axes[0] === null ? rand(xs) : stackB(() => rand(xs)), axes[1] === null ? shuffle(hi + 1, is, -1)() : idxB(shuffle(hi + 1, is, -1))], axes);
        }
        // batch axis not leading
        checkVmap(f, [stackB(() => rand(xs), 1), idxB(shuffle(hi + 1, is, -1), 1)], [1, 1]);
      }
    }
  });
  it.each(KINDS)("%s: every batched combination of operand, indices, updates", (kind) => {
    const cases: [object, number[], number[], number[], number][] = [
      [ROWS_S, [5, 3], [6, 1], [6, 3], 5], [PTS_S, [4, 5], [5, 2], [5], 4], [WIN_S, [5, 7], [4, 2], [4, 2, 3], 6], [BAT_S, [3, 5], [3, 3, 1], [3, 3], 5],
    ];
    for (const [dn, xs, is, us, hi] of cases) {
      for (const mode of ["fill", "clip"] as const) {
        const f = (x: NDArray, i: NDArray, u: NDArray) => lax[kind](x, i, u, dn as typeof ROWS_S, { mode });
        for (const axes of combos(3)) {
          checkVmap(f, [
            axes[0] === null ? rand(xs) : stackB(() => rand(xs)),
            axes[1] === null ? shuffle(hi + 1, is, -1)() : idxB(shuffle(hi + 1, is, -1)),
            axes[2] === null ? rand(us) : stackB(() => rand(us)),
          ], axes);
        }
      }
    }
  });
  it("jvp and grad of batched gathers and scatters (vmap of grad == loop)", () => {
    const f = (x: NDArray, i: NDArray, u: NDArray) => grad((x: NDArray) => lax.scatterMul(x, i, u, ROWS_S).square().sum().add(lax.gather(x, i, ROWS, [1, 3]).mul(u).sum()))(x);
    checkVmap(f, [stackB(() => rand([5, 3])), idxB(shuffle(6, [4, 1], -1)), stackB(() => rand([4, 3]))], [0, 0, 0]);
    checkVmap(f, [rand([5, 3]), idxB(shuffle(6, [4, 1], -1)), rand([4, 3])], [null, 0, null]);
  });
  it("dynamicSlice / dynamicUpdateSlice with batched (traced) starts", () => {
    const x = rand([6, 5]);
    const starts = np.array([[0, 1], [5, 4], [-2, 0], [3, -9]], { dtype: "int32" });
    checkVmap((s: NDArray) => lax.dynamicSlice(x, [s.slice(0), s.slice(1)], [2, 3]), [starts], [0]);
    checkVmap((s: NDArray) => lax.dynamicSlice(x, s, [3, 2]), [starts], [0]);
    const four = (f: () => NDArray) => np.stack([0, 1, 2, 3].map(f), 0);
    checkVmap((x: NDArray, s: NDArray) => lax.dynamicUpdateSlice(x, np.ones([2, 2], { dtype: "float64" }), s), [four(() => rand([6, 5])), starts], [0, 0]);
    checkVmap((u: NDArray, s: NDArray) => lax.dynamicUpdateSlice(x, u, s), [four(() => rand([2, 3])), starts], [0, 0]);
    checkVmap((x: NDArray, u: NDArray) => lax.dynamicUpdateSlice(x, u, [1, -1]), [four(() => rand([6, 5])), four(() => rand([2, 3]))], [0, 0]);
  });
  it("x.at(intArray) updates and reads with batched indices and values", () => {
    const x = rand([5, 4]);
    for (const mode of ["set", "add", "mul", "min", "max"] as const) {
      checkVmap((i: NDArray, v: NDArray) => x.at(i, 1)[mode](v), [idxB(shuffle(5, [3], -5)), stackB(() => rand([3]))], [0, 0]);
      checkVmap((x: NDArray, i: NDArray) => x.at([], i)[mode](2), [stackB(() => rand([5, 4])), idxB(shuffle(4, [2, 2]))], [0, 0]);
      checkVmap((i: NDArray, v: NDArray) => x.at(i)[mode](v), [idxB(shuffle(7, [3], -6)), stackB(() => rand([3, 4]))], [0, 0]);
      checkVmap((x: NDArray, i: NDArray) => x.at(i, "...")[mode](-1), [stackB(() => rand([5, 4])), i32([4, 0, 4])], [0, null]);
    }
    checkVmap((i: NDArray) => x.slice(i, [1, 3]), [idxB(shuffle(5, [2, 3]))], [0]);
    checkVmap((x: NDArray, i: NDArray) => x.at(i).get({ mode: "fill", fillValue: -1 }), [stackB(() => rand([5, 4])), idxB(shuffle(7, [2]))], [0, 0]);
  });
  it("searchsorted, nonzero and unique (static size) under vmap", () => {
    const a = np.sort(rand([9]));
    checkVmap((v: NDArray) => np.searchsorted(a, v), [stackB(() => rand([4]))], [0]);
    checkVmap((a: NDArray, v: NDArray) => np.searchsorted(a, v, { side: "right" }), [stackB(() => np.sort(rand([7]))), rand([5])], [0, null]);
    const m = () => np.array(Float64Array.from({ length: 12 }, () => (next() < 0.5 ? 0 : 1)), { shape: [3, 4], dtype: "float64" });
    checkVmap((x: NDArray) => np.stack(np.nonzero(x, { size: 6, fillValue: -1 }), 0), [stackB(m)], [0]);
    const r = () => np.array(Int32Array.from({ length: 8 }, () => Math.floor(next() * 5)), { dtype: "int32" });
    checkVmap((x: NDArray) => np.stack(np.unique(x, { size: 6, returnCounts: true, returnIndex: true }), 0), [stackB(r)], [0]);
  });
});

describe("jit agrees with eager and caches", () => {
  it("gather/scatter/dynamic slices with traced indices", () => {
    const x = rand([6, 5]);
    const f = (x: NDArray, i: NDArray, s: NDArray) =>
      lax.dynamicUpdateSlice(lax.scatterAdd(x, i, lax.gather(x, i, ROWS, [1, 5]), ROWS_S), lax.dynamicSlice(x, s, [2, 2]), s);
    const i = i32([[1], [1], [5], [8]]), s = i32([4, 4]);
    expectClose(jit(f)(x, i, s), f(x, i, s), 0);
    expectClose(jit(grad((x: NDArray) => f(x, i, s).square().sum()))(x), grad((x: NDArray) => f(x, i, s).square().sum())(x));
  });
});

describe("x.at(intArray) and x.slice(intArray)", () => {
  it("gradients through reads and every update mode", () => {
    const i = i32([3, 0, 3, -1]);
    checkGrads((x: NDArray) => x.slice(i, [1, 3]), [rand([5, 4])], { order: 2 });
    checkGrads((x: NDArray) => x.at([], i32([[1, 2], [2, 0]])).get(), [rand([3, 4])]);
    for (const mode of ["set", "add", "mul", "min", "max"] as const) {
      checkGrads((x: NDArray, v: NDArray) => x.at(i, 2)[mode](v), [rand([5, 4]), rand([4])]);
      checkGrads((x: NDArray, v: NDArray) => x.at(i)[mode](v), [rand([5, 4]), rand([4, 4])]);   // row-window path
    }
  });
  it("duplicate indices accumulate for add (as np.add.at), last wins for set", () => {
    const i = i32([0, 1, 1, 4, 1]);
    expect(np.zeros([5]).at(i).add(1).js()).toEqual([1, 3, 0, 0, 1]);
    expect(np.zeros([5]).at(i).set(np.array([1, 2, 3, 4, 5])).js()).toEqual([1, 5, 0, 0, 4]);
    expect(np.ones([5]).at(i).mul(2).js()).toEqual([2, 8, 1, 1, 2]);
    expect(np.arange(10).reshape([5, 2]).at(i32([[1, 1], [0, 3]])).add(1).js()).toEqual([[1, 2], [4, 5], [4, 5], [7, 8], [8, 9]]);
  });
  it("out-of-bounds: reads clamp (or fill), updates drop (or clip); negatives wrap", () => {
    const x = np.arange(5).astype("float32");
    const i = i32([-1, 7, -9, 2]);
    expect(x.at(i).get().js()).toEqual([4, 4, 0, 2]);
    expect(x.slice(i).js()).toEqual([4, 4, 0, 2]);
    expect(x.at(i).get({ mode: "fill", fillValue: -1 }).js()).toEqual([4, -1, -1, 2]);
    expect(x.at(i).add(10).js()).toEqual([0, 1, 12, 3, 14]);
    expect(x.at(i).add(10, { mode: "clip" }).js()).toEqual([10, 1, 12, 3, 24]);
  });
  it("static indices keep their old behaviour, and mix with arrays", () => {
    const y = np.zeros([2, 3]);
    expect(y.at(0, [1, null]).set(5).js()).toEqual([[0, 5, 5], [0, 0, 0]]);
    expect(y.at(i32([1, 0]), [1, null]).set(np.array([[1, 2], [3, 4]])).js()).toEqual([[0, 3, 4], [0, 1, 2]]);
    expect(np.arange(12).reshape([3, 4]).slice(null, i32([2, 0]), -1).js()).toEqual([[11, 3]]);
  });
  it("a traced bool mask is a ConcretizationError; a concrete one works under jit", () => {
    const x = np.arange(6).reshape([2, 3]);
    expect(() => jit((x: NDArray) => x.slice(x.gt(2)))(x)).toThrow(/boolean mask/);
    const m = x.gt(2);
    expect(jit((x: NDArray) => x.at(m).set(0))(x).js()).toEqual([[0, 1, 2], [0, 0, 0]]);
  });
});

describe("errors", () => {
  it("shape and dtype rules name the op", () => {
    const x = rand([4, 5]);
    expect(() => lax.gather(x, i32([[1]]), { offsetDims: [1], collapsedSliceDims: [0], startIndexMap: [0] }, [2, 5])).toThrow(/gather: collapsed dims must have slice size 1/);
    expect(() => lax.gather(x, i32([[1]]), { offsetDims: [0], collapsedSliceDims: [], startIndexMap: [0] }, [1, 5])).toThrow(/every operand dim/);
    expect(() => lax.gather(x, np.array([[1.5]]), ROWS, [1, 5])).toThrow(/indices must be integers/);
    expect(() => lax.scatterAdd(x, i32([[1]]), rand([1, 6]), ROWS_S)).toThrow(/scatterAdd|scatter_add/);
    expect(() => lax.scatter(x, i32([[1]]), np.ones([1, 5], { dtype: "float32" }), ROWS_S)).toThrow(/dtype/);
    expect(() => lax.dynamicSlice(x, [1], [2, 2])).toThrow(/one start index per operand dim/);
  });
  it("nonzero / unique / where(cond) need a static size under jit", () => {
    const x = np.array([0, 1, 2]);
    for (const f of [(x: NDArray) => np.nonzero(x)[0], (x: NDArray) => np.unique(x), (x: NDArray) => np.where(x)[0], (x: NDArray) => np.argwhere(x)]) {
      expect(() => jit(f)(x)).toThrow(/static `size`/);
    }
    expect(jit((x: NDArray) => np.nonzero(x, { size: 2 })[0])(x).js()).toEqual([1, 2]);
    expect(() => np.nonzero(np.array(3))).toThrow(/rank >= 1/);
  });
  it("searchsorted has a zero derivative and works under grad", () => {
    const a = np.array([0, 1, 2, 3], { dtype: "float64" });
    const g = grad((v: NDArray) => np.sum(np.take(a, np.searchsorted(a, v)).mul(v)))(np.array([0.5, 2.5], { dtype: "float64" }));
    expect(g.js()).toEqual([1, 3]);
  });
});
