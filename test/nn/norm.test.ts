// nn GroupNorm and BatchNorm: outputs against torch.nn.GroupNorm / BatchNorm1d/2d (fixtures from
// test/fixtures/gen_nn_layers.py), BatchNorm's train/eval semantics and running averages over
// several steps (momentum 0.1 and cumulative), state threading under jit(valueAndGrad), no
// gradient into the running statistics, and finite-difference gradients.
import { describe, expect, it } from "vitest";
import { np, random, tree, vmap, jit, grad, valueAndGrad, type NDArray } from "graft";
import * as nn from "graft/nn";
import { checkGrads } from "graft/testing";
import fx from "../fixtures/nn_layers.json";
import { expectClose, f32, f64 } from "./layer-helpers";
import { itF64, onCpu } from "../device";

describe("GroupNorm", () => {
  it("matches torch.nn.GroupNorm with an affine map", () => {
    const c = fx.groupNorm;
    let gn = new nn.GroupNorm({ groups: 3, channels: 6 });
    expect(gn.weight!.js()).toEqual([1, 1, 1, 1, 1, 1]);
    expect(gn.bias!.js()).toEqual([0, 0, 0, 0, 0, 0]);
    gn = tree.at((m: nn.GroupNorm) => m.weight, gn, f32(c.weight));
    gn = tree.at((m: nn.GroupNorm) => m.bias, gn, f32(c.bias));
    expectClose(gn.forward(f32(c.x)), c.y, 1e-5);
  });

  it("matches torch.nn.GroupNorm(affine=False, eps=1e-3) on [C, L]; no leaves without affine", () => {
    const gn = new nn.GroupNorm({ groups: 2, channels: 4, eps: 1e-3, channelwiseAffine: false });
    expect(tree.leaves(gn)).toEqual([]);
    expectClose(gn.forward(f32(fx.groupNormPlain.x)), fx.groupNormPlain.y, 1e-5);
    onCpu(() => expectClose(gn.forward(f64(fx.groupNormPlain.x)), fx.groupNormPlain.y, 1e-9));
  });

  itF64("gradients match finite differences (float64); vmap over a batch", () => {
    let gn = new nn.GroupNorm({ groups: 2, channels: 4, dtype: "float64" });
    gn = tree.at((m: nn.GroupNorm) => m.weight, gn, f64([0.5, -1, 2, 1.5]));
    const x = random.normal(random.key(1), [4, 3, 2], { dtype: "float64" });
    checkGrads((m: nn.GroupNorm, xx: NDArray) => np.sin(m.forward(xx)), [gn, x]);
    const xb = random.normal(random.key(2), [3, 4, 5]);
    const g32 = new nn.GroupNorm({ groups: 4, channels: 4 });
    const yb = vmap((xi: NDArray) => g32.forward(xi))(xb);
    [...xb].forEach((xi, i) => expectClose(yb.slice(i), g32.forward(xi).js(), 1e-6));
    expect(() => new nn.GroupNorm({ groups: 3, channels: 4 })).toThrow(/groups must divide channels/);
    expect(() => g32.forward(np.ones([3, 5]))).toThrow(/nn\.GroupNorm: expected one example of shape \[4, \.\.\.\]/);
  });
});

