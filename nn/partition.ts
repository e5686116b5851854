// Equinox's partition/combine (equinox/_filters.py): split a pytree by a filter into two trees
// of the same shape with `null` in the holes, and merge them back. graft's pytrees treat null as
// an empty node, so the holes carry no leaves: `grad`, `jit` and the optimisers see only the
// arrays of the half they are given.
import { tree } from "graft";

/** A predicate on leaves, or a boolean for a whole subtree. */
export type FilterLeaf = boolean | ((leaf: unknown) => boolean);

/**
 * A filter for `partition`: a FilterLeaf for the whole tree, or a pytree prefix of the tree with
 * a FilterLeaf at each of its leaves (e.g. `tree.map(() => false, model)` with some subtrees
 * replaced by `true` via `tree.at`).
 */
export type FilterSpec = FilterLeaf | object;

const isHole = (x: unknown): boolean => x === null;

/**
 * Splits `t` into `[matching, rest]`: two trees shaped like `t`, each leaf in exactly one of them
 * and `null` in the other. A leaf matches when its filter (the FilterLeaf of the spec subtree
 * above it) is `true` or returns true for it. `combine(matching, rest)` rebuilds `t`.
 * @example
 * const [params, statics] = nn.partition(model, isArray);
 * // train only the last layer:
 * const spec = tree.at((s: nn.MLP) => s.layers[2], tree.map(() => false, model), true);
 * const [trainable, frozen] = nn.partition(model, spec);
 * const g = grad((tr: nn.MLP) => loss(nn.combine(tr, frozen)))(trainable);
 */
export function partition<T>(t: T, filter: FilterSpec): [T, T] {
  const op = "nn.partition";
  const [specLeaves, specDef] = tree.flatten(filter);
  specLeaves.forEach((s) => {
    if (typeof s !== "boolean" && typeof s !== "function") {
      throw new TypeError(`${op}: every leaf of the filter must be a boolean or a predicate on leaves, got ${typeof s} (${String(s)}).`);
    }
  });
  const subtrees = specDef.flattenUpTo(t, op, "the tree");
  const matching: unknown[] = [], rest: unknown[] = [];
  subtrees.forEach((sub, i) => {
    const s = specLeaves[i] as FilterLeaf;
    const keep = (leaf: unknown): boolean => {
      if (typeof s === "boolean") return s;
      const r = s(leaf);
      if (typeof r !== "boolean") throw new TypeError(`${op}: a filter predicate must return a boolean, got ${typeof r}.`);
      return r;
    };
    const masks = tree.leaves(sub).map(keep);
    let j = 0;
    matching.push(tree.map((leaf: unknown) => (masks[j++] ? leaf : null), sub));
    j = 0;
    rest.push(tree.map((leaf: unknown) => (masks[j++] ? null : leaf), sub));
  });
  return [specDef.unflatten<T>(matching), specDef.unflatten<T>(rest)];
}

/**
 * Merges trees of the same shape whose holes are `null` (as `partition` returns them): each
 * leaf is taken from the first tree that is not null there.
 * @example const model = nn.combine(trainable, frozen);
 */
export function combine<T>(...trees: T[]): T {
  const op = "nn.combine";
  if (trees.length === 0) throw new TypeError(`${op}: expected at least one tree, got none.`);
  const flat = trees.map((t) => tree.flatten(t, { isLeaf: isHole }));
  const def = flat[0]![1];
  flat.forEach(([, d], i) => {
    if (!d.equals(def)) {
      throw new TypeError(`${op}: all trees must have the same structure (null marking holes), got ${def} and ${d} for tree ${i + 1}.`);
    }
  });
  const leaves = flat[0]![0].map((_, j) => {
    for (const [ls] of flat) if (ls[j] !== null) return ls[j];
    return null;
  });
  return def.unflatten<T>(leaves);
}
