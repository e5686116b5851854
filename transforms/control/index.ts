// Public control flow (lax.cond, switch, whileLoop, foriLoop, scan, map): functions over
// pytrees that stage their bodies into jaxprs and bind the control-flow primitives.
import type { NDArray } from "../../core/array";
import { ShapedArray } from "../../core/aval";
import { defaultFloat } from "../../core/config";
import { promoteTypes } from "../../core/dtype";
import { msg } from "../../core/errors";
import { asArray } from "../../core/numpy/util";
import { convert } from "../../core/primitives/ops";
import * as tree from "../../core/tree";
import { leafArrays } from "../util";
import { clampIndex, condPrim } from "./cond";
import { scanPrim } from "./scan";
import { stageTree, unifyBranches } from "../staging";
import { stage } from "./util";
import { whilePrim } from "./while";

/** Stages a pytree function; returns the jaxpr (consts leading), consts and output tree. */
function stageFn(op: string, f: (...args: any[]) => any, inTree: tree.TreeDef, avals: ShapedArray[]) {
  const { staged, outTree } = stageTree(op, f, inTree, avals);
  return { ...staged, outTree };
}

const flat = (op: string, x: unknown): [NDArray[], tree.TreeDef] => {
  const [l, td] = tree.flatten(x);
  return [leafArrays(op, l), td];
};

/**
 * Applies `branches[index]` to the operands (index clamped into range).
 * @example lax.switch(i, [(x) => x.add(1), (x) => x.mul(2)], x)
 */
export function switch_(index: NDArray | number, branches: ((...ops: any[]) => any)[], ...operands: unknown[]): any {
  if (!branches.length) throw new TypeError(msg("switch", "needs at least one branch", "none"));
  const [ops, inTree] = flat("switch", operands);
  const idx = clampIndex(convert(asArray(index), "int32"), branches.length);
  if (idx.ndim !== 0) throw new TypeError(msg("switch", "the index must be a scalar", idx.aval.str()));
  const staged = branches.map((b) => stageFn("switch", b, inTree, ops.map((o) => o.aval)));
  const t0 = staged[0].outTree;
  staged.forEach((s, k) => {
    if (!s.outTree.equals(t0)) throw new TypeError(msg("switch", "all branches must return the same pytree structure", `${t0} and ${s.outTree} (branch ${k})`));
  });
  const { consts, jaxprs: unified } = unifyBranches(staged, ops.map((o) => o.aval));
  const outs = condPrim.bind([idx, ...consts, ...ops], { branches: unified });
  return tree.unflatten(t0, outs);
}

/**
 * `trueFn(...operands)` if pred else `falseFn(...operands)`; both branches are traced.
 * @example lax.cond(x.gt(0), (v) => v.mul(2), (v) => v.neg(), x)
 */
export function cond(pred: NDArray | boolean | number, trueFn: (...ops: any[]) => any, falseFn: (...ops: any[]) => any, ...operands: unknown[]): any {
  const p = asArray(pred);
  if (p.ndim !== 0) throw new TypeError(msg("cond", "the predicate must be a scalar", p.aval.str(), "Use np.where for elementwise choices, or vmap over cond."));
  return switch_(convert(p.dtype === "bool" ? p : p.ne(0), "int32"), [falseFn, trueFn], ...operands);
}

/**
 * Repeats `bodyFn` while `condFn(carry)` is true.
 * @example lax.whileLoop(([i]) => i.lt(10), ([i, s]) => [i.add(1), s.add(i)], [np.array(0), np.array(0)])
 */
export function whileLoop(condFn: (carry: any) => any, bodyFn: (carry: any) => any, init: unknown): any {
  const [carry, td] = flat("whileLoop", init);
  let avals = carry.map((c) => c.aval);
  let b = stageFn("whileLoop", bodyFn, tree.structure([init]), avals);
  if (!b.outTree.equals(td)) throw new TypeError(msg("whileLoop", "bodyFn must return the structure of init", `${b.outTree} for ${td}`));
  const fixed = fixCarryTypes("whileLoop", avals, b.jaxpr.outAvals);
  if (fixed) { avals = fixed; b = stageFn("whileLoop", bodyFn, tree.structure([init]), avals); }
  const c = stageFn("whileLoop", condFn, tree.structure([init]), avals);
  const cast = carry.map((x, i) => (x.dtype === avals[i].dtype ? x : convert(x, avals[i].dtype)));
  const outs = whilePrim.bind([...c.consts, ...b.consts, ...cast], { cond: c.jaxpr, body: b.jaxpr, condConsts: c.consts.length, bodyConsts: b.consts.length });
  return tree.unflatten(td, outs);
}

/**
 * Scans `f(carry, x) -> [carry, y]` over the leading axis of `xs`; returns `[carry, ys]`.
 * `xs` may be null with `length` given; `reverse` scans from the end.
 * @example const [total, partial] = lax.scan((c, x) => [c.add(x), c], np.array(0), xs)
 */
