// nn.optim.masked / multiTransform / multiSteps: masked leaves pass through untouched and keep
// no inner state; each labelled group gets its own optimiser; k multiSteps calls equal one
// inner step on the mean gradient (zero updates in between), eagerly and under jit.
import { describe, expect, it } from "vitest";
import { jit, np, random, tree, type NDArray } from "graft";
import * as nn from "graft/nn";

const { optim } = nn;
const flat = (t: unknown): number[] => tree.leaves<NDArray>(t).flatMap((l) => Array.from(l.dataSync()));
const params = { w: np.array([[1, 2], [3, 4]]), b: np.array([0.5, -0.5]) };
const grads = { w: np.array([[0.1, -0.2], [0.3, 0.4]]), b: np.array([1, -2]) };

describe("masked", () => {
  it("applies the inner transformation only where the mask is true", () => {
    const opt = optim.masked(optim.sgd(0.1), { w: true, b: false });
    const s = opt.init(params);
    expect(s.innerState).toBeDefined();
    const [u] = opt.update(grads, s, params);
    expect(flat(u.w)).toEqual(flat(grads.w).map((g) => expect.closeTo(-0.1 * g, 6)));
    expect(u.b).toBe(grads.b); // passed through unchanged
  });

  it("accepts a function of the params and keeps state only for masked-in leaves", () => {
    const opt = optim.masked(optim.adam(1e-2), (p: any) => tree.map((x: NDArray) => x.ndim > 1, p));
    const s = opt.init(params);
    // adam state: [{count, mu, nu}, {}]; mu has the masked structure (b is null).
    expect(s.innerState[0].mu.b).toBeNull();
    expect(s.innerState[0].mu.w.shape).toEqual([2, 2]);
    const [u] = opt.update(grads, s, params);
    expect(flat(u.w)).toEqual(flat(grads.w).map((g) => expect.closeTo(-1e-2 * Math.sign(g), 5)));
    expect(flat(u.b)).toEqual(flat(grads.b));
  });

  it("takes a mask prefix (one boolean for a whole subtree) and works with modules", () => {
    const model = new nn.MLP({ inSize: 2, outSize: 1, widthSize: 3, depth: 1, key: random.key(0) });
    const g = tree.map((x: NDArray) => np.onesLike(x), model);
    const opt = optim.masked(optim.scale(0), (m: nn.MLP) => tree.map((_: unknown) => true, m));
    const [u] = opt.update(g, opt.init(model), model);
    expect(flat(u).every((v) => v === 0)).toBe(true);
    const prefix = optim.masked(optim.scale(0), { w: true, b: false });
    const nested = { w: { x: np.ones([2]), y: np.ones([1]) }, b: np.ones([3]) };
    const [u2] = prefix.update(nested, prefix.init(nested), nested);
    expect(flat(u2)).toEqual([1, 1, 1, 0, 0, 0]); // leaves in key order: b, w.x, w.y
  });
});

describe("multiTransform", () => {
  it("gives each labelled group its own optimiser", () => {
    const opt = optim.multiTransform({ fast: optim.sgd(1), slow: optim.sgd(0.01), frozen: optim.scale(0) }, { w: "fast", b: "slow" });
    const s = opt.init(params);
    expect(Object.keys(s.innerStates).sort()).toEqual(["fast", "frozen", "slow"]);
    const [u] = opt.update(grads, s, params);
    expect(flat(u.w)).toEqual(flat(grads.w).map((g) => expect.closeTo(-g, 6)));
    expect(flat(u.b)).toEqual(flat(grads.b).map((g) => expect.closeTo(-0.01 * g, 6)));
    const byFn = optim.multiTransform({ a: optim.sgd(1), z: optim.scale(0) }, (p: any) => ({ w: "z", b: "a" }));
    const [u2] = byFn.update(grads, byFn.init(params), params);
    expect(flat(u2.w).every((v) => v === 0)).toBe(true);
    expect(() => optim.multiTransform({ a: optim.sgd(1) }, { w: "a", b: "nope" }).init(params)).toThrow(/nope/);
  });

  it("is jittable with stateful groups", () => {
    const opt = optim.multiTransform({ adam: optim.adam(0.1), sgd: optim.sgd(0.1, { momentum: 0.9 }) }, { w: "adam", b: "sgd" });
    const step = (p: any, s: any) => { const [u, s2] = opt.update(grads, s, p); return [optim.applyUpdates(p, u), s2]; };
    let [pe, se] = [params as any, opt.init(params)];
    let [pj, sj] = [params as any, opt.init(params)];
    const js = jit(step);
    for (let i = 0; i < 3; i++) { [pe, se] = step(pe, se); [pj, sj] = js(pj, sj); }
    flat(pe).forEach((v, i) => expect(v).toBeCloseTo(flat(pj)[i]!, 5));
  });
});

describe("multiSteps", () => {
  const gs = [0, 1, 2, 3].map((i) => ({ w: np.array([[i, -1], [2 * i, 0.5]]), b: np.array([1 - i, i * i]) }));
  const mean = tree.map((...xs: NDArray[]) => xs.reduce((a, x) => np.add(a, x)).mul(1 / xs.length), gs[0], gs[1], gs[2], gs[3]);

  for (const useJit of [false, true]) {
    it(`k steps equal one big step on the mean gradient; intermediate updates are zero${useJit ? " (jit)" : ""}`, () => {
      const k = 4;
      const inner = optim.adam(0.1);
      const opt = optim.multiSteps(inner, k);
      const run = (p: any, s: any, g: any) => { const [u, s2] = opt.update(g, s, p); return [optim.applyUpdates(p, u), s2, u]; };
      const step = useJit ? jit(run) : run;
      let p: any = params, s: any = opt.init(params);
      for (let i = 0; i < k; i++) {
        const [p2, s2, u] = step(p, s, gs[i]);
        if (i < k - 1) {
          expect(flat(u).every((v) => v === 0)).toBe(true);
          expect(Boolean(opt.hasUpdated(s2).item())).toBe(false);
        } else {
          expect(Boolean(opt.hasUpdated(s2).item())).toBe(true);
        }
        [p, s] = [p2, s2];
      }
      const [uRef] = inner.update(mean, inner.init(params), params);
      const ref = optim.applyUpdates(params, uRef);
      flat(p).forEach((v, i) => expect(v).toBeCloseTo(flat(ref)[i]!, 5));
      expect(s.miniStep.item()).toBe(0);
      expect(s.gradientStep.item()).toBe(1);
      expect(flat(s.accGrads).every((v) => v === 0)).toBe(true);
    });
  }

  it("rejects a bad everyK", () => {
    expect(() => optim.multiSteps(optim.sgd(1), 0)).toThrow(/everyK/);
  });
});
