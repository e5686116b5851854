// CPU jit executables compute the values that never leave a call (loop outputs, fused
// reductions, matmuls, transposes and broadcasts) into buffers of their own, kept across calls
// and shared within a call by values whose lives do not overlap (backends/cpu/buffers.ts):
// results must equal eager bit for bit on every call, and nothing handed to the caller may
// share storage with a kept buffer — neither outputs, nor values that reach an output through
// an aliasing primitive (reshape, identity transpose), nor values a control flow primitive
// could hold on to. A call made while the executable runs uses fresh buffers.
import { describe, expect, it } from "vitest";
import { ConcreteArray, jit, lax, makeJaxpr, np, random, tree, vmap, type NDArray } from "graft";
import * as nn from "graft/nn";
import { cpuBackend } from "../../backends/cpu";
import { compileCpu, type CpuExecutable, type IntoKernel } from "../../backends/cpu/fuse";
import { reduceKernels } from "../../backends/cpu/reduce";

/** jit(f) with its compiled executable exposed. */
function compiled(f: (...xs: NDArray[]) => NDArray | NDArray[]) {
  let exe: CpuExecutable | null = null;
  const jf = jit(f);
  return {
    call: (...xs: NDArray[]) => {
      const compile = cpuBackend.compile.bind(cpuBackend);
      cpuBackend.compile = (j) => (exe = compile(j));
      try { return jf(...xs); } finally { cpuBackend.compile = compile; }
    },
    kept: () => exe?.keptBufferCount ?? 0,
    slots: () => exe?.bufferSlotCount ?? 0,
  };
}
const data = (x: NDArray) => Array.from(x.dataSync());

