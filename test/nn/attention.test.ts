// nn.MultiheadAttention: against torch.nn.MultiheadAttention with the same weights (fixtures from
// test/fixtures/gen_nn_layers.py; torch's mask marks blocked positions, graft's allowed ones),
// against softmax(Q K^T / sqrt(d)) V written out per head, permutation equivariance, masking,
// dropout modes, and finite-difference gradients.
import { describe, expect, it } from "vitest";
import { np, random, tree, vmap, jit, nnFunctions, type NDArray } from "graft";
import * as nn from "graft/nn";
import { checkGrads } from "graft/testing";
import fx from "../fixtures/nn_layers.json";
import { expectClose, f32 } from "./layer-helpers";
import { itF64, onCpu } from "../device";

// On the CPU: float64 tests use it too (WebGPU arrays may not become float64); CPU operands
// of an op with WebGPU inputs are copied to the GPU, so float32 tests still run there.
const key = onCpu(() => random.key(0));
type MhaCase = typeof fx.mha;

function fromTorch(c: MhaCase): nn.MultiheadAttention {
  const wq = f32(c.wq), wk = f32(c.wk), wv = f32(c.wv), wo = f32(c.wo);
  let m = new nn.MultiheadAttention({
    numHeads: c.numHeads, querySize: wq.shape[1]!, keySize: wk.shape[1]!, valueSize: wv.shape[1]!, outputSize: wo.shape[0]!,
    useQueryBias: true, useKeyBias: true, useValueBias: true, useOutputBias: true, key,
  });
  const set = (where: (t: nn.MultiheadAttention) => unknown, v: NDArray) => { m = tree.at(where, m, v); };
  set((t) => t.queryProj.weight, wq); set((t) => t.queryProj.bias, f32(c.bq));
  set((t) => t.keyProj.weight, wk); set((t) => t.keyProj.bias, f32(c.bk));
  set((t) => t.valueProj.weight, wv); set((t) => t.valueProj.bias, f32(c.bv));
  set((t) => t.outputProj.weight, wo); set((t) => t.outputProj.bias, f32(c.bo));
  return m;
}

const boolArray = (x: unknown) => np.array(x as boolean[], { dtype: "bool" });

describe("MultiheadAttention against PyTorch", () => {
  it("self-sized projections, 2 heads: unmasked and masked [Lq, Lk]", () => {
    const c = fx.mha, m = fromTorch(c);
    expectClose(m.forward(f32(c.q), f32(c.k), f32(c.v)), c.y, 1e-5);
    expectClose(m.forward(f32(c.q), f32(c.k), f32(c.v), { mask: boolArray(c.mask) }), c.yMasked, 1e-5);
  });

  it("kdim/vdim differ, 4 heads, per-head mask [heads, Lq, Lk]", () => {
    const c = fx.mhaKdim, m = fromTorch(c as unknown as MhaCase);
    expect([m.keySize, m.valueSize, m.qkSize, m.voSize]).toEqual([6, 5, 2, 2]);
    expectClose(m.forward(f32(c.q), f32(c.k), f32(c.v)), c.y, 1e-5);
    expectClose(m.forward(f32(c.q), f32(c.k), f32(c.v), { mask: boolArray(c.mask) }), c.yMasked, 1e-5);
  });
});

/** Attention written out head by head with plain matrix products. */
function explicit(m: nn.MultiheadAttention, q: NDArray, k: NDArray, v: NDArray, mask?: NDArray): NDArray {
  const proj = (lin: nn.Linear, x: NDArray) => np.matmul(x, lin.weight.T).add(lin.bias ?? 0);
  const Q = proj(m.queryProj, q), K = proj(m.keyProj, k), V = proj(m.valueProj, v);
  const heads: NDArray[] = [];
  for (let h = 0; h < m.numHeads; h++) {
    const qh = Q.slice([], [h * m.qkSize, (h + 1) * m.qkSize]);
    const kh = K.slice([], [h * m.qkSize, (h + 1) * m.qkSize]);
    const vh = V.slice([], [h * m.voSize, (h + 1) * m.voSize]);
    let logits = np.matmul(qh, kh.T).div(Math.sqrt(m.qkSize));
    if (mask) logits = np.where(mask, logits, -Infinity);
    heads.push(np.matmul(nnFunctions.softmax(logits, -1), vh));
  }
  return proj(m.outputProj, np.concatenate(heads, 1));
}

