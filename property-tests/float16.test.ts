// float16 rounding against its definition: the binary16 value chosen for a float64 x is one
// nearest to x among its finite neighbours, with ties going to the even bit pattern; beyond
// 65520 in magnitude, infinity. And the CPU float16 ops equal "float32 op, then round".
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { np } from "graft";
import { halfBits, halfValue } from "../core/float16";
import { RUNS } from "./util";

const many = { numRuns: RUNS * 50 };
// Doubles spread over binary16's range, plus exact ties (midpoints of neighbouring halves).
const doubles = fc.oneof(
  fc.double({ min: -70000, max: 70000, noNaN: true }),
  fc.double({ min: -1e-3, max: 1e-3, noNaN: true }),
  fc.integer({ min: 0, max: 0x7bfe }).map((h) => (halfValue(h) + halfValue(h + 1)) / 2),
);

describe("float16 rounding (properties)", () => {
  it("picks a nearest neighbour, ties to even", () => {
    fc.assert(fc.property(doubles, (x) => {
      const h = halfBits(x), v = halfValue(h);
      if (Math.abs(x) >= 65520) { expect(v).toBe(Math.sign(x) * Infinity); return; }
      const d = Math.abs(x - v);
      for (const n of [h + 1, h - 1]) {
        if ((n & 0x7fff) > 0x7bff || n < 0 || (n & 0x8000) !== (h & 0x8000)) continue;
        const dn = Math.abs(x - halfValue(n));
        expect(d).toBeLessThanOrEqual(dn);
        if (d === dn) expect(h % 2).toBe(0);
      }
    }), many);
  });

  it("float16 +, *, / equal the float32 result rounded once", () => {
    fc.assert(fc.property(fc.array(fc.tuple(doubles, doubles), { minLength: 1, maxLength: 50 }), (pairs) => {
      const a = np.array(pairs.map((p) => p[0]), { dtype: "float16" }), b = np.array(pairs.map((p) => p[1]), { dtype: "float16" });
      const a32 = a.astype("float32"), b32 = b.astype("float32");
      for (const [h, f] of [[a.add(b), a32.add(b32)], [a.mul(b), a32.mul(b32)], [a.div(b), a32.div(b32)]]) {
        expect(Array.from(h.dataSync())).toEqual(Array.from(f.astype("float16").dataSync()));
      }
    }), { numRuns: RUNS });
  });
});
