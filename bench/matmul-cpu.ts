// CPU matmul and conv throughput: graft's WebAssembly SIMD GEMM (backends/cpu/matmul*.ts) at
// N = 256, 512, 1024 in float32 and float64 (GFLOP/s), the fraction of this machine's
// WebAssembly SIMD roofline (a tight f32x4/f64x2 mul+add loop: wasm has no FMA), the size
// below which the plain JS loop wins (the dispatch threshold), im2col+GEMM vs the direct conv
// kernel per shape, graft on 1 and 2 threads (`cpuThreads`; where threads start to pay), and —
// when installed in the folder named by GRAFT_PEERS (see ../shared/PEERS.md) — tfjs-backend-wasm
// and jax-js (wasm; on worker threads through bench/worker-shim.ts, one thread with
// GRAFT_JAXJS_THREADS=1) on the same matmuls.
// Run: `npx tsup && npx tsx --tsconfig bench/tsconfig.json bench/matmul-cpu.ts`
// (GRAFT_MATMUL_SIZES=1024 picks the N×N sizes; GRAFT_MATMUL_QUICK=1 stops after that table)
// (graft is the built package; the roofline and the kernel-level tables use the sources).
import os from "node:os";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { config, np } from "graft";
import { ShapedArray } from "../core/aval";
import type { ConvGeneralDilatedParams, DotGeneralParams } from "../core/primitives";
import { convKernel } from "../backends/cpu/conv";
import { FAST_MIN_MACS, fastDotGeneral, THREADING } from "../backends/cpu/matmul";
import { fastConv, im2colPays } from "../backends/cpu/matmul-conv";
import { wasmSimdPeak } from "../backends/cpu/matmul-wasm";
import { dotGeneral as referenceDot } from "../backends/cpu/reduce";

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(" ");
/** Median (and best) ms per call over `rounds` after ~300 ms of warm-up (V8 tiers wasm up). */
function time(f: () => unknown, rounds = 7): { med: number; best: number } {
  const w0 = performance.now();
  for (let i = 0; i < 2 || performance.now() - w0 < 300; i++) f();
  const ts: number[] = [];
  for (let r = 0; r < rounds; r++) { const t0 = performance.now(); f(); ts.push(performance.now() - t0); }
  ts.sort((a, b) => a - b);
  return { med: ts[rounds >> 1], best: ts[0] };
}
async function peer(name: string): Promise<any> {
  const from = process.env.GRAFT_PEERS ? `${process.env.GRAFT_PEERS}/` : import.meta.url;
  try { return await import(pathToFileURL(createRequire(from).resolve(name)).href); } catch { return null; }
}
const rand = (n: number, Arr: Float32ArrayConstructor | Float64ArrayConstructor): Float32Array | Float64Array => {
  const a = new Arr(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5;
  return a;
};
const SIZES = (process.env.GRAFT_MATMUL_SIZES ?? "256,512,1024").split(",").map(Number);
const gflops = (n: number, ms: number) => (2 * n ** 3) / ms / 1e6;

console.log(`load average at start: ${load()} (${os.cpus().length} cores; figures are noisy when others run)\n`);
const peak = { float32: wasmSimdPeak("float32"), float64: wasmSimdPeak("float64") };
console.log(`WebAssembly SIMD roofline (mul+add loop, 1 core): float32 ${peak.float32.toFixed(1)} GFLOP/s, float64 ${peak.float64.toFixed(1)} GFLOP/s\n`);

// ---- matmul N×N: graft and the peers interleaved round by round, so that load from other
// processes falls on all of them alike; medians and bests of the rounds.
type Contender = { lib: string; dt: "float32" | "float64"; run: (n: number) => () => unknown };
const contenders: Contender[] = [];
const THREADS = [1, 2];
for (const dt of ["float32", "float64"] as const) {
  for (const th of THREADS) {
    contenders.push({ lib: `graft (${th} thread${th > 1 ? "s" : ""})`, dt, run: (n) => {
      const Arr = dt === "float32" ? Float32Array : Float64Array;
      const a = np.array(rand(n * n, Arr), { shape: [n, n], dtype: dt }), b = np.array(rand(n * n, Arr), { shape: [n, n], dtype: dt });
      return () => { config.update("cpuThreads", th); return np.matmul(a, b).dataSync(); };
    } });
  }
}
const tf = await peer("@tensorflow/tfjs-core");
const tfWasm = tf ? await peer("@tensorflow/tfjs-backend-wasm") : null;
if (tf && tfWasm && await tf.setBackend("wasm")) {
  await tf.ready();
  contenders.push({ lib: "tfjs-backend-wasm", dt: "float32", run: (n) => {
    const a = tf.tensor2d(rand(n * n, Float32Array), [n, n]), b = tf.tensor2d(rand(n * n, Float32Array), [n, n]);
    return () => { const c = tf.matMul(a, b); c.dataSync(); c.dispose(); };
  } });
} else console.log("(tfjs-core + tfjs-backend-wasm not found: set GRAFT_PEERS to a project that has them)");
// jax-js picks one thread or a worker pool when it loads: threads need a browser-style Worker.
const jaxThreads = Number(process.env.GRAFT_JAXJS_THREADS ?? os.cpus().length);
if (jaxThreads > 1) {
  try { (await import("./worker-shim")).installWorkerShim(); } catch { console.log("(bench/worker-shim.ts missing: jax-js runs on one thread)"); }
}
const jax = await peer("@jax-js/jax");
if (jax) {
  (globalThis as any).navigator ??= { hardwareConcurrency: jaxThreads };
  await jax.init();
  const jnp = jax.numpy;
  const label = `jax-js (wasm, ${typeof (globalThis as any).Worker === "function" ? `${jaxThreads} threads` : "1 thread"})`;
  contenders.push({ lib: label, dt: "float32", run: (n) => {
    const a = jnp.array(rand(n * n, Float32Array)).reshape([n, n]), b = jnp.array(rand(n * n, Float32Array)).reshape([n, n]);
    return () => jnp.matmul(a.ref, b.ref).dataSync();
  } });
} else console.log("(@jax-js/jax not found: set GRAFT_PEERS)");

type Row = { lib: string; dt: string; n: number; gf: number; best: number };
const rows: Row[] = [];
for (const n of SIZES) {
  const fs = contenders.map((c) => c.run(n));
  for (const f of fs) { const w0 = performance.now(); for (let i = 0; i < 2 || performance.now() - w0 < 300; i++) f(); }
  const samples = fs.map(() => [] as number[]);
  for (let r = 0; r < (n >= 1024 ? 7 : 11); r++) {
    fs.forEach((f, i) => { const t0 = performance.now(); f(); samples[i].push(performance.now() - t0); });
  }
  contenders.forEach((c, i) => {
    const ts = samples[i].sort((x, y) => x - y);
    const r = { lib: c.lib, dt: c.dt, n, gf: gflops(n, ts[ts.length >> 1]), best: gflops(n, ts[0]) };
    rows.push(r);
    // per core: the roofline is one core's
    const cores = c.lib.startsWith("graft (2") ? 2 : 1;
    const roof = c.lib.startsWith("graft") ? `  ${(100 * r.gf / cores / peak[c.dt]).toFixed(0)}% of roofline per core (best ${(100 * r.best / cores / peak[c.dt]).toFixed(0)}%)` : "";
    console.log(`${c.lib.padEnd(26)} ${c.dt} N=${String(n).padEnd(5)} ${r.gf.toFixed(1).padStart(6)} GFLOP/s (best ${r.best.toFixed(1).padStart(5)})${roof}`);
  });
  console.log("");
}

{
  const n = 1024, a = np.array(rand(n * n, Float32Array), { shape: [n, n], dtype: "float32" }), x = np.array(rand(n, Float32Array), { shape: [n], dtype: "float32" });
  const t = time(() => np.matmul(a, x).dataSync(), 15);
  console.log(`${"graft (eager np.matmul)".padEnd(24)} float32 matrix-vector ${n}x${n} @ ${n}: ${(2 * n * n / t.med / 1e6).toFixed(1)} GFLOP/s (memory-bound)`);
}

console.log("\nfloat32, graft / peer (higher is better), by medians and by bests:");
for (const th of THREADS) {
  for (const n of SIZES) {
    const g = rows.find((r) => r.lib.startsWith(`graft (${th} `) && r.dt === "float32" && r.n === n)!;
    const vs = rows.filter((r) => !r.lib.startsWith("graft") && r.n === n).map((r) => `${r.lib} ${(g.gf / r.gf).toFixed(2)}x (${(g.best / r.best).toFixed(2)}x)`);
    console.log(`  ${g.lib.padEnd(18)} N=${String(n).padEnd(5)} ${vs.join(";  ") || "(no peers)"}`);
  }
}
const gBig = rows.find((r) => r.lib === "graft (1 thread)" && r.dt === "float32" && r.n === SIZES[SIZES.length - 1])!;
console.log(`graft float32 N=${gBig.n}, 1 thread: ${(100 * gBig.gf / peak.float32).toFixed(0)}% (best ${(100 * gBig.best / peak.float32).toFixed(0)}%) of the WebAssembly SIMD roofline (${peak.float32.toFixed(1)} GFLOP/s)`);
if (process.env.GRAFT_MATMUL_QUICK) { console.log(`load average at end: ${load()}`); process.exit(0); }

// ---- threads threshold: 1 vs 2 threads on mid-sized products ---------------------------------
console.log(`\nthreads, float32 ms per call (1 vs 2 threads, threshold lowered to 0; dispatch splits from ${THREADING.minMacs} multiply-adds):`);
{
  const saved = THREADING.minMacs;
  THREADING.minMacs = 0;
  for (const [m, k, n] of [[64, 64, 64], [96, 96, 96], [128, 128, 128], [160, 160, 160], [192, 192, 192], [256, 256, 256], [128, 512, 128], [64, 1024, 256], [384, 384, 384]]) {
    const a = np.array(rand(m * k, Float32Array), { shape: [m, k], dtype: "float32" }), b = np.array(rand(k * n, Float32Array), { shape: [k, n], dtype: "float32" });
    const at = (th: number) => () => { config.update("cpuThreads", th); np.matmul(a, b).dataSync(); };
    const t1 = time(at(1), 15).med, t2 = time(at(2), 15).med, macs = m * k * n;
    console.log(`  ${`${m}x${k}x${n}`.padEnd(14)} (${String(macs).padStart(9)} MACs): 1 thread ${t1.toFixed(3).padStart(7)}  2 threads ${t2.toFixed(3).padStart(7)}  ` +
      `${t1 < t2 ? "1" : "2"} faster (${(t1 / t2).toFixed(2)}x); dispatch takes ${macs >= saved ? "2" : "1"}`);
  }
  THREADING.minMacs = saved;
}
config.update("cpuThreads", 1);

// ---- dispatch threshold: plain JS loop vs the SIMD GEMM on small products -------------------
console.log(`\nsmall products, µs per call (plain JS reference loop vs SIMD GEMM; threshold ${FAST_MIN_MACS} multiply-adds):`);
const wasmOnly = fastDotGeneral(referenceDot, 0);
const p2: DotGeneralParams = { dimensionNumbers: [[[1], [0]], [[], []]], preferredElementType: null };
for (const dt of ["float32", "float64"] as const) {
  for (const n of [2, 3, 4, 6, 8, 12, 16, 24, 32, 48]) {
    const Arr = dt === "float32" ? Float32Array : Float64Array;
    const ins = [{ data: rand(n * n, Arr), aval: new ShapedArray([n, n], dt) }, { data: rand(n * n, Arr), aval: new ShapedArray([n, n], dt) }];
    const out = [new ShapedArray([n, n], dt)];
    const reps = Math.max(10, Math.round(200_000 / (n ** 3 + 200)));
    const js = time(() => { for (let i = 0; i < reps; i++) referenceDot(ins, p2, out); }, 5).med / reps * 1e3;
    const simd = time(() => { for (let i = 0; i < reps; i++) wasmOnly(ins, p2, out); }, 5).med / reps * 1e3;
    console.log(`  ${dt} ${`${n}x${n}x${n}`.padEnd(8)} (${String(n ** 3).padStart(6)} MACs): JS ${js.toFixed(2).padStart(7)}  SIMD ${simd.toFixed(2).padStart(7)}  ` +
      `${js < simd ? "JS" : "SIMD"} faster; dispatch takes ${n ** 3 >= FAST_MIN_MACS ? "SIMD" : "JS"}`);
  }
}

// ---- conv: im2col + SIMD GEMM vs the direct reference kernel --------------------------------
console.log("\nconv float32, ms per call (direct reference kernel vs im2col + SIMD GEMM on 1 and 2 threads):");
const viaGemm = fastConv(convKernel, () => true);
const convShapes: [string, number[], number[], number, number[], number][] = [
  // name, lhs NCHW, rhs OIHW, feature groups, strides, padding
  ["LeNet 32x1x28x28 * 8x1x5x5", [32, 1, 28, 28], [8, 1, 5, 5], 1, [1, 1], 0],
  ["8x32x32x32 * 64x32x3x3 SAME", [8, 32, 32, 32], [64, 32, 3, 3], 1, [1, 1], 1],
  ["32x16x14x14 * 32x16x3x3 SAME", [32, 16, 14, 14], [32, 16, 3, 3], 1, [1, 1], 1],
  ["8x64x16x16 * 64x64x1x1", [8, 64, 16, 16], [64, 64, 1, 1], 1, [1, 1], 0],
  ["8x64x32x32 * 128x64x3x3 stride 2", [8, 64, 32, 32], [128, 64, 3, 3], 1, [2, 2], 1],
  ["depthwise 8x32x32x32, groups 32", [8, 32, 32, 32], [32, 1, 3, 3], 32, [1, 1], 1],
  ["depthwise x2 8x32x32x32, groups 32 (Og 2)", [8, 32, 32, 32], [64, 1, 3, 3], 32, [1, 1], 1],
  ["to one map 8x64x32x32 * 1x64x3x3", [8, 64, 32, 32], [1, 64, 3, 3], 1, [1, 1], 1],
  ["two maps 8x16x32x32 * 2x16x3x3", [8, 16, 32, 32], [2, 16, 3, 3], 1, [1, 1], 1],
  ["grouped 8x32x16x16, groups 8 (Og 4)", [8, 32, 16, 16], [32, 4, 3, 3], 8, [1, 1], 1],
  ["1-d 16x8x256 * 16x8x5", [16, 8, 256], [16, 8, 5], 1, [1], 2],
  ["tiny 1x1x5x5 * 2x1x3x3", [1, 1, 5, 5], [2, 1, 3, 3], 1, [1, 1], 0],
];
for (const [name, ls, rs, fg, st, pad] of convShapes) {
  const nd = ls.length - 2, iota = [...Array(nd + 2).keys()];
  const outSp = ls.slice(2).map((n, i) => Math.floor((n + 2 * pad - rs[2 + i]) / st[i]) + 1);
  const p = { windowStrides: st, padding: st.map(() => [pad, pad]), lhsDilation: st.map(() => 1), rhsDilation: st.map(() => 1),
    dimensionNumbers: { lhsSpec: iota, rhsSpec: iota, outSpec: iota }, featureGroupCount: fg, batchGroupCount: 1, preferredElementType: null } as ConvGeneralDilatedParams;
  const ins = [{ data: rand(ls.reduce((x, y) => x * y), Float32Array), aval: new ShapedArray(ls, "float32") },
    { data: rand(rs.reduce((x, y) => x * y), Float32Array), aval: new ShapedArray(rs, "float32") }];
  const out = [new ShapedArray([ls[0], rs[0], ...outSp], "float32")];
  const direct = time(() => convKernel(ins, p, out), 5).med;
  const gemm = time(() => { config.update("cpuThreads", 1); viaGemm(ins, p, out); }, 5).med;
  const gemm2 = time(() => { config.update("cpuThreads", 2); viaGemm(ins, p, out); }, 5).med;
  const Og = rs[0] / fg, R = rs.slice(1).reduce((x, y) => x * y), cols = ls[0] * outSp.reduce((x, y) => x * y);
  const gf = 2 * rs[0] * R * cols / 1e6;
  console.log(`  ${name.padEnd(38)} direct ${direct.toFixed(2).padStart(8)}  im2col+GEMM ${gemm.toFixed(2).padStart(8)} (${(gf / gemm).toFixed(1)} GFLOP/s), 2 threads ${gemm2.toFixed(2).padStart(8)}  ` +
    `${direct < gemm ? "direct" : "GEMM"} faster; dispatch takes ${im2colPays(Og, R, cols) ? "GEMM" : "direct"}`);
}
console.log(`\nload average at end: ${load()}`);
