import { describe, expect, it } from "vitest";
import { np } from "graft";
import * as science from "graft/science";
import { itF64 } from "../device";

// Reference values: scipy.stats.norm.logpdf / laplace.logpdf. float64 to 12 digits (on the
// CPU), float32 on the pass's default device (CPU, or WebGPU in its pass) to 5.
const normal = [-1.6433357137646178, -1.7370857137646178, -2.3933357137646178];
const laplace = [-1.8862943611198906, -2.3862943611198906];

describe("science.stats", () => {
  itF64("normalLogPdf matches scipy (float64)", () => {
    const v = science.stats.normalLogPdf(np.array([0, 1.5, -2], { dtype: "float64" }), 0.5, 2).js();
    normal.forEach((w, i) => expect(v[i]).toBeCloseTo(w, 12));
  });
  itF64("laplaceLogPdf matches scipy (float64)", () => {
    const v = science.stats.laplaceLogPdf(np.array([0, 3], { dtype: "float64" }), 1, 2).js();
    laplace.forEach((w, i) => expect(v[i]).toBeCloseTo(w, 12));
  });
  it("normalLogPdf and laplaceLogPdf match scipy in float32 on the default device", () => {
    const n = science.stats.normalLogPdf(np.array([0, 1.5, -2], { dtype: "float32" }), 0.5, 2);
    const l = science.stats.laplaceLogPdf(np.array([0, 3], { dtype: "float32" }), 1, 2);
    expect(n.dtype).toBe("float32");
    normal.forEach((w, i) => expect(n.js()[i]).toBeCloseTo(w, 5));
    laplace.forEach((w, i) => expect(l.js()[i]).toBeCloseTo(w, 5));
  });
});
