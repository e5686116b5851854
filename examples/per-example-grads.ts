// Per-example gradients of a small MLP with vmap(grad): one gradient pytree per example,
// stacked along a new leading axis, in one vectorised (and jitted) call; checked against a
// plain loop of grad over the examples. (Per-example gradients feed DP-SGD clipping,
// influence functions and gradient-noise diagnostics.)
//
// Run: npx tsx examples/per-example-grads.ts
import { pathToFileURL } from "node:url";
import { grad, jit, np, random, tree, vmap, type NDArray } from "graft";
import * as nn from "graft/nn";

/** Squared error of one example. */
const exampleLoss = (m: nn.MLP, x: NDArray, y: NDArray): NDArray => np.sum(np.square(np.subtract(m.forward(x), y)));

/** Per-example gradients: the model is shared (inAxes null), x and y are batched on axis 0. */
export const perExampleGrads = jit(vmap(grad(exampleLoss), { inAxes: [null, 0, 0] }));

/** Builds a model and a batch, compares vmap(grad) with a loop; returns the largest difference. */
export function checkPerExampleGrads(opts: { batch?: number; quiet?: boolean } = {}): { maxAbsDiff: number; shapes: number[][] } {
  const { batch = 64, quiet = false } = opts;
  const [km, kx, ky] = random.split(random.key(0), 3);
  const model = new nn.MLP({ inSize: 4, outSize: 2, widthSize: 16, depth: 2, activation: "tanh", key: km! });
  const x = random.normal(kx!, [batch, 4]), y = random.normal(ky!, [batch, 2]);

  const t0 = performance.now();
  const g = perExampleGrads(model, x, y); // an MLP whose leaves have a leading axis of `batch`
  const t1 = performance.now();
  const loop = Array.from({ length: batch }, (_, i) => grad(exampleLoss)(model, x.slice(i), y.slice(i)));
  const t2 = performance.now();

  let maxAbsDiff = 0;
  const stacked = tree.map((...ls: NDArray[]) => np.stack(ls), loop[0], ...loop.slice(1));
  tree.leaves<NDArray>(g).forEach((leaf, i) => {
    const ref = tree.leaves<NDArray>(stacked)[i]!;
    maxAbsDiff = Math.max(maxAbsDiff, np.max(np.abs(np.subtract(leaf, ref))).item());
  });
  const shapes = tree.leaves<NDArray>(g).map((l) => l.shape);
  if (!quiet) {
    console.log(`per-example gradient leaves: ${shapes.map((s) => `[${s}]`).join(", ")}`);
    console.log(`vmap(grad) (jit, first call incl. tracing): ${(t1 - t0).toFixed(1)} ms; loop of ${batch} grads: ${(t2 - t1).toFixed(1)} ms`);
    const times = Array.from({ length: 5 }, () => { const t = performance.now(); perExampleGrads(model, x, y); return performance.now() - t; });
    console.log(`vmap(grad) (jit, cached, best of 5): ${Math.min(...times).toFixed(2)} ms`);
    // The mean of the per-example gradients is the gradient of the mean loss.
    const meanGrad = grad((m: nn.MLP) => np.mean(vmap((xi: NDArray, yi: NDArray) => exampleLoss(m, xi, yi))(x, y)))(model);
    const dev = Math.max(...tree.leaves<NDArray>(g).map((l, i) => np.max(np.abs(np.subtract(np.mean(l, 0), tree.leaves<NDArray>(meanGrad)[i]!))).item()));
    console.log(`max |mean of per-example grads - grad of mean loss|: ${dev.toExponential(2)}`);
  }
  return { maxAbsDiff, shapes };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { maxAbsDiff } = checkPerExampleGrads();
  console.log(`max |vmap(grad) - loop| over all leaves: ${maxAbsDiff.toExponential(2)} (${maxAbsDiff < 1e-5 ? "ok" : "MISMATCH"})`);
}
