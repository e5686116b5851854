// The jit planner's kernel counts: chains fuse into one kernel, a dense layer (matmul + bias
// + tanh) is one kernel, softmax is four. Elementwise kernels of 4-byte values run 4 lanes
// (vec4 loads and stores) per invocation and agree with the CPU whatever n mod 4.
import { devicePut, jit, nnFunctions, np, random, type NDArray } from "graft";
import { describe, expect, it } from "vitest";
import { getBackend } from "../../core/device";
import type { WebGpuBackend } from "../../backends/webgpu/backend";
import type { Executable } from "../../backends/webgpu/compile";
import { startWebgpu } from "./setup";

const hasGpu = await startWebgpu();

/** Runs jit(f) on GPU copies of args; returns the result, the executable and its kernel count. */
function kernels(f: (...xs: NDArray[]) => NDArray, ...args: NDArray[]): { out: NDArray; count: number; exe: Executable } {
  const b = getBackend("webgpu") as WebGpuBackend;
  let last: Executable | null = null;
  const compile = b.compile.bind(b);
  b.compile = (j) => (last = compile(j));
  try {
    const out = jit(f)(...args.map((a) => devicePut(a, "webgpu")));
    return { out, count: last!.kernelCount, exe: last! };
  } finally { b.compile = compile; }
}
const close = (got: NDArray, want: NDArray) => {
  const g = got.dataSync(), w = want.dataSync();
  for (let i = 0; i < w.length; i++) expect(Math.abs(g[i] - w[i])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(w[i])));
};

describe.skipIf(!hasGpu)("webgpu fusion", () => {
  const x = random.normal(random.key(0), [1000]);
  it("an elementwise chain (with a value used twice) is one kernel", () => {
    const f = (x: NDArray) => { const y = np.tanh(x.mul(1.5).add(0.5)); return y.mul(y).mul(2).sub(np.exp(y.neg())); };
    const { out, count } = kernels(f, x);
    expect(count).toBe(1);
    close(out, f(x));
  });
  it("a dense layer is one kernel (matmul epilogue)", () => {
    const w = random.normal(random.key(1), [20, 30]), b = random.normal(random.key(2), [30]), xs = random.normal(random.key(3), [64, 20]);
    const f = (w: NDArray, b: NDArray, xs: NDArray) => np.tanh(np.matmul(xs, w).add(b));
    const { out, count } = kernels(f, w, b, xs);
    expect(count).toBe(1);
    close(out, f(w, b, xs));
  });
  it("softmax over rows is four kernels (max, exp, sum, divide)", () => {
    const f = (x: NDArray) => nnFunctions.softmax(x.reshape([10, 100]), -1);
    const { out, count } = kernels(f, x);
    expect(count).toBeLessThanOrEqual(4);
    close(out, f(x));
  });
});

