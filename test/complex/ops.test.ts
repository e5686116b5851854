// Complex arithmetic, functions, reductions and products against numpy, recorded by
// test/fixtures/gen_complex.py. complex64 is computed in float64 and rounded, so it is
// compared with a float32 tolerance; complex128 tightly.
import { describe, expect, it } from "vitest";
import { devicePut, np, type NDArray } from "graft";
import fixtures from "../fixtures/complex.json";
import { startWebgpu } from "../webgpu/setup";

const decode = (v: number | string): number => (v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : Number(v));

interface Arg { shape: number[]; complex: boolean; dtype: string; data: (number | string)[] }
function toArray(a: Arg): NDArray {
  const data = a.data.map(decode);
  if (!a.complex) return np.array(Float64Array.from(data), { shape: a.shape, dtype: a.dtype as "float32" | "float64" });
  const pairs = Array.from({ length: data.length / 2 }, (_, i) => ({ re: data[2 * i], im: data[2 * i + 1] }));
  const z = np.array(pairs, { dtype: a.dtype as "complex64" | "complex128" });
  return np.reshape(z, a.shape);
}

type F = (...xs: NDArray[]) => NDArray;
const FNS: Record<string, F> = {
  exp: np.exp, log: np.log, sqrt: np.sqrt, sin: np.sin, cos: np.cos, tan: np.tan, sinh: np.sinh, cosh: np.cosh,
  tanh: np.tanh, expm1: np.expm1, log1p: np.log1p, abs: np.abs, angle: (z) => np.angle(z), real: np.real, imag: np.imag,
  conj: np.conj, square: np.square, reciprocal: np.reciprocal, negative: np.negative, isnan: np.isnan, isfinite: np.isfinite,
  "sqrt of negative reals": np.sqrt, "log near 1": np.log, "tanh large": np.tanh,
  add: np.add, subtract: np.subtract, multiply: np.multiply, divide: np.divide, power: np.power, equal: np.equal,
  not_equal: np.notEqual, "add real": np.add, "multiply real": np.multiply, "divide by real": np.divide,
  "power 3": (z) => np.power(z, 3), "power -2": (z) => np.power(z, -2), "power 0.5": (z) => np.power(z, 0.5),
  sum: (m) => np.sum(m), "sum axis 0": (m) => np.sum(m, 0), "prod axis 1": (m) => np.prod(m, 1), mean: (m) => np.mean(m),
  var: (m) => np.var(m), "cumsum axis 1": (m) => np.cumsum(m, 1), "cumprod axis 0": (m) => np.cumprod(m, 0),
  matmul: np.matmul, dot: np.dot, vdot: np.vdot, "matmul real": np.matmul,
  "astype real": (z) => z.astype(z.dtype === "complex64" ? "float32" : "float64"), "astype bool": (z) => z.astype("bool"),
};

const DTYPE: Record<string, string> = { complex64: "complex64", complex128: "complex128", float32: "float32", float64: "float64", bool: "bool" };

describe("complex ops match numpy", () => {
  it("covers every recorded op", () => {
    for (const c of fixtures.ops) expect(FNS[c.name], c.name).toBeDefined();
  });
  for (const c of fixtures.ops) it(`${c.name} (${c.dtype})`, () => check(c, "cpu"));
});

// Where (|x| + |z|) / 2 under- or overflows in float64: each part within 1e-14 of NumPy's,
// relative to itself (the table's tolerance is relative to the largest element).
it("sqrt of subnormal and huge complex128 values matches numpy element by element", () => {
  const z = fixtures.sqrtExtremes.z, pairs = Array.from({ length: z.length / 2 }, (_, i) => ({ re: z[2 * i], im: z[2 * i + 1] }));
  const got = Array.from(np.sqrt(np.array(pairs, { dtype: "complex128" })).dataSync());
  fixtures.sqrtExtremes.out.forEach((w, i) => {
    if (!(Math.abs(got[i] - w) <= 1e-14 * Math.abs(w))) expect.fail(`element ${i}: got ${got[i]}, numpy ${w}`);
  });
});

// The complex64 cases with their operands on WebGPU (vec2<f32> kernels).
const hasGpu = await startWebgpu();
describe.skipIf(!hasGpu)("complex64 ops on webgpu match numpy", () => {
  for (const c of fixtures.ops.filter((k) => k.dtype === "complex64")) it(c.name, () => check(c, "webgpu"));
});

function check(c: (typeof fixtures.ops)[number], device: string): void {
  const out = FNS[c.name](...c.args.map((a) => devicePut(toArray(a as Arg), device)));
  expect(out.device).toBe(device);
  expect(out.shape).toEqual(c.outShape);
  expect(out.dtype).toBe(DTYPE[c.outDtype]);
  const got = Array.from(out.dataSync());
  const want = c.out.map(decode);
  expect(got.length).toBe(want.length);
  const scale = Math.max(1, ...want.filter(Number.isFinite).map(Math.abs));
  const tol = (c.dtype === "complex64" ? 4e-6 : 1e-13) * scale;
  got.forEach((g, i) => {
    const w = want[i];
    if (Number.isNaN(w) || !Number.isFinite(w)) expect(g, `element ${i}`).toBe(w);
    else if (!(Math.abs(g - w) <= tol)) expect.fail(`element ${i}: got ${g}, numpy ${w} (tolerance ${tol})`);
  });
}
