// The page's script: starts graft's WebGPU backend on navigator.gpu, runs fit.js on WebGPU
// and on the CPU, and writes the numbers into <pre id="result"> as JSON (the end-to-end test,
// test/browser/e2e.test.ts, reads them from there).
import { defaultDevice, devices, init } from "graft";
import { fitAll } from "./fit.js";

const status = document.getElementById("status");
const out = document.getElementById("result");
const show = (r) => { out.textContent = JSON.stringify(r, null, 2); };

async function adapterInfo() {
  // The page asks for its own adapter only to name it; graft holds its own device.
  const a = await navigator.gpu?.requestAdapter();
  const i = a?.info ?? {};
  return a ? { vendor: i.vendor, architecture: i.architecture, description: i.description, isFallbackAdapter: i.isFallbackAdapter } : null;
}

try {
  await init("webgpu");
  defaultDevice("webgpu");
  const adapter = await adapterInfo();
  status.textContent = "running on WebGPU…";
  const webgpu = await fitAll("webgpu");
  status.textContent = "running on the CPU…";
  const cpu = await fitAll("cpu");
  show({ status: "done", devices: devices(), adapter, webgpu, cpu });
  status.textContent = `done: WebGPU ${(webgpu.ms.linear + webgpu.ms.mlp).toFixed(0)} ms, CPU ${(cpu.ms.linear + cpu.ms.mlp).toFixed(0)} ms`;
} catch (e) {
  show({ status: "error", error: String(e?.stack ?? e) });
  status.textContent = `failed: ${e?.message ?? e}`;
}
