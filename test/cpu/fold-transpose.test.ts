// Transposes folded into dot_general under CPU jit (backends/cpu/fold-transpose.ts): the
// rewritten program must give the interpreter's results bit for bit (the oracle is the
// original jaxpr evaluated equation by equation), fold where the header says it can, and
// leave alone what it cannot (free axes reordered, matrix-vector shapes).
import { describe, expect, it } from "vitest";
import { evalJaxpr, jit, lax, makeJaxpr, np, random, vmap, type NDArray } from "graft";
import { foldDotTransposes } from "../../backends/cpu/fold-transpose";

const data = (x: NDArray) => Array.from(x.dataSync());
const count = (j: { eqns: readonly { prim: { name: string }; params: unknown; inputs: readonly { aval: { shape: readonly number[] } }[] }[] }) =>
  // transposes that move only size-1 axes are reshapes (no copy): count the others
  j.eqns.filter((e) => e.prim.name === "transpose" &&
    !(e.params as { permutation: number[] }).permutation.filter((d) => e.inputs[0].aval.shape[d] !== 1).every((d, i, a) => i === 0 || a[i - 1] < d)).length;
const r = (seed: number, shape: number[], dtype: "float32" | "float64" = "float32") => random.normal(random.key(seed), shape, { dtype });

type Case = [name: string, f: (...xs: NDArray[]) => NDArray, args: NDArray[], transposesLeft: number];
const cases: Case[] = [
  ["vmapped matmul (output transposed)", (x, w) => vmap((xi: NDArray) => np.matmul(w, xi))(x), [r(1, [33, 20]), r(2, [17, 20])], 0],
  ["lhs transposed", (a, b) => np.matmul(lax.transpose(a, [1, 0]), b), [r(3, [19, 13]), r(4, [19, 7])], 0],
  ["rhs transposed, float64", (a, b) => np.matmul(a, lax.transpose(b, [1, 0])), [r(5, [9, 21], "float64"), r(6, [11, 21], "float64")], 0],
  ["both transposed, batched",
    (a, b) => lax.dotGeneral(lax.transpose(a, [2, 0, 1]), lax.transpose(b, [1, 0, 2]), [[[2], [1]], [[0], [0]]]),
    [r(7, [6, 4, 3]), r(8, [4, 3, 9])], 0],
  ["output block swap with a batch axis", (a, b) => lax.transpose(lax.dotGeneral(a, b, [[[2], [1]], [[0], [0]]]), [0, 2, 1]),
    [r(9, [3, 6, 5]), r(10, [3, 5, 7])], 0],
  ["weight gradient of a vmapped layer (transposed cotangent)",
    (g, x) => lax.dotGeneral(lax.transpose(g.reshape([16, 12, 1]), [1, 0, 2]), x.reshape([16, 10, 1]), [[[1, 2], [0, 2]], [[], []]]),
    [r(11, [16, 12]), r(12, [16, 10])], 0],
  // not folded: the transpose reorders the lhs free axes, so the output's order would change
  ["free axes reordered", (a, b) => lax.dotGeneral(lax.transpose(a, [1, 0, 2]), b, [[[2], [0]], [[], []]]), [r(13, [4, 6, 5]), r(14, [5, 3])], 1],
  // not folded: a matrix-vector product (N = 1)
  ["matrix-vector", (a, b) => np.matmul(lax.transpose(a, [1, 0]), b), [r(15, [8, 6]), r(16, [8, 1])], 1],
];

describe("CPU jit: transposes folded into dot_general", () => {
  for (const [name, f, args, left] of cases) {
    it(`${name}: equals the interpreter bit for bit`, () => {
      const { jaxpr, consts } = makeJaxpr(f)(...args);
      const folded = foldDotTransposes(jaxpr);
      expect(count(folded)).toBe(left);
      expect(count(jaxpr)).toBeGreaterThanOrEqual(1);
      const want = evalJaxpr(jaxpr, consts, args)[0];
      expect(folded.outvars[0].aval.str()).toBe(want.aval.str());
      expect(data(evalJaxpr(folded, consts, args)[0])).toEqual(data(want));
      // and through the executable: a fused loop after the product makes jit compile it
      const g = (...xs: NDArray[]) => np.tanh(f(...xs).mul(0.5)).add(1);
      expect(data(jit(g)(...args))).toEqual(data(g(...args)));
    });
  }
});
