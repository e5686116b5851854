// The Threefry-2x32 hash primitive against known-answer vectors.
import { describe, expect, it } from "vitest";
import { jit, makeJaxpr, np, random, vmap, type NDArray } from "graft";

const u32 = (v: number | number[] | number[][]) => np.array(v, { dtype: "uint32" });
const hash = (k0: number, k1: number, x0: number, x1: number): number[] =>
  random.threefry2x32(u32(k0), u32(k1), u32(x0), u32(x1)).map((a) => a.item());

describe("threefry2x32", () => {
  // Random123's test vectors (Random123-Boost test_threefry.cpp), as used by JAX's
  // tests/random_test.py `testThreefry2x32`.
  it("matches the Random123 known-answer vectors", () => {
    expect(hash(0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3)).toEqual([0xc4923a9c, 0x483df7a0]);
    expect(hash(0, 0, 0, 0)).toEqual([0x6b200159, 0x99ba4efe]);
    const m = 0xffffffff;
    expect(hash(m, m, m, m)).toEqual([0x1cb996fc, 0xbb002be7]);
  });

  // Hash values implied by JAX's own pre-partitionable fixtures (tests/random_test.py):
  // `testPRNGValues`: split(PRNGKey(0), 4) hashed the counters iota(8) as pairs (i, i + 4)
  // and laid them out as [[a0, a1], [a2, a3], [b0, b1], [b2, b3]];
  // `testRngRandomBits`: bits(PRNGKey(1701), (3,), uint32) = [a0, a1, b0] of the pairs
  // (0, 2), (1, 0), and the uint64 draw = a_i << 32 | b_i of the pairs (i, i + 3).
  it("matches hash values implied by JAX's fixtures", () => {
    const split4 = [[2285895361, 1501764800], [1518642379, 4090693311], [433833334, 4221794875], [839183663, 3740430601]];
    for (let i = 0; i < 4; i++) {
      const [a, b] = hash(0, 0, i, i + 4);
      expect(a).toBe(split4[i >> 1][i & 1]);
      expect(b).toBe(split4[2 + (i >> 1)][i & 1]);
    }
    expect(hash(0, 1701, 0, 2)).toEqual([56197195, 961309823]);
    expect(hash(0, 1701, 1, 0)[0]).toBe(4200222568);
    const bits64 = [3982329540505020460n, 16822122385914693683n, 7882654074788531506n];
    bits64.forEach((v, i) => expect(hash(0, 1701, i, i + 3)).toEqual([Number(v >> 32n), Number(v & 0xffffffffn)]));
  });

  it("is elementwise with rank-0 broadcasting, and works under jit and vmap", () => {
    const x = u32([0x243f6a88, 0, 7]);
    const [y1, y2] = random.threefry2x32(u32(0x13198a2e), u32(0x03707344), x, u32([0x85a308d3, 0, 9]));
    expect(y1.shape).toEqual([3]);
    expect([y1.js()[0], y2.js()[0]]).toEqual([0xc4923a9c, 0x483df7a0]);
    expect(y1.js()[2]).toBe(hash(0x13198a2e, 0x03707344, 7, 9)[0]);
    const f = (k: NDArray) => random.threefry2x32(k.slice(0), k.slice(1), u32(0x243f6a88), u32(0x85a308d3));
    const keys = u32([[0x13198a2e, 0x03707344], [0, 0]]);
    const [v1, v2] = vmap(f)(keys) as NDArray[];
    expect(v1.js()).toEqual([0xc4923a9c, hash(0, 0, 0x243f6a88, 0x85a308d3)[0]]);
    expect(v2.js()[0]).toBe(0x483df7a0);
    expect((jit(f)(keys.slice(0)) as NDArray[])[0].item()).toBe(0xc4923a9c);
    expect(makeJaxpr(f)(keys.slice(0)).toString()).toContain("threefry2x32");
  });

  it("rejects non-uint32 operands", () => {
    expect(() => random.threefry2x32(np.array(1, { dtype: "int32" }), u32(0), u32(0), u32(0))).toThrow(/threefry2x32: key words must be uint32/);
  });
});
