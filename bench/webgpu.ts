// graft on WebGPU (Dawn in Node, npm `webgpu`), eager and jit, side by side with
// TensorFlow.js's WebGPU backend on Dawn in the same process: tiled matmul (GFLOP/s),
// fused elementwise chains (effective GB/s and GPU dispatches per call) and one training
// step of the 784-512-512-10 MLP (batch 128, softmax cross-entropy, Adam).
//
// Every time runs until the work is done: a sample enqueues `r` calls (r chosen so a sample
// lasts ~TARGET_MS) and awaits one element of the last result; the table shows the median per call. The
// columns of a row take their samples in turn, so load from other processes (this machine
// is shared) hits them alike. On SwiftShader (no GPU) only the ratios mean anything.
//
// Peers come from a scratch npm project named by GRAFT_PEERS (see ../shared/PEERS.md):
//   mkdir -p /tmp/peers && cd /tmp/peers && npm init -y && npm install @tensorflow/tfjs \
//     @tensorflow/tfjs-core @tensorflow/tfjs-backend-webgpu @tensorflow/tfjs-backend-cpu webgpu
// (the full @tensorflow/tfjs registers the gradients the MLP step needs; tfjs-core alone
// runs matmul and the chains only). Run:
//   npx tsup && eval "$(bash scripts/webgpu-env.sh --no-install)" && \
//     GRAFT_PEERS=/tmp/peers npx tsx --tsconfig bench/tsconfig.json bench/webgpu.ts
// Options (env): SIZES (matmul sizes, default 256,512,1024,2048; 2048 is left out on
// SwiftShader unless listed), CHAIN (chain lengths in floats, default 1048576,4194304),
// STEPS (at most this many MLP rounds, default 5), BUDGET_S (seconds of samples per column, default 3),
// TARGET_MS (default 100), SKIP (comma list of matmul, chain, mlp, eager, jit, tfjs), WARMUP_S
// (seconds of matmuls before the table on a real GPU, default 3: an idle GPU clocks down, an
// H100 to 345 MHz, and the first rows would measure its clock ramp), PEAK_TFLOPS (the GPU's
// float32 peak, for the fraction-of-peak line: 66.9 for an H100 SXM at 1980 MHz).
import { createRequire } from "node:module";
import os from "node:os";
import { pathToFileURL } from "node:url";
import { defaultDevice, init, jit, lax, np, random, tidy, vmap, type NDArray } from "graft";
import * as nn from "graft/nn";
import { tfjsMlp } from "./tfjs-mlp";

const SKIP = new Set((process.env.SKIP ?? "").split(",").filter(Boolean));
const BUDGET_MS = Number(process.env.BUDGET_S ?? 3) * 1000;
const TARGET_MS = Number(process.env.TARGET_MS ?? 100);
const STEPS = Number(process.env.STEPS ?? 5);

async function peer(name: string): Promise<any> {
  const from = process.env.GRAFT_PEERS ? `${process.env.GRAFT_PEERS}/` : import.meta.url;
  try { return await import(pathToFileURL(createRequire(from).resolve(name)).href); } catch { return null; }
}

// ---- graft ---------------------------------------------------------------------------------

await init("webgpu");
defaultDevice("webgpu");
// The backend behind the arrays (not public API): named for the header, and its `dispatch`
// wrapped to count the kernels each call enqueues.
const backend = (np.zeros([1]) as unknown as { backend: { description: string; dispatch: (...a: unknown[]) => void } }).backend;
const adapterName = backend.description;
const swiftshader = /swiftshader/i.test(adapterName);
let graftDispatches = 0;
{
  const dispatch = backend.dispatch.bind(backend);
  backend.dispatch = (...a: unknown[]) => { graftDispatches++; dispatch(...a); };
}

// ---- TensorFlow.js on Dawn ----------------------------------------------------------------

let tfDispatches = 0;
async function startTfjs(): Promise<any> {
  if (SKIP.has("tfjs")) return null;
  const webgpu = (await peer("webgpu")) ?? (await import("webgpu").catch(() => null));
  const tf = (await peer("@tensorflow/tfjs")) ?? (await peer("@tensorflow/tfjs-core"));
  if (!webgpu || !tf) { console.log("(tfjs or webgpu not found under GRAFT_PEERS: no tfjs column)\n"); return null; }
  // tfjs-backend-webgpu registers itself on import only where navigator.gpu exists, and
  // uses the GPU* constants.
  Object.assign(globalThis, webgpu.globals);
  const gpu = webgpu.create([]);
  const g = globalThis as { navigator?: object };
  if (!g.navigator) Object.defineProperty(globalThis, "navigator", { value: {}, configurable: true, writable: true });
  Object.defineProperty(g.navigator!, "gpu", { value: gpu, configurable: true });
  if (!(await peer("@tensorflow/tfjs-backend-webgpu"))) { console.log("(@tensorflow/tfjs-backend-webgpu not found under GRAFT_PEERS: no tfjs column)\n"); return null; }
  if (!(await tf.setBackend("webgpu"))) { console.log("(tfjs: setBackend('webgpu') failed: no tfjs column)\n"); return null; }
  await tf.ready();
  const b = tf.backend();
  const record = b.recordAndSubmit.bind(b);
  b.recordAndSubmit = (...a: unknown[]) => { tfDispatches++; return record(...a); };
  return tf;
}
const tf = await startTfjs();

