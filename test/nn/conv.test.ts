// nn convolutions: outputs against torch.nn.Conv*d / ConvTranspose*d with the same weights
// (fixtures from test/fixtures/gen_nn_layers.py), PyTorch-default init statistics, gradients
// against finite differences (float64), vmap/jit, and argument errors.
import { describe, expect, it } from "vitest";
import { np, random, tree, vmap, jit, grad, type NDArray } from "graft";
import * as nn from "graft/nn";
import { checkGrads } from "graft/testing";
import fx from "../fixtures/nn_layers.json";
import { expectClose, f32, maxAbs } from "./layer-helpers";
import { itF64, onCpu } from "../device";

// On the CPU: float64 tests use it too (WebGPU arrays may not become float64); CPU operands
// of an op with WebGPU inputs are copied to the GPU, so float32 tests still run there.
const key = onCpu(() => random.key(0));
type AnyConv = nn.Conv | nn.ConvTranspose;
type Case = { name: string; opts: Record<string, unknown>; weight: unknown; bias?: unknown; x: unknown; y: unknown };

function build(c: Case, dtype: "float32" | "float64" = "float32"): AnyConv {
  const { kind, ...opts } = c.opts;
  const Cls = (nn as unknown as Record<string, new (o: unknown) => AnyConv>)[kind as string]!;
  let m = new Cls({ ...opts, key, dtype });
  const arr = (v: unknown) => np.array(v as number[], { dtype });
  m = tree.at((l: AnyConv) => l.weight, m, arr(c.weight));
  if (c.bias !== undefined) m = tree.at((l: AnyConv) => l.bias, m, arr(c.bias));
  return m;
}

describe("Conv and ConvTranspose against PyTorch", () => {
  it.each((fx.conv as Case[]).map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const m = build(c);
    const x = f32(c.x);
    expectClose(m.forward(x), c.y, 1e-5);
    // a batch through vmap equals the examples one by one
    const xb = np.stack([x, x.mul(-0.5)]);
    const yb = vmap((xi: NDArray) => m.forward(xi))(xb);
    expectClose(yb.slice(0), m.forward(x).js(), 1e-6);
    expectClose(yb.slice(1), m.forward(x.mul(-0.5)).js(), 1e-6);
  });

  itF64("float64 layers agree with the float64 reference to 1e-9", () => {
    for (const c of fx.conv as Case[]) {
      const m = build(c, "float64");
      const y = m.forward(np.array(c.x as number[], { dtype: "float64" }));
      expect(y.dtype).toBe("float64");
      expectClose(y, c.y, 1e-9, 1e-9);
    }
  });
});

describe("PyTorch-default init", () => {
  it("Conv2d: weight and bias ~ U(-1/sqrt(fanIn), 1/sqrt(fanIn)), fanIn = in/groups * prod(kernel)", () => {
    const m = new nn.Conv2d({ inChannels: 16, outChannels: 64, kernelSize: [3, 3], groups: 2, key: random.key(1) });
    expect(m.weight.shape).toEqual([64, 8, 3, 3]);
    expect(m.bias!.shape).toEqual([64]);
    const bound = 1 / Math.sqrt(8 * 9);
    const w = Array.from(m.weight.dataSync());
    const max = Math.max(...w.map(Math.abs));
    expect(max).toBeLessThanOrEqual(bound);
    expect(max).toBeGreaterThan(0.99 * bound);
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const variance = w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length;
    // n = 4608: the sample mean's sd is bound/sqrt(3n) ~ 0.0085 bound; the variance's ~1.7%.
    expect(Math.abs(mean)).toBeLessThan(0.04 * bound);
    expect(variance / (bound * bound / 3)).toBeGreaterThan(0.93);
    expect(variance / (bound * bound / 3)).toBeLessThan(1.07);
    expect(maxAbs(m.bias!)).toBeLessThanOrEqual(bound);
  });

  it("ConvTranspose2d: weight [in, out/groups, ...k], bound 1/sqrt(out/groups * prod(k)); useBias false", () => {
    const m = new nn.ConvTranspose2d({ inChannels: 8, outChannels: 12, kernelSize: [3, 2], groups: 2, useBias: false, key });
    expect(m.weight.shape).toEqual([8, 6, 3, 2]);
    expect(m.bias).toBeNull();
    expect(tree.leaves(m).length).toBe(1);
    const bound = 1 / Math.sqrt(6 * 6);
    expect(maxAbs(m.weight)).toBeLessThanOrEqual(bound);
    expect(maxAbs(m.weight)).toBeGreaterThan(0.9 * bound);
  });

  it("different keys give different weights, the same key the same", () => {
    const a = new nn.Conv1d({ inChannels: 2, outChannels: 3, kernelSize: 3, key });
    const b = new nn.Conv1d({ inChannels: 2, outChannels: 3, kernelSize: 3, key });
    const c = new nn.Conv1d({ inChannels: 2, outChannels: 3, kernelSize: 3, key: random.key(5) });
    expect(a.weight.js()).toEqual(b.weight.js());
    expect(a.weight.js()).not.toEqual(c.weight.js());
  });
});

