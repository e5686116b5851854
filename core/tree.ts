// Pytrees, as in JAX (`jax.tree`): nested containers whose leaves are arrays, numbers and any
// other non-container value. Owns flatten/unflatten, TreeDef and the node registry.
//
// Nodes: JS arrays, plain objects (keys sorted, as JAX sorts dict keys), null/undefined
// (empty nodes) and classes registered with `registerNode`. Everything else is a leaf.
//
// TreeDef.toString() prints `*` for a leaf, e.g. `[*, {a: *, b: null}, Point(*, *)]`
// (JAX: `PyTreeDef([*, {'a': *, 'b': None}, CustomNode(Point[None], [*, *])])`).

import { NDArray } from "./array";

/** Options accepted by `flatten`, `leaves`, `structure` and `map`: JAX's `is_leaf`. */
export interface TreeOptions {
  /** Called on every subtree before it is taken apart; `true` makes it a leaf. */
  isLeaf?: (x: unknown) => boolean;
}

/** The kind of a TreeDef node. */
export type NodeKind = "leaf" | "null" | "undefined" | "array" | "object" | "custom";

type Class = abstract new (...args: any[]) => unknown;

interface NodeEntry {
  readonly cls: Class;
  readonly flatten: (x: any) => [children: unknown[], aux: unknown];
  readonly unflatten: (aux: any, children: any[]) => unknown;
}

const registry = new Map<unknown, NodeEntry>();

/** The structure of a pytree with its leaves taken out (JAX's `PyTreeDef`). Immutable. */
export class TreeDef {
  /** Number of leaves an `unflatten` with this treedef expects. */
  readonly numLeaves: number;

  /** @internal Build with `flatten`/`structure`; the constructor is not public API. */
  constructor(
    readonly kind: NodeKind,
    readonly children: readonly TreeDef[] = [],
    /** Sorted keys of an object node. */
    readonly keys: readonly string[] = [],
    /** Registration of a custom node. */
    readonly node?: NodeEntry,
    /** Auxiliary data returned by a custom node's flatten. */
    readonly aux?: unknown,
  ) {
    Object.freeze(children);
    Object.freeze(keys);
    this.numLeaves = kind === "leaf" ? 1 : children.reduce((n, c) => n + c.numLeaves, 0);
  }

  /** @internal */
  static readonly LEAF = new TreeDef("leaf");

  /**
   * Whether `other` describes the same structure (custom nodes: same class, equal aux data).
   * @example
   * structure([1, { a: 2 }]).equals(structure([3, { a: 4 }])); // true
   */
  equals(other: TreeDef): boolean {
    if (this === other) return true;
    if (this.kind !== other.kind || this.children.length !== other.children.length) return false;
    if (this.kind === "object" && !this.keys.every((k, i) => k === other.keys[i])) return false;
    if (this.kind === "custom" && (this.node !== other.node || !auxEqual(this.aux, other.aux))) {
      return false;
    }
    return this.children.every((c, i) => c.equals(other.children[i]!));
  }

  /**
   * Readable form: `*` is a leaf; `[...]` an array; `{k: ...}` an object; `Name(...)` a
   * registered class (`Name[aux](...)` when its aux data is not undefined/null).
   * @example
   * String(structure([1, { b: null, a: 2 }])); // "[*, {a: *, b: null}]"
   */
  toString(): string {
    const kids = this.children.join(", ");
    switch (this.kind) {
      case "leaf": return "*";
      case "null": case "undefined": return this.kind;
      case "array": return `[${kids}]`;
      case "object": return `{${this.keys.map((k, i) => `${formatKey(k)}: ${this.children[i]}`).join(", ")}}`;
      case "custom": {
        const aux = this.aux == null ? "" : `[${formatAux(this.aux)}]`;
        return `${this.node!.cls.name || "CustomNode"}${aux}(${kids})`;
      }
    }
  }

  /**
   * Rebuilds a tree of this structure from `leaves` (new objects and arrays every time).
   * @example
   * const [xs, def] = flatten({ a: 1, b: [2, 3] });
   * def.unflatten(xs.map((x) => (x as number) * 10)); // { a: 10, b: [20, 30] }
   */
  unflatten<T = any>(leaves: readonly unknown[]): T {
    if (leaves.length !== this.numLeaves) {
      throw new TypeError(
        `tree.unflatten: expected ${this.numLeaves} leaves for treedef ${this}, got ${leaves.length}.`,
      );
    }
    let i = 0;
    const build = (def: TreeDef): unknown => {
      switch (def.kind) {
        case "leaf": return leaves[i++];
        case "null": return null;
        case "undefined": return undefined;
        case "array": return def.children.map(build);
        // fromEntries defines own properties, so a "__proto__" key stays a plain key.
        case "object": return Object.fromEntries(def.keys.map((k, j) => [k, build(def.children[j]!)]));
        case "custom": return def.node!.unflatten(def.aux, def.children.map(build));
      }
    };
    return build(this) as T;
  }

