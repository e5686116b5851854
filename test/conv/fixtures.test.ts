// lax.convGeneralDilated and lax.reduceWindow against PyTorch (float64) references:
// values and both operands' gradients (via vjp) for 1-d/2-d/3-d convs with strides,
// SAME/SAME_LOWER/VALID/explicit/negative padding, dilations, feature groups, transposed
// convs (lhs dilation + "IOHW" layout), and max/avg pooling. Fixtures: test/fixtures/conv.json,
// written by test/fixtures/gen_conv.py.
import { describe, expect, it } from "vitest";
import { devicePut, lax, np, vjp, type NDArray } from "graft";
import fixtures from "../fixtures/conv.json";
import { startWebgpu } from "../webgpu/setup";

interface Enc { shape: number[]; data: number[] }
interface ConvCase {
  kind: "conv"; name: string; x: Enc; w: Enc; g: Enc; y: Enc; dx: Enc; dw: Enc;
  strides: number[]; padding: string | [number, number][]; rhsDilation: number[]; lhsDilation: number[];
  featureGroupCount: number; flipKernel: boolean; dimensionNumbers: [string, string, string] | null;
}
interface PoolCase {
  kind: "pool"; name: string; op: "max" | "avg"; x: Enc; g: Enc; y: Enc; dx: Enc;
  window: number[]; strides: number[]; padding: [number, number][]; windowDilation: number[];
}
const cases = (fixtures as unknown as { cases: (ConvCase | PoolCase)[] }).cases;

const arr = (e: Enc, dtype: "float32" | "float64" = "float64") => np.array(Float64Array.from(e.data), { shape: e.shape, dtype: "float64" }).astype(dtype);
function expectClose(got: NDArray, want: Enc, rtol: number, atol: number, what: string): void {
  expect(got.shape, what).toEqual(want.shape);
  const g = got.dataSync();
  let worst = 0, at = -1;
  want.data.forEach((w, i) => {
    const err = Math.abs(g[i] - w) - (atol + rtol * Math.abs(w));
    if (!(err <= worst)) { worst = err; at = i; }
  });
  expect(at, `${what}: index ${at} got ${g[at]} want ${want.data[at]}`).toBe(-1);
}

function convFn(c: ConvCase) {
  const nd = c.x.shape.length - 2;
  const spatial = [...Array(nd).keys()].map((i) => i + 2);
  return (x: NDArray, w: NDArray) => lax.convGeneralDilated(x, c.flipKernel ? lax.rev(w, spatial) : w, c.strides,
    c.padding as "SAME", { lhsDilation: c.lhsDilation, rhsDilation: c.rhsDilation, featureGroupCount: c.featureGroupCount,
      dimensionNumbers: c.dimensionNumbers });
}
function poolFn(c: PoolCase) {
  const size = c.window.reduce((a, b) => a * b, 1);
  return (x: NDArray) => c.op === "max"
    ? lax.reduceWindow(x, -Infinity, "max", c.window, c.strides, c.padding, { windowDilation: c.windowDilation })
    : lax.reduceWindow(x, 0, "add", c.window, c.strides, c.padding).div(size);
}

describe("convGeneralDilated vs torch", () => {
  for (const c of cases.filter((k): k is ConvCase => k.kind === "conv")) {
    it(`${c.name}: value and gradients (float64)`, () => {
      const f = convFn(c);
      const [y, back] = vjp(f, arr(c.x), arr(c.w));
      expectClose(y as NDArray, c.y, 1e-12, 1e-12, "y");
      const [dx, dw] = back(arr(c.g)) as NDArray[];
      expectClose(dx, c.dx, 1e-12, 1e-12, "dx");
      expectClose(dw, c.dw, 1e-12, 1e-12, "dw");
    });
    it(`${c.name}: value (float32)`, () => {
      const y = convFn(c)(arr(c.x, "float32"), arr(c.w, "float32"));
      expect(y.dtype).toBe("float32");
      expectClose(y, c.y, 1e-5, 1e-5, "y");
    });
  }
});

describe("reduceWindow pooling vs torch", () => {
  for (const c of cases.filter((k): k is PoolCase => k.kind === "pool")) {
    it(`${c.name}: value and gradient`, () => {
      const [y, back] = vjp(poolFn(c), arr(c.x));
      expectClose(y as NDArray, c.y, 1e-12, 1e-12, "y");
      expectClose((back(arr(c.g)) as NDArray[])[0], c.dx, 1e-12, 1e-12, "dx");
      expectClose(poolFn(c)(arr(c.x, "float32")), c.y, 1e-6, 1e-6, "y f32");
    });
  }
});

// In float32 on WebGPU: values and both gradients (the transposed convolutions and the
// select-and-scatter of max pooling run there too).
const hasGpu = await startWebgpu();
describe.skipIf(!hasGpu)("conv and pooling on webgpu vs torch (float32)", () => {
  const gpu = (e: Enc) => devicePut(arr(e, "float32"), "webgpu");
  for (const c of cases) {
    it(c.name, () => {
      const [y, back] = c.kind === "conv" ? vjp(convFn(c), gpu(c.x), gpu(c.w)) : vjp(poolFn(c), gpu(c.x));
      expect((y as NDArray).device).toBe("webgpu");
      const scale = (e: Enc) => Math.max(1, ...e.data.map(Math.abs));
      expectClose(y as NDArray, c.y, 1e-5, 1e-5 * scale(c.y), "y");
      const grads = back(gpu(c.g)) as NDArray[];
      expectClose(grads[0], c.dx, 1e-5, 1e-5 * scale(c.dx), "dx");
      if (c.kind === "conv") expectClose(grads[1], c.dw, 1e-5, 1e-5 * scale(c.dw), "dw");
    });
  }
});