// ---- timing --------------------------------------------------------------------------------

interface Cell { ms: number; dispatches: number; samples: number; reps: number }
type Column = "eager" | "jit" | "tfjs";
/** One column's work: `op` enqueues a call, `sync` awaits its read-back. */
interface Job<T = any> { op: () => T; sync: (o: T) => Promise<unknown>; dispose: (o: T) => void; counter: () => number }

const graftJob = <T>(op: () => T, sync: (o: T) => Promise<unknown>, dispose: (o: T) => void = () => {}): Job<T> =>
  ({ op, sync, dispose, counter: () => graftDispatches });
const tfJob = <T>(op: () => T, sync: (o: T) => Promise<unknown>, dispose: (o: T) => void): Job<T> =>
  ({ op, sync, dispose, counter: () => tfDispatches });

/** Runs r calls, reads the last back; ms per call. */
async function sample<T>(j: Job<T>, reps: number): Promise<number> {
  const t0 = performance.now();
  let o!: T;
  for (let i = 0; i < reps; i++) {
    o = j.op();
    if (i < reps - 1) j.dispose(o);
  }
  await j.sync(o);
  j.dispose(o);
  return (performance.now() - t0) / reps;
}

/**
 * Median ms per call for each column. Per column: one warm-up call (pipelines compile), one
 * timed call that counts dispatches and picks r (calls per sample, ~TARGET_MS). Then rounds
 * of one sample per column, interleaved so that load from other processes hits every column
 * alike, until BUDGET_MS per column (at least one round, at most maxRounds).
 */
async function measureRow(jobs: Partial<Record<Column, Job>>, maxRounds = 9): Promise<Partial<Record<Column, Cell>>> {
  const cols = Object.keys(jobs) as Column[];
  const setup = new Map<Column, { reps: number; dispatches: number; times: number[] }>();
  for (const c of cols) {
    const j = jobs[c]!;
    let o = j.op(); await j.sync(o); j.dispose(o);
    const c0 = j.counter();
    const t0 = performance.now();
    o = j.op();
    const dispatches = j.counter() - c0;
    await j.sync(o); j.dispose(o);
    const first = performance.now() - t0;
    setup.set(c, { reps: Math.max(1, Math.min(512, Math.ceil(TARGET_MS / Math.max(first, 1e-3)))), dispatches, times: [] });
  }
  const start = performance.now();
  for (let round = 0; round < maxRounds && (round === 0 || performance.now() - start < BUDGET_MS * cols.length); round++) {
    for (const c of cols) { const s = setup.get(c)!; s.times.push(await sample(jobs[c]!, s.reps)); }
  }
  const out: Partial<Record<Column, Cell>> = {};
  for (const c of cols) {
    const { reps, dispatches, times } = setup.get(c)!;
    times.sort((a, b) => a - b);
    out[c] = { ms: times[times.length >> 1]!, dispatches, samples: times.length, reps };
  }
  return out;
}
// A sample ends by reading one element of its last result: that waits for all the work the
// sample enqueued without timing a full read-back (16 MB for a 2048^2 product takes longer
// over PCIe than the product itself on a real GPU). Both libraries are read the same way.
const readG = async (x: NDArray) => { const e = tidy(() => lax.slice(x.reshape([-1]), [0], [1])); try { await e.data(); } finally { e.dispose(); } };
const readT = async (t: any) => { const e = tf.tidy(() => t.reshape([-1]).slice([0], [1])); try { await e.data(); } finally { e.dispose(); } };
const disposeG = (x: NDArray) => x.dispose();
/** The columns to run: those not in SKIP and present. */
const pick = (jobs: Record<Column, Job | null | undefined>): Partial<Record<Column, Job>> =>
  Object.fromEntries(Object.entries(jobs).filter(([c, j]) => j && !SKIP.has(c))) as Partial<Record<Column, Job>>;

interface Row { name: string; unit: string; work: number; eager?: Cell; jit?: Cell; tfjs?: Cell }
const rows: Row[] = [];
/** Throughput from ms/call: GFLOP/s or GB/s when `work` is GFLOP or GB per call; ms otherwise. */
const value = (r: Row, c?: Cell) => (c === undefined ? NaN : r.unit === "ms" ? c.ms : r.work / (c.ms / 1e3));
const fmt = (v: number) => (Number.isNaN(v) ? "-" : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(2));
/** tfjs time / graft time: > 1 means graft is faster. */
const speedup = (g?: Cell, t?: Cell) => (g && t ? `${(t.ms / g.ms).toFixed(2)}x` : "-");

