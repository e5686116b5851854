// Backends agree: every op of the transform table (./op-specs.ts) computed on WebGPU equals
// the CPU backend on the same float32 inputs — eagerly, under jit, its gradient under jit
// (the fused backward program) and vmapped under jit; plus random dtypes and broadcasts for
// the elementwise primitives. GPU float32 math differs from the CPU's (which computes in
// float64 and rounds) by a few ulp; tolerances are relative to the output's scale.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { defaultDevice, devicePut, grad, jit, lax, memoryStats, np, tree, vmap, type NDArray } from "graft";
import { arrays, broadcastableShapes } from "graft/testing";
import { startWebgpu } from "../test/webgpu/setup";
import { OP_SPECS, caseToString, opCases } from "./op-specs";

const hasGpu = await startWebgpu();
const RUNS = process.env.GRAFT_DEEP ? 25 : 2;

const f32 = (x: NDArray) => x.astype("float32");
const gpu = (x: NDArray) => devicePut(x, "webgpu");

/** |got - want| <= tol (|want| + scale of want) elementwise; same shape and dtype. */
function expectAgree(got: NDArray, want: NDArray, what: string, tol = 2e-4, atol = tol ? 1e-4 : 0): void {
  expect(got.device, `${what}: device`).toBe("webgpu");
  expect(got.shape, `${what}: shape`).toEqual(want.shape);
  expect(got.dtype, `${what}: dtype`).toBe(want.dtype);
  const g = Array.from(got.dataSync()), w = Array.from(want.dataSync());
  const scale = w.reduce((m, v) => (Number.isFinite(v) ? Math.max(m, Math.abs(v)) : m), 0);
  for (let i = 0; i < w.length; i++) {
    if (Number.isNaN(w[i]) || !Number.isFinite(w[i])) { expect(g[i], `${what}[${i}]`).toBe(w[i]); continue; }
    const err = Math.abs(g[i] - w[i]);
    // WGSL allows transcendental functions absolute errors near 2^-11 (sin/cos/acos...), so
    // an absolute term relative to the scale (1e-4 of it, or of 1) joins the relative one.
    if (!(err <= tol * (Math.abs(w[i]) + scale) + atol * (1 + scale))) {
      throw new Error(`${what}[${i}]: webgpu ${g[i]} vs cpu ${w[i]} (|err| ${err.toExponential(2)}, scale ${scale})`);
    }
  }
}
const agreeTrees = (got: unknown, want: unknown, what: string) => {
  const g = tree.leaves(got) as NDArray[], w = tree.leaves(want) as NDArray[];
  expect(g.length).toBe(w.length);
  g.forEach((x, i) => expectAgree(x, w[i], `${what} #${i}`));
};

describe.skipIf(!hasGpu)("cpu vs webgpu over the op table", () => {
  for (const spec of OP_SPECS) {
    it(spec.name, () => {
      fc.assert(fc.property(opCases(spec), (c) => {
        const args = c.args.map(f32), gargs = args.map(gpu);
        const what = caseToString(spec.name, c);
        const want = c.f(...args);
        agreeTrees(c.f(...gargs), want, `eager ${what}`);
        agreeTrees(jit(c.f)(...gargs), want, `jit ${what}`);
        // The gradient of a weighted sum, as a fused jitted backward program.
        const loss = (...xs: NDArray[]) => np.sum(np.sin(c.f(...xs)));
        const argnums = args.map((_, i) => i);
        agreeTrees(jit(grad(loss, { argnums }))(...gargs), grad(loss, { argnums })(...args), `jit(grad) ${what}`);
        // vmap over a batch of two (the inputs and their negation).
        const batch = (xs: NDArray[]) => xs.map((x) => np.stack([x, x.mul(0.5)]));
        agreeTrees(jit(vmap(c.f))(...batch(gargs)), vmap(c.f)(...batch(args)), `jit(vmap) ${what}`);
      }), { numRuns: RUNS });
    });
  }
});

