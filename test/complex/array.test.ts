// complex64/complex128 arrays: creation, read-back, promotion, casts, structural ops,
// jit/vmap, and the errors for operations complex numbers do not support.
import { afterEach, describe, expect, it, vi } from "vitest";
import { config, DTypeError, jit, lax, makeJaxpr, np, UnsupportedOnBackendError, vmap, type NDArray } from "graft";

const Z = () => np.array([[{ re: 1, im: 2 }, { re: 3, im: -1 }, { re: 0, im: 0.5 }], [{ re: -2, im: 0 }, { re: 4, im: 4 }, { re: 1.5, im: -2.5 }]]);
/** The op applied to the parts separately, recombined: a reference for structural ops. */
const viaParts = (f: (x: NDArray) => NDArray, z: NDArray) => lax.complex(f(np.real(z)), f(np.imag(z)));

describe("creation and read-back", () => {
  afterEach(() => config.update("enableX64", false));
  it("np.array takes { re, im } objects; js() returns them; dataSync() is interleaved", () => {
    const z = np.array([{ re: 1, im: 2 }, { re: 3, im: -1 }]);
    expect(z.dtype).toBe("complex64");
    expect(z.shape).toEqual([2]);
    expect(z.js()).toEqual([{ re: 1, im: 2 }, { re: 3, im: -1 }]);
    expect(Array.from(z.dataSync())).toEqual([1, 2, 3, -1]);
    expect(z.dataSync()).toBeInstanceOf(Float32Array);
    expect(np.array(z.js()).js()).toEqual(z.js());
    expect(np.array({ re: 1, im: -1 }).js()).toEqual({ re: 1, im: -1 });
    expect(np.array([1, { re: 0, im: 1 }]).js()).toEqual([{ re: 1, im: 0 }, { re: 0, im: 1 }]);
  });
  it("real data with a complex dtype gets zero imaginary parts", () => {
    expect(np.array([1, 2], { dtype: "complex64" }).js()).toEqual([{ re: 1, im: 0 }, { re: 2, im: 0 }]);
    expect(np.array(new Float32Array([0.5, 1]), { dtype: "complex128" }).js()).toEqual([{ re: 0.5, im: 0 }, { re: 1, im: 0 }]);
    expect(np.array(3, { dtype: "complex64" }).js()).toEqual({ re: 3, im: 0 });
    expect(np.zeros([2], { dtype: "complex64" }).js()).toEqual([{ re: 0, im: 0 }, { re: 0, im: 0 }]);
    expect(np.ones([1, 2], { dtype: "complex128" }).js()).toEqual([[{ re: 1, im: 0 }, { re: 1, im: 0 }]]);
    expect(np.full([2], 7, { dtype: "complex64" }).js()).toEqual([{ re: 7, im: 0 }, { re: 7, im: 0 }]);
    expect(np.eye(2, null, 0, { dtype: "complex64" }).js()).toEqual([[{ re: 1, im: 0 }, { re: 0, im: 0 }], [{ re: 0, im: 0 }, { re: 1, im: 0 }]]);
    expect(np.arange(0, 3, 1, { dtype: "complex64" }).js()).toEqual([0, 1, 2].map((re) => ({ re, im: 0 })));
    expect(np.linspace(0, 1, 3, { dtype: "complex128" }).js()).toEqual([0, 0.5, 1].map((re) => ({ re, im: 0 })));
    expect(np.zerosLike(Z()).dtype).toBe("complex64");
  });
  it("complex values need a complex dtype", () => {
    expect(() => np.array([{ re: 1, im: 2 }], { dtype: "float32" })).toThrow(/need a complex dtype/);
  });
  it("the default complex dtype follows enableX64", () => {
    config.update("enableX64", true);
    expect(np.array([{ re: 1, im: 1 }]).dtype).toBe("complex128");
  });
  it("item() refuses complex values; real/imag getters and conj()", () => {
    const z = np.array({ re: 1, im: 2 });
    expect(() => z.item()).toThrow(/use \.js\(\)|Use \.js\(\)/);
    expect(z.real.item()).toBe(1);
    expect(z.imag.item()).toBe(2);
    expect(z.conj().js()).toEqual({ re: 1, im: -2 });
    expect(np.array([1, 2]).imag.js()).toEqual([0, 0]);
    expect(np.iscomplexobj(z)).toBe(true);
    expect(np.isrealobj(np.array(1))).toBe(true);
  });
});

describe("promotion and casts", () => {
  it("follows JAX's lattice", () => {
    const c = np.array([{ re: 1, im: 1 }]);
    expect(np.add(np.array([1], { dtype: "float32" }), c).dtype).toBe("complex64");
    expect(np.add(np.array([1], { dtype: "float64" }), c).dtype).toBe("complex128");
    expect(np.add(np.array([1], { dtype: "int32" }), c).dtype).toBe("complex64");
    expect(np.add(c, 2.5).dtype).toBe("complex64");
    expect(np.multiply(c, 2).js()).toEqual([{ re: 2, im: 2 }]);
    expect(np.add(c.astype("complex128"), c).dtype).toBe("complex128");
  });
  it("complex -> real keeps the real part, with a ComplexWarning (once)", () => {
    const spy = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    const z = np.array([{ re: 1.5, im: 2 }, { re: -3, im: 1 }]);
    expect(z.astype("float32").js()).toEqual([1.5, -3]);
    expect(z.astype("int32").js()).toEqual([1, -3]);
    expect(z.astype("bool").js()).toEqual([true, true]);
    expect(spy.mock.calls.length).toBeLessThanOrEqual(1);
    spy.mockRestore();
  });
});

