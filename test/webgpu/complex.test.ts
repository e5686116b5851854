// Complex64 on WebGPU against the CPU backend: the WGSL helpers of backends/webgpu/complex.ts
// (run through a small kernel of their own, so they are checked before and after they are
// wired into the fused path), the same functions through np on webgpu arrays, and the
// complex dot_general kernel (layouts, batch dims, several contracting dims).
import { devicePut, lax, np, random, type NDArray } from "graft";
import { describe, expect, it } from "vitest";
import { ShapedArray } from "../../core/aval";
import { getBackend } from "../../core/device";
import type { WebGpuBackend } from "../../backends/webgpu";
import type { GpuBuffer } from "../../backends/webgpu/backend";
import { COMPLEX_ELEMENTWISE } from "../../backends/webgpu/complex";
import { bindings, grid, module } from "../../backends/webgpu/emit";
import { KERNELS } from "../../backends/webgpu/kernels";
import { startWebgpu } from "./setup";

const hasGpu = await startWebgpu();

let seed = 0;
const key = () => random.key(seed++);
const cplx = (shape: number[], scale = 2): NDArray =>
  lax.complex(random.uniform(key(), shape, { minval: -scale, maxval: scale }), random.uniform(key(), shape, { minval: -scale, maxval: scale }));

/** |got - want| <= tol * (1 + |want|) for each complex element (interleaved data). */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i += 2) {
    const [wr, wi, gr, gi] = [want[i], want[i + 1], got[i], got[i + 1]];
    if (!Number.isFinite(wr) || !Number.isFinite(wi)) {
      expect([gr, gi], `${what} at ${i / 2}`).toEqual([wr, wi]);
      continue;
    }
    const err = Math.hypot(gr - wr, gi - wi), mag = Math.hypot(wr, wi);
    expect(err, `${what} at ${i / 2}: got (${gr}, ${gi}), want (${wr}, ${wi})`).toBeLessThanOrEqual(tol * (1 + mag));
  }
}

/** Runs COMPLEX_ELEMENTWISE[name] over complex64 operands on the GPU directly. */
function runHelper(name: string, xs: NDArray[]): Float32Array {
  const b = getBackend("webgpu") as WebGpuBackend;
  const avals = xs.map((x) => new ShapedArray(x.shape, "complex64"));
  const out = avals[0];
  const body = `  let i = (wid.y * nwg.x + wid.x) * 256u + lid.x;\n  if (i >= ${out.size}u) { return; }\n` +
    `  out0[i] = ${COMPLEX_ELEMENTWISE[name](xs.map((_, j) => `in${j}[i]`))};`;
  const code = { code: module(bindings(avals, [out]), body), wg: grid(Math.ceil(out.size / 256)) };
  const ins = xs.map((x, j) => b.upload(x.dataSync(), avals[j]) as GpuBuffer);
  const o = b.alloc(out.size * 8);
  b.dispatch(code, ins, [o]);
  const res = b.readSync(o, out) as Float32Array;
  for (const x of [...ins, o]) b.release(x);
  return res;
}

const UNARY = ["exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh"] as const;
const npFn = (name: string) => (np as unknown as Record<string, (...a: NDArray[]) => NDArray>)[name === "pow" ? "power" : name === "neg" ? "negative" : name === "sub" ? "subtract" : name === "mul" ? "multiply" : name === "div" ? "divide" : name];

