// vitest setup (vitest.config.ts): with GRAFT_TEST_DEVICE=webgpu, arrays go to WebGPU by
// default in every test file of the pass (see test/device.ts). Without an adapter that pass
// fails: scripts/test.sh runs it only where one exists.
import { defaultDevice, init } from "graft";

if (process.env.GRAFT_TEST_DEVICE === "webgpu") {
  await init("webgpu");
  defaultDevice("webgpu");
}
