// nn.optim: each optimiser's first steps against its Optax/PyTorch update rule written out in
// plain JS, SGD against the closed form on a quadratic, clipping, schedules, injectHyperparams,
// and a jitted train step (valueAndGrad + update + applyUpdates) equal to the eager one.
import { describe, expect, it } from "vitest";
import { np, tree, jit, valueAndGrad, type NDArray } from "graft";
import * as nn from "graft/nn";

const { optim } = nn;
const S = optim.schedules;

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-5, atol = 1e-6) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i] - expected[i]), `index ${i}: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(atol + rtol * Math.abs(expected[i]));
  }
}
const flat = (t: unknown): number[] => tree.leaves<NDArray>(t).flatMap((l) => Array.from(l.dataSync()));

// A pytree of params and a fixed sequence of gradients (also pytrees), to feed every optimiser.
const params0 = { w: np.array([[0.5, -1.5], [2, 0.25]]), b: np.array([0.1, -0.3]) };
const gradSeq = [
  { w: np.array([[0.3, -0.2], [1.5, -4]]), b: np.array([0.01, -2]) },
  { w: np.array([[-0.1, 0.4], [1, 2]]), b: np.array([0.5, 0.5]) },
  { w: np.array([[0.2, 0.2], [-3, 0.7]]), b: np.array([-1, 0.05]) },
];

/** Runs `opt` over gradSeq and returns the flat params after each step. */
function runOpt(opt: nn.optim.GradientTransformation): number[][] {
  let p: any = params0;
  let s = opt.init(p);
  const out: number[][] = [];
  for (const g of gradSeq) {
    const [u, s2] = opt.update(g, s, p);
    p = optim.applyUpdates(p, u);
    s = s2;
    out.push(flat(p));
  }
  return out;
}

/** Runs a per-element reference rule `(p, g, state, t) => p'` over the same sequence. */
function runRef(step: (p: number, g: number, st: Record<string, number>, t: number) => number): number[][] {
  let p = flat(params0);
  const states = p.map(() => ({} as Record<string, number>));
  const out: number[][] = [];
  gradSeq.forEach((gt, k) => {
    const g = flat(gt);
    p = p.map((pi, i) => step(pi, g[i], states[i], k + 1));
    out.push(p);
  });
  return out;
}

const compare = (a: number[][], b: number[][], rtol = 1e-5, atol = 1e-6) => a.forEach((row, i) => expectClose(row, b[i], rtol, atol));

