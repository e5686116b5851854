// float16 on WebGPU (backends/webgpu/half.ts: f32 storage holding binary16 values, every
// result rounded to binary16) against the CPU backend's float16: bit for bit where the float32
// operation is correctly rounded on both (moves, conversions, +, -, *, max, exact sums and
// products), within one binary16 ulp where WGSL's f32 math is not (division, exp, tanh, sin).
import { defaultDevice, devicePut, grad, jit, lax, np, type NDArray } from "graft";
import { afterAll, describe, expect, it } from "vitest";
import { startWebgpu } from "./setup";

const hasGpu = await startWebgpu();

const values = (x: NDArray): number[] => Array.from(x.dataSync() as ArrayLike<number>);
/** Every finite and non-finite binary16 value, decoded in float64. */
function allHalves(): number[] {
  const out: number[] = [];
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
    out.push(e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * (1024 + m) * 2 ** (e - 25));
  }
  return out;
}
/** Spacing of binary16 values at |v|. */
const ulp = (v: number) => (Math.abs(v) < 2 ** -14 ? 2 ** -24 : 2 ** (Math.floor(Math.log2(Math.abs(v))) - 10));
const cpu16 = (v: number[]) => np.array(v, { dtype: "float16", device: "cpu" });
const same = (gpu: NDArray, cpu: NDArray) => {
  expect(gpu.device).toBe("webgpu");
  expect(gpu.dtype).toBe("float16");
  expect(gpu.shape).toEqual(cpu.shape);
  const g = values(gpu), c = values(cpu);
  for (let i = 0; i < c.length; i++) if (!Object.is(g[i], c[i])) expect.fail(`element ${i}: webgpu ${g[i]}, cpu ${c[i]}`);
};
const within1Ulp = (gpu: NDArray, cpu: NDArray) => {
  const g = values(gpu), c = values(cpu);
  for (let i = 0; i < c.length; i++) {
    if (Number.isNaN(c[i]) || !Number.isFinite(c[i])) { expect(Object.is(g[i], c[i]), `element ${i}`).toBe(true); continue; }
    expect(Math.abs(g[i] - c[i]), `element ${i}: webgpu ${g[i]}, cpu ${c[i]}`).toBeLessThanOrEqual(ulp(c[i]));
  }
};

describe.skipIf(!hasGpu)("float16 on webgpu", () => {
  afterAll(() => { defaultDevice("cpu"); });

  it("moves every binary16 value to the GPU and back unchanged", async () => {
    const x = cpu16(allHalves());
    const g = devicePut(x, "webgpu");
    same(g, x);
    expect(Array.from(await g.data() as ArrayLike<number>)).toEqual(values(x));
    same(devicePut(devicePut(g, "cpu"), "webgpu"), x);
  });

  it("rounds float32 to float16 like the CPU: ties to even, subnormals, overflow, signed zero", () => {
    const v: number[] = [0, -0, 1, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -11 + 2 ** -20, 65504, 65519.99, 65520, -65520, 1e6,
      2 ** -24, 2 ** -25, 3 * 2 ** -26, 2 ** -25 + 2 ** -40, 2 ** -14 - 2 ** -26, 6.1e-5, -3e-8, NaN, Infinity, -Infinity];
    for (let i = 0; i < 2000; i++) v.push(Math.fround(Math.sinh((i - 1000) / 90) * (i % 7 === 0 ? 1e-6 : 1)));
    const x = np.array(v, { dtype: "float32", device: "cpu" });
    same(devicePut(x, "webgpu").astype("float16"), x.astype("float16"));
    // and back to float32 / from int32
    same(devicePut(x.astype("float16"), "webgpu").astype("float32").astype("float16"), x.astype("float16"));
    const n = np.array([0, 1, -7, 2049, 2051, 65504, 65519, 65520, 100000, -2147483647], { dtype: "int32", device: "cpu" });
    same(devicePut(n, "webgpu").astype("float16"), n.astype("float16"));
    // complex64 to float16 keeps the real part in one rounding; float16 into complex64 keeps values
    const c = lax.complex(x, x.mul(-2));
    same(devicePut(c, "webgpu").astype("float16"), c.astype("float16"));
    const h = x.astype("float16"), hc = devicePut(h, "webgpu").astype("complex64");
    expect(hc.dtype).toBe("complex64");
    expect(values(np.real(hc))).toEqual(values(h));
  });

  it("+, -, *, max, negation and comparisons match the CPU bit for bit; /, exp, tanh, sin within one ulp", () => {
    const a = cpu16(Array.from({ length: 3000 }, (_, i) => Math.sin(i * 0.7) * 2 ** ((i % 30) - 15)));
    const b = cpu16(Array.from({ length: 3000 }, (_, i) => Math.cos(i * 1.3) * 2 ** ((i % 23) - 9)));
    const [ga, gb] = [devicePut(a, "webgpu"), devicePut(b, "webgpu")];
    same(ga.add(gb), a.add(b));
    same(ga.sub(gb), a.sub(b));
    same(ga.mul(gb), a.mul(b));
    same(np.maximum(ga, gb), np.maximum(a, b));
    same(ga.neg(), a.neg());
    expect(values(np.less(ga, gb))).toEqual(values(np.less(a, b)));
    // with a weak Python-like scalar the result stays float16
    same(ga.mul(3).add(0.1), a.mul(3).add(0.1));
    within1Ulp(ga.div(gb), a.div(b));
    within1Ulp(np.exp(ga.mul(0.01)), np.exp(a.mul(0.01)));
    within1Ulp(np.tanh(ga), np.tanh(a));
    within1Ulp(np.sin(ga), np.sin(a));
  });

  it("sums and matmuls of small integers are exact; jit equals eager; mixed float16/float32 promotes", () => {
    const m = cpu16(Array.from({ length: 40 * 30 }, (_, i) => ((i * 7) % 9) - 4)).reshape([40, 30]);
    const w = cpu16(Array.from({ length: 30 * 20 }, (_, i) => ((i * 5) % 7) - 3)).reshape([30, 20]);
    const [gm, gw] = [devicePut(m, "webgpu"), devicePut(w, "webgpu")];
    same(np.sum(gm, 0), np.sum(m, 0));
    same(np.max(gm, 1), np.max(m, 1));
    same(np.matmul(gm, gw), np.matmul(m, w));
    const f = (x: NDArray, y: NDArray) => np.tanh(np.matmul(x, y).mul(0.01)).add(1).mul(x.sum());
    same(jit(f)(gm, gw), f(gm, gw));
    const mixed = gm.add(np.ones([30], { dtype: "float32", device: "webgpu" }));
    expect(mixed.dtype).toBe("float32");
  });

  it("grad of a float16 function matches the CPU within a few ulps", () => {
    const x = cpu16([0.5, -1.25, 2, 0.1, -3]);
    const f = (v: NDArray) => np.sum(np.sin(v).mul(v));
    const gg = grad(f)(devicePut(x, "webgpu")), gc = grad(f)(x);
    expect(gg.dtype).toBe("float16");
    const g = values(gg), c = values(gc);
    c.forEach((cv, i) => expect(Math.abs(g[i] - cv)).toBeLessThanOrEqual(4 * ulp(cv)));
  });
});
