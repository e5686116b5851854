// scatter_along_axis "add" on bool arrays is a logical or (JAX adds bools with or), stored
// as 0/1 — it used to store the integer sum.
import { np } from "graft";
import { describe, expect, it } from "vitest";
import { prims } from "../../core/primitives";

describe("scatter_along_axis on bool", () => {
  it("add is logical or", () => {
    const x = np.array([true, false, false]);
    const idx = np.array([0, 0, 2, 2], { dtype: "int32" });
    const upd = np.array([true, true, true, false]);
    const [out] = prims.scatter_along_axis.bind([x, idx, upd], { axis: 0, mode: "add" });
    expect(out.dtype).toBe("bool");
    expect(Array.from(out.dataSync())).toEqual([1, 0, 1]);
    expect(out.js()).toEqual([true, false, true]);
  });
});
