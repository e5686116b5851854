// Out-of-place pytree surgery, as Equinox's `tree_at` (equinox/_tree.py): select a node with
// `where`, and get back a copy of the tree with that node replaced. The original is untouched.

import { tree } from "graft";

/**
 * Returns a copy of `t` in which the node selected by `where(t)` (a leaf such as an array,
 * or a whole subtree such as a nested module) is replaced by `value`. The node is found by
 * identity while the tree is rebuilt; an object reachable at several places is replaced at
 * all of them. Primitive leaves (numbers, strings) must be unique in the tree to be selected.
 * Static fields of modules are not pytree nodes and cannot be selected.
 * @example
 * const m2 = nn.treeAt((m) => m.weight, linear, np.zeros([3, 2]));
 */
export function treeAt<T>(where: (t: T) => unknown, t: T, value: unknown): T {
  const target = where(t);
  let hits = 0;
  const [leaves, def] = tree.flatten(t, {
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
      "nn.treeAt: the node selected by `where` is not a node of the tree " +
        "(static module fields, null and undefined cannot be selected).",
    );
  }
  if (hits > 1 && (target === null || typeof target !== "object") && typeof target !== "function") {
    throw new Error(`nn.treeAt: the selected leaf ${String(target)} occurs ${hits} times in the tree; select an object node instead.`);
  }
  return tree.unflatten<T>(def, leaves.map((x) => (Object.is(x, target) ? value : x)));
}
