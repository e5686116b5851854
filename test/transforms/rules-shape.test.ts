// jvp, vmap and transpose rules of the shape, dot and index primitives, in float64:
// jvp against central differences (and exactly against f(t) where f is linear), vmap
// against a JS loop over examples, and each transpose rule against <ct, f(x)> = <T(ct), x>.
import { describe, expect, it } from "vitest";
import { np, vjp, type NDArray } from "graft";
import { jvp } from "../../transforms/jvp";
import { vmap } from "../../transforms/vmap";
import { prims } from "../../core/primitives";
import { type Primitive, UndefinedPrimal, Zero } from "../../core/primitive";

type Fn = (...xs: NDArray[]) => NDArray;
type Name = keyof typeof prims;
const prim = (name: Name) => prims[name] as Primitive<any>;
/** The primitive `name` with fixed params, as a function of its operands. */
const op = (name: Name, params: object): Fn => (...xs) => prim(name).bind1(xs, params);

// Deterministic pseudo-random data (a 32-bit LCG), so failures reproduce.
let state = 12345;
const next = () => { state = (Math.imul(state, 1664525) + 1013904223) >>> 0; return state / 2 ** 32; };
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const rand = (shape: readonly number[]): NDArray =>
  np.array(Float64Array.from({ length: size(shape) }, () => 2 * next() - 1), { dtype: "float64", shape: [...shape] });
const ints = (shape: readonly number[], lo: number, hi: number): NDArray =>
  np.array(Int32Array.from({ length: size(shape) }, () => lo + Math.floor(next() * (hi - lo))), { dtype: "int32", shape: [...shape] });
const f64 = (data: number[] | number[][], shape?: number[]) => np.array(data.flat(), { dtype: "float64", shape: shape ?? [data.flat().length] });
const i32 = (data: number[][] | number[]) => np.array(data, { dtype: "int32" });

const flat = (a: NDArray) => Array.from(a.dataSync() as ArrayLike<number>);
function expectClose(got: NDArray, want: NDArray, tol = 1e-12): void {
  expect(got.shape).toEqual(want.shape);
  expect(got.dtype).toBe(want.dtype);
  const g = flat(got), w = flat(want);
  const err = Math.max(0, ...g.map((v, i) => Math.abs(v - w[i]) / (1 + Math.abs(w[i]))));
  expect(err).toBeLessThanOrEqual(tol);
}
const inner = (a: NDArray, b: NDArray) => { const x = flat(a), y = flat(b); return x.reduce((s, v, i) => s + v * y[i], 0); };

/** jvp(f) at xs along random tangents (for the float args) vs central differences. */
function checkJvp(f: Fn, xs: NDArray[], opts: { tol?: number; linear?: boolean } = {}): void {
  const diff = xs.map((x) => x.dtype === "float64");
  const ts = xs.map((x, i) => (diff[i] ? rand(x.shape) : null));
  const g = (...ys: NDArray[]) => f(...xs.map((x, i) => (diff[i] ? ys.shift()! : x)));
  const ps = xs.filter((_, i) => diff[i]), tl = ts.filter((t) => t !== null) as NDArray[];
  const [y, dy] = jvp(g, ps, tl) as [NDArray, NDArray];
  expectClose(y, g(...ps), 0);
  if (opts.linear) expectClose(dy, g(...tl), 1e-14);
  const eps = 1e-6;
  const plus = g(...ps.map((p, i) => p.add(tl[i].mul(eps)))), minus = g(...ps.map((p, i) => p.sub(tl[i].mul(eps))));
  expectClose(dy, plus.sub(minus).div(2 * eps), opts.tol ?? 1e-7);
}

/** vmap(f, { inAxes })(...args) vs stacking f over the examples in a JS loop. */
function checkVmap(f: Fn, args: NDArray[], inAxes: (number | null)[]): void {
  const k = inAxes.findIndex((a) => a !== null);
  const n = args[k].shape[inAxes[k]!];
  const examples = Array.from({ length: n }, (_, b) => f(...args.map((a, i) => (inAxes[i] === null ? a : np.take(a, b, inAxes[i])))));
  expectClose(vmap(f, { inAxes })(...args), np.stack(examples, 0));
}

/**
 * Calls the transpose rule directly with `linear` operands marked undefined and checks
 * <ct, f(args)> == sum_i <T(ct)_i, args_i>. Operands that are linear but not transposed
 * must be passed as zeros by the caller (so f is linear in the transposed ones).
 */
