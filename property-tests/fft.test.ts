// Laws of np.fft over random shapes, axes, lengths (powers of two, small primes, and
// lengths with a large prime factor that run through Bluestein) and norms: ifft(fft(x)) = x,
// Parseval, linearity, rfft = the first half of fft, vmap = a loop, and derivatives:
// checkGrads (float64 central differences plus the jvp/vjp inner-product identity) on
// real-valued losses through every transform, and the transpose identity for complex
// inputs under JAX's pairing Re(sum(ct * t)).
import { describe, expect, it } from "vitest";
import fc, { type Arbitrary } from "fast-check";
import { jvp, lax, np, vjp, vmap, type NDArray } from "graft";
import { checkGrads } from "graft/testing";
import { RUNS } from "./util";

type Norm = "backward" | "ortho" | "forward";
const SIDES = fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constantFrom(16, 17, 37, 45, 64));
const NORMS: Arbitrary<Norm> = fc.constantFrom("backward", "ortho", "forward");
const shape = (maxRank = 3) => fc.array(SIDES, { minLength: 1, maxLength: maxRank }).filter((s) => s.reduce((a, b) => a * b, 1) <= 2000);

const values = (n: number) => fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: n, maxLength: n });
const realArray = (s: number[]) => values(s.reduce((a, b) => a * b, 1)).map((v) => np.array(Float64Array.from(v), { shape: s, dtype: "float64" }));
const complexArray = (s: number[]) => fc.tuple(realArray(s), realArray(s)).map(([re, im]) => lax.complex(re, im));
/** A non-empty subset of the axes of rank `r`, in random order. */
const axesOf = (r: number) => fc.shuffledSubarray([...Array(r).keys()], { minLength: 1 });

const parts = (x: NDArray) => Array.from(x.dataSync());
function expectClose(a: NDArray, b: NDArray, rel = 1e-11): void {
  expect(a.shape).toEqual(b.shape);
  const pa = parts(a), pb = parts(b);
  const scale = Math.max(1, ...pb.map(Math.abs));
  pa.forEach((v, i) => { if (!(Math.abs(v - pb[i]) <= rel * scale)) expect.fail(`element ${i}: ${v} vs ${pb[i]} (scale ${scale})`); });
}
const energy = (x: NDArray) => np.sum(np.square(np.abs(x))).item();

describe("fft laws", () => {
  it("ifftn(fftn(x)) == x and irfftn(rfftn(x), s) == x", () => {
    fc.assert(fc.property(shape().chain((s) => fc.tuple(complexArray(s), realArray(s), axesOf(s.length), NORMS)), ([z, x, axes, norm]) => {
      expectClose(np.fft.ifftn(np.fft.fftn(z, null, axes, norm), null, axes, norm), z);
      const s = axes.map((a) => x.shape[a]);
      expectClose(np.fft.irfftn(np.fft.rfftn(x, null, axes, norm), s, axes, norm), x);
    }), { numRuns: RUNS });
  });

  it("Parseval: sum |x|^2 = sum |X|^2 / N (backward), = sum |X|^2 (ortho)", () => {
    fc.assert(fc.property(shape().chain((s) => fc.tuple(complexArray(s), axesOf(s.length))), ([z, axes]) => {
      const N = axes.reduce((p, a) => p * z.shape[a], 1);
      const ex = energy(z);
      expect(energy(np.fft.fftn(z, null, axes)) / N).toBeCloseTo(ex, 9);
      expect(energy(np.fft.fftn(z, null, axes, "ortho"))).toBeCloseTo(ex, 9);
      expect(energy(np.fft.ifftn(z, null, axes, "forward")) / N).toBeCloseTo(ex, 9);
    }), { numRuns: RUNS });
  });

  it("linearity: fft(a x + b y) = a fft(x) + b fft(y) for complex a, b", () => {
    fc.assert(fc.property(shape(2).chain((s) => fc.tuple(complexArray(s), complexArray(s), complexArray([2]), fc.integer({ min: 0, max: s.length - 1 }))),
      ([x, y, ab, axis]) => {
        const a = ab.slice(0), b = ab.slice(1);
        const lhs = np.fft.fft(np.add(np.multiply(a, x), np.multiply(b, y)), null, axis);
        const rhs = np.add(np.multiply(a, np.fft.fft(x, null, axis)), np.multiply(b, np.fft.fft(y, null, axis)));
        expectClose(lhs, rhs);
      }), { numRuns: RUNS });
  });

  it("rfft(x, n) is the first n/2 + 1 terms of fft(x, n); fftshift/ifftshift invert", () => {
    fc.assert(fc.property(shape(2).chain((s) => fc.tuple(realArray(s), fc.integer({ min: 0, max: s.length - 1 }), SIDES)), ([x, axis, n]) => {
      const full = np.fft.fft(x, n, axis);
      const half = np.fft.rfft(x, n, axis);
      const m = Math.floor(n / 2) + 1;
      const idx = x.shape.map((_, i) => (i === axis ? [0, m] : [])) as [number, number][];
      expectClose(half, full.slice(...idx));
      expectClose(np.fft.ifftshift(np.fft.fftshift(full)), full, 0);
    }), { numRuns: RUNS });
  });

  it("vmap(fft) equals a loop over the batch, for any inAxes", () => {
    fc.assert(fc.property(shape(3).filter((s) => s.length >= 2).chain((s) => fc.tuple(complexArray(s), fc.integer({ min: 0, max: s.length - 1 }), NORMS)),
      ([z, inAxis, norm]) => {
        const f = (v: NDArray) => np.fft.fftn(v, null, null, norm);
        const batched = vmap(f, { inAxes: inAxis })(z);
        const loop = np.stack([...Array(z.shape[inAxis]).keys()].map((k) => f(np.take(z, np.array([k], { dtype: "int32" }), inAxis).squeeze(inAxis))));
        expectClose(batched, loop);
        const g = (v: NDArray) => np.fft.irfft(np.fft.rfft(np.real(v)), np.real(v).shape[np.real(v).ndim - 1]);
        expectClose(vmap(g, { inAxes: inAxis })(z), np.stack([...Array(z.shape[inAxis]).keys()].map((k) => g(np.take(z, np.array([k], { dtype: "int32" }), inAxis).squeeze(inAxis)))));
      }), { numRuns: RUNS });
  });
});