describe.skipIf(!hasGpu)("webgpu lane kernels (4 elements per invocation)", () => {
  /** The kernels of a jitted call: code and lanes. */
  const codes = (exe: Executable) => exe.steps.flatMap((s) => (s.kind === "kernel" ? [s.code] : []));
  const exact = (got: NDArray, want: NDArray) => expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
  for (const n of [4000, 4001, 4003]) {
    it(`a chain with a rank-0 operand and literals, n = ${n}: vec4 loads and stores, CPU values`, () => {
      const x = random.normal(random.key(n), [n]), y = random.normal(random.key(n + 1), [n]);
      // A scalar made on the GPU is a kernel input (host scalars become literals).
      const s = np.sum(devicePut(y.slice([0, 3]), "webgpu"));
      const f = (x: NDArray, y: NDArray, s: NDArray) => np.tanh(x.mul(1.5).add(y)).mul(s).sub(np.exp(x.neg())).add(0.25);
      const { out, count, exe } = kernels(f, x, y, s);
      expect(count).toBe(1);
      const [k] = codes(exe);
      expect(k.lanes).toBe(4);
      expect(k.code).toMatch(/in0: array<vec4<f32>>/);
      expect(k.code).toMatch(/in1: array<vec4<f32>>/);
      expect(k.code).toMatch(/in2: array<f32>/);
      expect(k.wg[0] * k.wg[1] * 256).toBeGreaterThanOrEqual(Math.ceil(n / 4));
      close(out, f(x, y, devicePut(s, "cpu")));
    });
    it(`broadcasts along either axis and int32/bool results, n = ${n}: remapped operands load per lane`, () => {
      const cols = n === 4000 ? 40 : n === 4001 ? 4001 : 13;
      const rows = Math.ceil(n / cols);
      const m = random.normal(random.key(n + 2), [rows, cols]), b = random.normal(random.key(n + 3), [cols]), c = random.normal(random.key(n + 4), [rows, 1]);
      const f = (m: NDArray, b: NDArray, c: NDArray) => np.tanh(m.add(b)).mul(c);
      const { out, exe } = kernels(f, m, b, c);
      const [k] = codes(exe);
      expect(k.lanes).toBe(4);
      expect(k.code).toMatch(/in0: array<vec4<f32>>/);
      expect(k.code).toMatch(/in1: array<f32>/);
      close(out, f(m, b, c));
      const i = np.arange(n).astype("int32");
      const g = (m: NDArray, i: NDArray) => np.where(m.reshape([-1]).slice([0, n]).gt(0), i.mul(3), i.neg().sub(7));
      const r = kernels(g, m, i);
      expect(codes(r.exe).map((k) => k.lanes)).toContain(4);
      exact(r.out, g(m, i));
      const h = (i: NDArray) => i.mul(7).gt(np.arange(n).astype("int32").mul(5).sub(3));
      const bl = kernels(h, i);
      expect(bl.out.dtype).toBe("bool");
      expect(codes(bl.exe)[0].code).toMatch(/out0: array<vec4<u32>>/);
      exact(bl.out, h(i));
    });
  }
  it("an operand read both in place and transposed loads per lane; eager ops take lane kernels too", () => {
    const a = random.normal(random.key(9), [37, 37]);
    const f = (a: NDArray) => a.mul(2).add(np.transpose(a));
    const { out, exe } = kernels(f, a);
    const [k] = codes(exe);
    expect(k.lanes).toBe(4);
    expect(k.code).toMatch(/in0: array<f32>/);
    close(out, f(a));
    close(np.exp(devicePut(a, "webgpu")), np.exp(a));
  });
  it("reductions and complex values keep one element per invocation", () => {
    const x = random.normal(random.key(10), [64, 33]);
    const { exe } = kernels((x: NDArray) => np.sum(x, 1), x);
    expect(codes(exe).every((k) => k.lanes === undefined)).toBe(true);
    const z = kernels((x: NDArray) => np.exp(x.astype("complex64")), x);
    expect(codes(z.exe).every((k) => k.lanes === undefined)).toBe(true);
  });
});

describe.skipIf(!hasGpu)("webgpu scalars", () => {
  it("host-made scalars on the GPU trace as literals (no extra kernel inputs)", async () => {
    const { defaultDevice, makeJaxpr } = await import("graft");
    const before = defaultDevice();
    defaultDevice("webgpu");
    try {
      const x = np.ones([8]);
      const text = makeJaxpr((v: NDArray) => v.mul(np.array(1.5)).add(0.5))(x).toString();
      expect(text).toContain("1.5");
      expect(text).toContain("0.5");
      expect(text).not.toMatch(/lambda [a-z]+:/);   // no constvars
      const { out, count } = kernels((v: NDArray) => np.tanh(v.mul(1.5).add(0.5)), x);
      expect(count).toBe(1);
      expect(out.dataSync()[0]).toBeCloseTo(Math.tanh(2), 6);
    } finally { defaultDevice(before); }
  });
});