describe("CPU executable buffer reuse", () => {
  const w = random.normal(random.key(1), [64, 32]);
  const xs = [0, 1, 2].map((i) => random.normal(random.key(10 + i), [128, 64]));

  it("intermediates feeding a matmul are reused; every call equals eager; earlier results stay intact", () => {
    const f = (x: NDArray) => np.tanh(np.matmul(np.tanh(x.mul(2).add(0.5)).mul(3), w)).add(1);
    const c = compiled(f);
    const outs = xs.map((x) => c.call(x) as NDArray);
    expect(c.kept()).toBeGreaterThan(0);
    const firsts = outs.map(data);
    xs.forEach((x, i) => expect(firsts[i]).toEqual(data(f(x))));
    // calling again does not touch what earlier calls returned
    c.call(xs[2]);
    outs.forEach((o, i) => expect(data(o)).toEqual(firsts[i]));
  });

  it("never keeps outputs, values reshaped into outputs, or values read by control flow", () => {
    // the loop's output is the result
    const out = compiled((x: NDArray) => np.tanh(x.mul(2)).mul(3));
    const a = out.call(xs[0]) as NDArray, aData = data(a);
    out.call(xs[1]);
    expect(data(a)).toEqual(aData);
    expect(out.kept()).toBe(0);
    // a loop output that reaches the result through reshape (which shares its buffer)
    const viaReshape = compiled((x: NDArray) => np.exp(x.mul(0.1)).mul(2).reshape([64, 128]));
    const r = viaReshape.call(xs[0]) as NDArray, rData = data(r);
    viaReshape.call(xs[1]);
    expect(data(r)).toEqual(rData);
    expect(viaReshape.kept()).toBe(0);
    // a loop output a while loop carries (the loop may hand it back unchanged)
    const viaWhile = compiled((x: NDArray) => lax.whileLoop(([, i]) => np.less(i, 0), ([v, i]) => [v, i.add(1)], [np.tanh(x.mul(2)).mul(3), np.array(0)])[0]);
    const wv = viaWhile.call(xs[0]) as NDArray, wData = data(wv);
    viaWhile.call(xs[1]);
    expect(data(wv)).toEqual(wData);
  });

  it("several outputs and kept intermediates of the same size do not overwrite each other", () => {
    const f = (x: NDArray) => {
      const a = np.tanh(x.mul(2)).mul(3), b = np.exp(x.mul(-0.5)).add(1);
      return [np.matmul(a, w), np.matmul(b, w), np.sum(a.mul(b), 0)];
    };
    const c = compiled(f);
    for (const x of xs) {
      const got = c.call(x) as NDArray[], want = f(x) as NDArray[];
      got.forEach((g, i) => expect(data(g)).toEqual(data(want[i])));
    }
    expect(c.kept()).toBeGreaterThanOrEqual(2);
  });

  it("values whose lives do not overlap share a buffer; reads through a reshape keep it alive", () => {
    const v = random.normal(random.key(2), [64, 64]);
    // a is read again at the end through its reshape r: its buffer must outlive b, m2 and c
    const f = (x: NDArray) => {
      const a = np.tanh(x.mul(2).add(0.5)), r = a.reshape([64, 128]);
      const m1 = np.matmul(a, v), b = np.tanh(m1.mul(0.5)), m2 = np.matmul(b, v);
      const c = np.exp(m2.mul(m2).neg()), m3 = np.matmul(c, v);
      return [np.matmul(m3.add(b), r), np.sum(c, 1)];
    };
    const c = compiled(f);
    const outs = xs.map((x) => c.call(x) as NDArray[]);
    const firsts = outs.map((o) => o.map(data));
    xs.forEach((x, i) => (f(x) as NDArray[]).forEach((w, k) => expect(firsts[i][k]).toEqual(data(w))));
    expect(c.kept()).toBeGreaterThanOrEqual(6);
    expect(c.slots()).toBeLessThan(c.kept());
    outs.forEach((o, i) => o.forEach((a, k) => expect(data(a)).toEqual(firsts[i][k])));
  });

  it("transposes that move only size-1 axes (the identity too) share their operand's storage: never kept when returned, kept alive while read", () => {
    const v = random.normal(random.key(3), [64, 64]);
    const f = (x: NDArray) => {
      const a = np.tanh(x.mul(2)).mul(3), t = lax.transpose(a, [0, 1]);
      const u = lax.transpose(np.exp(x.mul(-0.5)).add(1).reshape([128, 1, 64]), [0, 2, 1]);
      const b = np.tanh(np.matmul(a, v)).mul(2);
      return [t, u, np.matmul(b.add(1), v).add(t).add(u.reshape([128, 64]))];
    };
    expect(makeJaxpr(f)(xs[0]).toString()).toContain("transpose");
    const c = compiled(f);
    const first = (c.call(xs[0]) as NDArray[]).map((o) => [o, data(o)] as const);
    for (const x of xs) (c.call(x) as NDArray[]).forEach((o, k) => expect(data(o)).toEqual(data((f(x) as NDArray[])[k])));
    first.forEach(([o, d]) => expect(data(o)).toEqual(d));
  });

  it("a call made while the executable runs uses fresh buffers", () => {
    const v = random.normal(random.key(4), [64, 64]) as ConcreteArray;
    const f = (x: NDArray, w: NDArray) => np.matmul(np.tanh(np.matmul(np.tanh(x.mul(2)), w)).add(x), w).mul(2);
    const jaxpr = makeJaxpr(f)(xs[0], v).jaxpr;
    // the matmul kernel runs the executable again on other data the first time it is called,
    // while the outer call's tanh(x * 2) sits in a reused buffer that its second matmul reads
    let exe: CpuExecutable | null = null, inner: NDArray | null = null, entered = false;
    const dot = reduceKernels.dot_general as unknown as IntoKernel;
    const reenter: IntoKernel = (ins, params, avals, outs) => {
      if (!entered) { entered = true; inner = exe!.run([xs[1] as ConcreteArray, v])[0]; }
      return dot(ins, params, avals, outs);
    };
    exe = compileCpu(cpuBackend, jaxpr, () => true, (p) => (p === "dot_general" ? reenter : null))!;
    expect(exe.keptBufferCount).toBeGreaterThan(0);
    const outer = exe.run([xs[0] as ConcreteArray, v])[0];
    expect(data(inner!)).toEqual(data(f(xs[1], v)));
    expect(data(outer)).toEqual(data(f(xs[0], v)));
  });

  it("a training step (MLP, Adam) equals eager bit for bit, step after step", () => {
    const model = new nn.MLP({ inSize: 24, outSize: 5, widthSize: 32, depth: 2, activation: "relu", key: random.key(5) });
    const x = random.normal(random.key(6), [16, 24]), y = random.randint(random.key(7), [16], 0, 5);
    const loss = (m: nn.MLP, xb: NDArray, yb: NDArray) =>
      np.mean(nn.losses.softmaxCrossEntropyWithIntegerLabels(vmap((xi: NDArray) => m.forward(xi))(xb), yb));
    const opt = nn.optim.adam(1e-2);
    const eager = nn.trainStep(loss, opt);
    const c = compiled(nn.trainStep(loss, opt) as unknown as (...xs: NDArray[]) => NDArray[]);
    let [pe, se]: [nn.MLP, unknown] = [model, opt.init(model)];
    let [pj, sj]: [nn.MLP, unknown] = [model, opt.init(model)];
    const leaves = (t: unknown) => tree.leaves<NDArray>(t).map(data);
    const held: [unknown, number[][]][] = [];
    for (let i = 0; i < 3; i++) {
      [pe, se] = eager(pe, se as never, x, y);
      [pj, sj] = c.call(pj as never, sj as never, x, y) as unknown as [nn.MLP, unknown];
      expect(leaves([pj, sj])).toEqual(leaves([pe, se]));
      held.push([[pj, sj], leaves([pj, sj])]);
    }
    expect(c.kept()).toBeGreaterThan(10);
    held.forEach(([t, d]) => expect(leaves(t)).toEqual(d));
  });
});
