// conv_general_dilated on WebGPU against the CPU backend: random small shapes with strides,
// padding (also negative), lhs/rhs dilation, feature and batch groups, 1-d to 3-d and
// non-canonical layouts, through both WGSL kernels (direct and tiled implicit GEMM); the
// gradient (which is itself a conv) under jit; non-float32 dtypes fall back to the CPU.
import { devicePut, grad, jit, lax, np, random, type NDArray } from "graft";
import { describe, expect, it } from "vitest";
import { ShapedArray } from "../../core/aval";
import type { ConvGeneralDilatedParams } from "../../core/primitives";
import { convKernel } from "../../backends/webgpu/kernels/conv";
import { startWebgpu } from "./setup";

const hasGpu = await startWebgpu();

type Opts = Parameters<typeof lax.convGeneralDilated>[4];
interface Cfg { x: number[]; w: number[]; strides: number[]; padding: Parameters<typeof lax.convGeneralDilated>[3]; opts?: Opts }

let seed = 0;
const normal = (shape: number[]) => random.normal(random.key(seed++), shape);
const gpu = (x: NDArray) => devicePut(x, "webgpu");

/** max |got - want| <= tol * (1 + max |want|), with equal shapes. */
function expectClose(got: NDArray, want: NDArray, tol = 2e-5): void {
  expect(got.shape).toEqual(want.shape);
  const g = got.dataSync(), w = want.dataSync();
  let scale = 1, err = 0;
  for (let i = 0; i < w.length; i++) { scale = Math.max(scale, Math.abs(w[i])); err = Math.max(err, Math.abs(g[i] - w[i])); }
  expect(err).toBeLessThanOrEqual(tol * scale);
}

const CONFIGS: Cfg[] = [
  { x: [2, 3, 7], w: [2, 3, 3], strides: [1], padding: "VALID" },
  { x: [2, 2, 5, 6], w: [3, 2, 3, 2], strides: [2, 2], padding: "SAME" },
  { x: [1, 2, 5, 5], w: [2, 2, 2, 3], strides: [1, 2], padding: [[1, 2], [-1, 1]], opts: { lhsDilation: [2, 1], rhsDilation: [1, 2] } },
  { x: [2, 4, 4, 4], w: [6, 2, 2, 2], strides: [1, 1], padding: "SAME_LOWER", opts: { featureGroupCount: 2 } },
  { x: [4, 2, 4, 5], w: [6, 2, 3, 2], strides: [1, 1], padding: "VALID", opts: { batchGroupCount: 2 } },
  { x: [2, 5, 4, 3], w: [2, 3, 3, 4], strides: [1, 2], padding: "SAME", opts: { dimensionNumbers: ["NHWC", "HWIO", "NHWC"] } },
  { x: [1, 2, 3, 4, 3], w: [2, 2, 2, 2, 2], strides: [1, 2, 1], padding: "SAME", opts: { rhsDilation: [1, 1, 2] } },
  // Large enough per group for the tiled kernel.
  { x: [2, 8, 9, 9], w: [16, 8, 3, 3], strides: [1, 1], padding: "SAME" },
  { x: [2, 9, 9, 8], w: [3, 3, 8, 16], strides: [2, 1], padding: [[1, 0], [2, 1]], opts: { dimensionNumbers: ["NHWC", "HWIO", "NHWC"], rhsDilation: [2, 1] } },
  { x: [3, 8, 6, 7], w: [16, 4, 2, 3], strides: [1, 1], padding: "SAME", opts: { featureGroupCount: 2 } },
  { x: [4, 8, 6, 7], w: [16, 8, 2, 3], strides: [1, 1], padding: [[2, 1], [0, 3]], opts: { batchGroupCount: 2, lhsDilation: [2, 3] } },
  { x: [2, 6, 70], w: [12, 6, 5], strides: [3], padding: [[-2, 4]], opts: { rhsDilation: [2] } },
  // Depthwise (one input channel per group): direct.
  { x: [2, 6, 8, 8], w: [6, 1, 3, 3], strides: [1, 1], padding: "SAME", opts: { featureGroupCount: 6 } },
];

