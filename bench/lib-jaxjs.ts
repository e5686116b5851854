// jax-js's side of the workloads in bench/workloads.ts, on its wasm device, with `jit` where a
// workload has a traced form (chain, sum, MLP step, per-example grads). Facts from
// ../shared/PEERS.md that shape the code: ops are lazy (the timed functions await
// `blockUntilReady`), every op consumes its inputs (`x.ref` keeps an array alive for another
// use), and there is no lax.scan: the RK4 loop unrolls at trace time, which needs a deep
// stack (run-all.ts runs this module in a child node with --stack-size, see jaxjs-child.ts).
// The RK4 gradient runs without jit: compiling the unrolled program takes time quadratic in
// its length (0.6, 1.7, 4.5 and 18.5 s for 10, 20, 40 and 80 steps on the 2-core machine),
// so a 1000-step jit would not finish; grad of a loop over a jitted step runs out of memory.
import { randFloats, randInts } from "./common";
import { ADAM, jaxjsName, RK4, type Column, type Sizes } from "./workloads";

/** Waits for a lazy result and frees it. */
async function done(jax: any, out: any): Promise<void> {
  await jax.blockUntilReady(out);
  for (const leaf of jax.tree.leaves(out)) leaf.dispose();
}

/**
 * One Adam step of the 784-H-H-10 MLP: jit of valueAndGrad with Adam written out (Optax's
 * update), the same step as graft's trainStep and tfjs's optimizer.minimize. Each call
 * advances the parameters; it resolves once the loss is computed.
 */
export function jaxjsMlpStep(jax: any, dims: Sizes["mlp"]): () => Promise<void> {
  const { B, D, H, C } = dims;
  const { lr: LR, b1: B1, b2: B2, eps: EPS } = ADAM;
  const { numpy: jnp, nn: jnn, tree: jtree, jit: jjit, valueAndGrad: jvg } = jax;
  const he = (rows: number, cols: number) => jnp.array(randFloats(rows * cols, cols).map((v) => v * Math.sqrt(24 / rows))).reshape([rows, cols]);
  type P = Record<string, any>;
  let p: P = { w1: he(D, H), b1: jnp.zeros([H]), w2: he(H, H), b2: jnp.zeros([H]), w3: he(H, C), b3: jnp.zeros([C]) };
  let m: P = jtree.map((a: any) => jnp.zerosLike(a.ref), p), v: P = jtree.map((a: any) => jnp.zerosLike(a.ref), p);
  let t = jnp.array(0);
  const jx = jnp.array(randFloats(B * D, 2)).reshape([B, D]);
  const jy = jnn.oneHot(jnp.array(randInts(B, C, 3), { dtype: jnp.int32 }), C);
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
  return async () => {
    const [q2, m2, v2, t1, l] = step(p, m, v, t, jx.ref, jy.ref);
    [p, m, v, t] = [q2, m2, v2, t1];
    await done(jax, l);
  };
}

/** The jax-js column; `threads` only names it (the worker pool is set up when jax-js loads). */
export function jaxjsColumn(jax: any, threads: number, s: Sizes): Column {
  const { numpy: jnp, jit: jjit, grad: jgrad, vmap: jvmap, tree: jtree } = jax;
  const vec = (n: number, seed: number, scale = 1) => jnp.array(randFloats(n, seed).map((v) => v * scale));
  return {
    name: jaxjsName(threads),
    note: "jit for chain, sum, MLP step and per-example grads; eager adds wait for each op; RK4 is grad of the unrolled loop without jit (jit compile time is quadratic in its length)",
    cases: {
      matmul: (n) => {
        const a = vec(n * n, 1).reshape([n, n]), b = vec(n * n, 2).reshape([n, n]);
        return () => done(jax, jnp.matmul(a.ref, b.ref));
      },
      chain: (n) => {
        const x = vec(n, 1, 6);
        const f = jjit((v: any) => jnp.tanh(v.mul(1.5).add(0.5)).mul(2));
        return () => done(jax, f(x.ref));
      },
      sum: (n) => {
        const x = vec(n, 1);
        const f = jjit((v: any) => jnp.sum(v));
        return () => done(jax, f(x.ref));
      },
      mlp: () => jaxjsMlpStep(jax, s.mlp),
      // Each add is waited for: otherwise the lazy ops fuse into one kernel of 10k adds,
      // which is not the eager dispatch this row measures.
      adds: () => {
        const x = vec(10, 1);
        return async () => {
          let y = x.ref;
          for (let i = 0; i < s.adds; i++) { y = y.add(x.ref); await y.blockUntilReady(); }
          y.dispose();
        };
      },
      perex: () => {
        const { n, inSize, width } = s.perExample;
        const p = { w1: vec(inSize * width, 1, 0.3).reshape([inSize, width]), b1: jnp.zeros([width]), w2: vec(width, 2, 0.3), b2: jnp.zeros([]) };
        const xs = vec(n * inSize, 3).reshape([n, inSize]), ys = vec(n, 4);
        const loss = (q: any, x: any, y: any) => jnp.square(jnp.tanh(jnp.matmul(x, q.w1).add(q.b1)).mul(q.w2).sum().add(q.b2).sub(y));
        const f = jjit(jvmap(jgrad(loss), [null, 0, 0]));
        return () => done(jax, f(jtree.ref(p), xs.ref, ys.ref));
      },
      rk4: () => {
        const { k, dt } = RK4; // grad only (see the header)
        const loss = (c: any) => {
          let x = jnp.array(1), v = jnp.array(0);
          const f = (x: any, v: any) => [v.ref, x.mul(-k).sub(c.ref.mul(v))]; // owns x and v
          for (let i = 0; i < s.rk4Steps; i++) {
            const [a1, b1] = f(x.ref, v.ref);
            const [a2, b2] = f(x.ref.add(a1.ref.mul(dt / 2)), v.ref.add(b1.ref.mul(dt / 2)));
            const [a3, b3] = f(x.ref.add(a2.ref.mul(dt / 2)), v.ref.add(b2.ref.mul(dt / 2)));
            const [a4, b4] = f(x.ref.add(a3.ref.mul(dt)), v.ref.add(b3.ref.mul(dt)));
            [x, v] = [x.add(a1.add(a2.mul(2)).add(a3.mul(2)).add(a4).mul(dt / 6)), v.add(b1.add(b2.mul(2)).add(b3.mul(2)).add(b4).mul(dt / 6))];
          }
          c.dispose(); v.dispose();
          return x;
        };
        const g = jgrad(loss), c = jnp.array(RK4.c);
        return () => done(jax, g(c.ref));
      },
    },
  };
}