describe("BatchNorm", () => {
  it("initState: running mean 0, variance 1, count 0; parameters weight 1, bias 0", () => {
    const bn = new nn.BatchNorm({ channels: 3 });
    const s = bn.initState();
    expect(s.runningMean.js()).toEqual([0, 0, 0]);
    expect(s.runningVar.js()).toEqual([1, 1, 1]);
    expect(s.numBatchesTracked.item()).toBe(0);
    expect(tree.leaves(bn).length).toBe(2);
  });

  it("BatchNorm2d: three training steps and eval match PyTorch (outputs and running statistics)", () => {
    const c = fx.batchNorm2d;
    let bn = new nn.BatchNorm({ channels: 3 });
    bn = tree.at((m: nn.BatchNorm) => m.weight, bn, f32(c.weight));
    bn = tree.at((m: nn.BatchNorm) => m.bias, bn, f32(c.bias));
    let state = bn.initState();
    for (const step of c.steps) {
      let y: NDArray;
      [y, state] = bn.forward(f32(step.x), state);
      expectClose(y, step.y, 1e-5);
      expectClose(state.runningMean, step.runningMean, 1e-5);
      expectClose(state.runningVar, step.runningVar, 1e-5);
    }
    expect(state.numBatchesTracked.item()).toBe(3);
    const [yEval, same] = bn.forward(f32(c.xEval), state, { inference: true });
    expectClose(yEval, c.yEval, 1e-5);
    expect(same).toBe(state);
    // a layer built in inference mode uses the running statistics by default
    const frozen = new nn.BatchNorm({ channels: 3, inference: true });
    const [yf] = tree.at((m: nn.BatchNorm) => m.bias, tree.at((m: nn.BatchNorm) => m.weight, frozen, f32(c.weight)), f32(c.bias)).forward(f32(c.xEval), state);
    expectClose(yf, c.yEval, 1e-5);
  });

  itF64("BatchNorm1d with momentum null keeps the cumulative average (float64 matches to 1e-9)", () => {
    const c = fx.batchNorm1dCumulative;
    const bn = new nn.BatchNorm({ channels: 4, momentum: null, channelwiseAffine: false, dtype: "float64" });
    let state = bn.initState();
    for (const step of c.steps) {
      let y: NDArray;
      [y, state] = bn.forward(f64(step.x), state);
      expectClose(y, step.y, 1e-9);
      expectClose(state.runningMean, step.runningMean, 1e-9);
      expectClose(state.runningVar, step.runningVar, 1e-9);
    }
    expectClose(bn.forward(f64(c.xEval), state, { inference: true })[0], c.yEval, 1e-9);
  });

  it("a jitted training step differentiates the parameters and threads the state as aux", () => {
    const bn = new nn.BatchNorm({ channels: 2 });
    const xb = random.normal(random.key(3), [8, 2, 3]).mul(3).add(1);
    const loss = (m: nn.BatchNorm, s: nn.BatchNormState, x: NDArray): [NDArray, nn.BatchNormState] => {
      const [y, s2] = m.forward(x, s);
      return [np.mean(np.square(y.sub(0.5))), s2];
    };
    const step = jit((m: nn.BatchNorm, s: nn.BatchNormState, x: NDArray) => valueAndGrad(loss, { hasAux: true })(m, s, x));
    const [[l, s1], g] = step(bn, bn.initState(), xb);
    const [[lEager, sEager], gEager] = valueAndGrad(loss, { hasAux: true })(bn, bn.initState(), xb);
    expect(g).toBeInstanceOf(nn.BatchNorm);
    expect(l.item()).toBeCloseTo(lEager.item() as number, 6);
    expectClose(s1.runningMean, sEager.runningMean.js(), 1e-6);
    expectClose(g.bias!, gEager.bias!.js(), 1e-5);
    // each channel's normalised output has mean 0, so d/d bias_c of mean((y - 0.5)^2) over the
    // C = 2 channels is 2 (bias_c - 0.5) / C = -0.5
    expectClose(g.bias!, [-0.5, -0.5], 1e-5);
    // momentum 0.1 from mean 0: running mean = 0.1 * batch mean
    expectClose(s1.runningMean, np.mean(xb, [0, 2]).mul(0.1).js(), 1e-5);
  });

  itF64("the running statistics carry no gradient; the train output's gradient matches finite differences", () => {
    const bn = new nn.BatchNorm({ channels: 2, dtype: "float64" });
    const s = bn.initState();
    const x = random.normal(random.key(4), [5, 2, 2], { dtype: "float64" });
    const gStats = grad((xx: NDArray) => {
      const [, s2] = bn.forward(xx, s);
      return np.sum(s2.runningMean).add(np.sum(s2.runningVar));
    })(x);
    expect(np.max(np.abs(gStats)).item()).toBe(0);
    const shifted = tree.at((m: nn.BatchNorm) => m.weight, bn, f64([1.5, -0.7]));
    checkGrads((m: nn.BatchNorm, xx: NDArray) => np.sin(m.forward(xx, s)[0]), [shifted, x]);
    checkGrads((m: nn.BatchNorm, xx: NDArray) => np.sin(m.forward(xx, s, { inference: true })[0]), [shifted, x]);
  });

  it("errors: missing state, wrong channels, a single value per channel in training", () => {
    const bn = new nn.BatchNorm({ channels: 3 });
    expect(() => bn.forward(np.ones([4, 3]), undefined as never)).toThrow(/needs the state from bn.initState\(\)/);
    expect(() => bn.forward(np.ones([4, 2]), bn.initState())).toThrow(/expected a batch of shape \[N, 3, \.\.\.\]/);
    expect(() => bn.forward(np.ones([1, 3]), bn.initState())).toThrow(/more than one value per channel/);
    expect(bn.forward(np.ones([1, 3]), bn.initState(), { inference: true })[0].shape).toEqual([1, 3]);
    expect(() => new nn.BatchNorm({ channels: 3, momentum: 2 })).toThrow(/momentum must be in \[0, 1\]/);
  });
});
