// The computation the browser example runs, written once for every device: a linear
// regression with plain gradient descent and a small MLP fitted to sin(x) with Adam, each
// step `jit(valueAndGrad(...))` plus the update inside one jitted function.
//
// Only asynchronous reads (`await x.data()`, `await x.jsAsync()`) are used: on a page's
// thread a WebGPU array cannot be read synchronously (`dataSync()`/`js()`/`item()` throw).
// Inputs and initial parameters come from a seeded JS generator, so every device starts
// from the same numbers and the results can be compared.
//
// The page imports "graft" through its import map (../../dist/index.js); Node resolves the
// same specifier to the package's own build, so `node examples/browser/fit.js` works too.
import { defaultDevice, jit, np, tree, valueAndGrad } from "graft";

/** mulberry32: a tiny seeded generator of floats in [0, 1). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const uniformArray = (rand, n, lo, hi) => Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());

export const LINEAR = { n: 256, wTrue: [2, -3, 0.5, 1], bTrue: 0.7, steps: 60, lr: 0.5 };
export const MLP = { n: 128, width: 32, steps: 200, lr: 0.02, b1: 0.9, b2: 0.999, eps: 1e-8 };

/** Gradient descent on mean squared error; noise-free data, so w -> wTrue and b -> bTrue. */
async function linearRegression() {
  const { n, wTrue, bTrue, steps, lr } = LINEAR;
  const rand = rng(1);
  const d = wTrue.length;
  const xs = uniformArray(rand, n * d, -1, 1);
  const ys = Float32Array.from({ length: n }, (_, i) => wTrue.reduce((s, w, j) => s + w * xs[i * d + j], bTrue));
  const x = np.array(xs).reshape([n, d]);
  const y = np.array(ys);
  let params = { w: np.zeros([d]), b: np.zeros([]) };
  const loss = (p, x, y) => np.mean(np.square(np.matmul(x, p.w).add(p.b).sub(y)));
  const step = jit((p, x, y) => {
    const [l, g] = valueAndGrad(loss)(p, x, y);
    return [tree.map((pi, gi) => pi.sub(gi.mul(lr)), p, g), l];
  });
  const curve = [];
  let l;
  for (let i = 0; i < steps; i++) {
    [params, l] = step(params, x, y);
    if (i % 20 === 0) curve.push((await l.data())[0]);
  }
  // One more loss evaluation at the final parameters.
  const final = loss(params, x, y);
  return {
    loss: (await final.data())[0],
    curve,
    w: Array.from(await params.w.data()),
    b: (await params.b.data())[0],
  };
}

/** A 1-width-width-1 tanh MLP fitted to sin on [-pi, pi] with Adam (bias-corrected step size). */
async function mlpSine() {
  const { n, width, steps, lr, b1, b2, eps } = MLP;
  const rand = rng(2);
  // Random points and biases: with an odd target on a symmetric grid and zero biases the
  // exact gradients of the biases vanish, and Adam (m / sqrt(v)) would blow rounding noise up
  // into full steps, so devices would part ways.
  const xs = uniformArray(rand, n, -Math.PI, Math.PI);
  const x = np.array(xs).reshape([n, 1]);
  // Targets from the host's Math.sin: WGSL's sin may be off by up to 2^-11 (absolute).
  const y = np.array(xs.map(Math.sin)).reshape([n, 1]);
  // Glorot-uniform weights, small random biases.
  const bias = (k) => np.array(uniformArray(rand, k, -0.1, 0.1));
  const glorot = (fanIn, fanOut) => {
    const lim = Math.sqrt(6 / (fanIn + fanOut));
    return np.array(uniformArray(rand, fanIn * fanOut, -lim, lim)).reshape([fanIn, fanOut]);
  };
  let params = {
    w1: glorot(1, width), b1: bias(width),
    w2: glorot(width, width), b2: bias(width),
    w3: glorot(width, 1), b3: bias(1),
  };
  const predict = (p, x) => {
    const h1 = np.tanh(np.matmul(x, p.w1).add(p.b1));
    const h2 = np.tanh(np.matmul(h1, p.w2).add(p.b2));
    return np.matmul(h2, p.w3).add(p.b3);
  };
  const loss = (p, x, y) => np.mean(np.square(predict(p, x).sub(y)));
  const step = jit((p, m, v, alpha, x, y) => {
    const [l, g] = valueAndGrad(loss)(p, x, y);
    const m2 = tree.map((mi, gi) => mi.mul(b1).add(gi.mul(1 - b1)), m, g);
    const v2 = tree.map((vi, gi) => vi.mul(b2).add(np.square(gi).mul(1 - b2)), v, g);
    const p2 = tree.map((pi, mi, vi) => pi.sub(alpha.mul(mi).div(np.sqrt(vi).add(eps))), p, m2, v2);
    return [p2, m2, v2, l];
  });
  let m = tree.map((p) => np.zerosLike(p), params);
  let v = tree.map((p) => np.zerosLike(p), params);
  const curve = [];
  let l;
  for (let t = 1; t <= steps; t++) {
    const alpha = np.array(lr * Math.sqrt(1 - b2 ** t) / (1 - b1 ** t));
    [params, m, v, l] = step(params, m, v, alpha, x, y);
    if (t % 50 === 1) curve.push((await l.data())[0]);
  }
  const final = loss(params, x, y);
  // Predictions at a few points, to show the fit.
  const probe = np.array([-2, -1, 0, 1, 2]).reshape([5, 1]);
  return {
    loss: (await final.data())[0],
    curve,
    probe: Array.from(await predict(params, probe).data()),
  };
}

/**
 * Runs both fits with new arrays on `device` ("cpu" or "webgpu"); returns plain numbers.
 * @example const r = await fitAll("webgpu"); r.linear.w // ≈ [2, -3, 0.5, 1]
 */
export async function fitAll(device) {
  const prev = defaultDevice();
  defaultDevice(device);
  try {
    const t0 = performance.now();
    const linear = await linearRegression();
    const t1 = performance.now();
    const mlp = await mlpSine();
    const t2 = performance.now();
    return { device, linear, mlp, ms: { linear: t1 - t0, mlp: t2 - t1 } };
  } finally {
    defaultDevice(prev);
  }
}

// `node examples/browser/fit.js [device]`: the same computation outside the browser.
if (typeof process !== "undefined" && process.argv?.[1]?.endsWith("fit.js")) {
  const { init } = await import("graft");
  const device = process.argv[2] ?? "cpu";
  await init(device);
  console.log(JSON.stringify(await fitAll(device), null, 1));
}
