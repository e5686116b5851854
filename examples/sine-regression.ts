// Regression of sin(x) on [-pi, pi] with an MLP: nn.MLP, nn.trainStep under jit, Adam with a
// cosine-decayed learning rate, and a progress bar. Prints the test MSE (the claim, also
// checked by test/nn/examples.test.ts: MSE < 1e-3).
//
// Run: npx tsx examples/sine-regression.ts
import { pathToFileURL } from "node:url";
import { jit, np, random, vmap, type NDArray } from "graft";
import * as nn from "graft/nn";

/** Trains the MLP and returns its mean squared error on a fine grid of [-pi, pi]. */
export function fitSine(opts: { steps?: number; seed?: number; quiet?: boolean } = {}): { mse: number; model: nn.MLP } {
  const { steps = 600, seed = 0, quiet = false } = opts;
  const [dataKey, modelKey] = random.split(random.key(seed));
  // 256 training points drawn uniformly; the model sees them all at every step.
  const x = random.uniform(dataKey!, [256, 1], { minval: -Math.PI, maxval: Math.PI });
  const y = np.sin(x);
  let model = new nn.MLP({ inSize: 1, outSize: 1, widthSize: 32, depth: 2, activation: "tanh", key: modelKey! });
  const predict = (m: nn.MLP, xs: NDArray) => vmap((xi: NDArray) => m.forward(xi))(xs);
  const loss = (m: nn.MLP, xs: NDArray, ys: NDArray) => np.mean(nn.losses.mse(predict(m, xs), ys));
  const opt = nn.optim.adam(nn.optim.schedules.cosineDecay(1e-2, steps, { alpha: 0.02 }));
  let state = opt.init(model);
  const step = jit(nn.trainStep(loss, opt));
  const bar = new nn.ProgressBar({ total: steps, label: "sine", mode: quiet ? "none" : "auto" });
  for (let i = 0; i < steps; i++) {
    let l: NDArray;
    [model, state, l] = step(model, state, x, y);
    bar.update(1, { loss: l });
  }
  bar.close();
  const xt = np.linspace(-Math.PI, Math.PI, 1000).reshape([1000, 1]);
  const mse = loss(model, xt, np.sin(xt)).item();
  return { mse, model };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const t0 = performance.now();
  const { mse } = fitSine();
  console.log(`test MSE on [-pi, pi]: ${mse.toExponential(3)} (target < 1e-3), ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
