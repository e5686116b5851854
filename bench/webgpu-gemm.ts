// GEMM tilings of the WebGPU backend's kernel generator (backends/webgpu/kernels/matmul.ts),
// timed straight on the adapter: one float32 n x n x n product per dispatch, `reps` dispatches
// per submit, wall time to onSubmittedWorkDone. Picks LARGE_TILE/SMALL_TILE and shows the
// fraction of peak when PEAK_TFLOPS is given. Run (Node, Dawn from npm `webgpu`):
//   npx tsx bench/webgpu-gemm.ts            (SIZES=1024,2048,4096 PEAK_TFLOPS=66.9 TILES=...)
// TILES: semicolon list of BMxBN/TMxTN/TK (a trailing p: prefetch), e.g. "64x64/4x4/16;128x128/8x8/16p".
import { create, globals } from "webgpu";
import { gemmMain, type GemmTile } from "../backends/webgpu/kernels/matmul";

Object.assign(globalThis, globals);
const gpu = create([]);
const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
if (!adapter) throw new Error("no WebGPU adapter");
const device = await adapter.requestDevice({
  requiredLimits: { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize, maxBufferSize: adapter.limits.maxBufferSize },
});
const info = (adapter as unknown as { info?: { vendor?: string; device?: string; description?: string } }).info ?? {};
const swiftshader = /swiftshader/i.test(`${info.description ?? ""} ${info.device ?? ""}`);
const sizes = (process.env.SIZES ?? (swiftshader ? "256,512" : "1024,2048,4096")).split(",").map(Number);
const peak = Number(process.env.PEAK_TFLOPS ?? NaN);
const parse = (s: string): GemmTile => {
  const [bm, bn, tm, tn, tk] = s.match(/\d+/g)!.map(Number);
  return { BM: bm, BN: bn, TM: tm, TN: tn, TK: tk, prefetch: s.endsWith("p") };
};
const onePass = !!process.env.ONE_PASS;
const tiles = (process.env.TILES ?? "64x64/4x4/16;64x64/4x4/16p;128x64/8x4/16;128x64/8x4/16p;128x64/8x4/8p;128x128/8x8/8;128x128/8x8/8p;128x128/8x8/16p;128x128/8x8/4p")
  .split(";").map(parse);

const buffer = (n: number, init?: Float32Array) => {
  const b = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  if (init) device.queue.writeBuffer(b, 0, init);
  return b;
};
console.log(`adapter: ${info.vendor ?? ""} ${info.device ?? ""} ${info.description ?? ""}`);
console.log(`${"tile".padEnd(18)} ${sizes.map((n) => `n=${n}`.padStart(18)).join("")}`);
const best = new Map<number, [string, number]>();
for (const t of tiles) {
  const name = `${t.BM}x${t.BN}/${t.TM}x${t.TN}/${t.TK}${t.prefetch ? "p" : ""}`;
  const cells: string[] = [];
  for (const n of sizes) {
    const code = process.env.KERNEL_FILE ? (await import("node:fs")).readFileSync(process.env.KERNEL_FILE, "utf8") : `@group(0) @binding(0) var<storage, read> in0: array<f32>;
@group(0) @binding(1) var<storage, read> in1: array<f32>;
@group(0) @binding(2) var<storage, read_write> out0: array<f32>;
${gemmMain({ acc: "f32", M: n, N: n, K: n, header: "", loadA: `a = in0[row * ${n}u + kc];`, loadB: `b = in1[kc * ${n}u + col];`, store: (v) => `out0[row * ${n}u + col] = ${v};` }, t)}`;
    const a = Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 13) - 6);
    const b = Float32Array.from({ length: n * n }, (_, i) => ((i * 104729) % 11) - 5);
    const [A, B, C] = [buffer(n * n, a), buffer(n * n, b), buffer(n * n)];
    const pipeline = device.createComputePipeline({ layout: "auto", compute: { module: device.createShaderModule({ code }), entryPoint: "main" } });
    const group = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [A, B, C].map((buffer, binding) => ({ binding, resource: { buffer } })) });
    const run = async (reps: number) => {
      const enc = device.createCommandEncoder();
      // ONE_PASS: every dispatch in one compute pass, as the backend's runtime encodes them.
      let pass = enc.beginComputePass();
      for (let r = 0; r < reps; r++) {
        if (r && !onePass) { pass.end(); pass = enc.beginComputePass(); }
        pass.setPipeline(pipeline); pass.setBindGroup(0, group);
        pass.dispatchWorkgroups(Math.ceil(n / t.BN), Math.ceil(n / t.BM), 1);
      }
      pass.end();
      const t0 = performance.now();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      return (performance.now() - t0) / reps;
    };
    await run(1);
    // A spot check of one output element against the float64 dot product.
    const read = device.createBuffer({ size: 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const i = n - 3, j = n >> 1;
    { const enc = device.createCommandEncoder(); enc.copyBufferToBuffer(C, (i * n + j) * 4, read, 0, 4); device.queue.submit([enc.finish()]); }
    await read.mapAsync(GPUMapMode.READ);
    const got = new Float32Array(read.getMappedRange())[0];
    let want = 0;
    for (let k = 0; k < n; k++) want += a[i * n + k] * b[k * n + j];
    const reps = Math.max(2, Math.min(200, Math.round(200 / ((2 * n ** 3) / 1e9))));
    const times: number[] = [];
    for (let s = 0; s < 5; s++) times.push(await run(swiftshader ? 1 : reps));
    times.sort((x, y) => x - y);
    const gf = (2 * n ** 3) / (times[2] / 1e3) / 1e9;
    cells.push(`${gf.toFixed(0)}${Number.isNaN(peak) ? "" : ` (${((gf / 1e3 / peak) * 100).toFixed(0)}%)`}${got === want ? "" : " WRONG"}`.padStart(18));
    if (got === want && gf > (best.get(n)?.[1] ?? 0)) best.set(n, [name, gf]);
    [A, B, C, read].forEach((x) => x.destroy());
  }
  console.log(`${name.padEnd(18)} ${cells.join("")}`);
}
console.log("\nbest per size (GFLOP/s):", [...best].map(([n, [t, g]]) => `${n}: ${t} ${g.toFixed(0)}`).join("; "));
process.exit(0);