describe("optimisers against their update rules", () => {
  it("sgd on a quadratic matches the closed form x_t = (1 - lr a)^t x_0", () => {
    const a = np.array([1, 2, 0.5]);
    const x0 = np.array([1, -2, 3]);
    const lr = 0.1;
    const opt = optim.sgd(lr);
    let x = x0;
    let s = opt.init(x);
    const f = (x: NDArray) => np.sum(np.multiply(0.5, np.multiply(a, np.square(x))));
    for (let t = 0; t < 20; t++) {
      const [, g] = valueAndGrad(f)(x);
      const [u, s2] = opt.update(g, s, x);
      x = optim.applyUpdates(x, u);
      s = s2;
    }
    const expected = [1, -2, 3].map((xi, i) => xi * Math.pow(1 - lr * [1, 2, 0.5][i], 20));
    expectClose(x.dataSync(), expected);
  });

  it("sgd with momentum and with Nesterov (PyTorch SGD, dampening 0)", () => {
    const lr = 0.1, m = 0.9;
    compare(runOpt(optim.sgd(lr, { momentum: m })), runRef((p, g, st) => {
      st.buf = (st.buf ?? 0) * m + g;
      return p - lr * st.buf;
    }));
    compare(runOpt(optim.sgd(lr, { momentum: m, nesterov: true })), runRef((p, g, st) => {
      st.buf = (st.buf ?? 0) * m + g;
      return p - lr * (g + m * st.buf);
    }));
    expect(() => optim.sgd(lr, { nesterov: true })).toThrow(/nesterov needs a momentum/);
  });

  it("adam: step 1 is about -lr * sign(g), and later steps follow the bias-corrected rule", () => {
    const lr = 1e-2, b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const opt = optim.adam(lr, { b1, b2, eps });
    const [u] = opt.update(gradSeq[0], opt.init(params0), params0);
    expectClose(flat(u), flat(gradSeq[0]).map((g) => -lr * Math.sign(g)), 1e-4, 1e-7);
    compare(runOpt(opt), runRef((p, g, st, t) => {
      st.m = b1 * (st.m ?? 0) + (1 - b1) * g;
      st.v = b2 * (st.v ?? 0) + (1 - b2) * g * g;
      const mh = st.m / (1 - b1 ** t), vh = st.v / (1 - b2 ** t);
      return p - lr * mh / (Math.sqrt(vh) + eps);
    }));
  });

  it("adamw decays weights decoupled from the gradient (PyTorch AdamW)", () => {
    const lr = 1e-2, b1 = 0.8, b2 = 0.99, eps = 1e-8, wd = 0.1;
    compare(runOpt(optim.adamw(lr, { b1, b2, eps, weightDecay: wd })), runRef((p, g, st, t) => {
      st.m = b1 * (st.m ?? 0) + (1 - b1) * g;
      st.v = b2 * (st.v ?? 0) + (1 - b2) * g * g;
      const mh = st.m / (1 - b1 ** t), vh = st.v / (1 - b2 ** t);
      return p - lr * wd * p - lr * mh / (Math.sqrt(vh) + eps);
    }));
  });

  it("rmsprop (Optax: eps inside the root), centered, and with momentum", () => {
    const lr = 1e-2, d = 0.9, eps = 1e-8, m = 0.5;
    compare(runOpt(optim.rmsprop(lr, { decay: d, eps })), runRef((p, g, st) => {
      st.nu = d * (st.nu ?? 0) + (1 - d) * g * g;
      return p - lr * g / Math.sqrt(st.nu + eps);
    }));
    compare(runOpt(optim.rmsprop(lr, { decay: d, eps, centered: true })), runRef((p, g, st) => {
      st.mu = d * (st.mu ?? 0) + (1 - d) * g;
      st.nu = d * (st.nu ?? 0) + (1 - d) * g * g;
      return p - lr * g / Math.sqrt(st.nu - st.mu * st.mu + eps);
    }), 1e-4, 1e-6);
    compare(runOpt(optim.rmsprop(lr, { decay: d, eps, momentum: m })), runRef((p, g, st) => {
      st.nu = d * (st.nu ?? 0) + (1 - d) * g * g;
      st.buf = m * (st.buf ?? 0) + (-lr * g / Math.sqrt(st.nu + eps));
      return p + st.buf;
    }));
  });

  it("adagrad accumulates squared gradients from 0.1", () => {
    const lr = 0.1, eps = 1e-7;
    compare(runOpt(optim.adagrad(lr)), runRef((p, g, st) => {
      st.acc = (st.acc ?? 0.1) + g * g;
      return p - lr * g / Math.sqrt(st.acc + eps);
    }));
  });

  it("lion takes sign steps with decoupled weight decay", () => {
    const lr = 1e-3, b1 = 0.9, b2 = 0.99, wd = 0.01;
    compare(runOpt(optim.lion(lr, { b1, b2, weightDecay: wd })), runRef((p, g, st) => {
      const m = st.m ?? 0;
      const u = Math.sign(b1 * m + (1 - b1) * g);
      st.m = b2 * m + (1 - b2) * g;
      return p - lr * (u + wd * p);
    }));
  });

  it("schedules as learning rates count steps in the state", () => {
    const lr = S.exponentialDecay(0.1, 1, 0.5);
    compare(runOpt(optim.sgd(lr)), runRef((p, g, _st, t) => p - 0.1 * 0.5 ** (t - 1) * g));
  });
});

describe("params as arbitrary pytrees", () => {
  class Pair {
    constructor(readonly a: NDArray, readonly b: NDArray, readonly name: string) {}
  }
  tree.registerNode(Pair, (p: Pair) => [[p.a, p.b], p.name], (name: string, [a, b]: NDArray[]) => new Pair(a, b, name));
  it("a registered class (with a static field) nested in lists goes through init/update/applyUpdates", () => {
    const params = [new Pair(np.array([1, 2]), np.array(3), "layer"), { c: np.array([[4]]) }];
    const grads = [new Pair(np.array([0.5, -1]), np.array(2), "layer"), { c: np.array([[-3]]) }];
    const opt = optim.adam(0.1);
    const [u, s] = opt.update(grads, opt.init(params), params);
    const next = optim.applyUpdates(params, u);
    expect(next[0]).toBeInstanceOf(Pair);
    expect((next[0] as Pair).name).toBe("layer");
    expectClose(flat(next), [0.9, 2.1, 2.9, 4.1], 1e-4, 1e-6);
    expect(tree.structure(s).toString()).toContain("Pair");
  });
});

