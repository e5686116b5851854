// nn modules: pytree behaviour under grad/vmap/jit, layers against PyTorch (fixtures from
// test/fixtures/gen_nn.py), initialiser statistics, dropout, and treeAt.
import { describe, expect, it } from "vitest";
import { np, random, tree, grad, valueAndGrad, vmap, jit, type NDArray } from "graft";
import * as nn from "graft/nn";
import fx from "../fixtures/nn.json";
import { onCpu } from "../device";

const key = random.key(0);
const f32 = (x: unknown) => np.array(x as number[], { dtype: "float32" });

function close(a: NDArray, b: unknown, atol = 1e-5) {
  const want = np.array(b as number[], { dtype: "float32" });
  expect(a.shape).toEqual(want.shape);
  const err = np.max(np.abs(a.sub(want))).item();
  expect(err).toBeLessThan(atol);
}

function linearWith(w: unknown, b: unknown): nn.Linear {
  const W = f32(w);
  const lin = new nn.Linear({ inFeatures: W.shape[1]!, outFeatures: W.shape[0]!, key });
  return nn.treeAt((m) => m.bias, nn.treeAt((m) => m.weight, lin, W), f32(b));
}

describe("Module as a pytree", () => {
  it("array fields are leaves, other fields static", () => {
    const lin = new nn.Linear({ inFeatures: 3, outFeatures: 2, key });
    const [leaves, def] = tree.flatten(lin);
    expect(leaves.length).toBe(2);
    expect(leaves[0]).toBe(lin.bias);
    expect(leaves[1]).toBe(lin.weight);
    expect(String(def)).toContain("Linear");
    const noBias = new nn.Linear({ inFeatures: 3, outFeatures: 2, useBias: false, key });
    expect(tree.leaves(noBias).length).toBe(1);
    expect(tree.leaves(noBias)[0]).toBe(noBias.weight);
    expect(tree.structure(noBias).equals(def)).toBe(false);
    // same sizes, different weights: same structure
    const other = new nn.Linear({ inFeatures: 3, outFeatures: 2, key: random.key(1) });
    expect(tree.structure(other).equals(def)).toBe(true);
    // different static data: different structure
    const wider = new nn.Linear({ inFeatures: 3, outFeatures: 4, key });
    expect(tree.structure(wider).equals(def)).toBe(false);
  });

  it("tree.map rebuilds an instance of the same class with the same statics", () => {
    const mlp = new nn.MLP({ inSize: 2, outSize: 1, widthSize: 4, depth: 2, activation: "tanh", key });
    const doubled = tree.map((x: NDArray) => x.mul(2), mlp) as nn.MLP;
    expect(doubled).toBeInstanceOf(nn.MLP);
    expect(doubled.layers[0]).toBeInstanceOf(nn.Linear);
    expect(doubled.activation).toBe("tanh");
    expect(doubled.depth).toBe(2);
    expect(Object.isFrozen(doubled)).toBe(true);
    expect(doubled.layers[1]!.weight.js()).toEqual(mlp.layers[1]!.weight.mul(2).js());
    const x = np.array([0.3, -0.2]);
    expect(doubled.forward(x).shape).toEqual([1]);
    // mapping leaves to non-arrays keeps the structure (e.g. vmap inAxes specs)
    const zeros = tree.map(() => 0, mlp);
    expect(tree.structure(zeros).equals(tree.structure(mlp))).toBe(true);
  });

  it("grad of a module has the module's structure", () => {
    const mlp = new nn.MLP({ inSize: 3, outSize: 2, widthSize: 5, depth: 1, key });
    const x = np.array([0.1, -0.4, 0.7]);
    const loss = (m: nn.MLP) => np.sum(np.square(m.forward(x)));
    const g = grad(loss)(mlp);
    expect(g).toBeInstanceOf(nn.MLP);
    expect(tree.structure(g).equals(tree.structure(mlp))).toBe(true);
    // finite-difference check on one weight entry
    const eps = 1e-2;
    const bump = (d: number) => nn.treeAt((m: nn.MLP) => m.layers[0]!.weight, mlp, mlp.layers[0]!.weight.at(1, 2).add(d));
    const fd = (loss(bump(eps)).item() - loss(bump(-eps)).item()) / (2 * eps);
    expect(g.layers[0]!.weight.slice(1, 2).item()).toBeCloseTo(fd, 2);
  });

  it("vmap over a batch equals a loop; vmap over a stacked ensemble of modules", () => {
    const mlp = new nn.MLP({ inSize: 3, outSize: 2, widthSize: 6, depth: 2, activation: "gelu", key });
    const xb = random.normal(random.key(3), [5, 3]);
    const batched = vmap((x: NDArray) => mlp.forward(x))(xb);
    const loop = np.stack([...xb].map((x) => mlp.forward(x)));
    close(batched, loop.js(), 1e-6);
    // module as a vmapped argument with inAxes null
    const b2 = vmap((m: nn.MLP, x: NDArray) => m.forward(x), { inAxes: [null, 0] })(mlp, xb);
    close(b2, loop.js(), 1e-6);
    // an ensemble: stack the leaves of three models and vmap over the models
    const models = [0, 1, 2].map((i) => new nn.Linear({ inFeatures: 3, outFeatures: 2, key: random.key(10 + i) }));
    const stacked = tree.map((...xs: NDArray[]) => np.stack(xs), models[0], ...models.slice(1)) as nn.Linear;
    const x = np.array([1, 2, 3]);
    const ys = vmap((m: nn.Linear) => m.forward(x))(stacked);
    close(ys, np.stack(models.map((m) => m.forward(x))).js(), 1e-6);
  });

  it("jit of a forward works and retraces only for new static data", () => {
    const mlp = new nn.MLP({ inSize: 2, outSize: 3, widthSize: 4, depth: 1, activation: "silu", key });
    const f = jit((m: nn.MLP, x: NDArray) => m.forward(x));
    const x = np.array([0.5, -1]);
    close(f(mlp, x), mlp.forward(x).js(), 1e-6);
    const other = new nn.MLP({ inSize: 2, outSize: 3, widthSize: 4, depth: 1, activation: "silu", key: random.key(7) });
    close(f(other, x), other.forward(x).js(), 1e-6);
    // differing only in a function-valued static field must not share a compiled program
    const sq = (v: NDArray) => v.mul(v);
    const neg = (v: NDArray) => v.neg();
    const a = new nn.MLP({ inSize: 2, outSize: 3, widthSize: 4, depth: 1, activation: sq, key });
    const b = new nn.MLP({ inSize: 2, outSize: 3, widthSize: 4, depth: 1, activation: neg, key });
    const g = jit((m: nn.MLP, v: NDArray) => m.forward(v));
    close(g(a, x), a.forward(x).js(), 1e-6);
    close(g(b, x), b.forward(x).js(), 1e-6);
  });

  it("a jitted training step takes and returns modules (fits a line)", () => {
    const xs = np.linspace(-1, 1, 16).reshape([16, 1]);
    const ys = xs.mul(3).add(0.5);
    const loss = (m: nn.Linear) => np.mean(np.square(vmap((x: NDArray) => m.forward(x))(xs).sub(ys)));
    const step = jit((m: nn.Linear) => {
      const g = grad(loss)(m);
      return tree.map((p: NDArray, d: NDArray) => p.sub(d.mul(0.5)), m, g) as nn.Linear;
    });
    let m = new nn.Linear({ inFeatures: 1, outFeatures: 1, key });
    for (let i = 0; i < 100; i++) m = step(m);
    expect(m).toBeInstanceOf(nn.Linear);
    expect(m.weight.item()).toBeCloseTo(3, 3);
    expect(m.bias!.item()).toBeCloseTo(0.5, 3);
    expect(() => new nn.Linear({ inFeatures: 1, outFeatures: 1 } as never)).toThrow(/PRNG key/);
  });

  it("the API.md training loop (MLP + nn.optim.adam under jit) runs and lowers the loss", () => {
    let model = new nn.MLP({ inSize: 2, outSize: 1, widthSize: 32, depth: 2, activation: "tanh", key });
    const loss = (m: nn.MLP, xb: NDArray, yb: NDArray) => np.mean(np.square(vmap((x: NDArray) => m.forward(x))(xb).sub(yb)));
    const opt = nn.optim.adam(1e-2);
    let state = opt.init(model);
    const step = jit((m: nn.MLP, s: typeof state, xb: NDArray, yb: NDArray) => {
      const [l, g] = valueAndGrad(loss)(m, xb, yb);
      const [updates, s2] = opt.update(g, s, m);
      return [nn.optim.applyUpdates(m, updates), s2, l] as [nn.MLP, typeof state, NDArray];
    });
    const xb = random.normal(random.key(1), [64, 2]);
    const yb = np.sin(xb.slice([], 0)).reshape([64, 1]);
    let first = Infinity;
    let l = np.array(0);
    for (let i = 0; i < 200; i++) {
      [model, state, l] = step(model, state, xb, yb);
      if (i === 0) first = l.item();
    }
    expect(model).toBeInstanceOf(nn.MLP);
    expect(l.item()).toBeLessThan(first / 10);
  });

  it("user subclasses register themselves", () => {
    class Affine extends nn.Module {
      readonly w: NDArray;
      readonly name: string;
      constructor(w: NDArray, name: string) {
        super();
        this.w = w;
        this.name = name;
      }
      forward(x: NDArray) {
        return x.mul(this.w);
      }
    }
    const m = new Affine(np.array(3), "scale");
    const g = grad((mm: Affine) => mm.forward(np.array(2)))(m);
    expect(g).toBeInstanceOf(Affine);
    expect(g.w.item()).toBe(2);
    expect(g.name).toBe("scale");
  });
});

