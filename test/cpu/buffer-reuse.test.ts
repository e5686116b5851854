// CPU jit executables keep the buffers of loop outputs that never leave a call and reuse them
// on the next call (fuse.ts `keep`): results must equal eager bit for bit on every call, and
// nothing handed to the caller may share storage with a kept buffer — neither outputs, nor
// values that reach an output through an aliasing primitive (reshape), nor values a control
// flow primitive or callback could hold on to.
import { describe, expect, it } from "vitest";
import { jit, lax, np, random, type NDArray } from "graft";
import { cpuBackend } from "../../backends/cpu";
import type { CpuExecutable } from "../../backends/cpu/fuse";

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
});
