// WebGPU gather / scatter kernels against the CPU backend on random dimension numbers,
// shapes and indices (out-of-bounds in every mode, many duplicates), for float32, int32,
// uint32 and bool (complex64 where the CPU supports it). gather and take_along_axis run as
// single kernels through the public path; the scatters are multi-pass plans
// (backends/webgpu/kernels/plan.ts), run here with `runPlan` directly.
import { devicePut, lax, np, type NDArray } from "graft";
import { describe, expect, it } from "vitest";
import { ConcreteArray } from "../../core/array";
import type { ShapedArray } from "../../core/aval";
import { getBackend } from "../../core/device";
import type { DType } from "../../core/dtype";
import type { Params } from "../../core/primitive";
import { prims } from "../../core/primitives";
import type { GpuBuffer, WebGpuBackend } from "../../backends/webgpu/backend";
import { PLANS, runPlan } from "../../backends/webgpu/kernels/plan";
import { startWebgpu } from "./setup";

const hasGpu = await startWebgpu();

let state = 12345;
const rnd = () => { state = (Math.imul(state, 1664525) + 1013904223) >>> 0; return state / 2 ** 32; };
const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Random data of `dtype`; `kind` "mul" keeps floats near 1 so products stay finite. */
function data(shape: number[], dtype: DType, kind = ""): NDArray {
  const n = size(shape);
  const f = (): number => {
    switch (dtype) {
      case "bool": return rnd() < 0.5 ? 1 : 0;
      case "int32": return kind === "mul" ? int(-5, 5) : int(-2147483648, 2147483647);
      case "uint32": return kind === "mul" ? int(0, 9) : int(0, 4294967295);
      default: return kind === "mul" ? 0.5 + rnd() : rnd() < 0.05 ? NaN : Math.round((rnd() * 200 - 100) * 64) / 64 || 1;
    }
  };
  return np.array(Array.from({ length: n }, f), { dtype, shape });
}
const indices = (shape: number[], lo: number, hi: number): NDArray =>
  np.array(Array.from({ length: size(shape) }, () => int(lo, hi)), { dtype: "int32", shape });

const gpu = (a: NDArray) => devicePut(a, "webgpu");
const backend = () => getBackend("webgpu") as WebGpuBackend;

/** Runs `prim` on the GPU: its single kernel through the public path, else its plan directly. */
function onGpu(prim: string, params: Params, args: NDArray[], outAvals: ShapedArray[]): NDArray[] {
  const g = args.map(gpu) as ConcreteArray[];
  const be = backend(), avals = g.map((a) => a.aval);
  if (be.kernelFor(prim, params, avals, outAvals)) {
    const outs = (prims as Record<string, { bind(xs: NDArray[], p: Params): NDArray[] }>)[prim].bind(g, params);
    outs.forEach((o) => expect(o.device).toBe("webgpu"));
    return outs;
  }
  const plan = PLANS[prim](avals, params, outAvals);
  expect(plan, `${prim} has no WebGPU kernel or plan`).not.toBeNull();
  const bufs = runPlan(be, plan!, g.map((a) => a.buffer as GpuBuffer), outAvals);
  return bufs.map((b, i) => new ConcreteArray(be, b, outAvals[i]));
}
const onCpu = (prim: string, params: Params, args: NDArray[]): NDArray[] =>
  (prims as Record<string, { bind(xs: NDArray[], p: Params): NDArray[] }>)[prim].bind(args, params);