describe("clipping and weight decay", () => {
  it("clipByGlobalNorm rescales to maxNorm and leaves small updates alone", () => {
    const g = gradSeq[0];
    const norm = Math.hypot(...flat(g));
    const [u] = optim.clipByGlobalNorm(1).update(g, {});
    expect(optim.globalNorm(u).item()).toBeCloseTo(1, 5);
    expectClose(flat(u), flat(g).map((x) => x / norm));
    const [same] = optim.clipByGlobalNorm(norm * 2).update(g, {});
    expectClose(flat(same), flat(g));
    // Zero gradients stay zero (no 0/0).
    const [z] = optim.clipByGlobalNorm(1).update({ a: np.zeros([3]) }, {});
    expect(flat(z)).toEqual([0, 0, 0]);
  });

  it("clip is elementwise; addDecayedWeights adds wd * params and needs params", () => {
    const [u] = optim.clip(0.5).update(gradSeq[0], {});
    expectClose(flat(u), flat(gradSeq[0]).map((x) => Math.max(-0.5, Math.min(0.5, x))));
    const [d] = optim.addDecayedWeights(0.1).update(gradSeq[0], {}, params0);
    expectClose(flat(d), flat(gradSeq[0]).map((x, i) => x + 0.1 * flat(params0)[i]));
    expect(() => optim.addDecayedWeights(0.1).update(gradSeq[0], {})).toThrow(/needs params/);
  });

  it("chain composes: clip then sgd", () => {
    const opt = optim.chain(optim.clipByGlobalNorm(1), optim.sgd(0.5));
    const s = opt.init(params0);
    expect(Array.isArray(s) && s.length === 2).toBe(true);
    const [u] = opt.update(gradSeq[0], s, params0);
    expect(optim.globalNorm(u).item()).toBeCloseTo(0.5, 5);
  });
});

describe("schedules", () => {
  const at = (s: nn.optim.Schedule, step: number) => np.asarray(s(step)).item();
  it("constant, linear, cosineDecay", () => {
    expect(at(S.constant(0.3), 7)).toBeCloseTo(0.3, 6);
    const lin = S.linear(1, 0.2, 8);
    expect([0, 2, 8, 100].map((t) => at(lin, t))).toEqual([0, 2, 8, 100].map((t) => expect.closeTo(1 - 0.8 * Math.min(t, 8) / 8, 6)));
    const cos = S.cosineDecay(2, 100, { alpha: 0.1 });
    for (const t of [0, 25, 50, 100, 150]) {
      const c = 0.5 * (1 + Math.cos(Math.PI * Math.min(t, 100) / 100));
      expect(at(cos, t)).toBeCloseTo(2 * (0.9 * c + 0.1), 5);
    }
  });
  it("warmupCosineDecay: linear warmup to the peak, cosine down to endValue", () => {
    const s = S.warmupCosineDecay({ initValue: 0, peakValue: 1, warmupSteps: 10, decaySteps: 110, endValue: 0.1 });
    expect(at(s, 0)).toBeCloseTo(0, 6);
    expect(at(s, 5)).toBeCloseTo(0.5, 6);
    expect(at(s, 10)).toBeCloseTo(1, 6);
    expect(at(s, 60)).toBeCloseTo(0.1 + 0.9 * 0.5, 5);
    expect(at(s, 110)).toBeCloseTo(0.1, 5);
    expect(at(s, 500)).toBeCloseTo(0.1, 5);
  });
  it("exponentialDecay (smooth, staircase, begin, endValue) and piecewiseConstant", () => {
    expect(at(S.exponentialDecay(1, 10, 0.5), 15)).toBeCloseTo(0.5 ** 1.5, 6);
    expect(at(S.exponentialDecay(1, 10, 0.5, { staircase: true }), 25)).toBeCloseTo(0.25, 6);
    expect(at(S.exponentialDecay(1, 10, 0.5, { transitionBegin: 5 }), 3)).toBeCloseTo(1, 6);
    expect(at(S.exponentialDecay(1, 10, 0.5, { endValue: 0.3 }), 100)).toBeCloseTo(0.3, 6);
    const pc = S.piecewiseConstant(1, { 10: 0.5, 20: 0.1 });
    expect([0, 9, 10, 19, 20, 1000].map((t) => at(pc, t))).toEqual([1, 1, 0.5, 0.5, 0.05, 0.05].map((v) => expect.closeTo(v, 6)));
  });
  it("work on traced steps under jit", () => {
    const s = S.warmupCosineDecay({ initValue: 0.1, peakValue: 1, warmupSteps: 4, decaySteps: 20 });
    const f = jit((t: NDArray) => np.asarray(s(t)));
    for (const t of [0, 2, 4, 11, 30]) {
      expect(f(np.array(t, { dtype: "int32" })).item()).toBeCloseTo(at(s, t), 6);
    }
  });
});