const BINARY: ((a: NDArray, b: NDArray) => NDArray)[] = [
  np.add, np.subtract, np.multiply, np.maximum, np.minimum, np.equal, np.less, np.greaterEqual,
];
describe.skipIf(!hasGpu)("cpu vs webgpu: dtypes and broadcasts", () => {
  it("binary elementwise ops on random broadcast shapes and dtypes", () => {
    const dtypes = ["float32", "int32", "uint32", "bool"] as const;
    const arb = fc.tuple(broadcastableShapes(2, { maxRank: 3, maxSide: 4 }), fc.constantFrom(...dtypes), fc.integer({ min: 0, max: BINARY.length - 1 }))
      .filter(([, dtype, op]) => !(dtype === "bool" && BINARY[op] === np.subtract))
      .chain(([[sa, sb], dtype, op]) => fc.tuple(arrays({ shape: sa, dtype }), arrays({ shape: sb, dtype }), fc.constant(op)));
    // GPUs may flush subnormal inputs to zero (WGSL allows it), so inputs have none.
    const flush = (x: NDArray) => (x.dtype === "float32" ? np.where(np.abs(x).lt(1.2e-38), 0, x).astype("float32") : x);
    fc.assert(fc.property(arb, ([a0, b0, op]) => {
      const a = flush(a0), b = flush(b0);
      const f = BINARY[op];
      const want = f(a, b);
      // Exact for integers and bool; float32 to an ulp, with subnormal results possibly
      // flushed to zero (WGSL allows it).
      const [tol, atol] = a.dtype === "float32" ? [1.2e-7, 1.2e-38] : [0, 0];
      expectAgree(f(gpu(a), gpu(b)), want, `${f.name} ${a.dtype}`, tol, atol);
      expectAgree(jit(f)(gpu(a), gpu(b)), want, `jit ${f.name} ${a.dtype}`, tol, atol);
    }), { numRuns: process.env.GRAFT_DEEP ? 300 : 30 });
  });

  it("integer division, remainder, shifts of sign and conversions match the CPU bit for bit", () => {
    const a = np.array([7, -7, 7, -7, 0, 2147483647, -2147483648, 5], { dtype: "int32" });
    const b = np.array([2, 2, -2, -2, 3, -1, -1, 0], { dtype: "int32" });
    for (const f of [np.floorDivide, np.remainder, np.fmod, (x: NDArray, y: NDArray) => lax.div(x, y), (x: NDArray, y: NDArray) => lax.rem(x, y)]) {
      expectAgree(f(gpu(a), gpu(b)), f(a, b), String(f), 0);
    }
    const x = np.array([-2.5, -0.5, 0.5, 1.5, 2.5, 1e10, -1e10, NaN, Infinity]);
    for (const d of ["int32", "uint32", "bool"] as const) expectAgree(gpu(x).astype(d), x.astype(d), `astype ${d}`, 0);
    expectAgree(np.round(gpu(x)), np.round(x), "round half to even", 0);
  });

  it("a jitted training loop of a small MLP keeps device memory flat", () => {
    const before = defaultDevice();
    defaultDevice("webgpu");
    try {
      let w1 = gpu(np.linspace(-1, 1, 8 * 16).reshape([8, 16])), w2 = gpu(np.linspace(1, -1, 16).reshape([16, 1]));
      const x = gpu(np.linspace(-2, 2, 32 * 8).reshape([32, 8])), y = gpu(np.sin(np.linspace(-2, 2, 32)).reshape([32, 1]));
      const loss = (a: NDArray, b: NDArray) => np.mean(np.square(np.matmul(np.tanh(np.matmul(x, a)), b).sub(y)));
      const step = jit((a: NDArray, b: NDArray) => {
        const [ga, gb] = grad(loss, { argnums: [0, 1] })(a, b) as NDArray[];
        return [a.sub(ga.mul(0.05)), b.sub(gb.mul(0.05)), loss(a, b)];
      });
      let live10 = 0, first = 0, last = 0;
      for (let i = 0; i < 1000; i++) {
        const [a, b, l] = step(w1, w2) as NDArray[];
        w1.dispose(); w2.dispose();
        w1 = a; w2 = b;
        if (i === 0) first = l.item();
        if (i === 999) last = l.item();
        l.dispose();
        if (i === 10) live10 = memoryStats("webgpu").liveBytes;
      }
      expect(memoryStats("webgpu").liveBytes).toBe(live10);
      expect(last).toBeLessThan(first);
    } finally { defaultDevice(before); }
  });
});