describe("MultiheadAttention semantics", () => {
  const m = new nn.MultiheadAttention({ numHeads: 3, querySize: 12, keySize: 5, valueSize: 7, outputSize: 4, qkSize: 3, voSize: 2, useQueryBias: true, useOutputBias: true, key });
  const q = random.normal(random.key(1), [6, 12]);
  const k = random.normal(random.key(2), [9, 5]);
  const v = random.normal(random.key(3), [9, 7]);

  it("Equinox defaults: per-head size querySize / numHeads, biases off, sizes from querySize", () => {
    const d = new nn.MultiheadAttention({ numHeads: 4, querySize: 16, key });
    expect([d.qkSize, d.voSize, d.keySize, d.valueSize, d.outputSize]).toEqual([4, 4, 16, 16, 16]);
    expect([d.queryProj.bias, d.keyProj.bias, d.valueProj.bias, d.outputProj.bias]).toEqual([null, null, null, null]);
    expect(d.queryProj.weight.shape).toEqual([16, 16]);
    expect(m.valueProj.weight.shape).toEqual([6, 7]);
    expect(m.outputProj.weight.shape).toEqual([4, 6]);
  });

  it("equals softmax(Q K^T / sqrt(qkSize)) V per head, then the output projection", () => {
    expectClose(m.forward(q, k, v), explicit(m, q, k, v).js(), 1e-5);
    const mask = random.bernoulli(random.key(4), 0.6, [6, 9]).at([], 3).set(true);
    expectClose(m.forward(q, k, v, { mask }), explicit(m, q, k, v, mask).js(), 1e-5);
  });

  it("permutation equivariant in the queries, invariant to permuting keys with values", () => {
    const pq = [4, 0, 5, 2, 1, 3], pk = [8, 3, 0, 1, 7, 2, 6, 4, 5];
    const take = (x: NDArray, p: number[]) => np.take(x, np.array(p, { dtype: "int32" }), 0);
    const y = m.forward(q, k, v);
    expectClose(m.forward(take(q, pq), k, v), take(y, pq).js(), 1e-5);
    expectClose(m.forward(q, take(k, pk), take(v, pk)), y.js(), 1e-5);
    // self-attention: f(P x) = P f(x)
    const s = new nn.MultiheadAttention({ numHeads: 2, querySize: 6, key });
    const x = random.normal(random.key(5), [6, 6]);
    expectClose(s.forward(take(x, pq), take(x, pq), take(x, pq)), take(s.forward(x, x, x), pq).js(), 1e-5);
  });

  it("masked keys have no influence; a fully masked row averages the values uniformly (Equinox)", () => {
    const mask = np.ones([6, 9], { dtype: "bool" }).at([], [5, 9]).set(false);
    const v2 = v.at([5, 9]).set(100);
    const k2 = k.at([5, 9]).set(-7);
    expectClose(m.forward(q, k2, v2, { mask }), m.forward(q, k, v, { mask }).js(), 1e-5);
    const none = np.zeros([6, 9], { dtype: "bool" });
    const y = m.forward(q, k, v, { mask: none });
    const V = np.matmul(v, m.valueProj.weight.T);
    const uniform = np.matmul(np.mean(V, 0), m.outputProj.weight.T).add(m.outputProj.bias!);
    expectClose(y.slice(2), uniform.js(), 1e-5);
  });

  it("dropout: identity in inference, needs a key in training, keeps the expectation", () => {
    const d = new nn.MultiheadAttention({ numHeads: 2, querySize: 4, dropoutP: 0.5, key });
    const x = random.normal(random.key(6), [5, 4]);
    const plain = new nn.MultiheadAttention({ numHeads: 2, querySize: 4, key }).forward(x, x, x);
    expectClose(d.forward(x, x, x, { inference: true }), plain.js(), 1e-6);
    expect(() => d.forward(x, x, x)).toThrow(/needs a `key`/);
    const y1 = d.forward(x, x, x, { key: random.key(1) }), y2 = d.forward(x, x, x, { key: random.key(2) });
    expect(np.max(np.abs(y1.sub(y2))).item()).toBeGreaterThan(1e-3);
    const keys = random.split(random.key(9), 2000);
    const mean = np.mean(vmap((kk: NDArray) => d.forward(x, x, x, { key: kk }))(keys), 0);
    expectClose(mean, plain.js(), 0, 0.1);
  });

  itF64("gradients match finite differences (float64); jit and vmap over a batch of sequences", () => {
    const m64 = new nn.MultiheadAttention({ numHeads: 2, querySize: 4, keySize: 3, useKeyBias: true, key, dtype: "float64" });
    const q64 = random.normal(key, [3, 4], { dtype: "float64" }), k64 = random.normal(random.key(1), [4, 3], { dtype: "float64" });
    const mask = np.array([[true, false, true, true], [true, true, false, false], [false, true, true, true]]);
    const v64 = random.normal(random.key(2), [4, 4], { dtype: "float64" });
    checkGrads((mm: nn.MultiheadAttention, a: NDArray, b: NDArray, c: NDArray) => mm.forward(a, b, c, { mask }), [m64, q64, k64, v64]);
    const qb = random.normal(key, [3, 6, 12]);
    const yb = jit(vmap((a: NDArray) => m.forward(a, k, v)))(qb);
    [...qb].forEach((a, i) => expectClose(yb.slice(i), m.forward(a, k, v).js(), 1e-5));
  });

  it("errors name the layer and the expected shapes", () => {
    expect(() => m.forward(q, k, v.slice([0, 8]))).toThrow(/key and value must have the same length/);
    expect(() => m.forward(q.slice([], [0, 11]), k, v)).toThrow(/query must be one sequence \[length, 12\]/);
    expect(() => m.forward(q, k, v, { mask: np.ones([6, 8], { dtype: "bool" }) })).toThrow(/mask must be bool \[6, 9\] or \[3, 6, 9\]/);
    expect(() => m.forward(q, k, v, { mask: np.ones([6, 9]) })).toThrow(/mask must be bool/);
  });
});
