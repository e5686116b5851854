// lax.whileLoop as the `while` primitive (cond and body jaxprs, each with leading consts).
// Forward mode carries tangents through the loop; reverse mode raises JAX's error (the
// trip count is dynamic). Under vmap with a batched predicate, the loop runs until every
// member is done and finished members keep their carry.
import type { NDArray } from "../../core/array";
import { avalsStr } from "../../core/aval";
import { msg } from "../../core/errors";
import type { Jaxpr } from "../../core/jaxpr";
import { definePrimitive, type Primitive, type Tangent, Zero } from "../../core/primitive";
import { prims } from "../../core/primitives";
import { batchFirst } from "../../core/primitives/batching";
import { broadcastInDim, zeros } from "../../core/primitives/ops";
import { vmapFlat } from "../vmap";
import { carryFixpoint, jvpJaxpr, run, stage } from "./util";

export interface WhileParams { cond: Jaxpr; body: Jaxpr; condConsts: number; bodyConsts: number }

export const whilePrim: Primitive<WhileParams> = definePrimitive<WhileParams>("while", {
  abstractEval: (avals, { cond, body, condConsts, bodyConsts }) => {
    const carry = avals.slice(condConsts + bodyConsts);
    const c = cond.outAvals;
    if (c.length !== 1 || c[0].ndim !== 0 || c[0].dtype !== "bool") {
      throw new TypeError(msg("whileLoop", "condFn must return a scalar boolean", avalsStr(c), "Compare with .lt()/.gt() etc."));
    }
    const out = body.outAvals;
    if (out.length !== carry.length || !out.every((o, i) => o.sameType(carry[i]))) {
      throw new TypeError(msg("whileLoop", "bodyFn must return a carry with the same shapes and dtypes as init", `${avalsStr(out)} for ${avalsStr(carry)}`));
    }
    return carry.map((a) => a.strong());
  },
  impl: (args, { cond, body, condConsts, bodyConsts }) => {
    const cc = args.slice(0, condConsts), bc = args.slice(condConsts, condConsts + bodyConsts);
    let carry: NDArray[] = args.slice(condConsts + bodyConsts);
    while (run(cond, [...cc, ...carry])[0].dataSync()[0]) carry = run(body, [...bc, ...carry]);
    return carry;
  },
  jvp: (primals, tangents, p) => {
    const { cond, body, condConsts: ncc, bodyConsts: nbc } = p;
    const nz = tangents.map((t) => !(t instanceof Zero));
    const nzB = nz.slice(ncc, ncc + nbc);
    const [J, nzCarry] = carryFixpoint(nz.slice(ncc + nbc), (nzK) => {
      const r = jvpJaxpr(body, [...nzB, ...nzK], nzK);
      return [r, r.nzOut];
    });
    const bc = primals.slice(ncc, ncc + nbc), carry = primals.slice(ncc + nbc);
    const tb = tangents.slice(ncc, ncc + nbc).filter((_, i) => nzB[i]) as NDArray[];
    const tk = tangents.slice(ncc + nbc).map((t, i) => (t instanceof Zero ? zeros(t.aval) : t)).filter((_, i) => nzCarry[i]);
    const nJ = J.consts.length, nk = carry.length;
    const newBody = stage((...xs) => {
      const jc = xs.slice(0, nJ), b = xs.slice(nJ, nJ + nbc), t = xs.slice(nJ + nbc, nJ + nbc + tb.length);
      const k = xs.slice(nJ + nbc + tb.length, nJ + nbc + tb.length + nk), kt = xs.slice(nJ + nbc + tb.length + nk);
      return run(J.jaxpr, [...jc, ...b, ...k, ...t, ...kt]);
    }, [...J.consts.map((c) => c.aval), ...bc.map((x) => x.aval), ...tb.map((x) => x.aval), ...carry.map((x) => x.aval), ...tk.map((x) => x.aval)]);
    const newCond = stage((...xs) => run(cond, xs.slice(0, ncc + nk)), [...primals.slice(0, ncc).map((x) => x.aval), ...carry.map((x) => x.aval), ...tk.map((x) => x.aval)]);
    const outs = whilePrim.bind([...newCond.consts, ...primals.slice(0, ncc), ...newBody.consts, ...J.consts, ...bc, ...tb, ...carry, ...tk],
      { cond: newCond.jaxpr, body: newBody.jaxpr, condConsts: newCond.consts.length + ncc, bodyConsts: newBody.consts.length + nJ + nbc + tb.length });
    let k = nk;
    return [outs.slice(0, nk), outs.slice(0, nk).map((o, i): Tangent => (nzCarry[i] ? outs[k++] : new Zero(o.aval)))];
  },
  batch: (args, dims, { cond, body, condConsts: ncc, bodyConsts: nbc }, size) => {
    const moved = args.map((a, i) => batchFirst(a, dims[i], size));
    const unb = (a: NDArray) => a.aval;
    const all0 = (td: { numLeaves: number }) => new Array(td.numLeaves).fill(0);
    const vCond = stage((...xs) => vmapFlat((...ys) => run(cond, ys), xs, xs.map(() => 0), size, all0).outs, [...moved.slice(0, ncc), ...moved.slice(ncc + nbc)].map(unb));
    const vBody = stage((...xs) => vmapFlat((...ys) => run(body, ys), xs, xs.map(() => 0), size, all0).outs, moved.slice(ncc).map(unb));
    // Loop while any member's predicate holds; members that are done keep their carry.
    const nk = moved.length - ncc - nbc;
    const anyCond = stage((...xs) => [prims.reduce_or.bind1([run(vCond.jaxpr, xs)[0]], { axes: [0] })],
      [...vCond.consts.map((c) => c.aval), ...moved.slice(0, ncc).map((m) => m.aval), ...moved.slice(ncc + nbc).map((m) => m.aval)]);
    const selBody = stage((...xs) => {
      const cc = xs.slice(0, vCond.consts.length + ncc);
      const rest = xs.slice(cc.length);
      const bc = rest.slice(0, vBody.consts.length + nbc), carry = rest.slice(bc.length);
      const pred = run(vCond.jaxpr, [...cc, ...carry])[0];
      const next = run(vBody.jaxpr, [...bc, ...carry]);
      return next.map((nv, i) => prims.select_n.bind1([broadcastInDim(pred, nv.aval.shape, [0]), carry[i], nv], {}));
    }, [...vCond.consts.map((c) => c.aval), ...moved.slice(0, ncc).map((m) => m.aval), ...vBody.consts.map((c) => c.aval), ...moved.slice(ncc).map((m) => m.aval)]);
    const outs = whilePrim.bind([...anyCond.consts, ...vCond.consts, ...moved.slice(0, ncc), ...selBody.consts, ...vCond.consts, ...moved.slice(0, ncc), ...vBody.consts, ...moved.slice(ncc)],
      { cond: anyCond.jaxpr, body: selBody.jaxpr, condConsts: anyCond.consts.length + vCond.consts.length + ncc,
        bodyConsts: selBody.consts.length + vCond.consts.length + ncc + vBody.consts.length + nbc });
    void nk;
    return [outs, outs.map(() => 0)];
  },
  partialEval: () => {
    throw new TypeError("whileLoop: reverse-mode differentiation does not work for lax.whileLoop or lax.foriLoop with dynamic " +
      "(traced) bounds, because the number of iterations is not known in advance. Use lax.scan, or lax.foriLoop with JS-number bounds " +
      "(which lowers to a scan), or forward mode (jvp/jacfwd).");
  },
});
