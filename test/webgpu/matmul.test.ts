// Every GEMM tiling of the WebGPU backend (backends/webgpu/kernels/matmul.ts) against the CPU,
// on integer-valued float32 data (sums stay below 2^24, so results are exact in any order):
// dimensions that do and do not divide the tiles (bounds tests on and off), transposed and
// batched operands, int32 accumulators, and a fused epilogue under jit.
import { defaultDevice, devicePut, jit, lax, np, type NDArray } from "graft";
import { afterAll, describe, expect, it } from "vitest";
import { forceGemmTile, type GemmTile, LARGE_TILE, MID_TILE, SMALL_TILE } from "../../backends/webgpu/kernels/matmul";
import { startWebgpu } from "./setup";

const hasGpu = await startWebgpu();

/** Small integers from a seed (deterministic, no CPU/GPU difference in the inputs). */
const ints = (shape: number[], seed: number, dtype: "float32" | "int32" = "float32"): NDArray => {
  const n = shape.reduce((a, b) => a * b, 1);
  return np.array(Array.from({ length: n }, (_, i) => ((i * 7919 + seed * 104729) % 9) - 4), { shape, dtype, device: "cpu" });
};
const onGpu = (x: NDArray) => devicePut(x, "webgpu");
const same = (gpu: NDArray, cpu: NDArray) => {
  expect(gpu.device).toBe("webgpu");
  expect(gpu.shape).toEqual(cpu.shape);
  expect(Array.from(gpu.dataSync())).toEqual(Array.from(cpu.dataSync()));
};

describe.skipIf(!hasGpu)("webgpu GEMM tilings", () => {
  afterAll(() => { forceGemmTile(undefined); defaultDevice("cpu"); });
  const tiles: [string, GemmTile][] = [["small", SMALL_TILE], ["mid", MID_TILE], ["large", LARGE_TILE]];

  // Kernels are cached per shape, so each tiling gets shapes of its own (offset by `s`).
  tiles.forEach(([name, tile], s) => {
    it(`${name} tile ${tile.BM}x${tile.BN}/${tile.TM}x${tile.TN}/${tile.TK}: ragged, exact and transposed shapes`, () => {
      forceGemmTile(tile);
      try {
        for (const [m, n, k] of [[130 + s, 67 + s, 37 + s], [tile.BM, 2 * tile.BN, 2 * tile.TK + 16 * s], [3 + s, 5, 1]]) {
          const a = ints([m, k], 1), b = ints([k, n], 2);
          same(np.matmul(onGpu(a), onGpu(b)), np.matmul(a, b));
          // Transposed operands fold into the load index.
          const at = ints([k, m], 3), bt = ints([n, k], 4);
          same(np.matmul(onGpu(at).T, onGpu(bt).T), np.matmul(at.T, bt.T));
        }
        // Batched, with the batch dimension in the middle of the lhs.
        const x = ints([19 + s, 3, 33], 5), y = ints([3, 33, 40 + s], 6);
        const dims = [[[2], [1]], [[1], [0]]] as [[number[], number[]], [number[], number[]]];
        same(lax.dotGeneral(onGpu(x), onGpu(y), dims), lax.dotGeneral(x, y, dims));
        // int32 accumulates in i32 (no fma).
        const p = ints([70 + s, 21], 7, "int32"), q = ints([21, 66], 8, "int32");
        same(np.matmul(onGpu(p), onGpu(q)), np.matmul(p, q));
        // Under jit the epilogue (bias, relu) is stored through the same tile loop.
        const f = (u: NDArray, v: NDArray, c: NDArray) => np.maximum(np.matmul(u, v).add(c), 0);
        const u = ints([65 + s, 40], 9), v = ints([40, 129], 10), c = ints([129], 11);
        same(jit(f)(onGpu(u), onGpu(v), onGpu(c)), f(u, v, c));
      } finally {
        forceGemmTile(undefined);
      }
    });
  });

  it("picks bigger tiles for bigger products", async () => {
    const { gemmTile } = await import("../../backends/webgpu/kernels/matmul");
    expect(gemmTile(2048, 2048, 1)).toBe(LARGE_TILE);
    expect(gemmTile(1024, 1024, 1)).toBe(MID_TILE);
    expect(gemmTile(512, 512, 1)).toBe(SMALL_TILE);
    expect(gemmTile(128, 128, 256)).toBe(LARGE_TILE);
  });
});