describe.skipIf(!hasGpu)("webgpu complex64", () => {
  // Values that probe the branches: zeros with signed imaginary parts, the negative real
  // axis (sqrt/log cut), |z| near 1 (log), small |z| (log1p/expm1), large |re| (tanh).
  const special = lax.complex(
    np.array([0, 0, -4, -4, 0.3, 1e-4, 25, -30, 0.6, 1, 1e-3, -0.5], { dtype: "float32" }),
    np.array([0, -0, 0, -0, 0.95, -2e-4, 1, -2, -0.8, 0, 1e-3, 1e-6], { dtype: "float32" }));

  it.each(UNARY)("helper %s agrees with the CPU", (name) => {
    for (const z of [cplx([300]), special]) {
      const want = npFn(name)(z).dataSync();
      expectClose(runHelper(name, [z]), want, 2e-5, name);
    }
  });

  it("helper pow agrees with the CPU (integer, real and complex exponents, zero base)", () => {
    const a = lax.complex(np.array([1.5, -2, 0, 0, 0, 0.5, -1, 2]), np.array([0.5, 1, 0, 0, 0, -0.25, 0, 3]));
    const b = lax.complex(np.array([3, -2, 2, 0, -1, 0.5, 0.5, 1.5]), np.array([0, 0, 0, 0, 0, 1, 0, -0.5]));
    expectClose(runHelper("pow", [a, b]), np.power(a, b).dataSync(), 2e-5, "pow");
    const x = cplx([200], 1.5), y = cplx([200], 1.5);
    expectClose(runHelper("pow", [x, y]), np.power(x, y).dataSync(), 5e-5, "pow");
  });

  it("helper arithmetic agrees with the CPU, division by zero included", () => {
    const a = cplx([100]), b = cplx([100]);
    for (const name of ["add", "sub", "mul", "div"]) expectClose(runHelper(name, [a, b]), npFn(name)(a, b).dataSync(), 1e-6, name);
    const z = lax.complex(np.array([1, -1, 0, 2]), np.array([0, 2, 0, -3]));
    const zero = lax.complex(np.zeros([4]), np.zeros([4]));
    const got = runHelper("div", [z, zero]), want = np.divide(z, zero).dataSync();
    expect(Array.from(got).map(String)).toEqual(Array.from(want).map(String));
  });

  // Through np: the fused path's complex lowering (loose until COMPLEX_ELEMENTWISE is wired
  // in; the GPU's own sin/cos are only within 2^-11, which c_exp uses).
  it.each([...UNARY, "pow"])("np.%s on webgpu arrays matches the CPU", (name) => {
    const zs = name === "pow" ? [cplx([64], 1.5), cplx([64], 1.5)] : [cplx([64])];
    const want = npFn(name)(...zs).dataSync();
    const got = npFn(name)(...zs.map((z) => devicePut(z, "webgpu")));
    expect(got.device).toBe("webgpu");
    expectClose(got.dataSync(), want, 1e-3, name);
  });

  it("dot_general on complex operands runs its own kernel and matches the CPU", () => {
    const cases: [number[], number[], [[number[], number[]], [number[], number[]]]][] = [
      [[5, 7], [7, 3], [[[1], [0]], [[], []]]],                  // matmul
      [[7, 5], [3, 7], [[[0], [1]], [[], []]]],                  // both transposed
      [[2, 4, 6], [2, 6, 3], [[[2], [1]], [[0], [0]]]],          // batched
      [[3, 2, 4, 5], [4, 5, 3, 6], [[[2, 3], [0, 1]], [[0], [2]]]], // two contracting dims, batch last in rhs
      [[1], [1], [[[0], [0]], [[], []]]],                        // inner product of length 1
      [[4], [3], [[[], []], [[], []]]],                          // outer product (no contraction)
    ];
    for (const [ls, rs, dn] of cases) {
      const a = cplx(ls), b = cplx(rs);
      const want = lax.dotGeneral(a, b, dn);
      const got = lax.dotGeneral(devicePut(a, "webgpu"), devicePut(b, "webgpu"), dn);
      expect(got.shape).toEqual(want.shape);
      expectClose(got.dataSync(), want.dataSync(), 1e-5, `dot ${JSON.stringify(dn)}`);
      const k = KERNELS.dot_general([new ShapedArray(ls, "complex64"), new ShapedArray(rs, "complex64")],
        { dimensionNumbers: dn, preferredElementType: null }, [new ShapedArray(want.shape, "complex64")]);
      expect(k).not.toBeNull();
    }
    // Real operands still go to the tiled matmul.
    const f = new ShapedArray([4, 4], "float32");
    expect(KERNELS.dot_general([f, f], { dimensionNumbers: [[[1], [0]], [[], []]], preferredElementType: null }, [f])?.code).toContain("var<workgroup>");
  });
});