function checkTranspose(name: Name, params: object, args: NDArray[], linear: number[]): void {
  const p = prim(name);
  const y = p.bind1(args, params);
  const ct = rand(y.shape);
  const tArgs = args.map((a, i) => (linear.includes(i) ? new UndefinedPrimal(a.aval) : a));
  const cts = p.rules.transpose!([ct], tArgs, params);
  expect(cts.length).toBe(args.length);
  let rhs = 0;
  args.forEach((a, i) => {
    const c = cts[i];
    if (!linear.includes(i)) { expect(c).toBeNull(); return; }
    expect(c).not.toBeNull();
    expect(c).not.toBeInstanceOf(Zero);
    const arr = c as NDArray;
    expect(arr.shape).toEqual(a.shape);
    expect(arr.dtype).toBe(a.dtype);
    rhs += inner(arr, a);
  });
  const lhs = inner(ct, y);
  expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(lhs)));
}

describe("broadcast_in_dim", () => {
  const params = { shape: [2, 3, 4], broadcastDimensions: [1, 2] };
  const f = op("broadcast_in_dim", params);
  it("jvp", () => { checkJvp(f, [rand([3, 1])], { linear: true }); checkJvp(op("broadcast_in_dim", { shape: [3, 2], broadcastDimensions: [] }), [rand([])], { linear: true }); });
  it("vmap", () => { checkVmap(f, [rand([5, 3, 1])], [0]); checkVmap(f, [rand([3, 5, 1])], [1]); checkVmap(f, [rand([3, 1, 5])], [2]); });
  it("transpose sums broadcast and unit dims", () => {
    checkTranspose("broadcast_in_dim", params, [rand([3, 1])], [0]);
    checkTranspose("broadcast_in_dim", { shape: [4, 1, 3], broadcastDimensions: [1, 2] }, [rand([1, 3])], [0]);
    checkTranspose("broadcast_in_dim", { shape: [2, 3], broadcastDimensions: [] }, [rand([])], [0]);
  });
});

describe("reshape", () => {
  const params = { newSizes: [6, 4] };
  const f = op("reshape", params);
  it("jvp", () => checkJvp(f, [rand([2, 3, 4])], { linear: true }));
  it("vmap", () => { checkVmap(f, [rand([3, 2, 3, 4])], [0]); checkVmap(f, [rand([2, 3, 3, 4])], [1]); });
  it("transpose", () => checkTranspose("reshape", params, [rand([2, 3, 4])], [0]));
});

describe("transpose", () => {
  const params = { permutation: [2, 0, 1] };
  const f = op("transpose", params);
  it("jvp", () => checkJvp(f, [rand([2, 3, 4])], { linear: true }));
  it("vmap", () => { checkVmap(f, [rand([5, 2, 3, 4])], [0]); checkVmap(f, [rand([2, 3, 5, 4])], [2]); checkVmap(f, [rand([2, 3, 4, 5])], [3]); });
  it("transpose is the inverse permutation", () => checkTranspose("transpose", params, [rand([2, 3, 4])], [0]));
});

describe("slice", () => {
  const strided = { startIndices: [1, 0], limitIndices: [5, 7], strides: [2, 3] };
  const plain = { startIndices: [1, 2], limitIndices: [4, 6], strides: null };
  it("jvp", () => { checkJvp(op("slice", strided), [rand([5, 7])], { linear: true }); checkJvp(op("slice", plain), [rand([5, 7])], { linear: true }); });
  it("vmap", () => {
    checkVmap(op("slice", strided), [rand([3, 5, 7])], [0]);
    checkVmap(op("slice", strided), [rand([5, 3, 7])], [1]);
    checkVmap(op("slice", plain), [rand([5, 7, 3])], [2]);
  });
  it("transpose pads with zeros", () => {
    checkTranspose("slice", strided, [rand([5, 7])], [0]);
    checkTranspose("slice", { startIndices: [0, 2], limitIndices: [6, 3], strides: [4, 5] }, [rand([6, 8])], [0]);
    checkTranspose("slice", plain, [rand([5, 7])], [0]);
    checkTranspose("slice", { startIndices: [2, 1], limitIndices: [2, 4], strides: [3, 1] }, [rand([5, 7])], [0]);
  });
});