describe("fft derivatives", () => {
  /** Real-valued losses of a real input x, through every transform. */
  const losses: [string, (x: NDArray, w: NDArray, n: number, axis: number, norm: Norm) => NDArray][] = [
    ["|fft(x, n)|^2 w", (x, w, n, axis, norm) => np.sum(np.multiply(np.square(np.abs(np.fft.fft(x, n, axis, norm))), np.sum(w)))],
    ["re/im of ifft", (x, w, n, axis, norm) => { const y = np.fft.ifft(np.multiply(x, w), n, axis, norm); return np.sum(np.add(np.real(y), np.square(np.imag(y)))); }],
    ["rfft", (x, w, n, axis, norm) => { const y = np.fft.rfft(np.multiply(x, w), n, axis, norm); return np.sum(np.add(np.multiply(np.real(y), 0.3), np.square(np.imag(y)))); }],
    ["irfft of complex(x, x^2 w)", (x, w, n, axis, norm) => np.sum(np.square(np.fft.irfft(lax.complex(x, np.multiply(np.square(x), w)), n, axis, norm)))],
    ["fftn / ifftn", (x, w, _n, _axis, norm) => np.sum(np.square(np.abs(np.fft.ifftn(np.multiply(np.fft.fftn(x, null, null, norm), np.exp(w)), null, null, norm))))],
    ["rfftn / irfftn", (x, w, _n, _axis, norm) => np.sum(np.square(np.fft.irfftn(np.multiply(np.fft.rfftn(x, null, null, norm), np.abs(np.fft.rfftn(w))), x.shape, null, norm)))],
    ["fftshift(fft2)", (x, w, _n, _axis, norm) => np.sum(np.multiply(np.real(np.fft.fftshift(np.fft.fftn(np.multiply(x, w), null, null, norm))), w))],
  ];
  for (const [name, f] of losses) {
    it(`checkGrads: ${name}`, () => {
      fc.assert(fc.property(shape(2).chain((s) => fc.tuple(realArray(s), realArray(s), SIDES, fc.integer({ min: 0, max: s.length - 1 }), NORMS)),
        ([x, w, n, axis, norm]) => {
          checkGrads((v: NDArray) => f(v, w, n, axis, norm), [x], { atol: 1e-6, rtol: 1e-5 });
        }), { numRuns: Math.max(8, Math.floor(RUNS / 3)) });
    });
  }
  it("second order through fft", () => {
    const x = np.array([0.3, -1.1, 0.7, 2.0, -0.4], { dtype: "float64" });
    checkGrads((v: NDArray) => np.sum(np.power(np.abs(np.fft.rfft(v)), 3)), [x], { order: 2 });
  });

  it("transposes pair with jvps under Re(sum(ct * t)) for complex inputs", () => {
    const pair = (a: NDArray, b: NDArray) => np.real(np.sum(np.multiply(a, b))).item();
    fc.assert(fc.property(shape(3).chain((s) => fc.tuple(complexArray(s), complexArray(s), realArray(s), axesOf(s.length), NORMS)),
      ([z, t, xr, axes, norm]) => {
        const cases: [NDArray, NDArray, (v: NDArray) => NDArray][] = [
          [z, t, (v) => np.fft.fftn(v, null, axes, norm)],
          [z, t, (v) => np.fft.ifftn(v, null, axes, norm)],
          [xr, np.real(t), (v) => np.fft.rfftn(v, null, axes, norm)],
          [np.fft.rfftn(xr, null, axes), np.fft.rfftn(np.imag(t), null, axes), (v) => np.fft.irfftn(v, axes.map((a) => xr.shape[a]), axes, norm)],
        ];
        for (const [p, tan, f] of cases) {
          const [y, back] = vjp(f, p);
          const [, ty] = jvp(f, [p], [tan]);
          const u = y.dtype.startsWith("complex") ? np.conj(y) : np.multiply(y, 0.5);
          const lhs = pair(u, ty), rhs = pair(back(u)[0], tan);
          expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(lhs)));
        }
      }), { numRuns: RUNS });
  });
});
