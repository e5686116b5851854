// formatArray / reprArray against numpy's str() and JAX-style repr, recorded by
// test/fixtures/gen_format.py into test/fixtures/format.json.
import { describe, it, expect } from "vitest";
import fixtures from "../fixtures/format.json";
import { formatArray, reprArray } from "../../core/format";
import type { DType } from "../../core/dtype";

interface Case {
  name: string;
  dtype: string;
  shape: number[];
  data: (number | string | boolean)[];
  str: string;
  repr?: string;
}

const cases = fixtures.cases as Case[];

function decode(c: Case): (number | boolean)[] {
  return c.data.map((v) => {
    if (typeof v === "boolean") return v;
    const x = v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : Number(v);
    // Values were recorded as the exact float32 value; pass them as a float32 array would.
    return c.dtype === "float32" ? Math.fround(x) : x;
  });
}

describe("formatArray matches numpy str()", () => {
  it("has the recorded cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });
  for (const c of cases) {
    it(`${c.name} (${c.dtype} [${c.shape.join(",")}])`, () => {
      expect(formatArray(decode(c), c.shape, c.dtype as DType)).toBe(c.str);
    });
  }
});

describe("reprArray matches JAX-style repr", () => {
  for (const c of cases.filter((k) => k.repr !== undefined)) {
    it(`${c.name} (${c.dtype} [${c.shape.join(",")}])`, () => {
      expect(reprArray(decode(c), c.shape, c.dtype as DType)).toBe(c.repr);
    });
  }
});

describe("formatArray inputs", () => {
  it("accepts typed arrays and 0/1 bools", () => {
    expect(formatArray(new Float32Array([0.1, 0.25]), [2], "float32")).toBe("[0.1  0.25]");
    expect(formatArray(new Uint8Array([1, 0]), [2], "bool")).toBe("[ True False]");
    expect(reprArray(new Uint8Array([1, 0]), [2], "bool")).toBe("Array([ True, False], dtype=bool)");
  });
  it("rounds float32 data that was not rounded yet", () => {
    expect(formatArray([0.1, 1 / 3], [2], "float32")).toBe("[0.1        0.33333334]");
  });
  it("reads complex data as interleaved pairs and rejects mismatched sizes", () => {
    expect(formatArray([1, 2], [1], "complex64")).toBe("[1.+2.j]");
    expect(() => formatArray([1, 2], [2], "complex64")).toThrow(/interleaved/);
    expect(() => formatArray([1, 2, 3], [2], "float32")).toThrow(/3 elements/);
  });
});