describe("pad", () => {
  // Negative low/high padding crops; interior padding interleaves.
  const configs = [
    [[1, -1, 1], [-2, 2, 0]],
    [[2, 0, 2], [0, -3, 1]],
    [[-1, -1, 0], [1, 1, 0]],
  ] as [number, number, number][][];
  const shape = [3, 4];
  it("jvp is linear in operand and padding value", () => {
    for (const config of configs) checkJvp(op("pad", { config }), [rand(shape), rand([])], { linear: true });
  });
  it("vmap (operand, padding value, or both batched)", () => {
    const f = op("pad", { config: configs[0] });
    checkVmap(f, [rand([2, 3, 4]), rand([])], [0, null]);
    checkVmap(f, [rand([3, 4, 2]), rand([])], [2, null]);
    checkVmap(f, [rand([3, 4]), rand([2])], [null, 0]);
    checkVmap(f, [rand([3, 2, 4]), rand([2])], [1, 0]);
  });
  it("transpose w.r.t. operand, padding value, and both", () => {
    for (const config of configs) {
      const zero = np.array(0, { dtype: "float64" });
      checkTranspose("pad", { config }, [rand(shape), zero], [0]);
      checkTranspose("pad", { config }, [np.zeros(shape, { dtype: "float64" }), rand([])], [1]);
      checkTranspose("pad", { config }, [rand(shape), rand([])], [0, 1]);
    }
  });
});

describe("concatenate", () => {
  const params = { dimension: 1 };
  const f = op("concatenate", params);
  const xs = () => [rand([2, 3]), rand([2, 1]), rand([2, 2])];
  it("jvp", () => checkJvp(f, xs(), { linear: true }));
  it("jvp with a constant operand", () => { const c = rand([2, 1]); checkJvp((a, b) => f(a, c, b), [rand([2, 3]), rand([2, 2])], { linear: false }); });
  it("vmap (some operands unbatched)", () => {
    checkVmap(f, [rand([4, 2, 3]), rand([4, 2, 1]), rand([4, 2, 2])], [0, 0, 0]);
    checkVmap(f, [rand([2, 3, 4]), rand([2, 1]), rand([2, 2, 4])], [2, null, 2]);
    checkVmap(f, [rand([2, 3]), rand([2, 4, 1]), rand([2, 2])], [null, 1, null]);
  });
  it("transpose gives each operand its slice", () => {
    checkTranspose("concatenate", params, xs(), [0, 1, 2]);
    checkTranspose("concatenate", params, [rand([2, 3]), np.zeros([2, 1], { dtype: "float64" }), rand([2, 2])], [0, 2]);
    checkTranspose("concatenate", { dimension: 0 }, [np.zeros([1, 3], { dtype: "float64" }), rand([4, 3])], [1]);
  });
});

describe("rev", () => {
  it("jvp", () => { checkJvp(op("rev", { dimensions: [0, 1] }), [rand([3, 4])], { linear: true }); checkJvp(op("rev", { dimensions: [1] }), [rand([3, 4])], { linear: true }); });
  it("vmap", () => {
    checkVmap(op("rev", { dimensions: [0, 2] }), [rand([5, 2, 3, 4])], [0]);
    checkVmap(op("rev", { dimensions: [0, 2] }), [rand([2, 3, 5, 4])], [2]);
    checkVmap(op("rev", { dimensions: [1] }), [rand([2, 3, 5])], [1]);
  });
  it("transpose (self-inverse)", () => checkTranspose("rev", { dimensions: [1] }, [rand([3, 4])], [0]));
});

describe("dot_general", () => {
  const dot = (dn: unknown) => ({ dimensionNumbers: dn, preferredElementType: null });
  // [name, lhs shape, rhs shape, dimension numbers]
  const cases: [string, number[], number[], unknown][] = [
    ["matmul", [3, 4], [4, 5], [[[1], [0]], [[], []]]],
    ["matvec", [3, 4], [4], [[[1], [0]], [[], []]]],
    ["outer", [3], [2], [[[], []], [[], []]]],
    ["batch + contract", [2, 4, 3], [5, 4, 2], [[[1], [1]], [[0], [2]]]],
    ["two contracting dims, reordered", [3, 4, 5], [5, 6, 3], [[[2, 0], [0, 2]], [[], []]]],
    ["two batch dims, reordered", [2, 3, 4, 5], [4, 3, 5, 2, 6], [[[3], [2]], [[0, 1], [3, 1]]]],
  ];
  for (const [name, sa, sb, dn] of cases) {
    const f = op("dot_general", dot(dn));
    it(`${name}: jvp`, () => checkJvp(f, [rand(sa), rand(sb)], { tol: 1e-7 }));
    it(`${name}: transpose w.r.t. each operand`, () => {
      checkTranspose("dot_general", dot(dn), [rand(sa), rand(sb)], [0]);
      checkTranspose("dot_general", dot(dn), [rand(sa), rand(sb)], [1]);
    });
    it(`${name}: vmap (both, lhs only, rhs only; various axes)`, () => {
      const at = (s: number[], ax: number) => [...s.slice(0, ax), 3, ...s.slice(ax)];
      checkVmap(f, [rand(at(sa, 0)), rand(at(sb, 0))], [0, 0]);
      checkVmap(f, [rand(at(sa, sa.length)), rand(at(sb, 1))], [sa.length, 1]);
      for (let ax = 0; ax <= sa.length; ax++) checkVmap(f, [rand(at(sa, ax)), rand(sb)], [ax, null]);
      for (let ax = 0; ax <= sb.length; ax++) checkVmap(f, [rand(sa), rand(at(sb, ax))], [null, ax]);
    });
  }
  it("jvp with one constant operand", () => {
    const b = rand([4, 5]);
    checkJvp((a) => op("dot_general", dot([[[1], [0]], [[], []]]))(a, b), [rand([3, 4])], { linear: true });
  });
});

