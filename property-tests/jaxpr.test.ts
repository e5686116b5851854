// Tracing laws on random programs: a random composite of unary ops, binary ops (with the
// second input or a JS number), sums over an axis, reshapes and transposes, applied to
// random-shape float32 inputs. Its jaxpr type-checks, prints as `{ lambda ...` with one line
// per equation, has the eager result's out aval, and evaluates to exactly the eager result
// (same backend, same kernels).
import { describe, expect, it } from "vitest";
import fc, { type Arbitrary } from "fast-check";
import { checkJaxpr, evalJaxpr, makeJaxpr, np, type NDArray } from "graft";
import { arrays, broadcastableShapes } from "graft/testing";
import { RUNS, expectSameValues, flat, naiveBroadcast } from "./util";

type Unary = "sin" | "exp" | "tanh" | "square" | "negative";
type Binary = "add" | "multiply" | "maximum";
type Op =
  | { kind: "unary"; name: Unary }
  | { kind: "binary"; name: Binary; other: "y" | "const" | number; swap: boolean }
  | { kind: "sum"; seed: number }
  | { kind: "reshape"; seed: number }
  | { kind: "transpose"; seed: number };

const opArb: Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("unary" as const), name: fc.constantFrom<Unary>("sin", "exp", "tanh", "square", "negative") }),
  fc.record({
    kind: fc.constant("binary" as const),
    name: fc.constantFrom<Binary>("add", "multiply", "maximum"),
    other: fc.oneof(fc.constantFrom("y" as const, "const" as const), fc.constantFrom(2, -1, 0.5, -1.5)),
    swap: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("sum" as const), seed: fc.nat(1000) }),
  fc.record({ kind: fc.constant("reshape" as const), seed: fc.nat(1000) }),
  fc.record({ kind: fc.constant("transpose" as const), seed: fc.nat(1000) }),
);

/** A closed-over array: it becomes a constvar of the jaxpr (it broadcasts with any shape). */
const CONST = np.array([1.25]);

/** A deterministic permutation of 0..n-1 from a seed (Fisher-Yates with an LCG). */
function seededPermutation(n: number, seed: number): number[] {
  const p = [...Array(n).keys()];
  let s = seed + 1;
  for (let i = n - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** The program as a function of (x, y); every choice depends only on shapes, so it traces. */
function program(ops: readonly Op[]): (x: NDArray, y: NDArray) => NDArray {
  return (x, y) => {
    let v = x;
    for (const op of ops) {
      switch (op.kind) {
        case "unary":
          v = np[op.name](v);
          break;
        case "binary": {
          // y when it broadcasts with the current value, else its sum (a scalar).
          const other = op.other === "const" ? CONST
            : op.other === "y" ? (naiveBroadcast(v.shape, y.shape) ? y : np.sum(y)) : op.other;
          const fn = np[op.name];
          v = op.swap ? fn(other, v) : fn(v, other);
          break;
        }
        case "sum":
          v = v.ndim === 0 ? np.sum(v) : np.sum(v, (op.seed % v.ndim) - (op.seed % 2 ? v.ndim : 0));
          break;
        case "reshape": {
          const s = v.shape;
          const targets = [[v.size], [...s].reverse(), [...s, 1], [1, ...s], [-1], [1, -1]];
          v = np.reshape(v, targets[op.seed % targets.length]);
          break;
        }
        case "transpose":
          v = np.transpose(v, seededPermutation(v.ndim, op.seed));
          break;
      }
    }
    return v;
  };
}

const inputs = fc
  .oneof({ weight: 4, arbitrary: broadcastableShapes(2, { minSide: 1, maxRank: 3 }) }, { weight: 1, arbitrary: broadcastableShapes(2, { maxRank: 3 }) })
  .chain(([sx, sy]) => fc.tuple(arrays({ shape: sx }), arrays({ shape: sy })));

describe("jaxprs of random programs", () => {
  it("type-check, print one line per equation, have the eager out aval, and evaluate to the eager result", () => {
    fc.assert(fc.property(inputs, fc.array(opArb, { maxLength: 7 }), ([x, y], ops) => {
      const f = program(ops);
      const closed = makeJaxpr(f)(x, y);
      checkJaxpr(closed.jaxpr);
      expect(closed.jaxpr.invars).toHaveLength(2);
      expect(closed.consts).toHaveLength(closed.jaxpr.constvars.length);
      expect(closed.consts.length).toBe(ops.some((o) => o.kind === "binary" && o.other === "const") ? 1 : 0);

      const text = closed.toString();
      expect(typeof text).toBe("string");
      expect(text.startsWith("{ lambda")).toBe(true);
      const n = closed.jaxpr.eqns.length;
      expect(text.split("\n")).toHaveLength(n > 1 ? n + 2 : 1);

      const eager = f(x, y);
      expect(closed.outAvals).toHaveLength(1);
      expect(closed.outAvals[0].shape).toEqual(eager.shape);
      expect(closed.outAvals[0].dtype).toBe(eager.dtype);

      const outs = evalJaxpr(closed.jaxpr, closed.consts, [x, y]);
      expect(outs).toHaveLength(1);
      expect(outs[0].shape).toEqual(eager.shape);
      expect(outs[0].dtype).toBe(eager.dtype);
      expectSameValues(flat(outs[0]), flat(eager), `evalJaxpr vs eager for ${JSON.stringify(ops)}`);
    }), { numRuns: RUNS });
  });

  it("tracing twice gives the same printed jaxpr (names do not depend on global state)", () => {
    fc.assert(fc.property(inputs, fc.array(opArb, { maxLength: 5 }), ([x, y], ops) => {
      const f = program(ops);
      expect(makeJaxpr(f)(x, y).toString()).toBe(makeJaxpr(f)(x, y).toString());
    }), { numRuns: RUNS });
  });
});
