// CPU elementwise throughput: the chain tanh(x*1.5+0.5)*2 over 1M and 4M float32 (eager and
// jit; the jit runs one WebAssembly SIMD loop, backends/cpu/elementwise-wasm.ts), a single
// np.tanh, the sum and the max of 4M floats and exp of 4M float64s, in ms per call including
// reading the result back, graft on 1 thread and on cpuThreads (default: the cores; big
// kernels split across threads, backends/cpu/parallel.ts), side by side with
// tfjs-backend-wasm, tfjs-backend-cpu and jax-js (wasm, one thread) where they are installed
// in the folder named by GRAFT_PEERS (see ../shared/PEERS.md).
// Run: `npx tsup && npx tsx --tsconfig bench/tsconfig.json bench/elementwise-cpu.ts`
import os from "node:os";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { config, jit, np, type NDArray } from "graft";

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(" ");
async function peer(name: string): Promise<any> {
  const from = process.env.GRAFT_PEERS ? `${process.env.GRAFT_PEERS}/` : import.meta.url;
  try { return await import(pathToFileURL(createRequire(from).resolve(name)).href); } catch { return null; }
}
const rand = (n: number): Float32Array => {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = 4 * Math.random() - 2;
  return a;
};

type Task = "chain" | "tanh" | "sum" | "max" | "exp64";
type Contender = { lib: string; before?: () => Promise<unknown>; make: (task: Task, data: Float32Array) => (() => unknown) | null };
const contenders: Contender[] = [];
const chain = (x: NDArray) => np.tanh(x.mul(1.5).add(0.5)).mul(2);
const jchain = jit(chain);
const THREADS = config.get("cpuThreads");
for (const threads of THREADS > 1 ? [1, THREADS] : [1]) {
  const tag = `${threads} thread${threads > 1 ? "s" : ""}`, before = async () => { config.update("cpuThreads", threads); };
  contenders.push({ lib: `graft eager (${tag})`, before, make: (task, data) => {
    const x = np.array(task === "exp64" ? Float64Array.from(data) : data);
    const f = { chain: () => chain(x), tanh: () => np.tanh(x), sum: () => np.sum(x), max: () => np.max(x), exp64: () => np.exp(x) }[task];
    return () => f().dataSync();
  } });
  contenders.push({ lib: `graft jit (${tag})`, before, make: (task, data) => {
    const x = np.array(data);
    return task === "chain" ? () => jchain(x).dataSync() : null;
  } });
}

const tf = await peer("@tensorflow/tfjs");
for (const backend of ["wasm", "cpu"]) {
  if (!tf) break;
  if (backend === "wasm") await peer("@tensorflow/tfjs-backend-wasm");
  contenders.push({ lib: `tfjs-${backend}`, before: async () => { await tf.setBackend(backend); await tf.ready(); }, make: (task, data) => {
    const x = tf.tensor1d(data);
    if (task === "exp64") return null;   // tfjs has no float64
    const f = task === "chain" ? () => tf.tanh(x.mul(1.5).add(0.5)).mul(2) : task === "tanh" ? () => tf.tanh(x) : task === "max" ? () => tf.max(x) : () => tf.sum(x);
    return () => { const y = tf.tidy(f); y.dataSync(); y.dispose(); };
  } });
}
if (!tf) console.log("(@tensorflow/tfjs not found: set GRAFT_PEERS to a project that has it)");
const jax = await peer("@jax-js/jax");
if (jax) {
  (globalThis as any).navigator ??= { hardwareConcurrency: os.cpus().length };
  await jax.init();
  const jnp = jax.numpy;
  const jf = jax.jit((x: any) => jnp.tanh(x.mul(1.5).add(0.5)).mul(2));
  contenders.push({ lib: "jax-js jit (wasm, 1 thread)", make: (task, data) => {
    const x = jnp.array(data);
    if (task === "exp64") return null;
    return task === "chain" ? () => jf(x.ref).dataSync() : task === "tanh" ? () => jnp.tanh(x.ref).dataSync()
      : task === "max" ? () => jnp.max(x.ref).dataSync() : () => jnp.sum(x.ref).dataSync();
  } });
} else console.log("(@jax-js/jax not found: set GRAFT_PEERS)");

console.log(`load average at start: ${load()} (${os.cpus().length} cores; figures are noisy when others run)\n`);
const med = (ts: number[]) => [...ts].sort((a, b) => a - b)[ts.length >> 1];
const results = new Map<string, number>();
const LABEL: Record<Task, string> = { chain: "tanh(x*1.5+0.5)*2", tanh: "np.tanh", sum: "sum", max: "max", exp64: "exp float64" };
for (const [task, n] of [["chain", 1 << 20], ["chain", 1 << 22], ["tanh", 1 << 20], ["sum", 1 << 22], ["max", 1 << 22], ["exp64", 1 << 22]] as [Task, number][]) {
  const data = rand(n);
  // one contender at a time (tfjs switches backends between them), warmed up first
  const samples: number[][] = [];
  const ran: Contender[] = [];
  for (const c of contenders) {
    await c.before?.();
    const f = c.make(task, data);
    if (!f) continue;
    const w0 = performance.now();
    for (let i = 0; i < 3 || performance.now() - w0 < 400; i++) f();
    const ts: number[] = [];
    for (let r = 0; r < 15; r++) { const t0 = performance.now(); f(); ts.push(performance.now() - t0); }
    samples.push(ts); ran.push(c);
  }
  const label = `${LABEL[task]} ${n >> 20}M`;
  console.log(label);
  ran.forEach((c, i) => {
    const m = med(samples[i]);
    results.set(`${label}|${c.lib}`, m);
    console.log(`  ${c.lib.padEnd(28)} ${m.toFixed(2).padStart(8)} ms  (best ${Math.min(...samples[i]).toFixed(2)})`);
  });
}
console.log("\nratios (peer ms / graft ms; higher is better for graft):");
for (const label of ["tanh(x*1.5+0.5)*2 1M", "tanh(x*1.5+0.5)*2 4M"]) {
  const g = results.get(`${label}|graft jit (${THREADS} thread${THREADS > 1 ? "s" : ""})`)!;
  for (const [k, m] of results) if (k.startsWith(label) && !k.includes("|graft")) console.log(`  ${label} jit vs ${k.split("|")[1].padEnd(28)} ${(m / g).toFixed(2)}x`);
}
console.log("\nthreads (graft, 1 thread ms / cpuThreads ms):");
for (const [k, m] of results) {
  const [label, lib] = k.split("|");
  if (THREADS > 1 && lib.startsWith("graft") && lib.endsWith("(1 thread)")) {
    const mt = results.get(`${label}|${lib.replace("(1 thread)", `(${THREADS} threads)`)}`);
    if (mt) console.log(`  ${`${label} ${lib.split(" (")[0]}`.padEnd(36)} ${(m / mt).toFixed(2)}x`);
  }
}
console.log(`load average at end: ${load()}`);
