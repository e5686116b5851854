// Eager-mode costs of the reference CPU interpreter: per-op overhead on tiny arrays and
// throughput on large ones. Peers (TensorFlow.js, jax-js) are timed in the same run when
// installed (`npm i --no-save @tensorflow/tfjs @jax-js/jax`); see ../shared/PEERS.md.
import { np } from "graft";

function time(label: string, reps: number, f: () => unknown): number {
  f();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) f();
  const ms = (performance.now() - t0) / reps;
  console.log(`${label.padEnd(44)} ${ms < 0.1 ? `${(ms * 1000).toFixed(2)} µs` : `${ms.toFixed(2)} ms`}`);
  return ms;
}

async function peer(name: string): Promise<any> {
  try { return await import(name); } catch { return null; }
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
  console.log("\ntfjs-cpu");
  const tAdd = time("10-element add (per op)", 10_000, () => tf.tidy(() => tf.add(ts, ts).dataSync()));
  const tChain = time("tanh(x*1.5+0.5)*2, 1M floats", 5, () => tf.tidy(() => tf.tanh(tb.mul(1.5).add(0.5)).mul(2).dataSync()));
  const tMm = time("matmul 256x256", 5, () => tf.tidy(() => tf.matMul(tm, tm).dataSync()));
  console.log(`\nratios graft/tfjs-cpu (lower is better): add ${(gAdd / tAdd).toFixed(2)}, chain ${(gChain / tChain).toFixed(2)}, matmul ${(gMm / tMm).toFixed(2)}`);
} else {
  console.log("\n(@tensorflow/tfjs not installed: no peer column this run)");
}
