// Pytree plumbing shared by the transforms: flattening arguments, pytree-prefix specs
// (inAxes/outAxes), argnums.
import { isArray, type NDArray } from "../core/array";
import { msg } from "../core/errors";
import { asArray } from "../core/numpy/util";
import * as tree from "../core/tree";

/** Leaves of a traced function's argument/return tree as arrays (numbers become weak scalars). */
export function leafArrays(op: string, leaves: unknown[]): NDArray[] {
  return leaves.map((x) => {
    if (isArray(x) || typeof x === "number" || typeof x === "boolean") return asArray(x);
    throw new TypeError(msg(op, "pytree leaves must be arrays or numbers", x === null ? "null" : typeof x === "object" ? (x as object).constructor?.name ?? "object" : typeof x));
  });
}

/**
 * Expands a pytree prefix (e.g. `inAxes`) to one value per leaf of `full`: a leaf of the
 * prefix (number, null, undefined) applies to its whole subtree.
 */
export function broadcastPrefix<T>(op: string, prefix: unknown, full: unknown, isSpecLeaf: (x: unknown) => boolean): T[] {
  const out: T[] = [];
  const walk = (p: unknown, t: unknown, path: string) => {
    if (isSpecLeaf(p)) { for (let i = 0; i < tree.leaves(t).length; i++) out.push(p as T); return; }
    const [pc, tc] = [children(p), children(t)];
    if (!pc || !tc || pc.length !== tc.length || pc.some(([k], i) => k !== tc[i][0])) {
      throw new TypeError(msg(op, `the spec at ${path || "the top"} must be a prefix of the arguments' pytree`, `${tree.structure(p)} for ${tree.structure(t)}`));
    }
    pc.forEach(([k, v], i) => walk(v, tc[i][1], `${path}[${k}]`));
  };
  walk(prefix, full, "");
  return out;
}

function children(x: unknown): [string, unknown][] | null {
  if (Array.isArray(x)) return x.map((v, i) => [String(i), v]);
  if (x !== null && typeof x === "object" && (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null)) {
    return Object.keys(x).sort().map((k) => [k, (x as Record<string, unknown>)[k]]);
  }
  return null;
}

export function normalizeArgnums(op: string, argnums: number | readonly number[], nargs: number): number[] {
  const list = typeof argnums === "number" ? [argnums] : [...argnums];
  return list.map((a) => {
    if (!Number.isInteger(a) || a < -nargs || a >= nargs) {
      throw new RangeError(msg(op, `argnums must index the ${nargs} positional arguments`, String(a)));
    }
    return a < 0 ? a + nargs : a;
  });
}
