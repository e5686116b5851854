// The claims of the nn examples, on shortened runs of the examples' own code: the MLP fits
// sin on [-pi, pi] to MSE < 1e-3, the two-moons classifier reaches >= 97% test accuracy, and
// vmap(grad) per-example gradients equal a loop of grad.
import { describe, expect, it } from "vitest";
import { fitSine } from "../../examples/sine-regression";
import { trainClassifier, twoMoons } from "../../examples/classifier";
import { checkPerExampleGrads } from "../../examples/per-example-grads";
import { random } from "graft";

describe("nn examples", () => {
  it("an MLP fits sin on [-pi, pi] to MSE < 1e-3", () => {
    const { mse } = fitSine({ steps: 250, quiet: true });
    expect(mse).toBeLessThan(1e-3);
  });

  it("the two-moons classifier reaches >= 97% test accuracy", () => {
    const { x, y } = twoMoons(random.key(3), 500);
    expect(x.shape).toEqual([500, 2]);
    const frac = (y.js() as number[]).reduce((a, b) => a + b, 0) / 500;
    expect(frac).toBeGreaterThan(0.4);
    expect(frac).toBeLessThan(0.6);
    const { accuracy } = trainClassifier({ epochs: 12, quiet: true });
    expect(accuracy).toBeGreaterThanOrEqual(0.97);
  });

  it("vmap(grad) per-example gradients equal a loop of grad", () => {
    const { maxAbsDiff, shapes } = checkPerExampleGrads({ batch: 16, quiet: true });
    expect(maxAbsDiff).toBeLessThan(1e-6);
    expect(shapes.every((s) => s[0] === 16)).toBe(true);
  });
});
