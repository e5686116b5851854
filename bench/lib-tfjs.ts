// TensorFlow.js's side of the workloads in bench/workloads.ts, on tfjs-backend-cpu and
// tfjs-backend-wasm (SIMD, no threads in Node). tfjs has no jit and no vmap: per-example
// gradients are a loop of `tf.variableGrads`, and the RK4 loop is unrolled under `tf.grad`.
// Both backends compute synchronously, so a call returns when its work is done; `tf.tidy`
// frees what the call allocated.
import { randFloats, randInts } from "./common";
import { tfjsMlp } from "./tfjs-mlp";
import { ADAM, RK4, type Column, type Sizes } from "./workloads";

/** The full package registers the gradients (tfjs-core alone does not in Node); the wasm
 * backend registers itself when imported. Null when tfjs is not installed. */
export async function loadTfjs(peer: (name: string) => Promise<any>): Promise<{ tf: any; wasm: boolean } | null> {
  const tf = await peer("@tensorflow/tfjs");
  if (!tf) return null;
  return { tf, wasm: !!(await peer("@tensorflow/tfjs-backend-wasm")) };
}

export function tfjsColumn(tf: any, backend: "cpu" | "wasm", s: Sizes): Column {
  const use = async () => { if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend("${backend}") failed`); await tf.ready(); };
  const vec = (n: number, seed: number, scale = 1) => tf.tensor1d(randFloats(n, seed).map((v) => v * scale));
  return {
    name: `tfjs-${backend}`,
    note: "no jit; per-example grads are a loop of tf.variableGrads (no vmap); RK4 is tf.grad of the unrolled loop",
    cases: {
      matmul: async (n) => {
        await use();
        const a = tf.tensor2d(randFloats(n * n, 1), [n, n]), b = tf.tensor2d(randFloats(n * n, 2), [n, n]);
        return () => tf.tidy(() => { tf.matMul(a, b); });
      },
      chain: async (n) => {
        await use();
        const x = vec(n, 1, 6);
        return () => tf.tidy(() => { tf.tanh(x.mul(1.5).add(0.5)).mul(2); });
      },
      sum: async (n) => {
        await use();
        const x = vec(n, 1);
        return () => tf.tidy(() => { tf.sum(x); });
      },
      mlp: async () => {
        await use();
        const { B, D, C } = s.mlp;
        const mlp = tfjsMlp(tf, {
          dims: s.mlp, x: randFloats(B * D, 2), y: randInts(B, C, 3), adam: ADAM,
          initW: (shape) => tf.variable(tf.tensor2d(randFloats(shape[0] * shape[1], shape[1]).map((v) => v * Math.sqrt(24 / shape[0])), shape)),
        });
        return () => mlp.step().dispose();
      },
      adds: async () => {
        await use();
        const x = vec(10, 1);
        return () => tf.tidy(() => { let y = x; for (let i = 0; i < s.adds; i++) y = tf.add(y, x); });
      },
      perex: async () => {
        await use();
        const { n, inSize, width } = s.perExample;
        const w1 = tf.variable(tf.tensor2d(randFloats(inSize * width, 1).map((v) => v * 0.3), [inSize, width]));
        const b1 = tf.variable(tf.zeros([width])), w2 = tf.variable(vec(width, 2, 0.3).reshape([width, 1])), b2 = tf.variable(tf.zeros([1]));
        const xs = Array.from({ length: n }, (_, i) => tf.tensor2d(randFloats(n * inSize, 3).subarray(i * inSize, (i + 1) * inSize), [1, inSize]));
        const ys = Array.from(randFloats(n, 4), (v) => tf.scalar(v));
        const vars = [w1, b1, w2, b2];
        return () => tf.tidy(() => {
          const per = xs.map((x, i) => {
            const { grads } = tf.variableGrads(() => tf.square(tf.tanh(x.matMul(w1).add(b1)).matMul(w2).add(b2).sub(ys[i]!)).sum(), vars);
            return vars.map((v) => grads[v.name]);
          });
          vars.forEach((_, j) => tf.stack(per.map((g) => g[j])));
        });
      },
      rk4: async () => {
        await use();
        const { k, dt } = RK4;
        const loss = (c: any) => {
          let x = tf.scalar(1), v = tf.scalar(0);
          const f = (x: any, v: any) => [v, tf.sub(tf.mul(-k, x), tf.mul(c, v))];
          for (let i = 0; i < s.rk4Steps; i++) {
            const [a1, b1] = f(x, v);
            const [a2, b2] = f(x.add(a1.mul(dt / 2)), v.add(b1.mul(dt / 2)));
            const [a3, b3] = f(x.add(a2.mul(dt / 2)), v.add(b2.mul(dt / 2)));
            const [a4, b4] = f(x.add(a3.mul(dt)), v.add(b3.mul(dt)));
            [x, v] = [x.add(a1.add(a2.mul(2)).add(a3.mul(2)).add(a4).mul(dt / 6)), v.add(b1.add(b2.mul(2)).add(b3.mul(2)).add(b4).mul(dt / 6))];
          }
          return x;
        };
        const g = tf.grad(loss), c = tf.scalar(RK4.c);
        return () => tf.tidy(() => { g(c); });
      },
    },
  };
}