  /**
   * Flattens `t` only as far as this treedef goes: where this has a leaf, the whole subtree
   * of `t` at that position is returned as one entry (JAX's `flatten_up_to`). Throws a
   * `TypeError` naming both structures if `t` does not have this structure as a prefix.
   * @example
   * structure([1, 2]).flattenUpTo([{ a: 1 }, [2, 3]]); // [{ a: 1 }, [2, 3]]
   */
  flattenUpTo(t: unknown, op = "tree.flattenUpTo", what = "the tree"): unknown[] {
    const out: unknown[] = [];
    const path: (string | number)[] = [];
    const go = (def: TreeDef, x: unknown): void => {
      if (def.kind === "leaf") {
        out.push(x);
        return;
      }
      const actual = classify(x);
      const fail = (detail: string): never => {
        throw new TypeError(
          `${op}: ${what} must have the structure ${this} (or extend it at its leaves), ` +
            `got ${safeStructure(t)}; at ${formatPath(path)}: ${detail}.`,
        );
      };
      if (actual.kind !== def.kind || actual.node !== def.node) {
        fail(`expected ${describeNode(def.kind, def.node)}, got ${describeNode(actual.kind, actual.node, x)}`);
      }
      let kids: readonly unknown[] = [];
      if (def.kind === "array") {
        const xs = x as unknown[];
        if (xs.length !== def.children.length) {
          fail(`expected an array of length ${def.children.length}, got length ${xs.length}`);
        }
        kids = Array.from(xs);
      } else if (def.kind === "object") {
        const keys = sortedKeys(x as object);
        if (keys.length !== def.keys.length || keys.some((k, i) => k !== def.keys[i])) {
          fail(`expected keys {${def.keys.join(", ")}}, got {${keys.join(", ")}}`);
        }
        kids = keys.map((k) => (x as Record<string, unknown>)[k]);
      } else if (def.kind === "custom") {
        const [children, aux] = actual.node!.flatten(x);
        if (!auxEqual(def.aux, aux)) fail(`aux data differs: ${formatAux(def.aux)} vs ${formatAux(aux)}`);
        if (children.length !== def.children.length) {
          fail(`expected ${def.children.length} children, got ${children.length}`);
        }
        kids = children;
      }
      def.children.forEach((c, i) => {
        path.push(def.kind === "object" ? def.keys[i]! : i);
        go(c, kids[i]);
        path.pop();
      });
    };
    go(this, t);
    return out;
  }
}

interface Classified {
  kind: NodeKind;
  node?: NodeEntry;
}

const LEAF: Classified = { kind: "leaf" };

function classify(x: unknown, isLeaf?: (x: unknown) => boolean): Classified {
  if (isLeaf !== undefined && isLeaf(x)) return LEAF;
  if (x === null) return { kind: "null" };
  if (x === undefined) return { kind: "undefined" };
  if (typeof x !== "object") return LEAF;
  if (x instanceof NDArray) return LEAF;
  const proto = Object.getPrototypeOf(x) as { constructor?: unknown } | null;
  if (proto === Object.prototype || proto === null) return { kind: "object" };
  const node = registry.get(proto.constructor);
  if (node !== undefined) return { kind: "custom", node };
  // Array.isArray also admits arrays from other realms; unregistered subclasses rebuild as plain arrays.
  if (Array.isArray(x)) return { kind: "array" };
  return LEAF;
}

function sortedKeys(x: object): string[] {
  // Plain code-unit order, like Python's sorted() on str keys (outside astral characters).
  return Object.keys(x).sort();
}

const IDENT = /^[A-Za-z_$][\w$]*$/;

function formatKey(k: string): string {
  return IDENT.test(k) ? k : JSON.stringify(k);
}

