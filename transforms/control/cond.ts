// lax.switch / lax.cond: the `cond` primitive picks one of several branch jaxprs by an
// int32 index (clamped). Under vmap with a batched index it becomes a select over all
// branches. Under linearize, the primal outputs are computed by a cond over the known
// parts of the branches, and the tangent outputs are staged as a cond whose transpose
// re-linearizes the chosen branch (the branch's forward work is recomputed).
import type { NDArray } from "../../core/array";
import { avalsStr } from "../../core/aval";
import { msg } from "../../core/errors";
import { Jaxpr, Var } from "../../core/jaxpr";
import { definePrimitive, type Primitive, type Tangent, UndefinedPrimal, Zero } from "../../core/primitive";
import { prims } from "../../core/primitives";
import { batchFirst } from "../../core/primitives/batching";
import { broadcastInDim, convert, instantiate, max, min, zeros } from "../../core/primitives/ops";
import { withTrace } from "../../core/trace";
import { dce } from "../passes/simplify";
import { backwardPass, linearizeFlat } from "../linearize";
import { vmapFlat } from "../vmap";
import { unifyBranches } from "../staging";
import { jvpJaxpr, run, stage } from "./util";

export interface CondParams { branches: readonly Jaxpr[] }

const clampIndex = (i: NDArray, n: number) => max(min(convert(i, "int32"), n - 1), 0);
const restrict = (j: Jaxpr, keep: (i: number) => boolean) =>
  dce({ jaxpr: new Jaxpr([], j.invars, j.eqns, j.outvars.filter((_, i) => keep(i))), consts: [] }).jaxpr;

