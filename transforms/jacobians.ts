// Jacobians and Hessians for any input/output pytrees: jacfwd pushes forward a basis of
// input tangents with vmap(jvp); jacrev pulls back a basis of output cotangents with
// vmap(vjp). Jacobian leaf shape = output leaf shape ++ input leaf shape.
import type { NDArray } from "../core/array";
import { isFloat } from "../core/dtype";
import { msg } from "../core/errors";
import { eye } from "../core/numpy/creation";
import { prims } from "../core/primitives";
import { reshape } from "../core/primitives/ops";
import * as tree from "../core/tree";
import { jvp } from "./jvp";
import { vjp } from "./linearize";
import { leafArrays, normalizeArgnums } from "./util";
import { vmap } from "./vmap";

export interface JacOpts { argnums?: number | readonly number[]; hasAux?: boolean }

/** Columns [off, off + n) of an identity of size N, as N tangents shaped like `like`. */
function basisFor(like: NDArray[], N: number): NDArray[] {
  let off = 0;
  return like.map((x) => {
    const cols = prims.slice.bind1([eye(N, N, 0, { dtype: x.dtype })], { startIndices: [0, off], limitIndices: [N, off + x.size], strides: null });
    off += x.size;
    return reshape(cols, [N, ...x.aval.shape]);
  });
}

/** Splits axis `axis` (of length sum(sizes)) into blocks reshaped to each shape. */
function splitAxis(x: NDArray, axis: number, shapes: readonly (readonly number[])[], before: boolean): NDArray[] {
  let off = 0;
  return shapes.map((s) => {
    const n = s.reduce((a, b) => a * b, 1);
    const start = x.aval.shape.map(() => 0), limit = x.aval.shape.slice();
    start[axis] = off; limit[axis] = off + n; off += n;
    const block = prims.slice.bind1([x], { startIndices: start, limitIndices: limit, strides: null });
    const rest = x.aval.shape.filter((_, i) => i !== axis);
    return reshape(block, before ? [...s, ...rest] : [...rest, ...s]);
  });
}

function setup(op: string, f: (...a: any[]) => any, args: unknown[], argnums: number | readonly number[]) {
  const nums = normalizeArgnums(op, argnums, args.length);
  const diff = nums.map((i) => args[i]);
  const [leaves, inTree] = tree.flatten(diff);
  const xs = leafArrays(op, leaves);
  for (const x of xs) {
    if (!isFloat(x.dtype)) throw new TypeError(msg(op, "can only differentiate with respect to floating-point inputs", x.aval.str(), "Cast it with .astype(\"float32\")."));
  }
  const flatF = (...ls: NDArray[]) => {
    const d = tree.unflatten(inTree, ls) as unknown[];
    const full = args.slice();
    nums.forEach((i, k) => { full[i] = d[k]; });
    return f(...full);
  };
  // The Jacobian's inner structure: the argument's tree (one argnum) or the list of them.
  const inner = (blocks: NDArray[]) => {
    const t = tree.unflatten(inTree, blocks) as unknown[];
    return typeof argnums === "number" ? t[0] : t;
  };
  return { xs, flatF, inner };
}

/**
 * Jacobian by forward mode (efficient for few inputs).
 * @example jacfwd((x) => np.sin(x))(np.array([0, 1])) // diag(cos(x)), shape [2, 2]
 */
export function jacfwd(f: (...args: any[]) => any, opts: JacOpts = {}): (...args: any[]) => any {
  return (...args) => {
    const { xs, flatF, inner } = setup("jacfwd", f, args, opts.argnums ?? 0);
    const N = xs.reduce((a, x) => a + x.size, 0);
    const push = (...ts: NDArray[]) => jvp(flatF, xs, ts)[1];
    const jacT = vmap(push, { outAxes: -1 })(...basisFor(xs, N));
    return tree.map((o: NDArray) => inner(splitAxis(o, o.ndim - 1, xs.map((x) => x.aval.shape), false)), jacT);
  };
}

/**
 * Jacobian by reverse mode (efficient for few outputs).
 * @example jacrev((x) => np.sum(np.square(x)))(np.array([1, 2])) // [2, 4]
 */
export function jacrev(f: (...args: any[]) => any, opts: JacOpts = {}): (...args: any[]) => any {
  return (...args) => {
    const { xs, flatF, inner } = setup("jacrev", f, args, opts.argnums ?? 0);
    const [y, back] = vjp(flatF, ...xs);
    const [ys, outTree] = tree.flatten(y);
    const outs = leafArrays("jacrev", ys);
    const M = outs.reduce((a, o) => a + o.size, 0);
    const pull = (...cts: NDArray[]) => back(tree.unflatten(outTree, cts));
    const jac = vmap(pull)(...basisFor(outs, M)) as NDArray[];
    // jac[j]: [M, ...x_j.shape] -> per output leaf i: [...o_i.shape, ...x_j.shape]
    const perInput = jac.map((J) => splitAxis(J, 0, outs.map((o) => o.aval.shape), true));
    return tree.unflatten(outTree, outs.map((_, i) => inner(perInput.map((blocks) => blocks[i]))));
  };
}

/**
 * Hessian: jacfwd(jacrev(f)).
 * @example hessian((x) => np.sum(np.power(x, 3)))(np.array([1, 2])) // diag(6x)
 */
export function hessian(f: (...args: any[]) => any, opts: JacOpts = {}): (...args: any[]) => any {
  return jacfwd(jacrev(f, opts), opts);
}
