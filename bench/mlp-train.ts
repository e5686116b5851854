// One training step of an MNIST-shaped MLP (784-512-512-10, ReLU, batch 128, softmax
// cross-entropy, Adam 1e-3) on random data: graft's `jit(nn.trainStep(...))` on the CPU
// backend, side by side with TensorFlow.js (tfjs-backend-wasm and tfjs-backend-cpu,
// `optimizer.minimize`) and jax-js (wasm, `jit` of valueAndGrad + Adam written out) doing
// the same step. Reports the median ms/step and graft/peer ratios (lower is better: < 1
// means graft is faster), with the load average (other processes share the machine).
//
// Peers come from a scratch npm project named by GRAFT_PEERS (see ../shared/PEERS.md):
//   mkdir -p /tmp/peers && cd /tmp/peers && npm init -y && npm install @tensorflow/tfjs \
//     @tensorflow/tfjs-backend-wasm @jax-js/jax
// Run: npx tsup && GRAFT_PEERS=/tmp/peers npx tsx --tsconfig bench/tsconfig.json bench/mlp-train.ts
// Options (env): STEPS (timed steps per library, default 20), SKIP (comma list: graft-eager,
// tfjs-cpu, tfjs-wasm, jax-js).
import { createRequire } from "node:module";
import os from "node:os";
import { pathToFileURL } from "node:url";
import { jit, np, random, vmap, type NDArray } from "graft";
import { tfjsMlp } from "./tfjs-mlp";
import * as nn from "graft/nn";

const [B, D, H, C] = [128, 784, 512, 10];
const LR = 1e-3, B1 = 0.9, B2 = 0.999, EPS = 1e-8;
const STEPS = Number(process.env.STEPS ?? 20);
const SKIP = new Set((process.env.SKIP ?? "").split(",").filter(Boolean));
const GFLOP = (3 * 2 * B * (D * H + H * H + H * C)) / 1e9; // forward + two backward matmuls

/** Median ms of `steps` timed calls after >= 3 warm-up calls and ~300 ms (V8 tiers up). */
function timeSteps(step: () => void, steps = STEPS): number {
  const w0 = performance.now();
  for (let i = 0; i < 3 || performance.now() - w0 < 300; i++) step();
  const ts: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    step();
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  return ts[ts.length >> 1]!;
}

async function peer(name: string): Promise<any> {
  const from = process.env.GRAFT_PEERS ? `${process.env.GRAFT_PEERS}/` : import.meta.url;
  try { return await import(pathToFileURL(createRequire(from).resolve(name)).href); } catch { return null; }
}

// The same random data for everyone.
const [kx, ky, km] = random.split(random.key(0), 3);
const x = random.normal(kx!, [B, D]);
const y = random.randint(ky!, [B], 0, C);
const xData = x.dataSync() as Float32Array, yData = y.dataSync() as Int32Array;

const rows: [string, number][] = [];
const report = (name: string, ms: number) => {
  rows.push([name, ms]);
  console.log(`${name.padEnd(34)} ${ms.toFixed(2).padStart(9)} ms/step  ${(GFLOP / ms * 1e3).toFixed(1).padStart(6)} GFLOP/s`);
};
const load = () => os.loadavg().map((v) => v.toFixed(2)).join(" ");
console.log(`MLP ${D}-${H}-${H}-${C}, batch ${B}, softmax cross-entropy, Adam; median of ${STEPS} steps (${GFLOP.toFixed(2)} GFLOP/step)`);
console.log(`cpus: ${os.cpus().length}, load average at start: ${load()}\n`);

// --- graft
{
  let model = new nn.MLP({ inSize: D, outSize: C, widthSize: H, depth: 2, activation: "relu", key: km! });
  const loss = (m: nn.MLP, xb: NDArray, yb: NDArray) =>
    np.mean(nn.losses.softmaxCrossEntropyWithIntegerLabels(vmap((xi: NDArray) => m.forward(xi))(xb), yb));
  const opt = nn.optim.adam(LR, { b1: B1, b2: B2, eps: EPS });
  let state = opt.init(model);
  const stepFn = nn.trainStep(loss, opt);
  const jitted = jit(stepFn);
  let l: NDArray = np.zeros([]);
  report("graft cpu, jit(trainStep)", timeSteps(() => { [model, state, l] = jitted(model, state, x, y); l.dataSync(); }));
  if (!SKIP.has("graft-eager")) report("graft cpu, eager trainStep", timeSteps(() => { [model, state, l] = stepFn(model, state, x, y); l.dataSync(); }, 5));
}

