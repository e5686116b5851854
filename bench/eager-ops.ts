// Eager-mode costs of the reference CPU interpreter: per-op overhead on tiny arrays and
// throughput on large ones. Peers (TensorFlow.js, jax-js) are timed in the same run when
// installed (in a scratch npm project named by GRAFT_PEERS); see ../shared/PEERS.md.
// Run with `npm run bench`, which builds first and imports the built package.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { np } from "graft";

/** Median time per call over 5 rounds of `reps` calls, after ~200 ms of warm-up (V8 tiers up). */
function time(label: string, reps: number, f: () => unknown): number {
  const w0 = performance.now();
  while (performance.now() - w0 < 200) f();
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) f();
    rounds.push((performance.now() - t0) / reps);
  }
  const ms = rounds.sort((a, b) => a - b)[2];
  console.log(`${label.padEnd(44)} ${ms < 0.1 ? `${(ms * 1000).toFixed(2)} µs` : `${ms.toFixed(2)} ms`}`);
  return ms;
}

/** A peer library, from this project or from the folder named by GRAFT_PEERS (a scratch
 * npm project holding the peers, so they never enter our lock file). */
async function peer(name: string): Promise<any> {
  const from = process.env.GRAFT_PEERS ? `${process.env.GRAFT_PEERS}/` : import.meta.url;
  try { return await import(pathToFileURL(createRequire(from).resolve(name)).href); } catch { return null; }
}

const small = np.arange(10, undefined, 1, { dtype: "float32" });
const big = np.linspace(-3, 3, 1 << 20);
const m = np.ones([256, 256]);
console.log("graft (cpu reference interpreter)");
const gAdd = time("10-element add (per op)", 10_000, () => small.add(small));
const gChain = time("tanh(x*1.5+0.5)*2, 1M floats", 5, () => np.tanh(big.mul(1.5).add(0.5)).mul(2));
time("sum of 1M floats", 10, () => np.sum(big));
const gMm = time("matmul 256x256", 5, () => np.matmul(m, m));

const tf = await peer("@tensorflow/tfjs");
if (tf) {
  await tf.setBackend("cpu"); await tf.ready();
  const ts = tf.range(0, 10), tb = tf.linspace(-3, 3, 1 << 20), tm = tf.ones([256, 256]);
  // tfjs-cpu computes synchronously, like graft's CPU backend: no read-back in either.
  console.log("\ntfjs-cpu");
  const tAdd = time("10-element add (per op)", 10_000, () => tf.tidy(() => { tf.add(ts, ts); }));
  const tChain = time("tanh(x*1.5+0.5)*2, 1M floats", 5, () => tf.tidy(() => { tf.tanh(tb.mul(1.5).add(0.5)).mul(2); }));
  const tMm = time("matmul 256x256", 5, () => tf.tidy(() => { tf.matMul(tm, tm); }));
  console.log(`\nratios graft/tfjs-cpu (lower is better): add ${(gAdd / tAdd).toFixed(2)}, chain ${(gChain / tChain).toFixed(2)}, matmul ${(gMm / tMm).toFixed(2)}`);
} else {
  console.log("\n(@tensorflow/tfjs not installed: no peer column this run)");
}
