// Property tests for core/tree.ts: flatten/unflatten round trips on random pytrees of numbers.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { flatten, unflatten, leaves, structure, map, registerNode } from "../core/tree";

class Pair {
  constructor(
    readonly first: unknown,
    readonly second: unknown,
  ) {}
}
registerNode(
  Pair,
  (p) => [[p.first, p.second], "pair"],
  (_aux, [a, b]) => new Pair(a, b),
);

// Keys include integer-like strings (JS enumerates those first) and "__proto__".
const key = fc.oneof(
  fc.constantFrom("a", "b", "z", "10", "2", "__proto__", "constructor"),
  fc.string({ maxLength: 3 }),
);

// The root is always a container; leaves are a third of subtrees, nesting at most 4 deep.
const { node: pytree } = fc.letrec<{ tree: unknown; node: unknown }>((tie) => ({
  tree: fc.oneof(
    { maxDepth: 3 },
    { arbitrary: fc.double(), weight: 1 },
    { arbitrary: tie("node"), weight: 2 },
  ),
  node: fc.oneof(
    { arbitrary: fc.array(tie("tree"), { maxLength: 4 }), weight: 3 },
    { arbitrary: fc.dictionary(key, tie("tree"), { maxKeys: 4 }), weight: 3 },
    { arbitrary: fc.tuple(tie("tree"), tie("tree")).map(([a, b]) => new Pair(a, b)), weight: 1 },
    { arbitrary: fc.constantFrom(null, undefined), weight: 1 },
  ),
}));

describe("tree properties", () => {
  it("unflatten(structure(t), leaves(t)) rebuilds t", () => {
    fc.assert(
      fc.property(pytree, (t) => {
        expect(unflatten(structure(t), leaves(t))).toEqual(t);
      }),
    );
  });

  it("structure(t).numLeaves === leaves(t).length", () => {
    fc.assert(
      fc.property(pytree, (t) => {
        expect(structure(t).numLeaves).toBe(leaves(t).length);
      }),
    );
  });

  it("map(identity) preserves structure and leaves", () => {
    fc.assert(
      fc.property(pytree, (t) => {
        const [xs, def] = flatten(t);
        const [ys, def2] = flatten(map((x: unknown) => x, t));
        expect(def2.equals(def)).toBe(true);
        expect(ys).toEqual(xs);
      }),
    );
  });

  it("map over two trees of one structure pairs leaves in flatten order", () => {
    fc.assert(
      fc.property(pytree, (t) => {
        const doubled = map((x: number) => 2 * x, t);
        const pairs = leaves<[number, number]>(map((x: number, y: number) => [x, y], t, doubled), {
          isLeaf: (x) => Array.isArray(x) && x.length === 2 && typeof x[0] === "number",
        });
        expect(pairs).toEqual(leaves<number>(t).map((x) => [x, 2 * x]));
      }),
    );
  });

  it("equal structures print the same and flattenUpTo itself gives the leaves", () => {
    fc.assert(
      fc.property(pytree, (t) => {
        const def = structure(t);
        const rebuilt = structure(unflatten(def, leaves(t)));
        expect(rebuilt.equals(def)).toBe(true);
        expect(String(rebuilt)).toBe(String(def));
        expect(def.flattenUpTo(t)).toEqual(leaves(t));
      }),
    );
  });
});