describe("take_along_axis", () => {
  // Out-of-range indices are clamped by take_along_axis.
  const idx = i32([[0, 4, -1, 2], [1, 1, 3, 9], [4, 0, 0, 2]]);
  const f = (x: NDArray, i: NDArray = idx) => op("take_along_axis", { axis: 1 })(x, i);
  it("jvp (linear in x)", () => {
    checkJvp((x) => f(x), [rand([3, 5])], { linear: true });
    checkJvp((x) => op("take_along_axis", { axis: 0 })(x, i32([[0, 3, 1], [3, 3, 2]])), [rand([4, 3])], { linear: true });
  });
  it("vmap (x, indices, or both batched)", () => {
    checkVmap(f, [rand([2, 3, 5]), idx], [0, null]);
    checkVmap(f, [rand([3, 5, 2]), idx], [2, null]);
    checkVmap(f, [rand([3, 5]), ints([3, 2, 4], -1, 6)], [null, 1]);
    checkVmap(f, [rand([3, 2, 5]), ints([2, 3, 4], 0, 5)], [1, 0]);
  });
  it("transpose scatter-adds into the clamped positions", () => {
    checkTranspose("take_along_axis", { axis: 1 }, [rand([3, 5]), idx], [0]);
    checkTranspose("take_along_axis", { axis: 0 }, [rand([4, 3]), i32([[0, 3, 1], [3, 3, 2], [5, -2, 0]])], [0]);
  });
});

describe("scatter_along_axis", () => {
  // Duplicates and out-of-range indices (dropped by the scatter).
  const idx = i32([[0, 2, 2, 7], [4, -1, 1, 4], [3, 3, 3, 0]]);
  const sc = (mode: string, axis = 1) => op("scatter_along_axis", { axis, mode });
  const modes = ["set", "add", "mul", "min", "max"];
  it("jvp agrees with finite differences (every mode)", () => {
    for (const mode of modes) {
      const g = (x: NDArray, u: NDArray) => sc(mode)(x, idx, u);
      checkJvp(g, [rand([3, 5]), rand([3, 4])], { linear: mode === "set" || mode === "add", tol: 1e-7 });
      const u0 = rand([3, 4]);
      checkJvp((x) => g(x, u0), [rand([3, 5])]);
      const x0 = rand([3, 5]);
      checkJvp((u) => g(x0, u), [rand([3, 4])]);
    }
  });
  it("jvp of mul with zero updates and duplicates", () => {
    const x = f64([2, 3]), i = i32([0, 0, 1, 1]), u = f64([0, 4, 0, 0]);
    const [, dy] = jvp((xx: NDArray, uu: NDArray) => sc("mul", 0)(xx, i, uu), [x, u], [f64([1, 1]), f64([1, 10, 100, 1000])]);
    expect(flat(dy as NDArray).map((v) => v + 0)).toEqual([8, 0]);
    checkJvp((xx, uu) => sc("mul", 0)(xx, i, uu), [x, u]);
    checkJvp((xx, uu) => sc("mul", 0)(xx, i, uu), [x, f64([0, 4, 0, 5])]);
  });
  it("jvp of max/min splits ties evenly", () => {
    const x = f64([1, 5]), i = i32([0, 0, 1]), u = f64([1, 0.5, 5]);
    const [, dmax] = jvp((xx: NDArray, uu: NDArray) => sc("max", 0)(xx, i, uu), [x, u], [f64([1, 10]), f64([100, 1000, 10000])]);
    expect((dmax as NDArray).js()).toEqual([50.5, 5005]);
    const [, dmin] = jvp((xx: NDArray, uu: NDArray) => sc("min", 0)(xx, i, uu), [x, f64([1, 0.5, 7])], [f64([1, 10]), f64([100, 1000, 10000])]);
    expect((dmin as NDArray).js()).toEqual([1000, 10]);
  });
  it("vmap (any subset batched, every mode)", () => {
    for (const mode of modes) {
      const g = (x: NDArray, i: NDArray, u: NDArray) => sc(mode)(x, i, u);
      checkVmap(g, [rand([2, 3, 5]), idx, rand([2, 3, 4])], [0, null, 0]);
      checkVmap(g, [rand([3, 5]), ints([3, 4, 2], -1, 6), rand([3, 4])], [null, 2, null]);
      checkVmap(g, [rand([3, 5]), idx, rand([3, 2, 4])], [null, null, 1]);
      checkVmap(g, [rand([3, 2, 5]), ints([2, 3, 4], 0, 5), rand([3, 4, 2])], [1, 0, 2]);
    }
  });
  it("transpose of add: operand and updates", () => {
    const p = { axis: 1, mode: "add" };
    checkTranspose("scatter_along_axis", p, [rand([3, 5]), idx, rand([3, 4])], [0, 2]);
    checkTranspose("scatter_along_axis", p, [rand([3, 5]), idx, np.zeros([3, 4], { dtype: "float64" })], [0]);
    checkTranspose("scatter_along_axis", p, [np.zeros([3, 5], { dtype: "float64" }), idx, rand([3, 4])], [2]);
  });
  it("transpose of set: overwritten operand entries and losing duplicates get no cotangent", () => {
    const p = { axis: 1, mode: "set" };
    checkTranspose("scatter_along_axis", p, [rand([3, 5]), idx, rand([3, 4])], [0, 2]);
    checkTranspose("scatter_along_axis", p, [rand([3, 5]), idx, np.zeros([3, 4], { dtype: "float64" })], [0]);
    checkTranspose("scatter_along_axis", p, [np.zeros([3, 5], { dtype: "float64" }), idx, rand([3, 4])], [2]);
    checkTranspose("scatter_along_axis", { axis: 0, mode: "set" }, [rand([4, 2]), i32([[1, 1], [3, 0], [1, 9]]), rand([3, 2])], [0, 2]);
  });
  it("modes that are not linear have no transpose", () => {
    const x = rand([3, 5]);
    expect(() => prim("scatter_along_axis").rules.transpose!([rand([3, 5])], [new UndefinedPrimal(x.aval), idx, rand([3, 4])], { axis: 1, mode: "mul" }))
      .toThrow(/not linear/);
  });
});

