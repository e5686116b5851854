// graft's side of the workloads in bench/workloads.ts, through the public API only (the
// built package): an eager column and a jit column. The MLP training step and the RK4
// gradient are exported for the single-workload benches (mlp-train.ts, transforms.ts).
import { grad, jit, lax, np, random, vmap, type NDArray } from "graft";
import * as nn from "graft/nn";
import { randFloats, randInts } from "./common";
import { ADAM, RK4, type Column, type Sizes } from "./workloads";

const arr = (n: number, shape: number[], seed: number, scale = 1) => np.array(randFloats(n, seed).map((v) => v * scale), { shape });

/**
 * One Adam step of the MNIST-shaped MLP (ReLU, softmax cross-entropy over a batch of
 * random data) as `nn.trainStep`, jitted (donating the model and optimizer state unless
 * `donate` is false) or eager; each call advances the model.
 * Returns the step, which gives back the loss.
 */
export function graftMlpStep(dims: Sizes["mlp"], useJit: boolean, donate = true): () => NDArray {
  const { B, D, H, C } = dims;
  let model = new nn.MLP({ inSize: D, outSize: C, widthSize: H, depth: 2, activation: "relu", key: random.key(0) });
  const x = arr(B * D, [B, D], 2), y = np.array(randInts(B, C, 3), { shape: [B] });
  const loss = (m: nn.MLP, xb: NDArray, yb: NDArray) =>
    np.mean(nn.losses.softmaxCrossEntropyWithIntegerLabels(vmap((xi: NDArray) => m.forward(xi))(xb), yb));
  const opt = nn.optim.adam(ADAM.lr, { b1: ADAM.b1, b2: ADAM.b2, eps: ADAM.eps });
  let state = opt.init(model);
  // The model and optimizer state are donated, as a JAX training loop does: the new
  // parameters and moments are computed into the old ones' storage.
  const step = useJit ? jit(nn.trainStep(loss, opt), { donateArgnums: donate ? [0, 1] : [] }) : nn.trainStep(loss, opt);
  return () => {
    let l: NDArray;
    [model, state, l] = step(model, state, x, y);
    return l;
  };
}

type State = { x: NDArray; v: NDArray };
/**
 * Final position of the damped oscillator x'' = -k x - c x' after `steps` RK4 steps from
 * (1, 0), as one lax.scan (the traced program does not grow with the number of steps).
 */
export function rk4(k: NDArray, c: NDArray, steps: number): NDArray {
  const { dt } = RK4;
  const f = (s: State): State => ({ x: s.v, v: k.neg().mul(s.x).sub(c.mul(s.v)) });
  const ax = (s: State, h: number, d: State): State => ({ x: s.x.add(d.x.mul(h)), v: s.v.add(d.v.mul(h)) });
  const comb = (a: NDArray, b: NDArray, e: NDArray, d: NDArray) => a.add(b.mul(2)).add(e.mul(2)).add(d).mul(dt / 6);
  return lax.scan((s: State): [State, null] => {
    const k1 = f(s), k2 = f(ax(s, dt / 2, k1)), k3 = f(ax(s, dt / 2, k2)), k4 = f(ax(s, dt, k3));
    return [{ x: s.x.add(comb(k1.x, k2.x, k3.x, k4.x)), v: s.v.add(comb(k1.v, k2.v, k3.v, k4.v)) }, null];
  }, { x: np.array(1), v: np.array(0) }, null, { length: steps })[0].x;
}

type PerExParams = { w1: NDArray; b1: NDArray; w2: NDArray; b2: NDArray };
/** Squared error of the 32-64-1 tanh MLP on one example. */
const perExLoss = (p: PerExParams, x: NDArray, y: NDArray) =>
  np.square(np.tanh(np.matmul(x, p.w1).add(p.b1)).dot(p.w2).add(p.b2).sub(y));

/** The graft columns: every workload eagerly, and under jit. */
export function graftColumns(s: Sizes): Column[] {
  const mode = (useJit: boolean): Column => {
    const j = <F extends (...a: any[]) => any>(f: F): F => (useJit ? jit(f) : f);
    return {
      name: useJit ? "graft jit" : "graft eager",
      note: useJit ? "the same workloads under jit; RK4 is one lax.scan" : "CPU backend, built package",
      cases: {
        matmul: (n) => {
          const a = arr(n * n, [n, n], 1), b = arr(n * n, [n, n], 2);
          const mm = j((p: NDArray, q: NDArray) => np.matmul(p, q));
          return () => mm(a, b);
        },
        chain: (n) => {
          const x = arr(n, [n], 1, 6);
          const f = j((v: NDArray) => np.tanh(v.mul(1.5).add(0.5)).mul(2));
          return () => f(x);
        },
        sum: (n) => {
          const x = arr(n, [n], 1);
          const f = j((v: NDArray) => np.sum(v));
          return () => f(x);
        },
        mlp: () => graftMlpStep(s.mlp, useJit),
        // Eager dispatch cost: jit has nothing to add here.
        ...(useJit ? {} : {
          adds: () => {
            const x = arr(10, [10], 1);
            return () => { let y = x; for (let i = 0; i < s.adds; i++) y = y.add(x); return y; };
          },
        }),
        perex: () => {
          const { n, inSize, width } = s.perExample;
          const p: PerExParams = { w1: arr(inSize * width, [inSize, width], 1, 0.3), b1: np.zeros([width]), w2: arr(width, [width], 2, 0.3), b2: np.zeros([]) };
          const xs = arr(n * inSize, [n, inSize], 3), ys = arr(n, [n], 4);
          const f = j(vmap(grad(perExLoss), { inAxes: [null, 0, 0] }));
          return () => f(p, xs, ys);
        },
        rk4: () => {
          const [k, c] = [np.array(RK4.k), np.array(RK4.c)];
          const f = j(grad((kk: NDArray, cc: NDArray) => rk4(kk, cc, s.rk4Steps), { argnums: 1 }));
          return () => f(k, c);
        },
      },
    };
  };
  return [mode(false), mode(true)];
}
