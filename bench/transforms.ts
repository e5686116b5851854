// Costs of the transform machinery (not of the arithmetic): tracing and simplifying a
// large program under jit, the per-call overhead of a jit cache hit, and tracing grad of a
// long lax.scan (whose program size must not grow with the number of steps). Peers are
// timed in the same run when importable (`npm i --no-save @tensorflow/tfjs @jax-js/jax`;
// see ../shared/PEERS.md); otherwise their rows are skipped.
//
// Run: npx tsx bench/transforms.ts      (npm script hint: "bench:transforms": "tsx bench/transforms.ts")
import { grad, jit, lax, makeJaxpr, np, type NDArray } from "graft";
import { jitJaxpr } from "../transforms/jit";

const rows: [string, string, string][] = [];
const row = (work: string, value: string, note = "") => { rows.push([work, value, note]); };

/** Median of `reps` timings of `f` (ms), after `warmup` untimed calls. */
function median(reps: number, f: () => unknown, warmup = 1): number {
  for (let i = 0; i < warmup; i++) f();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f();
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}
const ms = (t: number) => (t < 0.1 ? `${(t * 1000).toFixed(1)} µs` : `${t.toFixed(2)} ms`);

async function peer(name: string): Promise<any> {
  try { return await import(name); } catch { return null; }
}

// (a) A 1000-equation function: a chain of elementwise ops on a small vector.
const N_EQNS = 1000;
const big = (x: NDArray) => {
  let y = x;
  for (let i = 0; i < N_EQNS / 2; i++) y = np.sin(y).add(i % 7);
  return y;
};
const xa = np.linspace(0, 1, 16);
const eqns = makeJaxpr(big)(xa).jaxpr.eqns.length;
const tTrace = median(20, () => makeJaxpr(big)(xa), 5);
const tTraceSimplify = median(20, () => jitJaxpr(big, xa), 5);
const tFirst = median(20, () => jit(big)(xa), 5);            // a fresh jit each time: trace + simplify + run
const jbig = jit(big);
jbig(xa);
const tHitBig = median(50, () => jbig(xa));
row(`trace only (makeJaxpr), ${eqns} eqns`, ms(tTrace));
row(`trace + simplify (jitJaxpr), ${eqns} eqns`, ms(tTraceSimplify));
row(`jit first call, ${eqns} eqns`, ms(tFirst), "trace + simplify + run");
row(`jit cache hit, ${eqns} eqns`, ms(tHitBig), "run only (reference interpreter)");

// (b) Per-call overhead of a jit cache hit on a tiny function.
const tiny = jit((x: NDArray) => x.add(1));
const xb = np.ones([4]);
const tHit = median(20_000, () => tiny(xb), 1000);
const tEager = median(20_000, () => xb.add(1), 1000);
row("jit cache hit, tiny fn (x + 1, f32[4])", ms(tHit), "median of 20k calls");
row("same op eagerly (x + 1, f32[4])", ms(tEager), "for comparison");

// (c) grad of a long scan: the traced program is O(1) in the number of steps.
const scanLoss = (steps: number) => (x: NDArray) =>
  lax.scan((c: NDArray, _: null) => [np.sin(c).mul(x).add(0.5), null], x, null, { length: steps })[0];
for (const steps of [100, 1000]) {
  const n = makeJaxpr(grad(scanLoss(steps)))(np.array(0.3)).jaxpr.eqns.length;
  const t = median(20, () => makeJaxpr(grad(scanLoss(steps)))(np.array(0.3)));
  row(`trace grad of ${steps}-step scan`, ms(t), `${n} eqns in the traced program`);
}
const tRun = median(5, () => grad(scanLoss(1000))(np.array(0.3)));
row("run grad of 1000-step scan (eager)", ms(tRun));

