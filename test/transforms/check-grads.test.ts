// graft/testing's checkGrads: passes on correct derivatives, reports wrong ones.
import { describe, expect, it } from "vitest";
import { customJvp, lax, np, type NDArray } from "graft";
import { checkGrads } from "graft/testing";

const x = np.array([0.3, -1.2, 0.7], { dtype: "float64" });

describe("checkGrads", () => {
  it("accepts correct derivatives to second order, over pytrees", () => {
    checkGrads((v: NDArray) => np.sum(np.sin(v).mul(v)), [x], { order: 2 });
    checkGrads((p: { a: NDArray; b: NDArray }) => ({ y: np.tanh(p.a.mul(p.b)) }), [{ a: x, b: x.mul(2) }], { order: 2 });
    checkGrads((v: NDArray) => lax.scan((c: NDArray, xi: NDArray) => [c.mul(xi).add(np.sin(c)), c], np.array(0.5, { dtype: "float64" }), v), [x]);
  });
  it("reports a wrong custom derivative in both modes", () => {
    const bad = customJvp((v: NDArray) => np.sin(v));
    bad.defjvp(([v]: NDArray[], [t]: NDArray[]) => [np.sin(v), t.mul(np.sin(v))]);   // should be cos
    expect(() => checkGrads(bad, [x], { modes: ["fwd"] })).toThrow(/forward mode.*differs/s);
    const bad2 = customJvp((v: NDArray) => np.sin(v));
    bad2.defjvp(([v]: NDArray[], [t]: NDArray[]) => [np.sin(v), t.mul(np.cos(v)).mul(1.01)]);
    expect(() => checkGrads(bad2, [x], { modes: ["fwd"] })).toThrow(/checkGrads/);
  });
  it("float32 inputs use looser defaults", () => {
    checkGrads((v: NDArray) => np.sum(np.exp(v)), [np.array([0.1, 0.2])]);
  });
});
