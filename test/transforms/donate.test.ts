// jit's donateArgnums: donated arguments' storage holds outputs on the CPU (the fused
// executable computes into it where liveness allows), results equal a jit without donation
// and eager bit for bit, donated arrays throw a clear error after the call, and donation never
// reuses storage that something still reads (a later read, another argument, an output).
import { describe, expect, it } from "vitest";
import { ConcreteArray, devicePut, grad, jit, np, random, vmap, type NDArray } from "graft";
import * as nn from "graft/nn";
import { startWebgpu } from "../webgpu/setup";

const bits = (x: NDArray) => Array.from(x.dataSync());
const storage = (x: NDArray) => (x as ConcreteArray).buffer;
const seq = (n: number, k: number, dtype: "float32" | "float64" = "float32") =>
  np.array(Array.from({ length: n }, (_, i) => Math.sin(i * k + 1)), { dtype });

// An Adam-like update: every output is elementwise in the donated inputs.
const update = (p: NDArray, m: NDArray, g: NDArray): [NDArray, NDArray] => {
  const m2 = m.mul(0.9).add(g.mul(0.1));
  return [p.sub(m2.mul(0.01).div(np.sqrt(np.abs(m2)).add(1e-3))), m2];
};

describe("jit donateArgnums on the CPU", () => {
  it("computes outputs into donated storage, call after call, equal to jit without donation", () => {
    const donating = jit(update, { donateArgnums: [0, 1] }), plain = jit(update);
    let p = seq(4096, 0.1), m = seq(4096, 0.2);
    let q = np.array(p.dataSync()), n = np.array(m.dataSync());
    const g = seq(4096, 0.3);
    for (let step = 0; step < 4; step++) {
      const before = [storage(p), storage(m)];
      const [p2, m2] = donating(p, m, g);
      [q, n] = plain(q, n, g);
      expect(bits(p2)).toEqual(bits(q));
      expect(bits(m2)).toEqual(bits(n));
      // both outputs live in the donated arguments' storage (either way round)
      expect(new Set([storage(p2), storage(m2)])).toEqual(new Set(before));
      expect(() => p.dataSync()).toThrow(/donated to a jit call/);
      expect(() => m.add(1)).toThrow(/donated/);
      expect(bits(g)).toEqual(bits(seq(4096, 0.3)));   // not donated: untouched and usable
      [p, m] = [p2, m2];
    }
  });

  it("never gives away storage read after the step (the donated input feeds a later reduction)", () => {
    const f = (x: NDArray, w: NDArray) => {
      const a = np.tanh(x.mul(2)).add(1);                  // x's size: could take x's storage ...
      const b = np.sum(np.matmul(w, x.reshape([64, 64])));  // ... but x is read again here
      return [a, b, x.mul(3)];
    };
    const x = seq(4096, 0.05), w = seq(4096, 0.07).reshape([64, 64]);
    const want = jit(f)(np.array(x.dataSync()), w).map(bits);
    const got = jit(f, { donateArgnums: 0 })(x, w).map(bits);
    expect(got).toEqual(want);
    expect(() => x.dataSync()).toThrow(/donated/);
  });

  it("the same array passed as a donated and a kept argument is not overwritten mid-call", () => {
    const f = (a: NDArray, b: NDArray) => [a.mul(2).add(b), np.sum(b.mul(b))];
    const x = seq(1000, 0.4, "float64");
    const want = jit(f)(x, x).map(bits);
    const got = jit(f, { donateArgnums: 0 })(x, x).map(bits);
    expect(got).toEqual(want);
  });

  it("an output that is the donated argument itself, or shares its storage, stays correct", () => {
    const x = seq(256, 0.3), y = seq(256, 0.3);
    // (two-op chains, so that the program runs as a fused executable)
    const [same, doubled] = jit((v: NDArray) => [v, v.mul(2).add(1)], { donateArgnums: 0 })(x);
    expect(bits(same)).toEqual(bits(y));
    expect(bits(doubled)).toEqual(bits(y.mul(2).add(1)));
    const z = seq(256, 0.3);
    const [r, t] = jit((v: NDArray) => [v.reshape([16, 16]), np.exp(v).mul(2)], { donateArgnums: 0 })(z);
    expect(bits(r)).toEqual(bits(y));
    expect(bits(t)).toEqual(bits(np.exp(y).mul(2)));
    expect(() => z.dataSync()).toThrow(/donated/);
  });

  it("donates every leaf of a pytree argument (an nn module and its optimizer state)", () => {
    const loss = (m: nn.MLP, x: NDArray) => np.mean(np.square(vmap((xi: NDArray) => m.forward(xi))(x)));
    const opt = nn.optim.adam(1e-2);
    const make = () => new nn.MLP({ inSize: 8, outSize: 2, widthSize: 16, depth: 2, key: random.key(0) });
    const x = seq(32 * 8, 0.11).reshape([32, 8]);
    const step = nn.trainStep(loss, opt);
    let [m1, s1] = [make(), opt.init(make())], [m2, s2] = [make(), opt.init(make())];
    const donating = jit(step, { donateArgnums: [0, 1] }), plain = jit(step);
    for (let i = 0; i < 3; i++) {
      const old = m1;
      let l1: NDArray, l2: NDArray;
      [m1, s1, l1] = donating(m1, s1, x);
      [m2, s2, l2] = plain(m2, s2, x);
      expect(bits(l1)).toEqual(bits(l2));
      expect(() => old.layers[0].weight.dataSync()).toThrow(/donated/);
    }
    expect(bits(m1.layers[1].weight)).toEqual(bits(m2.layers[1].weight));
  });

  it("is ignored under transforms, and static + donated is an error naming the argument", () => {
    const f = jit((x: NDArray) => np.sum(np.sin(x).mul(x)), { donateArgnums: 0 });
    const x = seq(100, 0.2, "float64");
    const g = grad(f)(x);
    expect(bits(g)).toEqual(bits(np.cos(x).mul(x).add(np.sin(x))));
    expect(bits(x)).toEqual(bits(seq(100, 0.2, "float64")));   // still usable: grad traced f
    const bad = jit((x: NDArray, n: number) => x.mul(n), { staticArgnums: 1, donateArgnums: [0, 1] });
    expect(() => bad(x, 2)).toThrow(/both static and donated.*argument 1/);
    expect(bits(x)).toEqual(bits(seq(100, 0.2, "float64")));
  });
});