// The PEERS.md workload: grad of a 1000-step RK4 (damped oscillator) w.r.t. damping.
type S = { x: NDArray; v: NDArray };
const rk4 = (k: NDArray, c: NDArray) => {
  const dt = 0.01;
  const f = (s: S): S => ({ x: s.v, v: k.neg().mul(s.x).sub(c.mul(s.v)) });
  const ax = (s: S, h: number, d: S): S => ({ x: s.x.add(d.x.mul(h)), v: s.v.add(d.v.mul(h)) });
  const comb = (a: NDArray, b: NDArray, e: NDArray, d: NDArray) => a.add(b.mul(2)).add(e.mul(2)).add(d).mul(dt / 6);
  return lax.scan((s: S): [S, null] => {
    const k1 = f(s), k2 = f(ax(s, dt / 2, k1)), k3 = f(ax(s, dt / 2, k2)), k4 = f(ax(s, dt, k3));
    return [{ x: s.x.add(comb(k1.x, k2.x, k3.x, k4.x)), v: s.v.add(comb(k1.v, k2.v, k3.v, k4.v)) }, null];
  }, { x: np.array(1), v: np.array(0) }, null, { length: 1000 })[0].x;
};
const [k0, c0] = [np.array(4), np.array(0.3)];
row("grad of 1000-step RK4 w.r.t. damping (eager)", ms(median(5, () => grad(rk4, { argnums: 1 })(k0, c0))));
const jrk = jit(grad(rk4, { argnums: 1 }));
row("grad of 1000-step RK4 w.r.t. damping (jit, hit)", ms(median(5, () => jrk(k0, c0))));

// (d) Peers, when importable.
const jaxjs = await peer("@jax-js/jax");
if (jaxjs) {
  try {
    const os = await import("node:os");
    (globalThis as any).navigator ??= { hardwareConcurrency: os.cpus().length };
    const { numpy: jnp, jit: jjit } = jaxjs;
    const jbig2 = (x: any) => { let y = x; for (let i = 0; i < N_EQNS / 2; i++) y = jnp.sin(y).add(i % 7); return y; };
    const xj = jnp.linspace(0, 1, 16);
    const tf1 = median(5, () => jjit(jbig2)(xj.ref).dataSync());
    row(`jax-js: jit first call, ${N_EQNS} eqns`, ms(tf1));
    const jt = jjit((x: any) => x.add(1));
    const xt = jnp.ones([4]);
    row("jax-js: jit cache hit, tiny fn", ms(median(2000, () => jt(xt.ref).dataSync(), 100)), "includes read-back");
  } catch (e) {
    row("jax-js", "failed", String((e as Error).message ?? e).slice(0, 60));
  }
} else {
  row("jax-js (@jax-js/jax)", "skipped", "not installed");
}
const tf = await peer("@tensorflow/tfjs");
if (tf) {
  try {
    await tf.setBackend("cpu"); await tf.ready();
    const tx = tf.ones([4]);
    row("tfjs-cpu: tiny op (x + 1), no jit", ms(median(2000, () => tf.tidy(() => tf.add(tx, 1)), 100)));
    const tfRk4 = (c: any) => {
      let x = tf.scalar(1), v = tf.scalar(0);
      const dt = 0.01, k = 4;
      const f = (x: any, v: any) => [v, tf.sub(tf.mul(-k, x), tf.mul(c, v))];
      for (let i = 0; i < 1000; i++) {
        const [a1, b1] = f(x, v);
        const [a2, b2] = f(x.add(a1.mul(dt / 2)), v.add(b1.mul(dt / 2)));
        const [a3, b3] = f(x.add(a2.mul(dt / 2)), v.add(b2.mul(dt / 2)));
        const [a4, b4] = f(x.add(a3.mul(dt)), v.add(b3.mul(dt)));
        [x, v] = [x.add(a1.add(a2.mul(2)).add(a3.mul(2)).add(a4).mul(dt / 6)), v.add(b1.add(b2.mul(2)).add(b3.mul(2)).add(b4).mul(dt / 6))];
      }
      return x;
    };
    const g = tf.grad(tfRk4);
    row("tfjs-cpu: grad of 1000-step RK4 (unrolled)", ms(median(3, () => tf.tidy(() => g(tf.scalar(0.3)).dataSync()))));
  } catch (e) {
    row("tfjs", "failed", String((e as Error).message ?? e).slice(0, 60));
  }
} else {
  row("tfjs (@tensorflow/tfjs)", "skipped", "not installed");
}

const w0 = Math.max(...rows.map((r) => r[0].length)), w1 = Math.max(...rows.map((r) => r[1].length));
console.log(`graft transforms bench (Node ${process.version}, medians)\n`);
console.log(`${"work".padEnd(w0)}  ${"time".padStart(w1)}  note`);
console.log(`${"-".repeat(w0)}  ${"-".repeat(w1)}  ----`);
for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`);
