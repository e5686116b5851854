// Unit tests for core/tree.ts: node kinds, key order, registered classes, map, errors, isLeaf.
import { describe, it, expect } from "vitest";
import {
  tree,
  flatten,
  unflatten,
  leaves,
  structure,
  map,
  reduce,
  allLeaves,
  registerNode,
  TreeDef,
} from "../../core/tree";
import { NDArray } from "../../core/array";

class Point {
  constructor(
    readonly x: unknown,
    readonly y: unknown,
    readonly label = "",
  ) {}
}
registerNode(
  Point,
  (p) => [[p.x, p.y], p.label],
  (label: string, [x, y]) => new Point(x, y, label),
);

class SubPoint extends Point {}

describe("flatten / unflatten", () => {
  it("sorts object keys like JAX sorts dict keys", () => {
    const [xs, def] = flatten({ b: 2, a: 1, c: { z: 3, y: 4 } });
    expect(xs).toEqual([1, 2, 4, 3]);
    expect(def.toString()).toBe("{a: *, b: *, c: {y: *, z: *}}");
    expect(Object.keys(unflatten(def, xs))).toEqual(["a", "b", "c"]);
  });

  it("orders integer-like keys as strings, not as JS enumeration does", () => {
    expect(leaves({ 10: "ten", 2: "two", a: "a" })).toEqual(["ten", "two", "a"]);
  });

  it("treats null and undefined as empty nodes and preserves them", () => {
    const t = [1, null, { a: undefined, b: 2 }, undefined];
    const [xs, def] = flatten(t);
    expect(xs).toEqual([1, 2]);
    expect(def.numLeaves).toBe(2);
    expect(def.toString()).toBe("[*, null, {a: undefined, b: *}, undefined]");
    const back = unflatten(def, [5, 6]);
    expect(back).toEqual([5, null, { a: undefined, b: 6 }, undefined]);
    expect("a" in back[2]).toBe(true);
    expect(back[1]).toBeNull();
  });

  it("treats numbers, strings, booleans, functions and unknown class instances as leaves", () => {
    const fn = () => 1;
    const date = new Date(0);
    const typed = new Float32Array(2);
    const xs = leaves([1, "s", true, 2n, fn, date, typed, new SubPoint(1, 2)]);
    expect(xs).toHaveLength(8);
    expect(xs[4]).toBe(fn);
    expect(xs[5]).toBe(date);
    expect(xs[6]).toBe(typed);
    expect(xs[7]).toBeInstanceOf(SubPoint); // subclasses need their own registration
  });

  it("treats graft arrays (and tracers, which subclass NDArray) as leaves", () => {
    const x = Object.create(NDArray.prototype) as NDArray;
    const [xs, def] = flatten({ w: x, b: [x] });
    expect(xs).toHaveLength(2);
    expect(xs[0]).toBe(x);
    expect(xs[1]).toBe(x);
    expect(def.toString()).toBe("{b: [*], w: *}");
    expect(() => registerNode(NDArray as any, () => [[], null], () => x)).toThrow(/always leaves/);
  });

  it("a single leaf is a tree", () => {
    const [xs, def] = flatten(7);
    expect(xs).toEqual([7]);
    expect(def.toString()).toBe("*");
    expect(unflatten(def, [8])).toBe(8);
  });

  it("handles null-prototype objects and a __proto__ key", () => {
    const t = Object.create(null);
    t.b = 1;
    t["__proto__"] = 2;
    const [xs, def] = flatten(t);
    expect(xs).toEqual([2, 1]);
    const back = unflatten<Record<string, number>>(def, [3, 4]);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(["__proto__", "b"]);
    expect(back.b).toBe(4);
  });

  it("never mutates inputs and builds new containers", () => {
    const t = Object.freeze({ a: Object.freeze([1, 2]), b: Object.freeze({ c: 3 }) });
    const [xs, def] = flatten(t);
    const back = unflatten(def, xs);
    expect(back).toEqual(t);
    expect(back).not.toBe(t);
    expect(back.a).not.toBe(t.a);
    expect(Object.isFrozen(back)).toBe(false);
  });

  it("rejects cycles", () => {
    const t: unknown[] = [1];
    t.push({ a: t });
    expect(() => flatten(t)).toThrow(/cycle.*\[1\]\.a/);
  });

  it("flattens the same object twice when it is shared but not cyclic", () => {
    const shared = { a: 1 };
    expect(leaves([shared, shared])).toEqual([1, 1]);
  });
});

describe("registered classes", () => {
  it("flattens and rebuilds through the registration", () => {
    const t = { p: new Point(1, [2, 3], "origin") };
    const [xs, def] = flatten(t);
    expect(xs).toEqual([1, 2, 3]);
    expect(def.toString()).toBe('{p: Point["origin"](*, [*, *])}');
    const back = unflatten<{ p: Point }>(def, [4, 5, 6]);
    expect(back.p).toBeInstanceOf(Point);
    expect(back.p).toEqual(new Point(4, [5, 6], "origin"));
  });

  it("compares aux data in equals", () => {
    expect(structure(new Point(1, 2, "a")).equals(structure(new Point(3, 4, "a")))).toBe(true);
    expect(structure(new Point(1, 2, "a")).equals(structure(new Point(1, 2, "b")))).toBe(false);
  });

  it("refuses duplicate and built-in registrations", () => {
    const flat = (p: Point): [unknown[], unknown] => [[p.x], null];
    const unflat = (_: unknown, [x]: unknown[]) => new Point(x, 0);
    expect(() => registerNode(Point, flat, unflat)).toThrow(TypeError);
    expect(() => registerNode(Object as any, flat as any, unflat)).toThrow(/built-in/);
    expect(() => registerNode(Array as any, flat as any, unflat)).toThrow(/built-in/);
  });
});