describe("injectHyperparams", () => {
  it("exposes scheduled and fixed hyperparameters in the state", () => {
    const opt = optim.injectHyperparams(optim.sgd)({ learningRate: S.linear(1, 0, 4), momentum: 0.5 });
    let s = opt.init(params0);
    expect(s.hyperparams.learningRate.item()).toBeCloseTo(1, 6);
    expect(s.hyperparams.momentum.item()).toBeCloseTo(0.5, 6);
    let p: any = params0;
    const lrs: number[] = [];
    for (const g of gradSeq) {
      const [u, s2] = opt.update(g, s, p);
      p = optim.applyUpdates(p, u);
      s = s2;
      lrs.push(s.hyperparams.learningRate.item());
    }
    expectClose(lrs, [1, 0.75, 0.5]);
    expect(s.count.item()).toBe(3);
    compare([flat(p)], [runRef((pi, g, st, t) => {
      st.buf = (st.buf ?? 0) * 0.5 + g;
      return pi - (1 - (t - 1) / 4) * st.buf;
    })[2]]);
  });

  it("a hyperparameter edited in the state takes effect", () => {
    const opt = optim.injectHyperparams(optim.adam)({ learningRate: 0.1 });
    const s = opt.init(params0);
    const edited = { ...s, hyperparams: { ...s.hyperparams, learningRate: np.array(0.01) } };
    const [u] = opt.update(gradSeq[0], edited, params0);
    expectClose(flat(u), flat(gradSeq[0]).map((g) => -0.01 * Math.sign(g)), 1e-4, 1e-7);
  });
});

describe("a jitted train step equals the eager one", () => {
  const xs = np.array([[0.5, -1], [1, 2], [-0.3, 0.8], [2, -2]]);
  const ys = np.array([1, -1, 0.5, 2]);
  const loss = (p: { w: NDArray; b: NDArray }, x: NDArray, y: NDArray) =>
    np.mean(nn.losses.mse(np.add(np.matmul(x, p.w), p.b), y));
  const makeStep = (opt: nn.optim.GradientTransformation) => (p: any, s: any, x: NDArray, y: NDArray) => {
    const [l, g] = valueAndGrad(loss)(p, x, y);
    const [u, s2] = opt.update(g, s, p);
    return [optim.applyUpdates(p, u), s2, l] as const;
  };

  it("traces once: the state keeps its structure, shapes and dtypes across steps", () => {
    for (const opt of [optim.chain(optim.clipByGlobalNorm(1), optim.adamw(S.cosineDecay(0.1, 10))), optim.injectHyperparams(optim.rmsprop)({ learningRate: 0.01, decay: 0.9 })]) {
      let traces = 0;
      const step = makeStep(opt);
      const jstep = jit((p: any, s: any, x: NDArray, y: NDArray) => { traces++; return step(p, s, x, y); });
      let p: any = { w: np.array([0.1, -0.2]), b: np.array(0.05) };
      let s = opt.init(p);
      for (let i = 0; i < 4; i++) [p, s] = jstep(p, s, xs, ys);
      expect(traces).toBe(1);
    }
  });

  it.each([
    ["adam with a warmup-cosine schedule and clipping", () => optim.chain(optim.clipByGlobalNorm(1), optim.adam(S.warmupCosineDecay({ initValue: 0, peakValue: 0.1, warmupSteps: 2, decaySteps: 10 })))],
    ["adamw", () => optim.adamw(0.05, { weightDecay: 0.1 })],
    ["sgd nesterov", () => optim.sgd(0.05, { momentum: 0.9, nesterov: true })],
    ["injected lion", () => optim.injectHyperparams(optim.lion)({ learningRate: S.exponentialDecay(0.01, 2, 0.5), weightDecay: 0.01 })],
    ["rmsprop centered", () => optim.rmsprop(0.01, { centered: true })],
    ["adagrad", () => optim.adagrad(0.1)],
  ])("%s", (_name, make) => {
    const opt = make();
    const step = makeStep(opt);
    const jstep = jit(step);
    const p0 = { w: np.array([0.1, -0.2]), b: np.array(0.05) };
    let [pe, se] = [p0 as any, opt.init(p0)];
    let [pj, sj] = [p0 as any, opt.init(p0)];
    const lossesE: number[] = [];
    for (let i = 0; i < 6; i++) {
      const [p1, s1, l1] = step(pe, se, xs, ys);
      [pe, se] = [p1, s1];
      lossesE.push(l1.item());
      const [p2, s2] = jstep(pj, sj, xs, ys);
      [pj, sj] = [p2, s2];
      expect(tree.structure(sj).toString()).toBe(tree.structure(se).toString());
      expectClose(flat(pj), flat(pe), 1e-5, 1e-6);
      expectClose(flat(sj), flat(se), 1e-5, 1e-6);
    }
    expect(lossesE[5]).toBeLessThan(lossesE[0]);
  });
});