describe("reverse mode through linearize (vjp is the transpose of jvp)", () => {
  const idx = i32([[0, 2, 2, 7], [4, -1, 1, 4], [3, 3, 3, 0]]);
  const fns: [string, Fn, number[][]][] = [
    ["shape ops", (x, v) => {
      const p = op("pad", { config: [[1, -1, 1], [-2, 2, 0]] })(x, v);
      const s = op("slice", { startIndices: [0, 0], limitIndices: [5, 4], strides: [2, 1] })(p);
      const c = op("concatenate", { dimension: 0 })(s, op("rev", { dimensions: [1] })(x));
      const b = op("broadcast_in_dim", { shape: [2, 6, 4], broadcastDimensions: [1, 2] })(c);
      return op("transpose", { permutation: [2, 0, 1] })(op("reshape", { newSizes: [2, 4, 6] })(b));
    }, [[3, 4], []]],
    ["dot_general", (a, b) => op("dot_general", { dimensionNumbers: [[[1], [1]], [[0], [2]]], preferredElementType: null })(a, b), [[2, 4, 3], [5, 4, 2]]],
    ["take and scatter", (x, u) => {
      const s = op("scatter_along_axis", { axis: 1, mode: "set" })(x, idx, u);
      const m = op("scatter_along_axis", { axis: 1, mode: "max" })(s, idx, u);
      const a = op("scatter_along_axis", { axis: 1, mode: "mul" })(m, idx, u);
      return op("take_along_axis", { axis: 1 })(op("scatter_along_axis", { axis: 1, mode: "add" })(a, idx, u), idx);
    }, [[3, 5], [3, 4]]],
  ];
  for (const [name, f, shapes] of fns) {
    it(name, () => {
      const xs = shapes.map(rand), ts = shapes.map(rand);
      const [y, dy] = jvp(f, xs, ts) as [NDArray, NDArray];
      const [y2, back] = vjp(f, ...xs);
      expectClose(y2 as NDArray, y, 0);
      const ct = rand(y.shape);
      const cts = back(ct) as NDArray[];
      const lhs = inner(ct, dy), rhs = cts.reduce((s, c, i) => s + inner(c, ts[i]), 0);
      expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-10 * (1 + Math.abs(lhs)));
    });
  }
});