describe("conv geometry", () => {
  it("output sizes follow PyTorch's formulas", () => {
    const x = np.ones([3, 17, 12]);
    const conv = (o: Partial<nn.ConvOptions>) => new nn.Conv2d({ inChannels: 3, outChannels: 2, kernelSize: 3, key, ...o }).forward(x).shape;
    expect(conv({})).toEqual([2, 15, 10]);
    expect(conv({ stride: 2, padding: 1 })).toEqual([2, 9, 6]);
    expect(conv({ dilation: [2, 1], padding: [[0, 1], [2, 0]] })).toEqual([2, 14, 12]);
    expect(conv({ padding: "SAME", stride: 2 })).toEqual([2, 9, 6]);
    // transposed conv inverts the conv's shape map (with outputPadding picking among the preimages)
    const y = new nn.ConvTranspose2d({ inChannels: 3, outChannels: 2, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, key }).forward(x);
    expect(y.shape).toEqual([2, 34, 24]);
  });

  itF64("ConvTranspose is the adjoint of Conv (same weights, no bias): <conv(x), y> = <x, convT(y)>", () => {
    const opts = { inChannels: 4, outChannels: 6, kernelSize: [3, 2], stride: [2, 3], padding: [[1, 0], [0, 0]] as [number, number][], dilation: [2, 1], groups: 2, useBias: false, dtype: "float64" as const };
    const conv = new nn.Conv2d({ ...opts, key });
    // Conv maps 4 -> 6 channels with weight [6, 2, k]; its adjoint maps 6 -> 4 with weight [6, 2, k] in torch's layout.
    let convT = new nn.ConvTranspose2d({ ...opts, inChannels: 6, outChannels: 4, key });
    convT = tree.at((m: nn.ConvTranspose2d) => m.weight, convT, conv.weight);
    const x = random.normal(random.key(2), [4, 9, 11], { dtype: "float64" });
    const cx = conv.forward(x);
    const y = random.normal(random.key(3), cx.shape, { dtype: "float64" });
    const ty = convT.forward(y);
    // Row 8 of x lies past the conv's last window, so convT(y) (no outputPadding) stops before it.
    expect(ty.shape).toEqual([4, 8, 11]);
    const xc = x.slice([], [0, 8], []);
    const lhs = np.sum(cx.mul(y)).item() as number;
    const rhs = np.sum(xc.mul(ty)).item() as number;
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-10 * Math.max(1, Math.abs(lhs)));
  });
});

describe("conv gradients", () => {
  itF64("Conv2d: jvp and vjp match finite differences in x and in the weights (float64)", () => {
    const m = new nn.Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, stride: [1, 2], padding: [[1, 0], [0, 1]], dilation: [1, 2], key, dtype: "float64" });
    const x = random.normal(random.key(4), [2, 6, 7], { dtype: "float64" });
    checkGrads((mm: nn.Conv2d, xx: NDArray) => np.sin(mm.forward(xx)), [m, x]);
  });

  itF64("ConvTranspose1d and Conv3d: gradients match finite differences (float64)", () => {
    const t = new nn.ConvTranspose1d({ inChannels: 2, outChannels: 4, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, groups: 2, key, dtype: "float64" });
    checkGrads((mm: nn.ConvTranspose1d, xx: NDArray) => np.tanh(mm.forward(xx)), [t, random.normal(key, [2, 5], { dtype: "float64" })]);
    const c = new nn.Conv3d({ inChannels: 1, outChannels: 2, kernelSize: 2, padding: 1, key, dtype: "float64" });
    checkGrads((mm: nn.Conv3d, xx: NDArray) => np.tanh(mm.forward(xx)), [c, random.normal(key, [1, 3, 2, 3], { dtype: "float64" })]);
  });

  it("grad through jit(vmap(conv)) equals the eager gradient", () => {
    const m = new nn.Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1, key });
    const xb = random.normal(key, [5, 3, 6, 6]);
    const loss = (mm: nn.Conv2d, b: NDArray) => np.mean(np.square(vmap((x: NDArray) => mm.forward(x))(b)));
    const g1 = grad(loss)(m, xb);
    const g2 = jit(grad(loss))(m, xb);
    expect(g2).toBeInstanceOf(nn.Conv2d);
    expectClose(g2.weight, g1.weight.js(), 1e-5);
    expectClose(g2.bias!, g1.bias!.js(), 1e-5);
    expect(Number.isFinite(np.sum(np.abs(g1.weight)).item() as number)).toBe(true);
  });
});

describe("conv errors", () => {
  it("reject bad inputs and options with the layer's name", () => {
    const m = new nn.Conv2d({ inChannels: 3, outChannels: 2, kernelSize: 3, key });
    expect(() => m.forward(np.ones([2, 5, 5]))).toThrow(/nn\.Conv2d: expected one example of shape \[3, \.\.\., \.\.\.\]/);
    expect(() => m.forward(np.ones([4, 3, 5, 5]))).toThrow(/use vmap for a batch/);
    expect(() => new nn.Conv2d({ inChannels: 3, outChannels: 2, kernelSize: 3, groups: 2, key })).toThrow(/groups must divide/);
    expect(() => new nn.Conv2d({ inChannels: 3, outChannels: 2, kernelSize: [3], key })).toThrow(/kernelSize must be a number or 2 numbers/);
    expect(() => new nn.Conv1d({ inChannels: 3, outChannels: 2, kernelSize: 3, padding: -1, key })).toThrow(/padding/);
    expect(() => new nn.ConvTranspose1d({ inChannels: 3, outChannels: 2, kernelSize: 3, padding: "SAME", key })).toThrow(/padding must be numbers/);
    expect(() => new nn.ConvTranspose1d({ inChannels: 3, outChannels: 2, kernelSize: 3, stride: 2, outputPadding: 2, key })).toThrow(/outputPadding must be smaller/);
    expect(() => new nn.Conv1d({ inChannels: 3, outChannels: 2, kernelSize: 3 } as never)).toThrow(/PRNG key/);
  });
});