// WebGPU programs do not reuse donated buffers (yet): donated arrays are freed after the call
// and throw when used; the results are those of a jit without donation.
const hasGpu = await startWebgpu();
describe.skipIf(!hasGpu)("jit donateArgnums on WebGPU", () => {
  it("frees donated arrays after the call, keeps returned ones, and computes the same values", async () => {
    const donating = jit(update, { donateArgnums: [0, 1] }), plain = jit(update);
    const put = (x: NDArray) => devicePut(x, "webgpu");
    let p = put(seq(1024, 0.1)), m = put(seq(1024, 0.2)), q = put(seq(1024, 0.1)), n = put(seq(1024, 0.2));
    const g = put(seq(1024, 0.3));
    for (let step = 0; step < 3; step++) {
      const [p2, m2] = donating(p, m, g);
      [q, n] = plain(q, n, g);
      expect(p2.device).toBe("webgpu");
      expect(Array.from(await p2.data())).toEqual(Array.from(await q.data()));
      expect(Array.from(await m2.data())).toEqual(Array.from(await n.data()));
      expect(() => p.add(1)).toThrow(/donated/);
      [p, m] = [p2, m2];
    }
    const x = put(seq(64, 0.5));
    const [same] = jit((v: NDArray) => [v, v.mul(2).add(1)], { donateArgnums: 0 })(x);
    expect(Array.from(await same.data())).toEqual(Array.from(await put(seq(64, 0.5)).data()));
  });
});
