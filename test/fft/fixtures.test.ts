// np.fft against numpy.fft (pocketfft), recorded by test/fixtures/gen_fft.py into
// test/fixtures/fft.json. Every case runs in float64/complex128 (tight tolerance) and
// float32/complex64 (looser), for all lengths (mixed radix, generic radix, Bluestein).
import { describe, expect, it } from "vitest";
import { devicePut, np, type NDArray } from "graft";
import fixtures from "../fixtures/fft.json";
import { startWebgpu } from "../webgpu/setup";

interface Case {
  name: string; fn: string; complex: boolean; shape: number[]; x: number[];
  args: { n?: number; axis?: number; s?: number[]; axes?: number[]; norm?: "backward" | "ortho" | "forward" };
  outShape: number[]; outComplex: boolean; out: number[];
}
const cases = fixtures.cases as Case[];

function input(c: Case, x64: boolean): NDArray {
  if (!c.complex) return np.array(Float64Array.from(c.x), { shape: c.shape, dtype: x64 ? "float64" : "float32" });
  const pairs = c.x.reduce<{ re: number; im: number }[]>((acc, v, i) => (i % 2 === 0 ? [...acc, { re: v, im: 0 }] : (acc[acc.length - 1].im = v, acc)), []);
  return np.array(pairs, { dtype: x64 ? "complex128" : "complex64" }).reshape(c.shape);
}

function run(c: Case, x: NDArray): NDArray {
  const { n, axis, s, axes, norm } = c.args;
  const f = np.fft as unknown as Record<string, (...a: unknown[]) => NDArray>;
  if (["fft", "ifft", "rfft", "irfft"].includes(c.fn)) return f[c.fn](x, n ?? null, axis ?? -1, norm ?? null);
  if (c.fn.endsWith("2")) return f[c.fn](x, s ?? null, axes ?? [-2, -1], norm ?? null);
  return f[c.fn](x, s ?? null, axes ?? null, norm ?? null);
}

function compare(got: NDArray, c: Case, x64: boolean): void {
  expect(got.shape).toEqual(c.outShape);
  expect(got.dtype).toBe(c.outComplex ? (x64 ? "complex128" : "complex64") : (x64 ? "float64" : "float32"));
  const g = got.dataSync();
  expect(g.length).toBe(c.out.length);
  const scale = Math.max(1, ...c.out.map(Math.abs));
  const tol = (x64 ? 1e-12 : 3e-6) * scale;
  let worst = 0, at = -1;
  for (let i = 0; i < g.length; i++) {
    const err = Math.abs(g[i] - c.out[i]);
    if (!(err <= worst)) { worst = err; at = i; }
  }
  if (!(worst <= tol)) expect.fail(`${c.name}: max error ${worst} at ${at} (got ${g[at]}, numpy ${c.out[at]}), tolerance ${tol}`);
}

describe("np.fft matches numpy.fft", () => {
  it("has the recorded cases", () => expect(cases.length).toBeGreaterThan(150));
  for (const x64 of [true, false]) {
    describe(x64 ? "float64" : "float32", () => {
      for (const c of cases) it(c.name, () => compare(run(c, input(c, x64)), c, x64));
    });
  }
});

// The float32 cases on WebGPU (the transform runs there: kernel, four-step or Bluestein).
const hasGpu = await startWebgpu();
describe.skipIf(!hasGpu)("np.fft on webgpu matches numpy.fft (float32)", () => {
  for (const c of cases) {
    it(c.name, () => {
      const got = run(c, devicePut(input(c, false), "webgpu"));
      expect(got.device).toBe("webgpu");
      compare(got, c, false);
    });
  }
});

describe("fftfreq, rfftfreq, fftshift, ifftshift match numpy", () => {
  for (const f of fixtures.freqs) {
    it(`n=${f.n} d=${f.d}`, () => {
      const a = np.fft.fftfreq(f.n, f.d, { dtype: "float64" }).dataSync(), b = np.fft.rfftfreq(f.n, f.d, { dtype: "float64" }).dataSync();
      expect(a.length).toBe(f.fftfreq.length);
      expect(b.length).toBe(f.rfftfreq.length);
      expect(Array.from(a).every((v, i) => Math.abs(v - f.fftfreq[i]) < 1e-14)).toBe(true);
      expect(Array.from(b).every((v, i) => Math.abs(v - f.rfftfreq[i]) < 1e-14)).toBe(true);
      expect(np.fft.fftfreq(f.n, f.d).dtype).toBe("float32");
    });
  }
  for (const s of fixtures.shifts) {
    it(`shape [${s.shape}] axes ${JSON.stringify(s.axes)}`, () => {
      const a = np.arange(s.shape.reduce((p, q) => p * q, 1)).astype("float64").reshape(s.shape);
      const axes = s.axes as number | number[] | null;
      expect(Array.from(np.fft.fftshift(a, axes).dataSync())).toEqual(s.fftshift);
      expect(Array.from(np.fft.ifftshift(a, axes).dataSync())).toEqual(s.ifftshift);
    });
  }
});
