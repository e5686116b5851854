// nn.GRUCell / LSTMCell against torch.nn.GRUCell / LSTMCell (one step) and torch.nn.GRU / LSTM
// (a sequence, through nn.scanRnn) with the same weights (fixtures from
// test/fixtures/gen_nn_layers.py); PyTorch init bounds; reverse scans; vmap/jit; gradients.
import { describe, expect, it } from "vitest";
import { np, random, tree, vmap, jit, grad, makeJaxpr, type NDArray } from "graft";
import * as nn from "graft/nn";
import { checkGrads } from "graft/testing";
import fx from "../fixtures/nn_layers.json";
import { expectClose, f32, maxAbs } from "./layer-helpers";
import { itF64, onCpu } from "../device";

// On the CPU: float64 tests use it too (WebGPU arrays may not become float64); CPU operands
// of an op with WebGPU inputs are copied to the GPU, so float32 tests still run there.
const key = onCpu(() => random.key(0));

function withTorchWeights<C extends nn.GRUCell | nn.LSTMCell>(cell: C, c: { weightIh: unknown; weightHh: unknown; biasIh: unknown; biasHh: unknown }): C {
  let m = tree.at((t: C) => t.weightIh, cell, f32(c.weightIh));
  m = tree.at((t: C) => t.weightHh, m, f32(c.weightHh));
  m = tree.at((t: C) => t.biasIh, m, f32(c.biasIh));
  return tree.at((t: C) => t.biasHh, m, f32(c.biasHh));
}

describe("GRUCell", () => {
  const c = fx.gru;
  const gru = withTorchWeights(new nn.GRUCell({ inputSize: 4, hiddenSize: 5, key }), c);
  const xs = f32(c.xs), h0 = f32(c.h0);

  it("one step matches torch.nn.GRUCell", () => {
    expectClose(gru.forward(xs.slice(0), h0), c.h1, 1e-5);
  });

  it("scanRnn over a sequence matches torch.nn.GRU (all hidden states and the last)", () => {
    const [hT, hs] = nn.scanRnn(gru, h0, xs);
    expectClose(hs, c.hs, 1e-5);
    expectClose(hT, c.hT, 1e-5);
    // the traced program holds one step inside a scan, whatever the length
    const text = makeJaxpr((x: NDArray) => nn.scanRnn(gru, h0, x)[1])(xs).toString();
    expect(text).toContain("scan");
    expect(text.match(/tanh/g)?.length).toBe(1);
  });

  it("reverse scans the flipped sequence and returns outputs in input order", () => {
    const [hR, hsR] = nn.scanRnn(gru, h0, xs, { reverse: true });
    const [hF, hsF] = nn.scanRnn(gru, h0, np.flip(xs, 0));
    expectClose(hR, hF.js(), 1e-6);
    expectClose(hsR, np.flip(hsF, 0).js(), 1e-6);
  });

  it("PyTorch init: every tensor ~ U(-1/sqrt(H), 1/sqrt(H)) with gates stacked [3H, ...]", () => {
    const m = new nn.GRUCell({ inputSize: 7, hiddenSize: 64, key: random.key(3) });
    expect([m.weightIh.shape, m.weightHh.shape, m.biasIh!.shape, m.biasHh!.shape]).toEqual([[192, 7], [192, 64], [192], [192]]);
    const bound = 1 / 8;
    for (const t of tree.leaves<NDArray>(m)) expect(maxAbs(t)).toBeLessThanOrEqual(bound);
    expect(maxAbs(m.weightHh)).toBeGreaterThan(0.99 * bound);
    const w = Array.from(m.weightHh.dataSync());
    const variance = w.reduce((a, b) => a + b * b, 0) / w.length;
    expect(variance / (bound * bound / 3)).toBeGreaterThan(0.95);
    expect(variance / (bound * bound / 3)).toBeLessThan(1.05);
    const nb = new nn.GRUCell({ inputSize: 2, hiddenSize: 3, useBias: false, key });
    expect(tree.leaves(nb).length).toBe(2);
    expect(nb.forward(np.zeros([2]), np.zeros([3])).js()).toEqual([0, 0, 0]);
  });
});

