// Costs of the transform machinery (not of the arithmetic): tracing and simplifying a
// large program under jit, the per-call overhead of a jit cache hit, and tracing grad of a
// long lax.scan (whose program size must not grow with the number of steps). Peers are
// timed in the same run when installed in the folder named by GRAFT_PEERS (see
// ../shared/PEERS.md); otherwise their rows are skipped.
//
// Run: npx tsx bench/transforms.ts — with the root tsconfig, so that "graft" is the sources:
// jitJaxpr is internal, and its arrays must come from the same copy of graft.
import { grad, jit, lax, makeJaxpr, np, type NDArray } from "graft";
import { jitJaxpr } from "../transforms/jit";
import { fmtMs as ms, loadJaxJs, medianMs, peer, table } from "./common";
import { rk4 } from "./lib-graft";
import { tfjsColumn } from "./lib-tfjs";
import { RK4, SIZES } from "./workloads";

const rows: [string, string, string][] = [];
const row = (work: string, value: string, note = "") => { rows.push([work, value, note]); };

/** Median of `reps` timings of `f` (ms), after `warmup` untimed calls. */
const median = (reps: number, f: () => unknown, warmup = 1) => medianMs(f, { reps, minWarmup: warmup, warmupMs: 0 });

// (a) A 1000-equation function: a chain of elementwise ops on a small vector.
const N_EQNS = 1000;
const big = (x: NDArray) => {
  let y = x;
  for (let i = 0; i < N_EQNS / 2; i++) y = np.sin(y).add(i % 7);
  return y;
};
const xa = np.linspace(0, 1, 16);
const eqns = makeJaxpr(big)(xa).jaxpr.eqns.length;
const tTrace = await median(20, () => makeJaxpr(big)(xa), 5);
const tTraceSimplify = await median(20, () => jitJaxpr(big, xa), 5);
const tFirst = await median(20, () => jit(big)(xa), 5);            // a fresh jit each time: trace + simplify + run
const jbig = jit(big);
jbig(xa);
const tHitBig = await median(50, () => jbig(xa));
row(`trace only (makeJaxpr), ${eqns} eqns`, ms(tTrace));
row(`trace + simplify (jitJaxpr), ${eqns} eqns`, ms(tTraceSimplify));
row(`jit first call, ${eqns} eqns`, ms(tFirst), "trace + simplify + run");
row(`jit cache hit, ${eqns} eqns`, ms(tHitBig), "run only (reference interpreter)");

// (b) Per-call overhead of a jit cache hit on a tiny function.
const tiny = jit((x: NDArray) => x.add(1));
const xb = np.ones([4]);
const tHit = await median(20_000, () => tiny(xb), 1000);
const tEager = await median(20_000, () => xb.add(1), 1000);
row("jit cache hit, tiny fn (x + 1, f32[4])", ms(tHit), "median of 20k calls");
row("same op eagerly (x + 1, f32[4])", ms(tEager), "for comparison");

// (c) grad of a long scan: the traced program is O(1) in the number of steps.
const scanLoss = (steps: number) => (x: NDArray) =>
  lax.scan((c: NDArray, _: null) => [np.sin(c).mul(x).add(0.5), null], x, null, { length: steps })[0];
for (const steps of [100, 1000]) {
  const n = makeJaxpr(grad(scanLoss(steps)))(np.array(0.3)).jaxpr.eqns.length;
  const t = await median(20, () => makeJaxpr(grad(scanLoss(steps)))(np.array(0.3)));
  row(`trace grad of ${steps}-step scan`, ms(t), `${n} eqns in the traced program`);
}
const tRun = await median(5, () => grad(scanLoss(1000))(np.array(0.3)));
row("run grad of 1000-step scan (eager)", ms(tRun));

// The PEERS.md workload: grad of a 1000-step RK4 (damped oscillator) w.r.t. damping.
const [k0, c0] = [np.array(RK4.k), np.array(RK4.c)];
const rkGrad = grad((k: NDArray, c: NDArray) => rk4(k, c, 1000), { argnums: 1 });
row("grad of 1000-step RK4 w.r.t. damping (eager)", ms(await median(5, () => rkGrad(k0, c0))));
const jrk = jit(rkGrad);
row("grad of 1000-step RK4 w.r.t. damping (jit, hit)", ms(await median(5, () => jrk(k0, c0))));

// (d) Peers, when importable.
const jaxjs = await loadJaxJs(1);
if (jaxjs) {
  try {
    const { numpy: jnp, jit: jjit } = jaxjs;
    const jbig2 = (x: any) => { let y = x; for (let i = 0; i < N_EQNS / 2; i++) y = jnp.sin(y).add(i % 7); return y; };
    const xj = jnp.linspace(0, 1, 16);
    const tf1 = await median(5, () => jjit(jbig2)(xj.ref).dataSync());
    row(`jax-js: jit first call, ${N_EQNS} eqns`, ms(tf1));
    const jt = jjit((x: any) => x.add(1));
    const xt = jnp.ones([4]);
    row("jax-js: jit cache hit, tiny fn", ms(await median(2000, () => jt(xt.ref).dataSync(), 100)), "includes read-back");
  } catch (e) {
    const why = String((e as Error).message ?? e).slice(0, 60);
    row("jax-js", "failed", /call stack/.test(why) ? `${why} (deep traces need node --stack-size=65500)` : why);
  }
} else {
  row("jax-js (@jax-js/jax)", "skipped", "not installed");
}
const tf = await peer("@tensorflow/tfjs");
if (tf) {
  try {
    await tf.setBackend("cpu"); await tf.ready();
    const tx = tf.ones([4]);
    row("tfjs-cpu: tiny op (x + 1), no jit", ms(await median(2000, () => tf.tidy(() => tf.add(tx, 1)), 100)));
    const g = await tfjsColumn(tf, "cpu", { ...SIZES, rk4Steps: 1000 }).cases.rk4!(0);
    row("tfjs-cpu: grad of 1000-step RK4 (unrolled)", ms(await median(3, g)));
  } catch (e) {
    row("tfjs", "failed", String((e as Error).message ?? e).slice(0, 60));
  }
} else {
  row("tfjs (@tensorflow/tfjs)", "skipped", "not installed");
}

console.log(`graft transforms bench (Node ${process.version}, medians)\n`);
console.log(table(["work", "time", "note"], rows, [false, true, false]));
