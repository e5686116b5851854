// Eager-mode costs of the CPU backend: per-op overhead on tiny arrays and throughput on large
// ones, with tfjs-cpu (which also computes synchronously) on the same ops when installed in
// the folder named by GRAFT_PEERS (see ../shared/PEERS.md). The full side-by-side table with
// every peer is bench/run-all.ts (`npm run bench`); this is the quick look at eager dispatch.
// Run: npm run build && tsx --tsconfig bench/tsconfig.json bench/eager-ops.ts
import { np } from "graft";
import { fmtMs, medianMs, peer } from "./common";

/** Median ms per call of `f`, timed over batches of `reps` calls after ~200 ms of warm-up. */
async function time(label: string, reps: number, f: () => unknown): Promise<number> {
  const ms = (await medianMs(() => { for (let i = 0; i < reps; i++) f(); }, { warmupMs: 200, reps: 5 })) / reps;
  console.log(`${label.padEnd(44)} ${fmtMs(ms)}`);
  return ms;
}

const small = np.arange(10, undefined, 1, { dtype: "float32" });
const big = np.linspace(-3, 3, 1 << 20);
const m = np.ones([256, 256]);
console.log("graft (cpu)");
const gAdd = await time("10-element add (per op)", 10_000, () => small.add(small));
const gChain = await time("tanh(x*1.5+0.5)*2, 1M floats", 5, () => np.tanh(big.mul(1.5).add(0.5)).mul(2));
await time("sum of 1M floats", 10, () => np.sum(big));
const gMm = await time("matmul 256x256", 5, () => np.matmul(m, m));

const tf = await peer("@tensorflow/tfjs");
if (tf) {
  await tf.setBackend("cpu"); await tf.ready();
  const ts = tf.range(0, 10), tb = tf.linspace(-3, 3, 1 << 20), tm = tf.ones([256, 256]);
  console.log("\ntfjs-cpu");
  const tAdd = await time("10-element add (per op)", 10_000, () => tf.tidy(() => { tf.add(ts, ts); }));
  const tChain = await time("tanh(x*1.5+0.5)*2, 1M floats", 5, () => tf.tidy(() => { tf.tanh(tb.mul(1.5).add(0.5)).mul(2); }));
  const tMm = await time("matmul 256x256", 5, () => tf.tidy(() => { tf.matMul(tm, tm); }));
  console.log(`\nratios graft/tfjs-cpu (lower is better): add ${(gAdd / tAdd).toFixed(2)}, chain ${(gChain / tChain).toFixed(2)}, matmul ${(gMm / tMm).toFixed(2)}`);
} else {
  console.log("\n(@tensorflow/tfjs not installed: no peer column this run; set GRAFT_PEERS)");
}