/** Bitwise-equal (Object.is) or, with `tol`, relatively close; NaN matches NaN. */
function expectMatch(got: NDArray, want: NDArray, tol = 0, what = ""): void {
  expect(got.shape, what).toEqual(want.shape);
  expect(got.dtype, what).toBe(want.dtype);
  const g = got.dataSync(), w = want.dataSync();
  for (let i = 0; i < w.length; i++) {
    const a = Number(g[i]), b = Number(w[i]);
    const ok = tol === 0 ? Object.is(a, b) : (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
    if (!ok) expect.fail(`${what}: element ${i}: got ${a}, want ${b}`);
  }
}
function compare(prim: string, params: Params, args: NDArray[], tol = 0, what = ""): void {
  const want = onCpu(prim, params, args);
  const got = onGpu(prim, params, args, want.map((w) => w.aval));
  got.forEach((g, i) => expectMatch(g, want[i], tol, `${prim} ${what} ${JSON.stringify(params)}`));
}

/**
 * A random valid gather: each operand dim is collapsed, a window, or a batching dim paired
 * with an index batch dim; start indices cover a random subset of the non-batching dims and
 * run 2 past each end so every mode's out-of-bounds handling is exercised.
 */
function randomGather() {
  const rank = int(1, 3), xs = Array.from({ length: rank }, () => int(1, 5));
  const nb = int(0, 2), bs = Array.from({ length: nb }, () => int(1, 4));
  const role = xs.map(() => pick(["collapsed", "window", "window", "batch"] as const));
  const opBatch: number[] = [], idxBatch: number[] = [];
  role.forEach((r, d) => {
    const free = [...bs.keys()].filter((b) => !idxBatch.includes(b));
    if (r === "batch" && free.length) { const b = pick(free); opBatch.push(d); idxBatch.push(b); bs[b] = xs[d]; } else if (r === "batch") role[d] = "collapsed";
  });
  const collapsed = role.map((r, d) => (r === "collapsed" ? d : -1)).filter((d) => d >= 0);
  const startMap = [...xs.keys()].filter((d) => !opBatch.includes(d) && (collapsed.includes(d) || rnd() < 0.6)).sort(() => rnd() - 0.5);
  const slice = xs.map((n, d) => (role[d] === "window" ? int(1, n) : 1));
  const nw = role.filter((r) => r === "window").length, outRank = nw + nb;
  const offsetDims = [...Array(outRank).keys()].sort(() => rnd() - 0.5).slice(0, nw).sort((a, b) => a - b);
  const idx = np.array(Array.from({ length: size(bs) * startMap.length }, (_, i) => {
    const d = startMap[i % startMap.length];
    return int(-2, xs[d] - slice[d] + 2);
  }), { dtype: "int32", shape: [...bs, startMap.length] });
  // Keep the batching pairs in ascending operand order, as the shape rule requires.
  const order = opBatch.map((_, i) => i).sort((a, b) => opBatch[a] - opBatch[b]);
  return {
    xs, idx, slice, offsetDims, collapsed, startMap,
    opBatch: order.map((i) => opBatch[i]), idxBatch: order.map((i) => idxBatch[i]),
  };
}

describe.skipIf(!hasGpu)("webgpu gather", () => {
  it("matches the CPU on random dimension numbers, modes and dtypes", () => {
    for (let t = 0; t < 40; t++) {
      const g = randomGather();
      const dtype = pick(["float32", "int32", "uint32", "bool"] as DType[]);
      const mode = pick(["clip", "fill", "promise_in_bounds"] as const);
      const params = {
        dimensionNumbers: { offsetDims: g.offsetDims, collapsedSliceDims: g.collapsed, startIndexMap: g.startMap,
          operandBatchingDims: g.opBatch, startIndicesBatchingDims: g.idxBatch },
        sliceSizes: g.slice, mode, fillValue: mode === "fill" ? pick([0, -3.5, NaN, 7]) : null,
      };
      compare("gather", params as unknown as Params, [data(g.xs, dtype), g.idx], 0, `${dtype} x${JSON.stringify(g.xs)} idx${JSON.stringify(g.idx.shape)}`);
    }
  });

  it("numpy indexing and lax.gather run on the GPU and agree with the CPU", () => {
    const x = data([6, 5], "float32"), idx = np.array([[4, 0, 5], [1, 1, 2]], { dtype: "int32" });
    const want = np.take(x, idx, 0);
    const got = np.take(gpu(x), gpu(idx), 0);
    expect(got.device).toBe("webgpu");
    expectMatch(got, want);
    const dn = { offsetDims: [1], collapsedSliceDims: [0], startIndexMap: [0] };
    const rows = np.array([[2], [-1], [9]], { dtype: "int32" });
    for (const mode of ["clip", "fill"] as const) {
      expectMatch(lax.gather(gpu(x), gpu(rows), dn, [1, 5], { mode, fillValue: -1 }), lax.gather(x, rows, dn, [1, 5], { mode, fillValue: -1 }));
    }
  });

  it("gathers complex64 (each part filled in fill mode, as the CPU)", () => {
    const x = lax.complex(data([5, 3], "float32"), data([5, 3], "float32"));
    const dn = { offsetDims: [1], collapsedSliceDims: [0], startIndexMap: [0] };
    const rows = np.array([[2], [-1], [4], [5]], { dtype: "int32" });
    for (const mode of ["clip", "fill"] as const) {
      expectMatch(lax.gather(gpu(x), gpu(rows), dn, [1, 3], { mode, fillValue: 2 }), lax.gather(x, rows, dn, [1, 3], { mode, fillValue: 2 }));
    }
  });
});

describe.skipIf(!hasGpu)("webgpu take_along_axis", () => {
  it("matches the CPU with clamped out-of-range indices on every axis and dtype", () => {
    for (let t = 0; t < 16; t++) {
      const rank = int(1, 3), shape = Array.from({ length: rank }, () => int(1, 6)), axis = int(0, rank - 1);
      const ishape = shape.map((n, d) => (d === axis ? int(1, 7) : n));
      const dtype = pick(["float32", "int32", "uint32", "bool"] as DType[]);
      compare("take_along_axis", { axis } as unknown as Params, [data(shape, dtype), indices(ishape, -2, shape[axis] + 1)], 0, dtype);
    }
  });
});

const KINDS = ["scatter", "scatter_add", "scatter_mul", "scatter_min", "scatter_max"] as const;

describe.skipIf(!hasGpu)("webgpu scatter plans", () => {
  it("match the CPU on random dimension numbers with duplicates and out-of-bounds windows", () => {
    for (let t = 0; t < 40; t++) {
      const g = randomGather();
      const kind = KINDS[t % KINDS.length];
      const dtype = pick(["float32", "int32", "uint32", "bool"] as DType[]);
      const mode = pick(["clip", "fill", "promise_in_bounds"] as const);
      const params = {
        dimensionNumbers: { updateWindowDims: g.offsetDims, insertedWindowDims: g.collapsed, scatterDimsToOperandDims: g.startMap,
          operandBatchingDims: g.opBatch, scatterIndicesBatchingDims: g.idxBatch },
        mode, uniqueIndices: false,
      };
      // The updates have the shape of the matching gather's output.
      const gshape = onCpu("gather", { dimensionNumbers: { offsetDims: g.offsetDims, collapsedSliceDims: g.collapsed, startIndexMap: g.startMap,
        operandBatchingDims: g.opBatch, startIndicesBatchingDims: g.idxBatch }, sliceSizes: g.slice, mode: "clip", fillValue: null } as unknown as Params,
      [np.zeros(g.xs), g.idx])[0].shape;
      const sub = kind === "scatter_mul" ? "mul" : "";
      const tol = dtype === "float32" && (kind === "scatter_add" || kind === "scatter_mul") ? 1e-5 : 0;
      compare(kind, params as unknown as Params, [data(g.xs, dtype, sub), g.idx, data([...gshape], dtype, sub)], tol, `${dtype} x${JSON.stringify(g.xs)}`);
    }
  });

  it("sum many colliding updates exactly for integers and within 1e-5 for float32", () => {
    const dn = { updateWindowDims: [1], insertedWindowDims: [0], scatterDimsToOperandDims: [0], operandBatchingDims: [], scatterIndicesBatchingDims: [] };
    const idx = indices([600, 1], -1, 4);          // 6 targets (2 out of bounds) for 600 updates
    for (const dtype of ["int32", "uint32", "float32", "bool"] as DType[]) {
      for (const kind of KINDS) {
        const sub = kind === "scatter_mul" ? "mul" : "";
        const tol = dtype === "float32" && (kind === "scatter_add" || kind === "scatter_mul") ? 1e-5 : 0;
        for (const mode of ["clip", "fill"] as const) {
          compare(kind, { dimensionNumbers: dn, mode, uniqueIndices: false } as unknown as Params,
            [data([4, 3], dtype, sub), idx, data([600, 3], dtype, sub)], tol, `${dtype} ${mode}`);
        }
      }
    }
  });

  it("unique indices, and complex64 scatter / scatter_add", () => {
    const dn = { updateWindowDims: [1], insertedWindowDims: [0], scatterDimsToOperandDims: [0], operandBatchingDims: [], scatterIndicesBatchingDims: [] };
    const perm = np.array([[3], [0], [4], [1]], { dtype: "int32" });
    compare("scatter", { dimensionNumbers: dn, mode: "fill", uniqueIndices: true } as unknown as Params, [data([5, 2], "float32"), perm, data([4, 2], "float32")]);
    const c = (s: number[]) => lax.complex(data(s, "float32"), data(s, "float32"));
    const idx = indices([30, 1], -1, 5);
    compare("scatter", { dimensionNumbers: dn, mode: "fill", uniqueIndices: false } as unknown as Params, [c([5, 2]), idx, c([30, 2])]);
    compare("scatter_add", { dimensionNumbers: dn, mode: "clip", uniqueIndices: false } as unknown as Params, [c([5, 2]), idx, c([30, 2])], 1e-5);
  });
});

describe.skipIf(!hasGpu)("webgpu scatter_along_axis plan", () => {
  it("matches the CPU in every mode, with duplicates and dropped out-of-range indices", () => {
    for (let t = 0; t < 25; t++) {
      const rank = int(1, 3), shape = Array.from({ length: rank }, () => int(1, 5)), axis = int(0, rank - 1);
      const ishape = shape.map((n, d) => (d === axis ? int(1, 9) : n));
      const mode = pick(["set", "add", "mul", "min", "max"] as const);
      // bool "add" is left out: the CPU stores a + b (2 for true + true) in the bool array.
      const dtype = pick((mode === "add" ? ["float32", "int32", "uint32"] : ["float32", "int32", "uint32", "bool"]) as DType[]);
      const sub = mode === "mul" ? "mul" : "";
      const tol = dtype === "float32" && (mode === "add" || mode === "mul") ? 1e-5 : 0;
      compare("scatter_along_axis", { axis, mode } as unknown as Params,
        [data(shape, dtype, sub), indices(ishape, -1, shape[axis]), data(ishape, dtype, sub)], tol, `${dtype} ${JSON.stringify(shape)}`);
    }
  });
});