describe("layers against PyTorch", () => {
  it("Linear", () => {
    const lin = linearWith(fx.linear.weight, fx.linear.bias);
    close(lin.forward(f32(fx.linear.x)), fx.linear.y);
    close(vmap((x: NDArray) => lin.forward(x))(f32(fx.linear.xb)), fx.linear.yb);
    expect(() => lin.forward(f32(fx.linear.xb))).toThrow(/one example/);
  });

  it("Linear default init is U(-1/sqrt(in), 1/sqrt(in)) with weight [out, in]", () => {
    const lin = new nn.Linear({ inFeatures: 16, outFeatures: 300, key });
    expect(lin.weight.shape).toEqual([300, 16]);
    expect(lin.bias!.shape).toEqual([300]);
    expect(np.max(np.abs(lin.weight)).item()).toBeLessThanOrEqual(0.25);
    expect(np.max(np.abs(lin.weight)).item()).toBeGreaterThan(0.24);
    expect(np.var(lin.weight).item()).toBeCloseTo(0.0625 / 3, 3);
  });

  it("MLP (tanh/sigmoid, gelu, relu)", () => {
    const m = fx.mlp;
    const build = (activation: nn.Activation, finalActivation?: nn.Activation) => {
      let mlp = new nn.MLP({ inSize: 3, outSize: 2, widthSize: 8, depth: 2, activation, finalActivation, key });
      expect(mlp.layers.length).toBe(3);
      mlp.layers.forEach((_, i) => {
        mlp = nn.treeAt((t: nn.MLP) => t.layers[i]!, mlp, linearWith(m.weights[i], m.biases[i]));
      });
      return mlp;
    };
    close(build("tanh", "sigmoid").forward(f32(m.x)), m.y);
    close(build("gelu").forward(f32(m.x)), m.yGelu);
    close(build("relu").forward(f32(m.x)), m.yRelu);
    close(build((x) => x.mul(0).add(1)).forward(f32(m.x)), build("identity").layers[2]!.forward(np.ones([8])).js());
    const h = np.array([-2, -0.5, 0.3, 3]);
    const tanhApprox = new nn.MLP({ inSize: 4, outSize: 4, widthSize: 4, depth: 0, finalActivation: "geluTanh", key });
    close(tanhApprox.forward(h), nn.gelu(tanhApprox.layers[0]!.forward(h)).js(), 1e-6);
    expect(() => new nn.MLP({ inSize: 1, outSize: 1, widthSize: 1, depth: 1, activation: "nope" as "relu", key })).toThrow(/unknown activation/);
  });

  it("LayerNorm over trailing axes", () => {
    let ln = new nn.LayerNorm({ shape: [3, 4] });
    expect(ln.weight!.js()).toEqual(np.ones([3, 4]).js());
    ln = nn.treeAt((t) => t.weight, ln, f32(fx.layerNorm.weight));
    ln = nn.treeAt((t) => t.bias, ln, f32(fx.layerNorm.bias));
    close(ln.forward(f32(fx.layerNorm.x)), fx.layerNorm.y, 1e-4);
    const plain = new nn.LayerNorm({ shape: 4, useWeight: false, useBias: false });
    expect(tree.leaves(plain)).toEqual([]);
    const y = plain.forward(np.array([1, 2, 3, 4]));
    expect(np.mean(y).item()).toBeCloseTo(0, 6);
    expect(() => plain.forward(np.ones([3]))).toThrow(/trailing shape/);
  });

  it("RMSNorm", () => {
    let rms = new nn.RMSNorm({ shape: 6, useBias: false });
    rms = nn.treeAt((t) => t.weight, rms, f32(fx.rmsNorm.weight));
    close(rms.forward(f32(fx.rmsNorm.x)), fx.rmsNorm.y, 1e-5);
  });

  it("Embedding", () => {
    const e = new nn.Embedding({ numEmbeddings: 7, embeddingSize: 3, key });
    expect(e.weight.shape).toEqual([7, 3]);
    const emb = nn.treeAt((t) => t.weight, e, f32(fx.embedding.weight));
    close(emb.forward(np.array(fx.embedding.index, { dtype: "int32" })), fx.embedding.y);
    close(emb.forward(np.array(3, { dtype: "int32" })), fx.embedding.weight[3]);
    close(emb.forward(6), fx.embedding.weight[6]);
    // N(0, 1) init
    const big = new nn.Embedding({ numEmbeddings: 1000, embeddingSize: 100, key });
    expect(np.mean(big.weight).item()).toBeCloseTo(0, 1);
    expect(np.std(big.weight).item()).toBeCloseTo(1, 1);
    // gradients flow into the gathered rows only
    const g = grad((t: nn.Embedding) => np.sum(t.forward(np.array(2, { dtype: "int32" }))))(emb);
    expect(np.sum(g.weight).item()).toBeCloseTo(3, 6);
    expect(g.weight.slice(2).js()).toEqual([1, 1, 1]);
  });

  it("Sequential chains layers and splits the key", () => {
    const k = random.split(key, 2);
    const l1 = new nn.Linear({ inFeatures: 3, outFeatures: 4, key: k.slice(0) });
    const l2 = new nn.Linear({ inFeatures: 4, outFeatures: 2, key: k.slice(1) });
    const seq = new nn.Sequential([l1, new nn.Lambda("relu"), new nn.Dropout({ p: 0.5 }), l2]);
    const x = np.array([0.2, -0.3, 0.9]);
    const want = l2.forward(nn.relu(l1.forward(x)));
    close(seq.forward(x, { inference: true }), want.js(), 1e-6);
    expect(seq.forward(x, { key: random.key(5) }).shape).toEqual([2]);
    const g = grad((s: nn.Sequential) => np.sum(s.forward(x, { inference: true })))(seq);
    expect(g).toBeInstanceOf(nn.Sequential);
    expect(g.layers[2]).toBeInstanceOf(nn.Dropout);
    expect(tree.leaves(g).length).toBe(4);
  });
});

