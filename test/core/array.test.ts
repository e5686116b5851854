// Arrays: creation from JS data, read-back, indexing and functional updates, memory API.
import { describe, expect, it } from "vitest";
import util from "node:util";
import { config, defaultDevice, devicePut, devices, FloatingPointError, init, np, tidy, type NDArray } from "graft";

describe("creation", () => {
  it("from numbers, booleans, nested arrays and TypedArrays", () => {
    expect(np.array(3).shape).toEqual([]);
    expect(np.array(3).dtype).toBe("float32");
    expect(np.array(true).dtype).toBe("bool");
    expect(np.array([[1, 2], [3, 4]]).shape).toEqual([2, 2]);
    expect(np.array([true, false]).js()).toEqual([true, false]);
    expect(np.array(new Int32Array([1, 2, 3, 4]), { shape: [2, 2] }).dtype).toBe("int32");
    expect(np.array(new Float64Array([0.1])).dtype).toBe("float64");
    expect(np.array(new Float64Array([0.1])).item()).toBe(0.1);
    expect(np.array(new Uint32Array([4294967295])).js()).toEqual([4294967295]);
    expect(np.array([1.7, -1.7], { dtype: "int32" }).js()).toEqual([1, -1]);
    expect(np.array([[]]).shape).toEqual([1, 0]);
    const x = np.array([1, 2]);
    expect(np.array(x)).toBe(x);
  });
  it("rejects ragged input and wrong sizes with the op named", () => {
    expect(() => np.array([[1, 2], [3]])).toThrow(/array: ragged nested input.*\[1\]/);
    expect(() => np.array(new Float32Array(5), { shape: [2, 2] })).toThrow(/array: shape \[2,2\] must hold 5/);
    expect(() => np.array([1, "a" as unknown as number])).toThrow(/numbers or booleans/);
  });
  it("arrays are not consumed by use", () => {
    const x = np.array([1, 2, 3]);
    const a = x.add(1), b = x.mul(2);
    expect([x.js(), a.js(), b.js()]).toEqual([[1, 2, 3], [2, 3, 4], [2, 4, 6]]);
  });
});

describe("read-back", () => {
  const x = np.array([[1, 2], [3, 4]], { dtype: "int32" });
  it("js, dataSync, data, jsAsync, item", async () => {
    expect(x.js()).toEqual([[1, 2], [3, 4]]);
    expect(Array.from(x.dataSync())).toEqual([1, 2, 3, 4]);
    expect(Array.from(await x.data())).toEqual([1, 2, 3, 4]);
    expect(await x.jsAsync()).toEqual([[1, 2], [3, 4]]);
    expect(x.slice(1, 0).item()).toBe(3);
    expect(np.array([[7]]).item()).toBe(7);
    expect(x.ndim).toBe(2);
    expect(x.size).toBe(4);
    expect(x.device).toBe("cpu");
  });
  it("dataSync returns a copy", () => {
    const d = x.dataSync();
    d[0] = 100;
    expect(x.js()[0][0]).toBe(1);
    expect(() => { (x.shape as number[])[0] = 9; }).toThrow(TypeError);
    expect(x.shape).toEqual([2, 2]);
  });
  it(".item() on a non-scalar names the shape", () => {
    expect(() => x.item()).toThrow(/item: .*size 1.*i32\[2,2\]/);
  });
  it("iterates over the first axis and destructures", () => {
    const rows = [...x].map((r) => r.js());
    expect(rows).toEqual([[1, 2], [3, 4]]);
    const [a, b] = x;
    expect(b.js()).toEqual([3, 4]);
    expect(a.shape).toEqual([2]);
    expect(() => [...np.array(1)]).toThrow(/at least one axis/);
  });
  it("prints like NumPy and inspects like JAX", () => {
    expect(x.toString()).toBe("[[1 2]\n [3 4]]");
    expect(util.inspect(np.array([1.5, 2]))).toBe("Array([1.5, 2. ], dtype=float32)");
    expect(`${np.array(2.5)}`).toBe("2.5");
  });
});

describe("indexing", () => {
  const x = np.arange(24).reshape([2, 3, 4]);
  it("ints, pairs, triples, negative steps, null and ellipsis", () => {
    expect(x.slice(1, 2).js()).toEqual([20, 21, 22, 23]);
    expect(x.slice(-1, [0, 2], [null, null, -2]).js()).toEqual([[15, 13], [19, 17]]);
    expect(x.slice("...", 0).shape).toEqual([2, 3]);
    expect(x.slice(0, null, "...", [1, 3]).shape).toEqual([1, 3, 2]);
    expect(x.slice([], [], []).shape).toEqual([2, 3, 4]);
    expect(x.slice(0, [5, 1, -2], 0).js()).toEqual([8]);
    expect(x.slice(0, [3, 5]).shape).toEqual([0, 4]);
  });
  it("out-of-range and malformed indices throw RangeError/TypeError", () => {
    expect(() => x.slice(2)).toThrow(RangeError);
    expect(() => x.slice(0, 0, 0, 0)).toThrow(/too many indices/);
    expect(() => x.slice("...", "...")).toThrow(/one '...'/);
    expect(() => x.slice([0, 1, 0])).toThrow(/step must be a nonzero/);
  });
  it("at(...).set/add/mul/min/max return new arrays", () => {
    const y = np.zeros([2, 3]);
    expect(y.at(0, [1, null]).set(5).js()).toEqual([[0, 5, 5], [0, 0, 0]]);
    expect(y.at([], -1).add(np.array([1, 2])).js()).toEqual([[0, 0, 1], [0, 0, 2]]);
    expect(np.ones([3]).at([null, null, 2]).mul(3).js()).toEqual([3, 1, 3]);
    expect(np.arange(4).at([1, 3]).min(0).js()).toEqual([0, 0, 0, 3]);
    expect(np.arange(4).at(0).max(7).js()).toEqual([7, 1, 2, 3]);
    expect(y.js()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(np.arange(4).at(1).set(2.7).js()).toEqual([0, 2, 2, 3]);
  });
});

describe("memory and devices", () => {
  it("dispose and tidy", () => {
    const x = np.ones([2]);
    x.dispose();
    expect(() => x.add(1)).toThrow(/disposed/);
    let inner: NDArray | undefined;
    const kept = tidy(() => { inner = np.ones([2]).add(1); return inner.mul(2); });
    expect(kept.js()).toEqual([4, 4]);
    expect(() => inner!.js()).toThrow(/disposed/);
    {
      using y = np.ones([1]);
      expect(y.item()).toBe(1);
    }
  });
  it("devices, init, defaultDevice, devicePut", async () => {
    expect(devices()).toContain("cpu");
    expect(await init("cpu")).toContain("cpu");
    expect(defaultDevice()).toBe("cpu");
    await expect(init("tpu")).rejects.toThrow(/unknown backend "tpu"/);
    expect(() => defaultDevice("tpu")).toThrow(/not available/);
    const x = np.ones([2]);
    expect(devicePut(x, "cpu")).toBe(x);
  });
  it("debugNans raises at the first NaN", () => {
    config.update("debugNans", true);
    try {
      expect(() => np.log(np.array([-1]))).toThrow(FloatingPointError);
      expect(np.log(np.array([1])).js()).toEqual([0]);
    } finally { config.update("debugNans", false); }
    expect(Number.isNaN(np.log(np.array([-1])).item())).toBe(true);
  });
});
