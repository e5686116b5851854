// jit donateArgnums on random programs: random sequences of elementwise ops, products,
// transposes, reshapes and reductions over three square inputs, returning a random subset of
// the values (inputs included), with a random set of donated inputs. The donating jit gives
// the same bits as a jit that donates nothing, donated inputs throw afterwards unless
// returned, and the others keep their values: the buffer planner never hands out storage
// that a later step, another argument or an output still reads.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { type ConcreteArray, jit, np, type NDArray } from "graft";
import { RUNS } from "./util";

type Op = { kind: number; a: number; b: number };
const KINDS = 9;
function apply(op: Op, vals: NDArray[]): NDArray {
  const a = vals[op.a % vals.length], b = vals[op.b % vals.length];
  switch (op.kind) {
    case 0: return a.add(b);
    case 1: return a.mul(b).sub(a);
    case 2: return np.tanh(a.mul(0.5)).add(b);
    case 3: return np.matmul(a, b);
    case 4: return np.transpose(a).mul(2);
    case 5: return a.reshape([-1]).reshape(a.shape);   // storage shared with a
    case 6: return a.sub(np.mean(b, 0, { keepdims: true }));
    case 7: return np.transpose(a);
    default: return np.maximum(a, b).add(1);
  }
}

const program = fc.record({
  n: fc.integer({ min: 1, max: 7 }),
  dtype: fc.constantFrom("float32" as const, "float64" as const),
  ops: fc.array(fc.record({ kind: fc.integer({ min: 0, max: KINDS - 1 }), a: fc.nat(20), b: fc.nat(20) }), { minLength: 1, maxLength: 8 }),
  outs: fc.array(fc.nat(20), { minLength: 1, maxLength: 4 }),
  donate: fc.subarray([0, 1, 2], { minLength: 1 }),
  seed: fc.integer({ min: 1, max: 1000 }),
});

describe("jit donateArgnums on random programs", () => {
  it("equals a jit without donation; donated inputs are unusable, others intact", () => {
    let runs = 0, reused = 0;
    fc.assert(fc.property(program, ({ n, dtype, ops, outs, donate, seed }) => {
      const f = (...xs: NDArray[]) => {
        const vals = [...xs];
        for (const op of ops) vals.push(apply(op, vals));
        return outs.map((o) => vals[o % vals.length]);
      };
      const data = [0, 1, 2].map((k) => Array.from({ length: n * n }, (_, i) => Math.sin(seed + 7 * k + i * 1.3)));
      const make = () => data.map((d) => np.array(d, { dtype }).reshape([n, n]));
      const want = jit(f)(...make()).map((y) => Array.from(y.dataSync()));
      const args = make(), storage = args.map((x) => (x as ConcreteArray).buffer);
      const got = jit(f, { donateArgnums: donate })(...args);
      runs++;
      if (got.some((y) => !args.includes(y) && storage.includes((y as ConcreteArray).buffer))) reused++;
      expect(got.map((y) => Array.from(y.dataSync()))).toEqual(want);
      args.forEach((x, k) => {
        if (!donate.includes(k)) expect(Array.from(x.dataSync())).toEqual(Array.from(make()[k].dataSync()));
        else if (!got.includes(x)) expect(() => x.dataSync()).toThrow(/donated/);
      });
    }), { numRuns: RUNS * 4 });
    // the programs exercise donation: outputs computed into donated storage in a fair share of them
    expect(reused / runs).toBeGreaterThan(0.1);
  });
});