export function scan(f: (carry: any, x: any) => [any, any], init: unknown, xs: unknown = null, opts: { length?: number; reverse?: boolean; unroll?: number } = {}): [any, any] {
  const [carry, carryTree] = flat("scan", init);
  const [xl, xTree] = flat("scan", xs);
  const lengths = new Set(xl.map((x) => {
    if (x.ndim === 0) throw new TypeError(msg("scan", "each leaf of xs needs a leading axis to scan over", x.aval.str()));
    return x.shape[0];
  }));
  if (opts.length !== undefined) lengths.add(opts.length);
  if (lengths.size !== 1) {
    throw new TypeError(msg("scan", "xs leaves must share their leading length (and match `length`)", lengths.size ? [...lengths].join(", ") : "no xs and no length"));
  }
  const length = [...lengths][0];
  const xAvals = xl.map((x) => x.aval.withShape(x.aval.shape.slice(1)));
  let cAvals = carry.map((c) => c.aval);
  let yTree: tree.TreeDef | undefined;
  const trace = () => stage((...vs) => {
    const c = tree.unflatten(carryTree, vs.slice(0, carry.length));
    const x = tree.unflatten(xTree, vs.slice(carry.length));
    const out = f(c, x);
    if (!Array.isArray(out) || out.length !== 2) throw new TypeError(msg("scan", "f must return [carry, y]", typeof out));
    const [cl, ct] = tree.flatten(out[0]);
    if (!ct.equals(carryTree)) throw new TypeError(msg("scan", "f must return a carry with init's structure", `${ct} for ${carryTree}`));
    const [yl, yt] = tree.flatten(out[1]);
    yTree = yt;
    return [...leafArrays("scan", cl), ...leafArrays("scan", yl)];
  }, [...cAvals, ...xAvals]);
  let body = trace();
  const fixed = fixCarryTypes("scan", cAvals, body.jaxpr.outAvals.slice(0, carry.length));
  if (fixed) { cAvals = fixed; body = trace(); }
  const init0 = carry.map((c, i) => (c.dtype === cAvals[i].dtype ? c : convert(c, cAvals[i].dtype)));
  const outs = scanPrim.bind([...body.consts, ...init0, ...xl],
    { jaxpr: body.jaxpr, numConsts: body.consts.length, numCarry: carry.length, length, reverse: opts.reverse ?? false });
  return [tree.unflatten(carryTree, outs.slice(0, carry.length)), tree.unflatten(yTree!, outs.slice(carry.length))];
}

/**
 * A loop body must return its carry with the init's types. As in JAX, a weakly typed init
 * (e.g. the JS number 0) is promoted to the body's output dtype (returns the new avals,
 * after which the body is traced again); any other mismatch is a TypeError.
 */
function fixCarryTypes(op: string, init: ShapedArray[], out: ShapedArray[]): ShapedArray[] | null {
  let changed = false;
  const fixed = init.map((a, i) => {
    const o = out[i];
    if (a.dtype === o.dtype && a.shape.length === o.shape.length && a.shape.every((d, k) => d === o.shape[k])) return a;
    if (a.weakType && a.shape.length === o.shape.length && a.shape.every((d, k) => d === o.shape[k])) {
      changed = true;
      return new ShapedArray(a.shape, promoteTypes([{ dtype: a.dtype, weakType: true }, { dtype: o.dtype, weakType: o.weakType }], defaultFloat()).dtype, false);
    }
    throw new TypeError(msg(op, `the body must return carry component ${i} with the init's shape and dtype`,
      `${o.str()} for init ${a.str()}`, "Cast the init (e.g. np.array(0, { dtype: \"float32\" })) or the body's output."));
  });
  return changed ? fixed : null;
}

/**
 * `for i in [lower, upper): val = bodyFn(i, val)`. JS-number bounds lower to a scan (so
 * reverse mode works); traced bounds use a while loop.
 * @example lax.foriLoop(0, 10, (i, acc) => acc.add(i), np.array(0))
 */
export function foriLoop(lower: number | NDArray, upper: number | NDArray, bodyFn: (i: NDArray, val: any) => any, init: unknown): any {
  if (typeof lower === "number" && typeof upper === "number") {
    const n = Math.max(0, upper - lower);
    const [out] = scan(([i, v]: [NDArray, unknown]) => [[i.add(1), bodyFn(i, v)], null],
      [asArray(lower).astype("int32"), init], null, { length: n });
    return out[1];
  }
  const lo = convert(asArray(lower), "int32"), hi = convert(asArray(upper), "int32");
  const [, out] = whileLoop(([i]: [NDArray]) => i.lt(hi), ([i, v]: [NDArray, unknown]) => [i.add(1), bodyFn(i, v)], [lo, init]);
  return out;
}

/**
 * Maps `f` over the leading axis of `xs` sequentially (a scan without carry).
 * @example lax.map((row) => np.sum(row), m)
 */
export function map(f: (x: any) => any, xs: unknown): any {
  return scan((c: null, x: unknown) => [c, f(x)], null, xs)[1];
}