// --- TensorFlow.js: the full package registers the gradients; the wasm backend registers itself.
const tf = await peer("@tensorflow/tfjs");
const tfWasm = tf ? await peer("@tensorflow/tfjs-backend-wasm") : null;
if (tf) {
  for (const backend of ["wasm", "cpu"]) {
    if (SKIP.has(`tfjs-${backend}`)) continue;
    if (backend === "wasm" && !tfWasm) { console.log("tfjs-wasm: @tensorflow/tfjs-backend-wasm not installed"); continue; }
    await tf.setBackend(backend);
    await tf.ready();
    const mlp = tfjsMlp(tf, {
      dims: { D, H, C, B }, x: xData, y: yData, adam: { lr: LR, b1: B1, b2: B2, eps: EPS },
      initW: (shape) => tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / shape[0]))),
    });
    const step = () => {
      const l = mlp.step();
      l.dataSync(); // both backends compute synchronously; the read-back is a 4-byte copy
      l.dispose();
    };
    report(`tfjs-${backend}, optimizer.minimize`, timeSteps(step, backend === "cpu" ? Math.min(STEPS, 5) : STEPS));
    mlp.dispose();
  }
} else {
  console.log("(@tensorflow/tfjs not installed: no tfjs rows; set GRAFT_PEERS)");
}

// --- jax-js: jit of valueAndGrad plus Adam written out (Optax's update), on its wasm device.
const jax = SKIP.has("jax-js") ? null : await peer("@jax-js/jax");
if (jax) {
  (globalThis as any).navigator ??= { hardwareConcurrency: os.cpus().length };
  await jax.init();
  const { numpy: jnp, nn: jnn, tree: jtree, jit: jjit, valueAndGrad: jvg } = jax;
  const normal = (shape: number[]) => {
    const n = shape[0]! * shape[1]!;
    const data = random.normal(random.key(shape[1]!), [n]).mul(Math.sqrt(2 / shape[0]!)).dataSync() as Float32Array;
    return jnp.array(data).reshape(shape);
  };
  type P = Record<string, any>;
  let p: P = { w1: normal([D, H]), b1: jnp.zeros([H]), w2: normal([H, H]), b2: jnp.zeros([H]), w3: normal([H, C]), b3: jnp.zeros([C]) };
  let m: P = jtree.map((a: any) => jnp.zerosLike(a.ref), p), v: P = jtree.map((a: any) => jnp.zerosLike(a.ref), p);
  let t = jnp.array(0);
  const jx = jnp.array(xData).reshape([B, D]);
  const jy = jnn.oneHot(jnp.array(yData, { dtype: jnp.int32 }), C);
  // jax-js owns arguments: every use after the first takes `.ref`.
  const lossFn = (q: P, xb: any, yb: any) => {
    const h1 = jnn.relu(jnp.matmul(xb, q.w1).add(q.b1));
    const h2 = jnn.relu(jnp.matmul(h1, q.w2).add(q.b2));
    const logp = jnn.logSoftmax(jnp.matmul(h2, q.w3).add(q.b3), -1);
    return logp.mul(yb).sum().mul(-1 / B);
  };
  const step = jjit((q: P, mq: P, vq: P, tq: any, xb: any, yb: any) => {
    const [l, g] = jvg(lossFn)(jtree.ref(q), xb, yb);
    const t1 = tq.add(1);
    const c1 = jnp.exp(t1.ref.mul(Math.log(B1))).mul(-1).add(1); // 1 - b1^t
    const c2 = jnp.exp(t1.ref.mul(Math.log(B2))).mul(-1).add(1); // 1 - b2^t
    const m2 = jtree.map((a: any, gi: any) => a.mul(B1).add(gi.mul(1 - B1)), mq, jtree.ref(g));
    const v2 = jtree.map((a: any, gi: any) => a.mul(B2).add(gi.ref.mul(gi).mul(1 - B2)), vq, g);
    const q2 = jtree.map((w: any, a: any, b: any) => w.sub(a.div(c1.ref).div(jnp.sqrt(b.div(c2.ref)).add(EPS)).mul(LR)), q, jtree.ref(m2), jtree.ref(v2));
    c1.dispose(); c2.dispose();
    return [q2, m2, v2, t1, l];
  });
  const run = () => {
    const [q2, m2, v2, t1, l] = step(p, m, v, t, jx.ref, jy.ref);
    [p, m, v, t] = [q2, m2, v2, t1];
    l.dataSync(); // waits for the lazy computation
  };
  try {
    report("jax-js wasm (1 thread), jit", timeSteps(run));
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
console.log(`\nload average at end: ${load()}`);
