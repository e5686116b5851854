// np.fft / lax.fft API behaviour beyond the numeric fixtures: dtypes, errors, jit, jaxprs,
// empty batches, and the documented examples.
import { describe, expect, it } from "vitest";
import { DTypeError, ShapeError, grad, jit, lax, makeJaxpr, np, vmap, type NDArray } from "graft";

describe("dtypes", () => {
  it("float32 and ints give complex64, float64 gives complex128 (as JAX)", () => {
    expect(np.fft.fft(np.array([1, 2, 3])).dtype).toBe("complex64");
    expect(np.fft.fft(np.arange(4)).dtype).toBe("complex64");
    expect(np.fft.fft(np.array([1, 2], { dtype: "float64" })).dtype).toBe("complex128");
    expect(np.fft.rfft(np.array([1, 2], { dtype: "float64" })).dtype).toBe("complex128");
    expect(np.fft.irfft(np.fft.rfft(np.array([1, 2, 3, 4]))).dtype).toBe("float32");
    expect(np.fft.fftfreq(4).dtype).toBe("float32");
    expect(np.fft.rfftfreq(4, 1, { dtype: "float64" }).dtype).toBe("float64");
  });
});

describe("documented examples", () => {
  it("fft, rfft, fftfreq, fftshift print as in their JSDoc", () => {
    expect(np.fft.fft(np.array([1, 2, 3, 4])).toString()).toBe("[10.+0.j -2.+2.j -2.+0.j -2.-2.j]");
    expect(np.fft.rfft(np.array([1, 2, 3, 4])).toString()).toBe("[10.+0.j -2.+2.j -2.+0.j]");
    expect(np.fft.fftfreq(4).toString()).toBe("[ 0.    0.25 -0.5  -0.25]");
    expect(np.fft.rfftfreq(5).toString()).toBe("[0.  0.2 0.4]");
    expect(np.fft.fftshift(np.fft.fftfreq(5)).toString()).toBe("[-0.4 -0.2  0.   0.2  0.4]");
    expect(lax.complex(np.array([1, 2]), np.array([0.5, -1])).toString()).toBe("[1.+0.5j 2.-1.j ]");
  });
});

describe("errors", () => {
  const x = np.array([1, 2, 3, 4]);
  it("rfft of complex input", () => {
    expect(() => np.fft.rfft(np.fft.fft(x))).toThrow(DTypeError);
    expect(() => lax.fft(np.fft.fft(x), "RFFT", [4])).toThrow(/RFFT requires real input/);
  });
  it("bad lengths, axes and norms", () => {
    expect(() => np.fft.irfft(np.array([{ re: 1, im: 0 }]))).toThrow(/positive length.*Pass n/);
    expect(() => np.fft.fft(x, 0)).toThrow(ShapeError);
    expect(() => np.fft.fftn(np.ones([2, 2]), null, [0, 0])).toThrow(/axes must not repeat/);
    expect(() => np.fft.fftn(np.ones([2, 2]), [2, 2], [0])).toThrow(/s and axes must have the same length/);
    expect(() => np.fft.fft(x, null, 1)).toThrow(RangeError);
    expect(() => np.fft.fft(x, null, -1, "unitary" as never)).toThrow(/norm must be/);
  });
  it("the primitive checks its operand", () => {
    expect(() => lax.fft(np.ones([3]), "FFT", [4])).toThrow(/needs trailing dims \[4\]/);
    expect(() => lax.fft(np.ones([2, 3], { dtype: "complex64" }), "IRFFT", [2, 6])).toThrow(/IRFFT with fftLengths \[2,6\] needs trailing dims \[2,4\]/);
  });
});

describe("transforms and edge cases", () => {
  it("lax.fft is the primitive behind np.fft", () => {
    const z = np.fft.fft(np.array([1, 2, 3, 4, 5]));
    expect(lax.fft(np.array([1, 2, 3, 4, 5]), "FFT", [5]).js()).toEqual(z.js());
    expect(makeJaxpr((v: NDArray) => np.fft.rfftn(v))(np.ones([2, 3])).toString()).toContain("fft[fft_type=RFFT fft_lengths=(2, 3)]");
  });
  it("jit equals eager", () => {
    const x = np.array(Float64Array.from({ length: 12 }, (_, i) => Math.sin(i)), { shape: [3, 4], dtype: "float64" });
    const f = (v: NDArray) => np.fft.irfftn(np.multiply(np.fft.rfftn(v), 2), v.shape);
    expect(jit(f)(x).js()).toEqual(f(x).js());
  });
  it("empty batch axes and length-1 transforms", () => {
    expect(np.fft.fft(np.ones([0, 4])).shape).toEqual([0, 4]);
    expect(np.fft.rfft(np.ones([0, 4])).shape).toEqual([0, 3]);
    expect(np.fft.fft(np.array([3])).js()).toEqual([{ re: 3, im: 0 }]);
    expect(np.fft.irfft(np.array([{ re: 2, im: 5 }]), 1).js()).toEqual([2]);
  });
  it("grad of a spectral loss matches the closed form (Parseval)", () => {
    // sum |fft(x)|^2 = n sum x^2, so the gradient is 2 n x.
    const x = np.array([0.5, -1, 2, 0.25, 3], { dtype: "float64" });
    const g = grad((v: NDArray) => np.sum(np.square(np.abs(np.fft.fft(v)))))(x);
    expect(Array.from(g.dataSync() as Float64Array).map((v) => Math.round(v * 1e9) / 1e9)).toEqual([5, -10, 20, 2.5, 30]);
    const gr = vmap(grad((v: NDArray) => np.sum(np.square(np.abs(np.fft.rfft(v, null, -1, "ortho"))))))(np.stack([x, x]));
    expect(gr.shape).toEqual([2, 5]);
  });
  it("np.abs of complex special values", () => {
    const z = np.array([{ re: Infinity, im: NaN }, { re: NaN, im: -Infinity }, { re: 3, im: 4 }, { re: 0, im: 0 }, { re: NaN, im: 1 }], { dtype: "complex128" });
    expect(Array.from(np.abs(z).dataSync())).toEqual([Infinity, Infinity, 5, 0, NaN]);
  });
});