describe("Dropout", () => {
  it("drops a fraction p and scales the rest by 1/(1-p)", () => {
    const d = new nn.Dropout({ p: 0.3 });
    const x = np.ones([20000]);
    const y = d.forward(x, { key: random.key(1) });
    const vals = y.dataSync();
    let zeros = 0;
    for (const v of vals) {
      if (v === 0) zeros++;
      else expect(v).toBeCloseTo(1 / 0.7, 5);
    }
    expect(zeros / vals.length).toBeGreaterThan(0.28);
    expect(zeros / vals.length).toBeLessThan(0.32);
    expect(np.mean(y).item()).toBeCloseTo(1, 1);
  });

  it("is the identity in inference and needs a key in training", () => {
    const x = np.array([1, 2, 3]);
    expect(new nn.Dropout({ p: 0.5 }).forward(x, { inference: true })).toBe(x);
    expect(new nn.Dropout({ p: 0.5, inference: true }).forward(x)).toBe(x);
    expect(() => new nn.Dropout({ p: 0.5 }).forward(x)).toThrow(/key/);
    expect(() => new nn.Dropout({ p: 1.5 })).toThrow(/p must be/);
    expect(new nn.Dropout({ p: 1 }).forward(x, { key }).js()).toEqual([0, 0, 0]);
  });

  it("works under jit and vmap with per-example keys", () => {
    const d = new nn.Dropout({ p: 0.5 });
    const keys = random.split(key, 4);
    const xb = np.ones([4, 1000]);
    const y = jit(vmap((k: NDArray, x: NDArray) => d.forward(x, { key: k })))(keys, xb);
    expect(y.shape).toEqual([4, 1000]);
    const frac = np.mean(np.equal(y, 0)).item();
    expect(frac).toBeGreaterThan(0.45);
    expect(frac).toBeLessThan(0.55);
    // different keys give different masks
    expect(np.arrayEqual(y.slice(0), y.slice(1))).toBe(false);
  });
});