describe("structural ops run on complex data", () => {
  const cases: [string, (x: NDArray) => NDArray][] = [
    ["transpose", (x) => x.T],
    ["reshape", (x) => x.reshape([3, 2])],
    ["slice", (x) => x.slice([], [1, null])],
    ["negative-step slice", (x) => x.slice(0, [null, null, -1])],
    ["concatenate", (x) => np.concatenate([x, x], 1)],
    ["stack", (x) => np.stack([x, x])],
    ["pad", (x) => np.pad(x, 1)],
    ["flip", (x) => np.flip(x, 1)],
    ["roll", (x) => np.roll(x, 1, 1)],
    ["broadcastTo", (x) => np.broadcastTo(x, [2, 2, 3])],
    ["take", (x) => np.take(x, np.array([2, 0], { dtype: "int32" }), 1)],
    ["cumsum", (x) => np.cumsum(x, 1)],
    ["sum", (x) => np.sum(x, 0)],
    ["repeat", (x) => np.repeat(x, 2, 0)],
    ["tril", (x) => np.tril(x)],
  ];
  for (const [name, f] of cases) {
    it(name, () => {
      const z = Z();
      const got = f(z);
      expect(got.dtype).toBe("complex64");
      expect(got.js()).toEqual(viaParts(f, z).js());
    });
  }
  it("where, at[].set and at[].add", () => {
    const z = Z();
    const w = np.where(np.array([[true, false, true], [false, true, false]]), z, np.conj(z));
    expect(w.js()).toEqual(viaParts((x) => x, lax.complex(np.real(z), np.multiply(np.imag(z), np.array([[1, -1, 1], [-1, 1, -1]])))).js());
    expect(z.at(0, 1).set(np.array({ re: 9, im: 9 })).js()[0][1]).toEqual({ re: 9, im: 9 });
    expect(z.at(1, 0).add(np.array({ re: 1, im: 1 })).js()[1][0]).toEqual({ re: -1, im: 1 });
  });
  it("equal / notEqual compare both parts", () => {
    const a = np.array([{ re: 1, im: 2 }, { re: 1, im: 2 }]), b = np.array([{ re: 1, im: 2 }, { re: 1, im: 3 }]);
    expect(np.equal(a, b).js()).toEqual([true, false]);
    expect(np.notEqual(a, b).js()).toEqual([false, true]);
    expect(np.isnan(np.array([{ re: NaN, im: 0 }, { re: 0, im: 1 }])).js()).toEqual([true, false]);
    expect(np.isinf(np.array([{ re: 0, im: -Infinity }, { re: 0, im: 1 }])).js()).toEqual([true, false]);
  });
});

describe("transforms", () => {
  it("jit keeps complex constants exact (no scalar literal loses the imaginary part)", () => {
    const i = np.array({ re: 0, im: 1 });
    const f = jit((x: NDArray) => np.multiply(x, i));
    expect(f(np.array([{ re: 1, im: 0 }, { re: 0, im: 1 }])).js()).toEqual([{ re: 0, im: 1 }, { re: -1, im: 0 }]);
    expect(jit(() => np.add(i, i))().js()).toEqual({ re: 0, im: 2 });
  });
  it("jaxprs show complex avals", () => {
    const j = makeJaxpr((z: NDArray) => np.real(np.multiply(z, z)))(np.array([{ re: 1, im: 1 }]));
    expect(j.toString()).toMatch(/c64\[1\].*mul.*real/s);
  });
  it("vmap over complex arrays", () => {
    const z = Z();
    expect(vmap((r: NDArray) => np.sum(np.multiply(r, np.conj(r))))(z).js()).toEqual(
      [0, 1].map((k) => np.sum(np.multiply(z.slice(k), np.conj(z.slice(k)))).js()));
  });
});

describe("errors", () => {
  it("ordered comparisons and max/min reject complex", () => {
    const z = Z();
    expect(() => np.maximum(z, z)).toThrow(DTypeError);
    expect(() => np.less(z, z)).toThrow(/requires an ordered \(non-complex\) dtype/);
    expect(() => np.max(z)).toThrow(DTypeError);
    expect(() => np.sin(z.astype("complex64")).dtype).not.toThrow();
  });
  it("kernels without complex support say so", () => {
    expect(() => np.sort(Z())).toThrow(UnsupportedOnBackendError);
    expect(() => np.sort(Z())).toThrow(/sort: complex operands \(complex64\) are not supported on the cpu backend/);
  });
});

describe("real-only functions reject complex input (as NumPy/JAX)", () => {
  it("floor, ceil, trunc, round, sign", () => {
    const z = np.array([{ re: 1.5, im: 1 }]);
    for (const f of [np.floor, np.ceil, np.trunc, (v: NDArray) => np.round(v), np.sign]) expect(() => f(z)).toThrow(DTypeError);
  });
});
