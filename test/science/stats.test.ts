import { describe, expect, it } from "vitest";
import { np } from "graft";
import * as science from "graft/science";

// Reference values: scipy.stats.norm.logpdf / laplace.logpdf.
describe("science.stats", () => {
  it("normalLogPdf matches scipy", () => {
    const v = science.stats.normalLogPdf(np.array([0, 1.5, -2], { dtype: "float64" }), 0.5, 2).js();
    expect(v[0]).toBeCloseTo(-1.6433357137646178, 12);
    expect(v[1]).toBeCloseTo(-1.7370857137646178, 12);
    expect(v[2]).toBeCloseTo(-2.3933357137646178, 12);
  });
  it("laplaceLogPdf matches scipy", () => {
    const v = science.stats.laplaceLogPdf(np.array([0, 3], { dtype: "float64" }), 1, 2).js();
    expect(v[0]).toBeCloseTo(-1.8862943611198906, 12);
    expect(v[1]).toBeCloseTo(-2.3862943611198906, 12);
  });
});
