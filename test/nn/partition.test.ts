// nn.partition / nn.combine (Equinox's filters): predicate and pytree-prefix filters, null holes
// that carry no leaves, round trips, fine-tuning only part of an MLP with grad + adam under jit
// (the frozen half stays bitwise unchanged), and errors.
import { describe, expect, it } from "vitest";
import { np, random, tree, grad, valueAndGrad, jit, vmap, isArray, type NDArray } from "graft";
import * as nn from "graft/nn";

const key = random.key(0);
const mlp = new nn.MLP({ inSize: 2, outSize: 1, widthSize: 8, depth: 2, activation: "tanh", key });

describe("partition and combine", () => {
  it("a predicate splits the leaves; holes are null and hold no leaves; combine rebuilds the tree", () => {
    const t = { a: np.array([1, 2]), b: [np.array(3), 4, "s"], c: { d: np.zeros([2, 2]) } };
    const [arrays, rest] = nn.partition(t, isArray);
    expect(arrays.b[1]).toBeNull();
    expect(arrays.b[2]).toBeNull();
    expect(rest.a).toBeNull();
    expect(rest.b).toEqual([null, 4, "s"]);
    expect(tree.leaves(arrays).length).toBe(3);
    expect(tree.leaves(rest)).toEqual([4, "s"]);
    const back = nn.combine(arrays, rest);
    expect(back.a).toBe(t.a);
    expect(back.b[0]).toBe(t.b[0]);
    expect(back.b[1]).toBe(4);
    expect(back.c.d).toBe(t.c.d);
    // by value: only the larger arrays
    const [big] = nn.partition(t, (l) => isArray(l) && l.size > 2);
    expect(tree.leaves(big).length).toBe(1);
    expect(tree.leaves(big)[0]).toBe(t.c.d);
  });

  it("a boolean and a pytree-prefix spec: true selects whole subtrees of a module", () => {
    const [all, none] = nn.partition(mlp, true);
    expect(tree.leaves(all).length).toBe(6);
    expect(tree.leaves(none).length).toBe(0);
    expect(none).toBeInstanceOf(nn.MLP);
    expect(none.layers[1]!.weight).toBeNull();
    const spec = tree.at((s: nn.MLP) => s.layers[2], tree.map(() => false, mlp), true);
    const [last, firsts] = nn.partition(mlp, spec);
    expect(last).toBeInstanceOf(nn.MLP);
    const lastLeaves = tree.leaves(last);
    expect(lastLeaves.length).toBe(2);
    expect(lastLeaves[0]).toBe(mlp.layers[2]!.bias);
    expect(lastLeaves[1]).toBe(mlp.layers[2]!.weight);
    expect(tree.leaves(firsts).length).toBe(4);
    expect(last.layers[0]!.weight).toBeNull();
    const back = nn.combine(last, firsts);
    expect(tree.structure(back).equals(tree.structure(mlp))).toBe(true);
    expect(tree.leaves(back).every((l, i) => l === tree.leaves(mlp)[i])).toBe(true);
    const x = np.array([0.3, -0.7]);
    expect(back.forward(x).js()).toEqual(mlp.forward(x).js());
    // a spec leaf may also be a predicate applied inside its subtree
    const spec2 = { a: (l: NDArray) => l.ndim === 2, b: false };
    const [m2] = nn.partition({ a: { w: np.ones([2, 2]), v: np.ones([2]) }, b: np.ones([3, 3]) }, spec2);
    expect(m2.a.v).toBeNull();
    expect(m2.a.w.shape).toEqual([2, 2]);
    expect(m2.b).toBeNull();
  });

  it("grad w.r.t. the trainable half of an MLP; adam under jit leaves the frozen half bitwise unchanged", () => {
    const xs = np.linspace(-2, 2, 64).reshape([32, 2]);
    const ys = np.sin(np.sum(xs, 1, { keepdims: true }));
    const spec = tree.at((s: nn.MLP) => s.layers[2], tree.map(() => false, mlp), true);
    let [trainable, frozen] = nn.partition(mlp, spec);
    const loss = (tr: nn.MLP, fr: nn.MLP) => {
      const m = nn.combine(tr, fr);
      return np.mean(np.square(vmap((x: NDArray) => m.forward(x))(xs).sub(ys)));
    };
    const g = grad(loss)(trainable, frozen);
    expect(g).toBeInstanceOf(nn.MLP);
    expect(tree.structure(g).equals(tree.structure(trainable))).toBe(true);
    expect(g.layers[0]!.weight).toBeNull();
    // equals the full gradient restricted to the last layer
    const full = grad((m: nn.MLP) => loss(m, nn.partition(m, false)[0]))(mlp);
    expect(Array.from(g.layers[2]!.weight.dataSync())).toEqual(Array.from(full.layers[2]!.weight.dataSync()));

    const opt = nn.optim.adam(1e-2);
    let state = opt.init(trainable);
    const step = jit((tr: nn.MLP, s: typeof state, fr: nn.MLP) => {
      const [l, gr] = valueAndGrad(loss)(tr, fr);
      const [u, s2] = opt.update(gr, s, tr);
      return [nn.optim.applyUpdates(tr, u), s2, l] as [nn.MLP, typeof state, NDArray];
    });
    const frozenBefore = tree.leaves<NDArray>(frozen).map((l) => Array.from(l.dataSync()));
    let first = 0, l = np.array(0);
    for (let i = 0; i < 60; i++) {
      [trainable, state, l] = step(trainable, state, frozen);
      if (i === 0) first = l.item() as number;
    }
    expect(l.item()).toBeLessThan(first * 0.9);
    const trained = nn.combine(trainable, frozen);
    tree.leaves<NDArray>(nn.partition(trained, spec)[1]).forEach((leaf, i) => expect(Array.from(leaf.dataSync())).toEqual(frozenBefore[i]));
    expect(trained.layers[2]!.weight.js()).not.toEqual(mlp.layers[2]!.weight.js());
    expect(trained.layers[0]!.weight).toBe(mlp.layers[0]!.weight);
  });

  it("errors: a filter leaf that is not a boolean or predicate, a spec that is not a prefix, mismatched combine", () => {
    expect(() => nn.partition({ a: np.ones([1]) }, { a: 1 })).toThrow(/every leaf of the filter must be a boolean or a predicate/);
    expect(() => nn.partition({ a: np.ones([1]) }, { b: true })).toThrow(/nn\.partition: the tree must have the structure/);
    expect(() => nn.partition({ a: np.ones([1]) }, () => 1 as never)).toThrow(/must return a boolean/);
    expect(() => nn.combine({ a: null }, { b: np.ones([1]) })).toThrow(/nn\.combine: all trees must have the same structure/);
  });
});