describe("LSTMCell", () => {
  const c = fx.lstm;
  const lstm = withTorchWeights(new nn.LSTMCell({ inputSize: 4, hiddenSize: 5, key }), c);
  const xs = f32(c.xs), h0 = f32(c.h0), c0 = f32(c.c0);

  it("one step matches torch.nn.LSTMCell (gate order i, f, g, o)", () => {
    const [h1, c1] = lstm.forward(xs.slice(0), [h0, c0]);
    expectClose(h1, c.h1, 1e-5);
    expectClose(c1, c.c1, 1e-5);
    expect(lstm.weightIh.shape).toEqual([20, 4]);
  });

  it("scanRnn over a sequence matches torch.nn.LSTM: outputs are the h's, the carry is [h, c]", () => {
    const [[hT, cT], hs] = nn.scanRnn(lstm, [h0, c0], xs);
    expectClose(hs, c.hs, 1e-5);
    expectClose(hT, c.hT, 1e-5);
    expectClose(cT, c.cT, 1e-5);
  });

  it("vmap over a batch of sequences and jit equal the sequences one by one", () => {
    const xb = random.normal(random.key(1), [3, 6, 4]);
    const run = jit(vmap((x: NDArray) => nn.scanRnn(lstm, [h0, c0], x)[1]));
    const hb = run(xb);
    [...xb].forEach((x, i) => expectClose(hb.slice(i), nn.scanRnn(lstm, [h0, c0], x)[1].js(), 1e-5));
  });
});

describe("gradients through the recurrence", () => {
  itF64("GRU and LSTM: jvp/vjp through scanRnn match finite differences in the weights and the initial state (float64)", () => {
    const gru = new nn.GRUCell({ inputSize: 2, hiddenSize: 3, key, dtype: "float64" });
    const lstm = new nn.LSTMCell({ inputSize: 2, hiddenSize: 3, key: random.key(1), dtype: "float64" });
    const xs = random.normal(random.key(2), [4, 2], { dtype: "float64" });
    const h0 = random.normal(random.key(3), [3], { dtype: "float64" });
    checkGrads((m: nn.GRUCell, h: NDArray) => nn.scanRnn(m, h, xs)[1], [gru, h0]);
    checkGrads((m: nn.LSTMCell, h: NDArray, cc: NDArray) => nn.scanRnn(m, [h, cc], xs)[0], [lstm, h0, h0.mul(-0.5)]);
  });

  it("jit(grad) of a sequence loss equals the eager gradient and is finite", () => {
    const gru = new nn.GRUCell({ inputSize: 3, hiddenSize: 4, key });
    const xs = random.normal(random.key(4), [10, 3]);
    const loss = (m: nn.GRUCell) => np.sum(np.square(nn.scanRnn(m, np.zeros([4]), xs)[1]));
    const g = jit(grad(loss))(gru), ge = grad(loss)(gru);
    expect(g).toBeInstanceOf(nn.GRUCell);
    expectClose(g.weightHh, ge.weightHh.js(), 1e-5);
    expect(tree.leaves<NDArray>(g).every((t) => np.all(np.isfinite(t)).item())).toBe(true);
    expect(maxAbs(g.weightIh)).toBeGreaterThan(0);
  });

  it("errors", () => {
    const gru = new nn.GRUCell({ inputSize: 3, hiddenSize: 4, key });
    expect(() => gru.forward(np.ones([2]), np.zeros([4]))).toThrow(/nn\.GRUCell: expected one input of shape \[3\]/);
    expect(() => gru.forward(np.ones([3]), np.zeros([5]))).toThrow(/hidden state of shape \[4\]/);
    expect(() => nn.scanRnn(gru, np.zeros([4]), np.ones([2, 5, 3]))).toThrow(/nn\.scanRnn: xs must be a sequence/);
  });
});
