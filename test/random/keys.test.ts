// Keys, split, foldIn, bits and uniform: bit for bit against JAX >= 0.5 (partitionable
// Threefry). Fixtures are the doctest outputs JAX updated when it made partitionable
// Threefry the default (jax-ml/jax commit a60ead6f, "enable partitionable threefry by
// default"), JAX's tests/random_test.py, and a bitcast transcription of JAX's `_uniform`.
import { afterEach, describe, expect, it } from "vitest";
import { config, jit, np, random, vmap, type NDArray } from "graft";
import { itF64 } from "../device";

const u32 = (v: number | number[]) => np.array(v, { dtype: "uint32" });
afterEach(() => config.update("enableX64", false));

describe("random.key", () => {
  // tests/random_test.py `test_prng_seeds_and_keys` (x32 and x64 columns).
  it("maps seeds as jax.random.PRNGKey", () => {
    const cases: [number, number[], number[]][] = [
      [0, [0, 0], [0, 0]], [1, [0, 1], [0, 1]], [-1, [0, 4294967295], [4294967295, 4294967295]],
      [-3, [0, 4294967293], [4294967295, 4294967293]], [2 ** 31 - 1 + 100, [0, 2147483747], [0, 2147483747]],
      [-(2 ** 31) - 100, [0, 2147483548], [4294967295, 2147483548]],
    ];
    for (const [seed, x32] of cases) {
      expect(random.key(seed).js()).toEqual(x32);
      expect(random.PRNGKey(seed).dtype).toBe("uint32");
    }
    config.update("enableX64", true);
    for (const [seed, , x64] of cases) expect(random.key(seed).js()).toEqual(x64);
    expect(random.key(2 ** 40 + 5).js()).toEqual([256, 5]);
  });
  it("accepts int32 and uint32 scalar seeds, also traced", () => {
    expect(random.key(np.array(-2, { dtype: "int32" })).js()).toEqual([0, 4294967294]);
    expect(random.key(u32(7)).js()).toEqual([0, 7]);
    expect(jit((s: NDArray) => random.key(s))(np.array(5, { dtype: "int32" })).js()).toEqual([0, 5]);
    expect(vmap((s: NDArray) => random.key(s))(np.arange(3)).js()).toEqual([[0, 0], [0, 1], [0, 2]]);
    expect(() => random.key(1.5)).toThrow(/random.key: seed must be an integer/);
  });
});

describe("split and foldIn", () => {
  it("foldIn matches JAX (testPRNGValues: fold_in(PRNGKey(0), 4))", () => {
    expect(random.foldIn(random.key(0), 4).js()).toEqual([2285895361, 433833334]);
  });
  it("split(key, n)[i] equals foldIn(key, i) (test_threefry_split_fold_in_symmetry)", () => {
    for (const seed of [0, 72]) {
      const key = random.key(seed);
      const keys = random.split(key, 5).js() as number[][];
      keys.forEach((k, i) => expect(k).toEqual(random.foldIn(key, i).js()));
    }
    expect((random.split(random.key(0), 5).js() as number[][])[4]).toEqual([2285895361, 433833334]);
  });
  it("split returns [num, 2] uint32 keys, iterable, with shapes for num", () => {
    const key = random.key(1);
    const ks = random.split(key);
    expect(ks.shape).toEqual([2, 2]);
    expect(ks.dtype).toBe("uint32");
    const [k1, k2] = ks;
    expect(k1.shape).toEqual([2]);
    expect(k1.js()).not.toEqual(k2.js());
    expect(random.split(key, [2, 3]).shape).toEqual([2, 3, 2]);
    expect(random.split(key, 0).shape).toEqual([0, 2]);
    // a shape gives the same keys as the flat split, reshaped
    expect((random.split(key, [2, 3]).js() as number[][][]).flat()).toEqual(random.split(key, 6).js());
  });
  it("foldIn takes a traced scalar; bad keys raise", () => {
    const key = random.key(3);
    const f = jit((d: NDArray) => random.foldIn(key, d));
    expect(f(np.array(9, { dtype: "int32" })).js()).toEqual(random.foldIn(key, 9).js());
    expect(vmap((d: NDArray) => random.foldIn(key, d))(np.arange(3)).js()).toEqual([0, 1, 2].map((i) => random.foldIn(key, i).js()));
    expect(random.foldIn(key, -1).js()).toEqual(random.foldIn(key, 2 ** 32 - 1).js());
    expect(() => random.split(random.split(key, 2))).toThrow(/accepts a single key.*Use vmap/);
    expect(() => random.split(np.zeros([2]))).toThrow(/uint32\[2\] PRNG key/);
  });
});

describe("bits", () => {
  it("is the xor of the two hash words of each position's counter", () => {
    const key = random.key(1701);
    const b = random.bits(key, [2, 3]);
    expect(b.dtype).toBe("uint32");
    const [k0, k1] = key.js() as number[];
    const flat = (b.js() as number[][]).flat();
    flat.forEach((v, i) => {
      const [h1, h2] = random.threefry2x32(u32(k0), u32(k1), u32(0), u32(i)).map((a) => a.item());
      expect(v).toBe((h1 ^ h2) >>> 0);
    });
    expect(random.bits(key).shape).toEqual([]);
    expect(() => random.bits(key, [2], { dtype: "int32" })).toThrow(/dtype must be uint32/);
  });
});