describe.skipIf(!hasGpu)("webgpu conv_general_dilated", () => {
  it.each(CONFIGS.map((c, i) => [i, c] as const))("config %i matches the CPU", (_i, c) => {
    const x = normal(c.x), w = normal(c.w);
    const want = lax.convGeneralDilated(x, w, c.strides, c.padding, c.opts);
    const got = lax.convGeneralDilated(gpu(x), gpu(w), c.strides, c.padding, c.opts);
    expect(got.device).toBe("webgpu");
    expectClose(got, want);
  });

  it("random shapes, strides, dilations, pads and groups match the CPU (both kernels)", () => {
    let s = 12345;
    const int = (lo: number, hi: number) => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return lo + (s % (hi - lo + 1)); };
    for (let trial = 0; trial < 12; trial++) {
      const nsp = int(1, 2), G = int(1, 3), byBatch = int(0, 1) === 1 && G > 1;
      const I = int(1, 3), Og = int(1, 9), N = int(1, 2) * (byBatch ? G : 1);
      const win = Array.from({ length: nsp }, () => int(1, 3)), sp = Array.from({ length: nsp }, () => int(3, 8));
      const strides = win.map(() => int(1, 3)), lhsDilation = win.map(() => int(1, 2)), rhsDilation = win.map(() => int(1, 2));
      const padding = win.map(() => [int(-1, 2), int(0, 2)] as [number, number]);
      const x = normal([N, byBatch ? I : I * G, ...sp]), w = normal([Og * G, I, ...win]);
      const opts = { lhsDilation, rhsDilation, featureGroupCount: byBatch ? 1 : G, batchGroupCount: byBatch ? G : 1 };
      const want = lax.convGeneralDilated(x, w, strides, padding, opts);
      if (want.size === 0) continue;
      expectClose(lax.convGeneralDilated(gpu(x), gpu(w), strides, padding, opts), want);
      // The same conv through each kernel.
      const params: ConvGeneralDilatedParams = {
        windowStrides: strides, padding, lhsDilation, rhsDilation, featureGroupCount: opts.featureGroupCount,
        batchGroupCount: opts.batchGroupCount, preferredElementType: null,
        dimensionNumbers: { lhsSpec: x.shape.map((_, i) => i), rhsSpec: w.shape.map((_, i) => i), outSpec: x.shape.map((_, i) => i) },
      };
      const avals = [new ShapedArray(x.shape, "float32"), new ShapedArray(w.shape, "float32"), new ShapedArray(want.shape, "float32")];
      for (const force of ["direct", "tiled"] as const) expect(convKernel(avals[0], avals[1], params, avals[2], force)).not.toBeNull();
    }
  });

  it("picks the tiled kernel for wide groups and the direct one for depthwise convs", () => {
    const dn = { lhsSpec: [0, 1, 2, 3], rhsSpec: [0, 1, 2, 3], outSpec: [0, 1, 2, 3] };
    const p = (fg: number): ConvGeneralDilatedParams => ({ windowStrides: [1, 1], padding: [[1, 1], [1, 1]], lhsDilation: [1, 1], rhsDilation: [1, 1],
      dimensionNumbers: dn, featureGroupCount: fg, batchGroupCount: 1, preferredElementType: null });
    const f = (s: number[]) => new ShapedArray(s, "float32");
    expect(convKernel(f([2, 8, 9, 9]), f([16, 8, 3, 3]), p(1), f([2, 16, 9, 9]))!.code).toContain("var<workgroup>");
    expect(convKernel(f([2, 6, 8, 8]), f([6, 1, 3, 3]), p(6), f([2, 6, 8, 8]))!.code).not.toContain("var<workgroup>");
    expect(convKernel(new ShapedArray([2, 8, 9, 9], "int32"), new ShapedArray([16, 8, 3, 3], "int32"), p(1), new ShapedArray([2, 16, 9, 9], "int32"))).toBeNull();
  });

  it("gradients (transposed convs) under jit match the CPU", () => {
    const c = CONFIGS[2], x = normal(c.x), w = normal(c.w);
    const loss = (a: NDArray, b: NDArray) => np.sum(np.square(lax.convGeneralDilated(a, b, c.strides, c.padding, c.opts)));
    const g = jit(grad(loss, { argnums: [0, 1] }) as (a: NDArray, b: NDArray) => NDArray[]);
    const want = g(x, w), got = g(gpu(x), gpu(w));
    expectClose(got[0], want[0], 1e-4);
    expectClose(got[1], want[1], 1e-4);
  });

  it("int32 convs run on the CPU and still agree", () => {
    const x = np.arange(2 * 3 * 6).reshape([2, 3, 6]).astype("int32"), w = np.ones([4, 3, 2], { dtype: "int32" });
    const want = lax.convGeneralDilated(x, w, [1], "VALID");
    expect(lax.convGeneralDilated(gpu(x), gpu(w), [1], "VALID").js()).toEqual(want.js());
  });
});