describe("nn.init", () => {
  const k = random.key(42);
  const stats = (x: NDArray) => [np.mean(x).item(), np.var(x).item()] as const;

  it("computeFans follows JAX (inAxis -2, outAxis -1, receptive field)", () => {
    expect(nn.init.computeFans([3, 5])).toEqual([3, 5]);
    expect(nn.init.computeFans([3, 5], { inAxis: -1, outAxis: -2 })).toEqual([5, 3]);
    expect(nn.init.computeFans([3, 3, 4, 8])).toEqual([36, 72]); // HWIO conv kernel
  });

  it("zeros, ones, uniform, normal, truncatedNormal", () => {
    expect(nn.init.zeros(k, [2, 2]).js()).toEqual([[0, 0], [0, 0]]);
    expect(onCpu(() => nn.init.ones(k, [2], { dtype: "float64" }).dtype)).toBe("float64");
    const u = nn.init.uniform(k, [200, 200], { minval: -1, maxval: 3 });
    const [um, uv] = stats(u);
    expect(um).toBeCloseTo(1, 1);
    expect(uv).toBeCloseTo(16 / 12, 1);
    expect(np.min(u).item()).toBeGreaterThanOrEqual(-1);
    const u0 = nn.init.uniform(k, [1000]);
    expect(np.max(u0).item()).toBeLessThan(0.01);
    expect(np.min(u0).item()).toBeGreaterThanOrEqual(0);
    const n = nn.init.normal(k, [200, 200], { stddev: 2, mean: 1 });
    const [nm, nv] = stats(n);
    expect(nm).toBeCloseTo(1, 1);
    expect(nv / 4).toBeCloseTo(1, 1);
    const t = nn.init.truncatedNormal(k, [200, 200], { stddev: 0.5 });
    const [tm, tv] = stats(t);
    expect(tm).toBeCloseTo(0, 2);
    expect(tv / 0.25).toBeCloseTo(1, 1);
    expect(np.max(np.abs(t)).item()).toBeLessThanOrEqual(2 * 0.5 / 0.8796 + 1e-6);
    const t2 = nn.init.truncatedNormal(k, [200, 200], { stddev: 1, lower: -1, upper: 1 });
    expect(np.var(t2).item()).toBeCloseTo(1, 1);
  });

  it("variance-scaling family has the target variances", () => {
    const shape = [300, 200]; // fanIn 300, fanOut 200 (JAX convention)
    const cases: [string, NDArray, number][] = [
      ["glorotUniform", nn.init.glorotUniform(k, shape), 2 / 500],
      ["glorotNormal", nn.init.glorotNormal(k, shape), 2 / 500],
      ["heUniform", nn.init.heUniform(k, shape), 2 / 300],
      ["heNormal", nn.init.heNormal(k, shape), 2 / 300],
      ["lecunNormal", nn.init.lecunNormal(k, shape), 1 / 300],
      ["heNormal [out, in]", nn.init.heNormal(k, [200, 300], { inAxis: -1, outAxis: -2 }), 2 / 300],
    ];
    for (const [, x, want] of cases) {
      const [m, v] = stats(x);
      expect(Math.abs(m)).toBeLessThan(0.01);
      expect(v / want).toBeGreaterThan(0.95);
      expect(v / want).toBeLessThan(1.05);
    }
    const lim = Math.sqrt(6 / 500);
    expect(np.max(np.abs(cases[0]![1])).item()).toBeLessThanOrEqual(lim);
  });

  it("orthogonal gives orthonormal rows/columns", () => {
    const tall = nn.init.orthogonal(k, [6, 4]);
    close(np.matmul(tall.T, tall), np.eye(4).js(), 1e-5);
    const wide = nn.init.orthogonal(k, [3, 7], { scale: 2 });
    close(np.matmul(wide, wide.T), np.eye(3).mul(4).js(), 1e-4);
    const conv = nn.init.orthogonal(k, [2, 3, 8]);
    expect(conv.shape).toEqual([2, 3, 8]);
    const m = conv.reshape([6, 8]);
    close(np.matmul(m, m.T), np.eye(6).js(), 1e-5);
  });
});

