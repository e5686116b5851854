// WebGPU sort against the CPU backend: random shapes and sort dimensions, float32 with NaNs,
// -0/+0 and ties, int32/uint32 extremes, bool, several operands keyed on one or two of
// them, argsort; the one-dispatch workgroup kernel for short rows and the multi-pass plan
// (global bitonic passes) for long rows, many operands, and small rows with a tiny block.
import { devicePut, jit, np, type NDArray } from "graft";
import { describe, expect, it } from "vitest";
import { ConcreteArray } from "../../core/array";
import type { ShapedArray } from "../../core/aval";
import { getBackend } from "../../core/device";
import type { DType } from "../../core/dtype";
import { prims } from "../../core/primitives";
import type { GpuBuffer, WebGpuBackend } from "../../backends/webgpu/backend";
import { runPlan } from "../../backends/webgpu/kernels/plan";
import { sortPlan } from "../../backends/webgpu/kernels/sort";
import { startWebgpu } from "./setup";

const hasGpu = await startWebgpu();

let state = 99;
const rnd = () => { state = (Math.imul(state, 1664525) + 1013904223) >>> 0; return state / 2 ** 32; };
const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Keys with many ties: few distinct values plus the awkward ones of each dtype. */
function keys(shape: number[], dtype: DType): NDArray {
  const f = (): number => {
    switch (dtype) {
      case "bool": return int(0, 1);
      case "int32": return pick([-2147483648, 2147483647, -1, 0, 1, int(-50, 50), int(-2147483648, 2147483647)]);
      case "uint32": return pick([0, 1, 4294967295, 2147483648, 2147483647, int(0, 50), int(0, 4294967295)]);
      default: return pick([NaN, -0, 0, Infinity, -Infinity, 1.5, -1.5, 3e-45, int(-20, 20) / 4, rnd() * 100 - 50]);
    }
  };
  return np.array(Array.from({ length: size(shape) }, f), { dtype, shape });
}

const gpu = (a: NDArray) => devicePut(a, "webgpu");
const backend = () => getBackend("webgpu") as WebGpuBackend;
const sortOn = (xs: NDArray[], dimension: number, numKeys: number) => prims.sort.bind(xs, { dimension, numKeys });

function expectSame(got: NDArray, want: NDArray, what: string): void {
  expect(got.shape, what).toEqual(want.shape);
  expect(got.dtype, what).toBe(want.dtype);
  const g = got.dataSync(), w = want.dataSync();
  for (let i = 0; i < w.length; i++) if (!Object.is(g[i], w[i])) expect.fail(`${what}: element ${i}: got ${g[i]}, want ${w[i]}`);
}

/** Sorts on the GPU through the public path, checking the single kernel ran. */
function viaKernel(xs: NDArray[], dimension: number, numKeys: number): NDArray[] {
  const g = xs.map(gpu);
  expect(backend().kernelFor("sort", { dimension, numKeys }, g.map((a) => a.aval), g.map((a) => a.aval))).not.toBeNull();
  const outs = sortOn(g, dimension, numKeys);
  outs.forEach((o) => expect(o.device).toBe("webgpu"));
  return outs;
}
/** Sorts on the GPU with the multi-pass plan (optionally with a tiny workgroup block). */
function viaPlan(xs: NDArray[], dimension: number, numKeys: number, block?: number): NDArray[] {
  const g = xs.map(gpu) as ConcreteArray[];
  const avals: ShapedArray[] = g.map((a) => a.aval);
  const plan = sortPlan(avals, { dimension, numKeys }, avals, block);
  expect(plan).not.toBeNull();
  const be = backend();
  return runPlan(be, plan!, g.map((a) => a.buffer as GpuBuffer), avals).map((b, i) => new ConcreteArray(be, b, avals[i]));
}

function check(xs: NDArray[], dimension: number, numKeys: number, run: typeof viaKernel, what: string): void {
  const want = sortOn(xs, dimension, numKeys);
  run(xs, dimension, numKeys).forEach((g, i) => expectSame(g, want[i], `${what} operand ${i}`));
}

