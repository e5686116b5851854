// The second pass of `npm test` (GRAFT_TEST_DEVICE=webgpu, see test/device.ts) must really put
// arrays on WebGPU, and the float64 helpers must really move to the CPU.
import { np } from "graft";
import { expect, it } from "vitest";
import { onCpu, TEST_DEVICE } from "../device";

it("arrays go to the pass's default device; onCpu puts them on the CPU and restores it", async () => {
  expect(np.zeros([2]).device).toBe(TEST_DEVICE);
  expect(onCpu(() => np.zeros([2], { dtype: "float64" }).device)).toBe("cpu");
  expect(await onCpu(async () => np.ones([1]).device)).toBe("cpu");
  expect(() => onCpu(() => { throw new Error("boom"); })).toThrow("boom");
  expect(np.zeros([2]).device).toBe(TEST_DEVICE);
});