describe("TreeDef", () => {
  it("equals compares structure, not leaves", () => {
    expect(structure([1, { a: 2 }]).equals(structure(["x", { a: null as unknown as number }]))).toBe(false);
    expect(structure([1, { a: 2 }]).equals(structure(["x", { a: "y" }]))).toBe(true);
    expect(structure([1, 2]).equals(structure([1, 2, 3]))).toBe(false);
    expect(structure({ a: 1 }).equals(structure({ b: 1 }))).toBe(false);
    expect(structure(null).equals(structure(undefined))).toBe(false);
  });

  it("prints quoted keys when they are not identifiers", () => {
    expect(String(structure({ "a b": 1, c: [] }))).toBe('{"a b": *, c: []}');
  });

  it("is exposed on the namespace", () => {
    expect(structure(1)).toBeInstanceOf(tree.TreeDef);
    expect(tree.TreeDef).toBe(TreeDef);
  });
});

describe("map", () => {
  it("maps one tree", () => {
    expect(map((x: number) => x * 2, { a: 1, b: [2, null, 3] })).toEqual({ a: 2, b: [4, null, 6] });
  });

  it("maps several trees of the same structure", () => {
    const out = tree.map(
      (x: number, y: number, z: number) => x + y + z,
      [1, { a: 2 }],
      [10, { a: 20 }],
      [100, { a: 200 }],
    );
    expect(out).toEqual([111, { a: 222 }]);
  });

  it("passes whole subtrees of later trees where the first has leaves", () => {
    expect(map((x: number, y: number[]) => x + y.length, [1, 2], [[0, 0], [0]])).toEqual([3, 3]);
  });

  it("names both structures when the trees disagree", () => {
    expect(() => map((x: number, y: number) => x + y, [1, { a: 2 }], [1, { b: 2 }])).toThrow(
      "tree.map: tree 2 must have the structure [*, {a: *}] (or extend it at its leaves), " +
        "got [*, {b: *}]; at [1]: expected keys {a}, got {b}.",
    );
    expect(() => map((x: number) => x, [1, 2], [1, 2, 3])).toThrow(
      /\[\*, \*\].*\[\*, \*, \*\].*length 2, got length 3/,
    );
    expect(() => map((x: number) => x, { a: null }, { a: 1 })).toThrow(/at \.a: expected null, got a leaf/);
    expect(() => map((x: number) => x, [1, 2], 5)).toThrow(TypeError);
  });

  it("checks registered nodes and their aux data in later trees", () => {
    const f = (x: number, y: number) => x + y;
    expect(map(f, new Point(1, 2, "a"), new Point(3, 4, "a"))).toEqual(new Point(4, 6, "a"));
    expect(() => map(f, new Point(1, 2, "a"), new Point(3, 4, "b"))).toThrow(/aux data differs/);
    expect(() => map(f, new Point(1, 2), [3, 4])).toThrow(/expected a Point instance, got an array/);
  });

  it("takes isLeaf as a trailing options object", () => {
    const isPair = (x: unknown) => Array.isArray(x) && x.length === 2 && typeof x[0] === "number";
    expect(map((p: number[]) => p[0]! + p[1]!, { a: [1, 2], b: [[3, 4]] }, { isLeaf: isPair })).toEqual({
      a: 3,
      b: [7],
    });
    expect(map((p: number[], q: number) => p.length + q, [[1, 2]], [10], { isLeaf: isPair })).toEqual([12]);
  });
});

describe("isLeaf", () => {
  it("stops flattening at chosen subtrees, including null", () => {
    const t = { a: [1, 2], b: null, c: 3 };
    expect(leaves(t, { isLeaf: (x) => x === null })).toEqual([1, 2, null, 3]);
    const [xs, def] = flatten(t, { isLeaf: Array.isArray });
    expect(xs).toEqual([[1, 2], 3]);
    expect(def.toString()).toBe("{a: *, b: null, c: *}");
    expect(structure(new Point(1, 2), { isLeaf: (x) => x instanceof Point }).numLeaves).toBe(1);
  });
});

describe("errors", () => {
  it("unflatten names both leaf counts and the treedef", () => {
    expect(() => unflatten(structure([1, 2, 3]), [1, 2])).toThrow(
      new TypeError("tree.unflatten: expected 3 leaves for treedef [*, *, *], got 2."),
    );
  });

  it("unflatten rejects a non-TreeDef", () => {
    expect(() => unflatten({} as TreeDef, [])).toThrow(/expected a TreeDef/);
  });
});

describe("reduce and allLeaves", () => {
  it("reduces over leaves", () => {
    expect(reduce((a: number, x: number) => a + x, { a: 1, b: [2, 3] }, 0)).toBe(6);
    expect(reduce((a: number, x: number) => a * x, [2, [3, 4]])).toBe(24);
    expect(() => reduce((a: number) => a, [])).toThrow(/initial value/);
  });

  it("tells whether every element is a leaf", () => {
    expect(allLeaves([1, "a", new Float32Array(1)])).toBe(true);
    expect(allLeaves([1, null])).toBe(false);
    expect(allLeaves([[1]], { isLeaf: Array.isArray })).toBe(true);
  });
});

describe("tree.at", () => {
  it("replaces the selected node out of place", () => {
    const t = { a: [1, 2], b: { c: 3 } };
    const t2 = tree.at((x: typeof t) => x.b, t, { c: 4, d: 5 });
    expect(t2).toEqual({ a: [1, 2], b: { c: 4, d: 5 } });
    expect(t.b).toEqual({ c: 3 });
    expect(() => tree.at((x: { a: number[] }) => x.a[0], { a: [1, 1] }, 0)).toThrow(/occurs 2 times/);
  });
});