describe.skipIf(!hasGpu)("webgpu sort", () => {
  it("one operand: random shapes, dimensions and dtypes (NaN last, ties and -0 stable)", () => {
    for (let t = 0; t < 8; t++) {
      const rank = int(1, 3), shape = Array.from({ length: rank }, () => int(1, rank === 1 ? 300 : 12)), dim = int(0, rank - 1);
      const dtype = pick(["float32", "float32", "int32", "uint32", "bool"] as DType[]);
      check([keys(shape, dtype)], dim, 1, viaKernel, `${dtype} ${JSON.stringify(shape)} dim ${dim}`);
    }
  });

  it("several operands follow keys 1 or 2 keys deep, with mixed dtypes", () => {
    for (let t = 0; t < 4; t++) {
      const shape = [int(1, 6), int(1, 40)], dim = int(0, 1), numKeys = int(1, 2);
      const xs = [keys(shape, pick(["float32", "int32"] as DType[])), keys(shape, pick(["bool", "uint32", "float32"] as DType[])),
        np.arange(size(shape)).reshape(shape).astype("int32")];
      check(xs, dim, numKeys, viaKernel, `${JSON.stringify(shape)} dim ${dim} keys ${numKeys}`);
    }
  });

  it("argsort and sort on the GPU agree with the CPU, eagerly and under jit", () => {
    const x = keys([7, 33], "float32");
    for (const axis of [0, 1]) {
      expectSame(np.argsort(gpu(x), axis), np.argsort(x, axis), `argsort axis ${axis}`);
      expectSame(np.sort(gpu(x), axis), np.sort(x, axis), `sort axis ${axis}`);
    }
    // (Integers and NaN: the fused GPU multiply may flush subnormals.)
    const y = np.array(Array.from({ length: 60 }, () => pick([NaN, -0, 0, int(-9, 9)])), { shape: [6, 10] });
    const f = jit((a: NDArray) => np.sort(a.mul(2), 0));
    const got = f(gpu(y));
    expect(got.device).toBe("webgpu");
    expectSame(got, np.sort(y.mul(2), 0), "jit sort");
  });

  it("rows up to the workgroup limit use the kernel; longer ones the plan", () => {
    const be = backend();
    const ok = (n: number, k: number, ops: number) => be.kernelFor("sort", { dimension: 0, numKeys: k },
      Array.from({ length: ops }, () => np.zeros([n]).aval), Array.from({ length: ops }, () => np.zeros([n]).aval)) !== null;
    expect(ok(2048, 1, 2)).toBe(true);
    expect(ok(2049, 1, 1)).toBe(false);
    expect(ok(1024, 2, 2)).toBe(true);
    expect(ok(1025, 2, 2)).toBe(false);
    expect(ok(10, 1, 5)).toBe(false);   // 10 bindings
  });

  it("the plan sorts long rows (global bitonic passes) and many operands", () => {
    // (SwiftShader compiles a full 16 KiB workgroup block slowly, so one long case.)
    check([keys([2100, 2], "float32"), np.arange(4200).reshape([2100, 2]).astype("int32")], 0, 1, viaPlan, "long rows");
    const shape = [3, 9];
    const many = [keys(shape, "int32"), keys(shape, "float32"), keys(shape, "bool"), keys(shape, "uint32"), np.ones(shape)];
    check(many, 1, 2, viaPlan, "5 operands");
  });

  it("the plan with a tiny block: every global/local pass mix, on random shapes", () => {
    for (let t = 0; t < 5; t++) {
      const rank = int(1, 3), shape = Array.from({ length: rank }, () => int(1, rank === 1 ? 100 : 12)), dim = int(0, rank - 1);
      const dtype = pick(["float32", "int32", "uint32", "bool"] as DType[]);
      const numKeys = int(1, 2);
      const xs = [keys(shape, dtype), keys(shape, "float32"), np.arange(size(shape)).reshape(shape).astype("int32")];
      const block = pick([2, 4, 8]);
      check(xs, dim, numKeys, (a, d, k) => viaPlan(a, d, k, block), `${dtype} ${JSON.stringify(shape)} dim ${dim} block ${block}`);
    }
  });
});