function printRow(r: Row): void {
  const d = (c?: Cell) => (c ? String(c.dispatches) : "-");
  console.log(`${r.name.padEnd(30)} ${r.unit.padEnd(8)} ${fmt(value(r, r.eager)).padStart(9)} ${fmt(value(r, r.jit)).padStart(9)} ` +
    `${fmt(value(r, r.tfjs)).padStart(9)} ${speedup(r.eager, r.tfjs).padStart(9)} ${speedup(r.jit, r.tfjs).padStart(9)}   ` +
    `${d(r.eager)}/${d(r.jit)}/${d(r.tfjs)}`);
}

console.log(`graft webgpu vs tfjs-webgpu, both on Dawn: ${adapterName}${swiftshader ? " (SwiftShader: CPU emulation, only ratios mean anything)" : ""}`);
console.log(`cpus: ${os.cpus().length}, load average: ${os.loadavg().map((v) => v.toFixed(2)).join(" ")}; medians; speed-up = tfjs time / graft time (> 1: graft faster)\n`);
console.log(`${"case".padEnd(30)} ${"unit".padEnd(8)} ${"eager".padStart(9)} ${"jit".padStart(9)} ${"tfjs".padStart(9)} ` +
  `${"eager/tf".padStart(9)} ${"jit/tf".padStart(9)}   dispatches eager/jit/tfjs`);

const PEAK = Number(process.env.PEAK_TFLOPS ?? NaN);
const WARMUP_MS = Number(process.env.WARMUP_S ?? (swiftshader ? 0 : 3)) * 1000;

const host = (shape: number[], seed: number): Float32Array => {
  // Host data from graft's CPU backend, so every library gets the same numbers.
  const prev = defaultDevice();
  defaultDevice("cpu");
  try { return random.normal(random.key(seed), shape).dataSync() as Float32Array; } finally { defaultDevice(prev); }
};
const onGpu = (data: Float32Array, shape: number[]) => np.array(data, { shape, device: "webgpu" });

if (WARMUP_MS > 0) {
  const w = np.ones([2048, 2048], { device: "webgpu" });
  const t0 = performance.now();
  while (performance.now() - t0 < WARMUP_MS) { const o = tidy(() => np.matmul(w, w).sum()); await o.data(); o.dispose(); }
  w.dispose();
}

// ---- matmul --------------------------------------------------------------------------------

if (!SKIP.has("matmul")) {
  const sizes = (process.env.SIZES ?? (swiftshader ? "256,512,1024" : "256,512,1024,2048")).split(",").map(Number);
  if (swiftshader && !process.env.SIZES) console.log("(SwiftShader: matmul 2048 left out, it takes minutes; SIZES=256,512,1024,2048 to include it)");
  for (const n of sizes) {
    const ad = host([n, n], 1), bd = host([n, n], 2);
    const a = onGpu(ad, [n, n]), b = onGpu(bd, [n, n]);
    const r: Row = { name: `matmul ${n}x${n}`, unit: "GFLOP/s", work: (2 * n ** 3) / 1e9 };
    const mm = jit((x: NDArray, y: NDArray) => np.matmul(x, y));
    const ta = tf?.tensor2d(ad, [n, n]), tb = tf?.tensor2d(bd, [n, n]);
    Object.assign(r, await measureRow(pick({
      eager: graftJob(() => np.matmul(a, b), readG, disposeG),
      jit: graftJob(() => mm(a, b), readG, disposeG),
      tfjs: tf && tfJob(() => tf.matMul(ta, tb), readT, (t: any) => t.dispose()),
    })));
    ta?.dispose(); tb?.dispose();
    a.dispose(); b.dispose();
    rows.push(r); printRow(r);
  }
}

// ---- fused elementwise chains -------------------------------------------------------------

