// One training step of an MNIST-shaped MLP (784-512-512-10, ReLU, batch 128, softmax
// cross-entropy, Adam 1e-3) on random data: graft's `jit(nn.trainStep(...))` (and eager) on
// the CPU backend, side by side with TensorFlow.js (tfjs-backend-wasm and tfjs-backend-cpu,
// `optimizer.minimize`) and jax-js (wasm, one thread, `jit` of valueAndGrad + Adam written
// out) doing the same step. The steps themselves live in lib-graft.ts, tfjs-mlp.ts and
// lib-jaxjs.ts, shared with `npm run bench` (run-all.ts). Reports the median ms/step and
// graft/peer ratios (lower is better: < 1 means graft is faster), with the load average.
// Run: npm run build && GRAFT_PEERS=/tmp/peers tsx --tsconfig bench/tsconfig.json bench/mlp-train.ts
// Options (env): STEPS (timed steps per library, default 20), SKIP (comma list: graft-eager,
// tfjs-cpu, tfjs-wasm, jax-js).
import os from "node:os";
import { loadAvg, loadJaxJs, medianMs, peer } from "./common";
import { graftMlpStep } from "./lib-graft";
import { jaxjsMlpStep } from "./lib-jaxjs";
import { loadTfjs, tfjsColumn } from "./lib-tfjs";
import { SIZES } from "./workloads";

const dims = { B: 128, D: 784, H: 512, C: 10 };
const { B, D, H, C } = dims;
const STEPS = Number(process.env.STEPS ?? 20);
const SKIP = new Set((process.env.SKIP ?? "").split(",").filter(Boolean));
const GFLOP = (3 * 2 * B * (D * H + H * H + H * C)) / 1e9; // forward + two backward matmuls

const rows: [string, number][] = [];
async function report(name: string, step: () => unknown, steps = STEPS) {
  const ms = await medianMs(step, { reps: steps, minWarmup: 3 });
  rows.push([name, ms]);
  console.log(`${name.padEnd(34)} ${ms.toFixed(2).padStart(9)} ms/step  ${(GFLOP / ms * 1e3).toFixed(1).padStart(6)} GFLOP/s`);
}
console.log(`MLP ${D}-${H}-${H}-${C}, batch ${B}, softmax cross-entropy, Adam; median of ${STEPS} steps (${GFLOP.toFixed(2)} GFLOP/step)`);
console.log(`cpus: ${os.cpus().length}, load average at start: ${loadAvg()}\n`);

await report("graft cpu, jit(trainStep)", graftMlpStep(dims, true));
if (!SKIP.has("graft-eager")) await report("graft cpu, eager trainStep", graftMlpStep(dims, false), 5);

const tfjs = await loadTfjs(peer);
for (const backend of ["wasm", "cpu"] as const) {
  if (SKIP.has(`tfjs-${backend}`)) continue;
  if (!tfjs || (backend === "wasm" && !tfjs.wasm)) { console.log(`(tfjs-${backend} not installed; set GRAFT_PEERS)`); continue; }
  const step = await tfjsColumn(tfjs.tf, backend, { ...SIZES, mlp: dims }).cases.mlp!(0);
  await report(`tfjs-${backend}, optimizer.minimize`, step, backend === "cpu" ? Math.min(STEPS, 5) : STEPS);
}

const jax = SKIP.has("jax-js") ? null : await loadJaxJs(1);
if (jax) {
  try {
    await report("jax-js wasm (1 thread), jit", jaxjsMlpStep(jax, dims));
  } catch (e) {
    console.log(`jax-js: failed (${String((e as Error).message ?? e).slice(0, 120)})`);
  }
} else if (!SKIP.has("jax-js")) {
  console.log("(@jax-js/jax not installed: no jax-js row; set GRAFT_PEERS)");
}

const g = rows.find(([n]) => n.startsWith("graft cpu, jit"))?.[1];
if (g !== undefined && rows.length > 1) {
  console.log("\nratios graft jit / peer (lower is better; < 1 means graft is faster):");
  for (const [name, ms] of rows) if (!name.startsWith("graft")) console.log(`  ${name.padEnd(34)} ${(g / ms).toFixed(2)}`);
}
console.log(`\nload average at end: ${loadAvg()}`);
process.exit(0);