// JAX's `_uniform` written literally with bitcasts: (bits >> (nbits - nmant)) | bits(1.0),
// bitcast to float, minus 1, then floats * (maxval - minval) + minval, max(minval, .).
function referenceUniform(key: NDArray, n: number, dtype: "float32" | "float64", lo: number, hi: number): number[] {
  const [k0, k1] = key.js() as number[];
  const [b1, b2] = random.threefry2x32(u32(k0), u32(k1), u32(0), u32([...Array(n).keys()])).map((a) => a.js() as number[]);
  const dv = new DataView(new ArrayBuffer(8));
  return b1.map((w1, i) => {
    if (dtype === "float32") {
      dv.setUint32(0, (((w1 ^ b2[i]) >>> 9) | 0x3f800000) >>> 0);
      const f = Math.fround(dv.getFloat32(0) - 1);
      const l = Math.fround(lo), h = Math.fround(hi);
      return Math.max(l, Math.fround(Math.fround(f * Math.fround(h - l)) + l));
    }
    const bits = (BigInt(w1) << 32n) | BigInt(b2[i]);
    dv.setBigUint64(0, (bits >> 12n) | 0x3ff0000000000000n);
    return Math.max(lo, (dv.getFloat64(0) - 1) * (hi - lo) + lo);
  });
}

describe("uniform", () => {
  it("matches JAX's documented outputs (float32)", () => {
    const key = random.key(0);
    // jax/random.py module docstring
    // NumPy prints a float32 as its shortest round-tripping decimal, cut at 8 decimals.
    const near = (got: number, want: number) => expect(Math.fround(want) === got || Math.abs(got - want) <= 5e-9).toBe(true);
    near(random.uniform(key).item(), 0.947667);
    const [, subkey] = random.split(key);
    near(random.uniform(subkey).item(), 0.00729382);
    // docs/jep/9263-typed-keys.md
    const u3 = random.uniform(key, [3]).js() as number[];
    [0.947667, 0.9785799, 0.33229148].forEach((v, i) => near(u3[i], v));
    // jnp.floor / jnp.ceil / jnp.trunc / jnp.fix docstrings (printed with precision=2)
    const docs: [number, number, number[][]][] = [
      [42, 5, [[-0.11, 1.8, 1.16], [0.61, -0.49, 0.86], [-4.25, 2.75, 1.99]]],
      [1, 5, [[-0.61, 0.34, -0.54], [-0.62, 3.97, 0.59], [4.84, 3.42, -1.14]]],
      [0, 5, [[4.48, 4.79, -1.68], [-0.31, 0.7, -3.34], [-1.9, 1.89, 2.47]]],
      [42, 10, [[-0.23, 3.6, 2.33], [1.22, -0.99, 1.72], [-8.5, 5.5, 3.98]]],
    ];
    for (const [seed, r, want] of docs) {
      const got = random.uniform(random.key(seed), [3, 3], { minval: -r, maxval: r }).js() as number[][];
      got.flat().forEach((v, i) => expect(Math.abs(v - want.flat()[i])).toBeLessThanOrEqual(0.005 + 1e-6));
    }
  });
  itF64("equals JAX's bitcast construction bit for bit in float32 and float64", () => {
    for (const [seed, lo, hi] of [[0, 0, 1], [7, -3, 2.5], [123456, 1e-3, 1e3], [-5, -1 + 2 ** -24, 1]]) {
      const key = random.key(seed);
      for (const dtype of ["float32", "float64"] as const) {
        const got = random.uniform(key, [257], { dtype, minval: lo, maxval: hi });
        expect(got.dtype).toBe(dtype);
        expect(Array.from(got.dataSync())).toEqual(referenceUniform(key, 257, dtype, lo, hi));
      }
    }
  });
  itF64("uses the default float dtype, broadcasts bounds, and differentiates in them", () => {
    expect(random.uniform(random.key(0)).dtype).toBe("float32");
    config.update("enableX64", true);
    expect(random.uniform(random.key(0)).dtype).toBe("float64");
    config.update("enableX64", false);
    const lo = np.array([0, 10, 100]);
    const u = random.uniform(random.key(2), [2, 3], { minval: lo, maxval: np.add(lo, 1) }).js() as number[][];
    for (const row of u) row.forEach((v, j) => { expect(v).toBeGreaterThanOrEqual([0, 10, 100][j]); expect(v).toBeLessThan([1, 11, 101][j]); });
    expect(() => random.uniform(random.key(0), [2], { minval: lo })).toThrow(/random.uniform: shapes must broadcast/);
    expect(() => random.uniform(random.key(0), [3], { minval: np.zeros([2, 3]) })).toThrow(/parameter shapes must broadcast to the requested shape \[3\]/);
    expect(() => random.uniform(random.key(0), [2], { dtype: "int32" })).toThrow(/dtype must be float16, float32 or float64/);
  });
});

describe("samplers against JAX's documented outputs", () => {
  // jnp.einsum_path docstring (jax/_src/numpy/einsum.py): integers, so exact.
  it("randint (bit for bit)", () => {
    const [k1, k2, k3] = random.split(random.key(0), 3);
    const x = random.randint(k1, [2, 3], -5, 5), y = random.randint(k2, [3, 100], -5, 5), z = random.randint(k3, [100, 5], -5, 5);
    expect(np.matmul(np.matmul(x, y), z).js()).toEqual([[-754, 324, -142, 82, 50], [408, -50, 87, -29, 7]]);
  });
  // jnp.cov docstring (jax/_src/numpy/lax_numpy.py), printed with precision=2.
  it("normal", () => {
    const x = random.normal(random.key(0), [3, 100]);
    const xc = np.subtract(x, np.mean(x, 1, { keepdims: true }));
    const cov = (np.divide(np.matmul(xc, xc.T), 99).js() as number[][]).flat();
    [0.9, 0.03, 0.1, 0.03, 1, 0.01, 0.1, 0.01, 0.85].forEach((v, i) => expect(Math.abs(cov[i] - v)).toBeLessThanOrEqual(0.005));
  });
});