if (!SKIP.has("chain")) {
  // graft's tanh and exp are its own (<= 2 ulp, backends/webgpu/wgsl.ts); tfjs's use WGSL's
  // builtin exp, which is cheaper and looser. 4 ops: mul, add, tanh, mul.
  const chain4 = (x: NDArray) => np.tanh(x.mul(1.5).add(0.5)).mul(2);
  const tfChain4 = (x: any) => tf.tanh(x.mul(1.5).add(0.5)).mul(2);
  // 8 ops: mul, add, tanh, mul, sub, mul, neg, exp.
  const chain8 = (x: NDArray) => { const y = np.tanh(x.mul(1.5).add(0.5)).mul(2).sub(0.3); return np.exp(np.negative(y.mul(y))); };
  const tfChain8 = (x: any) => { const y = tf.tanh(x.mul(1.5).add(0.5)).mul(2).sub(0.3); return tf.exp(tf.neg(y.mul(y))); };
  const sizes = (process.env.CHAIN ?? "1048576,4194304").split(",").map(Number);
  for (const [ops, g, t] of [[4, chain4, tfChain4], [8, chain8, tfChain8]] as const) {
    const jitted = jit(g);
    for (const n of sizes) {
      const xd = host([n], 3);
      const x = onGpu(xd, [n]);
      // Effective bandwidth: one read and one write of n floats, whatever the library does.
      const r: Row = { name: `${ops}-op chain, ${n >= 1 << 20 ? `${n / (1 << 20)}M` : n} floats`, unit: "GB/s", work: (8 * n) / 1e9 };
      const tx = tf?.tensor1d(xd);
      Object.assign(r, await measureRow(pick({
        eager: graftJob(() => tidy(() => g(x)), readG, disposeG),
        jit: graftJob(() => jitted(x), readG, disposeG),
        tfjs: tf && tfJob(() => tf.tidy(() => t(tx)), readT, (o: any) => o.dispose()),
      })));
      tx?.dispose();
      x.dispose();
      rows.push(r); printRow(r);
    }
  }
}

// ---- MLP training step --------------------------------------------------------------------

if (!SKIP.has("mlp")) {
  const [B, D, H, C] = [128, 784, 512, 10];
  const LR = 1e-3, B1 = 0.9, B2 = 0.999, EPS = 1e-8;
  const xd = host([B, D], 4);
  const yd = Int32Array.from({ length: B }, (_, i) => (i * 7) % C);
  const x = onGpu(xd, [B, D]);
  const y = np.array(yd, { device: "webgpu" });
  const r: Row = { name: `MLP ${D}-${H}-${H}-${C} step, b=${B}`, unit: "ms", work: 0 };
  let model = new nn.MLP({ inSize: D, outSize: C, widthSize: H, depth: 2, activation: "relu", key: random.key(5) });
  const loss = (m: nn.MLP, xb: NDArray, yb: NDArray) =>
    np.mean(nn.losses.softmaxCrossEntropyWithIntegerLabels(vmap((xi: NDArray) => m.forward(xi))(xb), yb));
  const opt = nn.optim.adam(LR, { b1: B1, b2: B2, eps: EPS });
  let state = opt.init(model);
  const stepFn = nn.trainStep(loss, opt);
  const jitted = jit(stepFn);
  const step = (f: typeof stepFn) => () => { let l: NDArray; [model, state, l] = f(model, state, x, y); return l; };
  let tfjs: Job | null = null;
  if (tf && tf.train) {
    const mlp = tfjsMlp(tf, {
      dims: { D, H, C, B }, x: xd, y: yd, adam: { lr: LR, b1: B1, b2: B2, eps: EPS },
      initW: (shape, layer) => tf.variable(tf.tensor2d(host(shape, 6 + layer), shape).mul(Math.sqrt(2 / shape[0]))),
    });
    tfjs = tfJob(mlp.step, readT, (l: any) => l.dispose());
  } else if (tf) console.log("(tfjs: no gradients registered: install the full @tensorflow/tfjs for the MLP row)");
  Object.assign(r, await measureRow(pick({ eager: graftJob(step(stepFn), readG), jit: graftJob(step(jitted), readG), tfjs }), STEPS));
  rows.push(r); printRow(r);
}

// ---- summary -------------------------------------------------------------------------------

console.log("\nvalues are medians: GFLOP/s and GB/s higher is better, ms lower is better; " +
  "dispatches = GPU kernels one call enqueues (tfjs runs tensors under 1000 elements on its CPU).");
for (const r of rows.filter((r) => r.name.includes("chain") && r.jit && r.tfjs)) {
  const ops = Number(r.name.split("-")[0]);
  const s = r.tfjs!.ms / r.jit!.ms;
  console.log(`goal (issue 5): ${r.name}: jit ${s.toFixed(2)}x tfjs, needs > ${ops / 2}x (ops fused / 2): ${s > ops / 2 ? "met" : "not met"}`);
}
for (const r of rows.filter((r) => r.name.startsWith("matmul 2048") && r.jit)) {
  const tf = value(r, r.jit) / 1e3;
  console.log(`goal (issue 5): matmul 2048 jit ${tf.toFixed(1)} TFLOP/s` + (Number.isNaN(PEAK) ? " (PEAK_TFLOPS not given)" :
    ` = ${((tf / PEAK) * 100).toFixed(0)}% of the ${PEAK} TFLOP/s float32 peak, needs > 50%: ${tf / PEAK > 0.5 ? "met" : "not met"}`));
}
// Dawn in the main thread (tfjs) keeps the event loop alive.
process.exit(0);
