// Complex printing against numpy's str() and JAX-style repr, recorded by
// test/fixtures/gen_complex.py into test/fixtures/complex.json.
import { describe, expect, it } from "vitest";
import { np } from "graft";
import fixtures from "../fixtures/complex.json";
import { formatArray, reprArray } from "../../core/format";
import type { DType } from "../../core/dtype";

const decode = (v: number | string): number => (v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : Number(v));

describe("complex arrays print like numpy", () => {
  for (const c of fixtures.formats) {
    const data = c.data.map(decode);
    it(`str: ${c.name} (${c.dtype} [${c.shape.join(",")}])`, () => {
      expect(formatArray(data, c.shape, c.dtype as DType)).toBe(c.str);
    });
    it(`repr: ${c.name} (${c.dtype} [${c.shape.join(",")}])`, () => {
      expect(reprArray(data, c.shape, c.dtype as DType)).toBe(c.repr);
    });
  }
  it("prints arrays made with np.array", () => {
    const z = np.array([{ re: 1, im: 2 }, { re: 3, im: -1 }]);
    expect(z.toString()).toBe("[1.+2.j 3.-1.j]");
    expect(String(z)).toBe("[1.+2.j 3.-1.j]");
    expect((z as unknown as { repr(): string }).repr()).toBe("Array([1.+2.j, 3.-1.j], dtype=complex64)");
    expect(np.array({ re: 0, im: 2 }).toString()).toBe("2j");
  });
});