export const condPrim: Primitive<CondParams> = definePrimitive<CondParams>("cond", {
  abstractEval: ([index, ...ops], { branches }) => {
    if (index.ndim !== 0 || index.dtype !== "int32") throw new TypeError(msg("cond", "the index must be an int32 scalar", index.str()));
    const outs = branches[0].outAvals;
    branches.forEach((b, k) => {
      if (b.invars.length !== ops.length || !b.inAvals.every((a, i) => a.sameType(ops[i]))) {
        throw new TypeError(msg("cond", `branch ${k} must take the operands (${avalsStr(ops)})`, avalsStr(b.inAvals)));
      }
      const o = b.outAvals;
      if (o.length !== outs.length || !o.every((a, i) => a.sameType(outs[i]))) {
        throw new TypeError(msg("cond", "all branches must return the same shapes and dtypes", `${avalsStr(outs)} and ${avalsStr(o)}`,
          "Cast or reshape the branch outputs to agree."));
      }
    });
    return outs.map((a) => a.strong());
  },
  impl: ([index, ...ops], { branches }) => {
    const i = Math.min(Math.max(index.dataSync()[0], 0), branches.length - 1);
    return run(branches[i], ops);
  },
  jvp: ([index, ...ops], [, ...ts], { branches }) => {
    const nz = ts.map((t) => !(t instanceof Zero));
    // Output tangents nonzero in any branch are instantiated in all of them.
    const nzOut = branches.map((b) => jvpJaxpr(b, nz, []).nzOut).reduce((a, b) => a.map((x, i) => x || b[i]));
    const js = branches.map((b) => jvpJaxpr(b, nz, nzOut));
    const { consts, jaxprs: unified } = unifyBranches(js, [...ops.map((o) => o.aval), ...ts.filter((_, i) => nz[i]).map((t) => (t as NDArray).aval)]);
    const outs = condPrim.bind([index, ...consts, ...ops, ...(ts.filter((_, i) => nz[i]) as NDArray[])], { branches: unified });
    const m = branches[0].outvars.length;
    let k = m;
    return [outs.slice(0, m), outs.slice(0, m).map((o, i) => (nzOut[i] ? outs[k++] : new Zero(o.aval)))];
  },
  batch: ([index, ...ops], [idim, ...dims], { branches }, size) => {
    const moved = ops.map((o, i) => batchFirst(o, dims[i], size));
    const batched = branches.map((b) => stage((...xs) => vmapFlat((...ys) => run(b, ys), xs, xs.map(() => 0), size,
      (td) => new Array(td.numLeaves).fill(0)).outs, moved.map((m) => m.aval)));
    if (idim === null) {
      const { consts, jaxprs: unified } = unifyBranches(batched, moved.map((m) => m.aval));
      const outs = condPrim.bind([index, ...consts, ...moved], { branches: unified });
      return [outs, outs.map(() => 0)];
    }
    // A batched index: run every branch and select per example.
    const results = batched.map((b) => run(b.jaxpr, [...b.consts, ...moved]));
    const which = clampIndex(batchFirst(index, idim, size), branches.length);
    const outs = results[0].map((_, o) => {
      const shape = results[0][o].aval.shape;
      const w = broadcastInDim(which, shape, [0]);
      return prims.select_n.bind1([w, ...results.map((r) => r[o])], {});
    });
    return [outs, outs.map(() => 0)];
  },
  partialEval: (trace, [index, ...ops], { branches }) => {
    if (trace.isOwn(index)) throw new TypeError("cond: the branch index cannot depend on a tangent (internal error)");
    const unknownIn = ops.map((o) => trace.isOwn(o));
    const unknownOut = branches.map((b) => {
      const u = new Set<Var>(b.invars.filter((_, i) => unknownIn[i]));
      for (const e of b.eqns) if (e.inputs.some((a) => a instanceof Var && u.has(a))) e.outvars.forEach((v) => u.add(v));
      return b.outvars.map((a) => a instanceof Var && u.has(a));
    }).reduce((a, b) => a.map((x, i) => x || b[i]));
    const knownBranches = branches.map((b) => restrict(b, (i) => !unknownOut[i]));
    const knownOps = ops.map((o, i) => (unknownIn[i] ? zeros(o.aval) : o));
    const kOuts = knownBranches[0].outvars.length ? withTrace(trace.parent!, () => condPrim.bind([index, ...knownOps], { branches: knownBranches })) : [];
    const uBranches = branches.map((b) => restrict(b, (i) => unknownOut[i]));
    const uOuts = uBranches[0].outvars.length ? trace.processPrimitiveRecord(condPrim, [index, ...ops], { branches: uBranches }) : [];
    let k = 0, u = 0;
    return unknownOut.map((isU) => (isU ? uOuts[u++] : kOuts[k++]));
  },
  transpose: (cts, [index, ...ops], { branches }) => {
    if (index instanceof UndefinedPrimal) throw new TypeError("cond: the index is not linear");
    const lin = ops.map((o) => o instanceof UndefinedPrimal);
    const known = ops.map((o) => (o instanceof UndefinedPrimal ? zeros(o.aval) : o));
    const ctAvals = cts.map((c) => (c instanceof Zero ? c.aval : c.aval));
    const ctVals = cts.map((c) => instantiate(c));
    // Each transposed branch: (known operands, cts) -> cts of the linear operands.
    const tBranches = branches.map((b) => stage((...xs) => {
      const kv = xs.slice(0, known.length), cv = xs.slice(known.length);
      const l = linearizeFlat((...tl) => { let j = 0; return run(b, kv.map((v, i) => (lin[i] ? tl[j++] : v))); }, kv.filter((_, i) => lin[i]));
      return backwardPass(l.linear.jaxpr, l.linear.consts, cv).map((c: Tangent) => instantiate(c));
    }, [...known.map((v) => v.aval), ...ctAvals]));
    const { consts, jaxprs: unified } = unifyBranches(tBranches, [...known.map((v) => v.aval), ...ctAvals]);
    const outs = condPrim.bind([index as NDArray, ...consts, ...known, ...ctVals], { branches: unified });
    let k = 0;
    return [null, ...lin.map((l) => (l ? outs[k++] : null))];
  },
});

export { clampIndex };
