// nn pooling: MaxPool/AvgPool/AdaptiveAvgPool against torch.nn (fixtures from
// test/fixtures/gen_nn_layers.py), including padding, dilation, ceil mode and countIncludePad;
// gradients against finite differences; vmap; errors.
import { describe, expect, it } from "vitest";
import { np, random, vmap, grad, jit, type NDArray } from "graft";
import * as nn from "graft/nn";
import { checkGrads } from "graft/testing";
import fx from "../fixtures/nn_layers.json";
import { expectClose, f32 } from "./layer-helpers";
import { itF64, onCpu } from "../device";

type Case = { name: string; opts: Record<string, unknown>; x: unknown; y: unknown };
type AnyPool = nn.MaxPool | nn.AvgPool | nn.AdaptiveAvgPool;

function build(c: Case): AnyPool {
  const { kind, ...opts } = c.opts;
  return new (nn as unknown as Record<string, new (o: unknown) => AnyPool>)[kind as string]!(opts);
}

describe("pooling against PyTorch", () => {
  it.each((fx.pool as Case[]).map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const p = build(c);
    expectClose(p.forward(f32(c.x)), c.y, 1e-6);
    onCpu(() => expectClose(p.forward(np.array(c.x as number[], { dtype: "float64" })), c.y, 1e-9));
  });
});

describe("pooling semantics", () => {
  it("default stride is the kernel size; SAME padding keeps ceil(L / s)", () => {
    const x = np.arange(16).reshape([1, 4, 4]).astype("float32");
    expect(new nn.MaxPool2d({ kernelSize: 2 }).forward(x).js()).toEqual([[[5, 7], [13, 15]]]);
    expect(new nn.AvgPool2d({ kernelSize: 2 }).forward(x).js()).toEqual([[[2.5, 4.5], [10.5, 12.5]]]);
    expect(new nn.MaxPool1d({ kernelSize: 3, stride: 2, padding: "SAME" }).forward(np.ones([2, 7])).shape).toEqual([2, 4]);
    expect(new nn.MaxPool3d({ kernelSize: 2 }).forward(np.ones([1, 4, 5, 6])).shape).toEqual([1, 2, 2, 3]);
    expect(new nn.AvgPool3d({ kernelSize: [1, 2, 3] }).forward(np.ones([1, 4, 5, 6])).shape).toEqual([1, 4, 2, 2]);
    expect(new nn.AdaptiveAvgPool3d({ outputSize: [2, 1, 3] }).forward(np.ones([2, 4, 5, 6])).shape).toEqual([2, 2, 1, 3]);
  });

  it("max pooling ignores padding (-inf), average pooling with countIncludePad false ignores it too", () => {
    const x = np.full([1, 3], -2);
    expect(new nn.MaxPool1d({ kernelSize: 3, stride: 1, padding: 1 }).forward(x).js()).toEqual([[-2, -2, -2]]);
    const xi = np.array([[-5, 3, -7, 2]], { dtype: "int32" });
    const yi = new nn.MaxPool1d({ kernelSize: 3, stride: 1, padding: 1 }).forward(xi);
    expect(yi.dtype).toBe("int32");
    expect(yi.js()).toEqual([[3, 3, 3, 2]]);
    const y = new nn.AvgPool1d({ kernelSize: 3, stride: 1, padding: 1 }).forward(x).dataSync();
    expect(Array.from(y)).toEqual([-4 / 3, -2, -4 / 3].map(Math.fround));
    expect(new nn.AvgPool1d({ kernelSize: 3, stride: 1, padding: 1, countIncludePad: false }).forward(x).js()).toEqual([[-2, -2, -2]]);
  });

  it("adaptive average pooling of a divisible size equals AvgPool with the quotient window", () => {
    const x = random.normal(random.key(1), [3, 8, 6]);
    expectClose(new nn.AdaptiveAvgPool2d({ outputSize: [4, 2] }).forward(x), new nn.AvgPool2d({ kernelSize: [2, 3] }).forward(x).js(), 1e-6);
  });

  itF64("gradients match finite differences (float64); max routes the cotangent to the maximum", () => {
    const x = random.normal(random.key(2), [2, 7, 6], { dtype: "float64" });
    for (const p of [
      new nn.MaxPool2d({ kernelSize: 3, stride: 2, padding: 1, ceilMode: true }),
      new nn.AvgPool2d({ kernelSize: 3, stride: 2, padding: 1, countIncludePad: false, ceilMode: true }),
      new nn.AdaptiveAvgPool2d({ outputSize: [3, 4] }),
    ]) checkGrads((xx: NDArray) => np.sin(p.forward(xx)), [x]);
    const g = grad((xx: NDArray) => np.sum(new nn.MaxPool1d({ kernelSize: 2 }).forward(xx)))(np.array([[1, 3, 2, 0]]));
    expect(g.js()).toEqual([[0, 1, 1, 0]]);
  });

  it("vmap and jit over a batch equal the examples one by one", () => {
    const p = new nn.AvgPool2d({ kernelSize: 3, stride: 2, padding: 1 });
    const xb = random.normal(random.key(3), [4, 2, 5, 5]);
    const yb = jit(vmap((x: NDArray) => p.forward(x)))(xb);
    [...xb].forEach((x, i) => expectClose(yb.slice(i), p.forward(x).js(), 1e-6));
  });

  it("errors name the layer", () => {
    expect(() => new nn.MaxPool2d({ kernelSize: 2 }).forward(np.ones([4, 4]))).toThrow(/nn\.MaxPool2d: expected one example/);
    expect(() => new nn.MaxPool1d({ kernelSize: 5 }).forward(np.ones([1, 3]))).toThrow(/window .* is larger than the padded input/);
    expect(() => new nn.AvgPool2d({ kernelSize: [2, 2, 2] })).toThrow(/kernelSize must be a number or 2 numbers/);
  });
});