/** `[1].a["b c"]`; built only for error messages, so the walks just push and pop keys. */
function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return "the root";
  return path
    .map((k) => (typeof k === "number" ? `[${k}]` : IDENT.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`))
    .join("");
}

function safeStructure(t: unknown): string {
  try {
    return String(structure(t));
  } catch {
    return "(a tree that does not flatten)";
  }
}

/** "an array", "a Point instance", "a leaf (number)", ... for error messages. */
function describeNode(kind: NodeKind, node?: NodeEntry, x?: unknown): string {
  switch (kind) {
    case "leaf": return `a leaf (${x instanceof NDArray ? "array" : typeof x})`;
    case "array": return "an array";
    case "object": return "a plain object";
    case "custom": return `a ${node!.cls.name || "registered class"} instance`;
    default: return kind;
  }
}

function formatAux(aux: unknown): string {
  try {
    return JSON.stringify(aux) ?? String(aux);
  } catch {
    return String(aux); // cyclic or BigInt aux data
  }
}

/** Equality of custom-node aux data: deep for arrays and plain objects, `.equals` if present. */
function auxEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (typeof (a as { equals?: unknown }).equals === "function") {
    return Boolean((a as { equals: (o: unknown) => unknown }).equals(b));
  }
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => auxEqual(v, b[i]));
  }
  const pa = Object.getPrototypeOf(a);
  if ((pa !== Object.prototype && pa !== null) || classify(b).kind !== "object") return false;
  const [ka, kb] = [sortedKeys(a), sortedKeys(b)];
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && auxEqual((a as any)[k], (b as any)[k]));
}

/**
 * Registers a class as a pytree node (JAX's `register_pytree_node`). Instances are matched by
 * exact constructor, so a subclass needs its own registration.
 * @example
 * class Point { constructor(readonly x: number, readonly y: number) {} }
 * registerNode(Point, (p) => [[p.x, p.y], undefined], (_aux, [x, y]) => new Point(x, y));
 * leaves([new Point(1, 2), 3]); // [1, 2, 3]
 */
export function registerNode<T>(
  cls: abstract new (...args: any[]) => T,
  flatten: (x: T) => [children: unknown[], aux: unknown],
  unflatten: (aux: any, children: any[]) => T,
): void {
  const name = cls?.name || "this class";
  if (typeof cls !== "function") {
    throw new TypeError(`tree.registerNode: expected a class, got ${typeof cls}.`);
  }
  const why =
    (cls as unknown) === Object || (cls as unknown) === Array ? "is a built-in pytree node"
    : (cls as unknown) === NDArray ? "is an array class, and arrays are always leaves"
    : registry.has(cls) ? "is already registered"
    : undefined;
  if (why) throw new TypeError(`tree.registerNode: ${name} ${why}, got a registration for it.`);
  registry.set(cls, { cls, flatten: flatten as NodeEntry["flatten"], unflatten });
}

/**
 * Splits a pytree into its leaves (depth first, object keys sorted) and its structure.
 * @example
 * const [xs, def] = flatten({ b: [1, 2], a: 3 });
 * xs; // [3, 1, 2]
 * String(def); // "{a: *, b: [*, *]}"
 */
export function flatten<L = unknown>(t: unknown, opts: TreeOptions = {}): [leaves: L[], treedef: TreeDef] {
  const out: unknown[] = [];
  const ancestors = new Set<unknown>();
  const path: (string | number)[] = [];
  const child = (key: string | number, v: unknown): TreeDef => {
    path.push(key);
    const d = go(v);
    path.pop();
    return d;
  };
  const go = (x: unknown): TreeDef => {
    const c = classify(x, opts.isLeaf);
    if (c.kind === "leaf") {
      out.push(x);
      return TreeDef.LEAF;
    }
    if (c.kind === "null" || c.kind === "undefined") return new TreeDef(c.kind);
    if (ancestors.has(x)) {
      throw new TypeError(`tree.flatten: a pytree must not contain cycles, got one at ${formatPath(path)}.`);
    }
    ancestors.add(x);
    let def: TreeDef;
    if (c.kind === "array") {
      def = new TreeDef("array", Array.from(x as unknown[], (v, i) => child(i, v)));
    } else if (c.kind === "object") {
      const keys = sortedKeys(x as object);
      def = new TreeDef("object", keys.map((k) => child(k, (x as Record<string, unknown>)[k])), keys);
    } else {
      const [children, aux] = c.node!.flatten(x);
      def = new TreeDef("custom", Array.from(children, (v, i) => child(i, v)), [], c.node, aux);
    }
    ancestors.delete(x);
    return def;
  };
  const def = go(t);
  return [out as L[], def];
}

/**
 * Builds a pytree of structure `treedef` from `leaves`; inverse of `flatten`.
 * @example
 * const def = structure([0, { a: 0 }]);
 * unflatten(def, [1, 2]); // [1, { a: 2 }]
 */
export function unflatten<T = any>(treedef: TreeDef, leaves: readonly unknown[]): T {
  if (!(treedef instanceof TreeDef)) {
    throw new TypeError(`tree.unflatten: expected a TreeDef, got ${typeof treedef}.`);
  }
  return treedef.unflatten<T>(leaves);
}

/**
 * The leaves of a pytree, in `flatten` order.
 * @example
 * leaves({ b: [2, null], a: 1 }); // [1, 2]
 */
export function leaves<L = unknown>(t: unknown, opts: TreeOptions = {}): L[] {
  return flatten<L>(t, opts)[0];
}

/**
 * The structure (TreeDef) of a pytree.
 * @example
 * structure({ a: 1, b: [2, 3] }).numLeaves; // 3
 */
export function structure(t: unknown, opts: TreeOptions = {}): TreeDef {
  return flatten(t, opts)[1];
}

/** A trailing `{ isLeaf }` argument of `map` is options, not a tree. */
function splitOptions(args: unknown[]): [unknown[], TreeOptions] {
  const last = args[args.length - 1];
  const isOpts =
    classify(last).kind === "object" &&
    Object.keys(last as object).length === 1 &&
    typeof (last as TreeOptions).isLeaf === "function";
  return isOpts ? [args.slice(0, -1), last as TreeOptions] : [args, {}];
}

/**
 * Applies `f` to every leaf of `t`, and to the matching leaves of `rest`, returning a tree
 * of `t`'s structure (JAX's `tree.map`). Each tree in `rest` must have `t`'s structure, or
 * hold whole subtrees where `t` has leaves (those subtrees are passed to `f` as they are).
 * A final `{ isLeaf }` argument is taken as options.
 * @example
 * map((x: number, y: number) => x + y, { a: 1, b: [2] }, { a: 10, b: [20] }); // { a: 11, b: [22] }
 * map((x: number[]) => x.length, [[1, 2], [3]], { isLeaf: (x) => Array.isArray(x) && typeof x[0] === "number" }); // [2, 1]
 */
export function map<Out = any>(f: (x: any, ...rest: any[]) => unknown, t: unknown, ...rest: unknown[]): Out {
  const [trees, opts] = splitOptions(rest);
  const [xs, def] = flatten(t, opts);
  const others = trees.map((r, i) => def.flattenUpTo(r, "tree.map", `tree ${i + 2}`));
  return def.unflatten<Out>(xs.map((x, j) => f(x, ...others.map((o) => o[j]))));
}

/**
 * Folds `f` over the leaves of `t` from the left (JAX's `tree.reduce`); without `initial`
 * the first leaf starts the fold.
 * @example
 * reduce((acc: number, x: number) => acc + x, { a: 1, b: [2, 3] }, 0); // 6
 */
export function reduce<A = any>(
  f: (acc: A, x: any) => A,
  t: unknown,
  ...initialAndOpts: [] | [initial: A] | [initial: A, opts: TreeOptions]
): A {
  const xs = leaves(t, initialAndOpts[1] ?? {});
  if (initialAndOpts.length > 0) return xs.reduce<A>(f, initialAndOpts[0] as A);
  if (xs.length === 0) throw new TypeError("tree.reduce: an empty tree needs an initial value, got none.");
  return (xs as A[]).reduce(f);
}

/**
 * Whether every element of `xs` is a leaf (JAX's `tree_util.all_leaves`).
 * @example
 * allLeaves([1, "a", 2]); // true
 * allLeaves([1, [2]]); // false
 */
export function allLeaves(xs: Iterable<unknown>, opts: TreeOptions = {}): boolean {
  for (const x of xs) if (classify(x, opts.isLeaf).kind !== "leaf") return false;
  return true;
}

/**
 * The pytree namespace, as `jax.tree`.
 * @example
 * tree.map((x: number) => x * 2, [1, { a: 2 }]); // [2, { a: 4 }]
 */
// Out-of-place surgery, as Equinox's `tree_at` (equinox/_tree.py).
/**
 * Returns a copy of `t` in which the node selected by `where(t)` (a leaf such as an array,
 * or a whole subtree such as a nested module) is replaced by `value`. The node is found by
 * identity while the tree is rebuilt; an object reachable at several places is replaced at
 * all of them. Primitive leaves (numbers, strings) must be unique in the tree to be selected.
 * Static fields of modules are not pytree nodes and cannot be selected.
 * @example
 * const m2 = tree.at((m) => m.weight, linear, np.zeros([3, 2]));
 */
export function at<T>(where: (t: T) => unknown, t: T, value: unknown): T {
  const target = where(t);
  let hits = 0;
  const [leaves, def] = flatten(t, {
    isLeaf: (x) => {
      if (Object.is(x, target)) {
        hits++;
        return true;
      }
      return false;
    },
  });
  if (hits === 0) {
    throw new Error(
      "tree.at: the node selected by `where` is not a node of the tree " +
        "(static module fields, null and undefined cannot be selected).",
    );
  }
  if (hits > 1 && (target === null || typeof target !== "object") && typeof target !== "function") {
    throw new Error(`tree.at: the selected leaf ${String(target)} occurs ${hits} times in the tree; select an object node instead.`);
  }
  return unflatten<T>(def, leaves.map((x) => (Object.is(x, target) ? value : x)));
}

export const tree = { map, leaves, flatten, unflatten, structure, registerNode, reduce, allLeaves, at, TreeDef } as const;