describe("treeAt", () => {
  it("replaces a weight without touching the original", () => {
    const lin = new nn.Linear({ inFeatures: 2, outFeatures: 2, key });
    const before = lin.weight.js();
    const z = np.zeros([2, 2]);
    const lin2 = nn.treeAt((m) => m.weight, lin, z);
    expect(lin2).toBeInstanceOf(nn.Linear);
    expect(lin2.weight).toBe(z);
    expect(lin2.bias).toBe(lin.bias);
    expect(lin.weight.js()).toEqual(before);
    expect(lin2.forward(np.array([1, 1])).js()).toEqual(lin.bias!.js());
  });

  it("replaces subtrees in nested modules and plain trees", () => {
    const mlp = new nn.MLP({ inSize: 2, outSize: 2, widthSize: 3, depth: 1, key });
    const swapped = nn.treeAt((m) => m.layers[1]!, mlp, mlp.layers[0]!);
    expect(swapped.layers[1]).toBe(mlp.layers[0]);
    expect(mlp.layers[1]).not.toBe(mlp.layers[0]);
    const t = { a: [1, 2], b: { c: 3 } };
    expect(nn.treeAt((x) => x.b, t, "new")).toEqual({ a: [1, 2], b: "new" });
    expect(nn.treeAt((x) => x.a[1], t, 20)).toEqual({ a: [1, 20], b: { c: 3 } });
    expect(t).toEqual({ a: [1, 2], b: { c: 3 } });
    expect(() => nn.treeAt((x) => x.a[0], { a: [1, 1] }, 5)).toThrow(/occurs 2 times/);
    expect(() => nn.treeAt((m: nn.Linear) => m.inFeatures, new nn.Linear({ inFeatures: 2, outFeatures: 2, key }), 3)).toThrow(/not a node/);
  });
});
