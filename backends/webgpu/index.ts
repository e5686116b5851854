// Registers the WebGPU backend; `await init("webgpu")` starts it (Dawn in a worker thread
// in Node; `navigator.gpu` in browsers — in a nested worker when graft itself runs in a
// cross-origin-isolated worker, so that it can block on reads).
import { registerBackendInit } from "../../core/device";
import { WebGpuBackend } from "./backend";
import { browserTransport, browserWorkerTransport, canBlockInBrowser, nodeTransport, noAdapter } from "./transport";

const isNode = typeof process !== "undefined" && !!process.versions?.node;

registerBackendInit("webgpu", async () => {
  // Every kernel writes its workgroup memory before reading it, so Dawn's zero-fill (which
  // makes shader compiles slow on SwiftShader) is not needed.
  if (isNode) return new WebGpuBackend(await nodeTransport(["enable-dawn-features=disable_workgroup_init"]));
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) throw new Error(noAdapter("navigator.gpu is undefined"));
  if (canBlockInBrowser()) return new WebGpuBackend(await browserWorkerTransport());
  return new WebGpuBackend(await browserTransport(gpu));
});

export { WebGpuBackend } from "./backend";
export type { MemoryStats } from "./backend";
