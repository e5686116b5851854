import { defaultDevice, devicePut, devices, memoryStats, np, random, tidy } from "graft";
import { afterAll, describe, expect, it } from "vitest";
import { startWebgpu } from "./setup";

const hasGpu = await startWebgpu();

describe.skipIf(!hasGpu)("webgpu device", () => {
  afterAll(() => { defaultDevice("cpu"); });

  it("is listed by devices() and holds arrays", () => {
    expect(devices()).toContain("webgpu");
    const x = devicePut(np.array([1, 2, 3]), "webgpu");
    expect(x.device).toBe("webgpu");
    expect(Array.from(x.dataSync())).toEqual([1, 2, 3]);
  });

  it("reads back every storable dtype exactly, sync and async", async () => {
    const cases: [number[], "float32" | "int32" | "uint32" | "bool"][] = [
      [[1.5, -0, Infinity, NaN, 3e38], "float32"], [[-2147483648, 2147483647, 0], "int32"],
      [[4294967295, 0, 7], "uint32"], [[1, 0, 1, 1], "bool"],
    ];
    for (const [v, dtype] of cases) {
      const c = np.array(v, { dtype });
      const g = devicePut(c, "webgpu");
      expect(Array.from(g.dataSync())).toEqual(Array.from(c.dataSync()));
      expect(Array.from(await g.data())).toEqual(Array.from(c.dataSync()));
      expect(g.dtype).toBe(dtype);
    }
  });

  it("moves arrays both ways and copies CPU operands to the GPU automatically", () => {
    const g = devicePut(np.arange(6).reshape([2, 3]), "webgpu");
    const back = devicePut(g.mul(2), "cpu");
    expect(back.device).toBe("cpu");
    expect(back.js()).toEqual([[0, 2, 4], [6, 8, 10]]);
    // A CPU constant next to a GPU array moves to the GPU; the result stays there.
    const mixed = g.add(np.array([1, 1, 1]));
    expect(mixed.device).toBe("webgpu");
    expect(mixed.js()).toEqual([[1, 2, 3], [4, 5, 6]]);
  });

  it("rejects float64 with an error naming the dtype and the CPU backend", () => {
    expect(() => devicePut(np.array([1, 2], { dtype: "float64" }), "webgpu")).toThrow(/float64.*CPU backend/);
  });

  it("agrees with the CPU on a random-matrix matmul and a big sum", () => {
    const a = random.normal(random.key(0), [70, 130]), b = random.normal(random.key(1), [130, 90]);
    const ga = devicePut(a, "webgpu"), gb = devicePut(b, "webgpu");
    const ref = np.matmul(a, b).dataSync(), got = np.matmul(ga, gb).dataSync();
    for (let i = 0; i < ref.length; i++) expect(got[i]).toBeCloseTo(ref[i], 3);
    const u = random.uniform(random.key(2), [100003]);
    expect(np.sum(devicePut(u, "webgpu")).item()).toBeCloseTo(np.sum(u).item(), 0);
  });

  it("releases buffers on dispose and tidy; the pool reuses them", () => {
    const before = memoryStats("webgpu").liveBytes;
    const x = devicePut(np.ones([1000]), "webgpu");
    expect(memoryStats("webgpu").liveBytes).toBe(before + 4000);
    x.dispose();
    expect(memoryStats("webgpu").liveBytes).toBe(before);
    const pooled = memoryStats("webgpu").pooledBytes;
    expect(pooled).toBeGreaterThanOrEqual(4000);
    const y = tidy(() => devicePut(np.ones([1000]), "webgpu").mul(2).add(1));
    expect(memoryStats("webgpu").liveBytes).toBe(before + 4000);
    expect(y.dataSync()[0]).toBe(3);
    y.dispose();
  });
});
