// jit on the CPU: transposes around dot_general folded into the product, as the jaxprs of
// batched (vmap) layers are full of them (the MLP step: dot_general [512,784]·[128,784,1] ->
// [512,128,1] then transpose to [128,512,1] in the forward pass, transposed cotangents fed to
// the weight gradients in the backward pass). The GEMM reads its operands through strides when
// it packs them (matmul.ts), so
//  - a transposed operand is read in place: dot_general(transpose(x, p), y) is dot_general(x, y)
//    with the contracting and batch axes mapped through p, provided p keeps the free axes in
//    order (they give the output's axis order);
//  - a product whose only use transposes its lhs-free block past its rhs-free block is the
//    product of the swapped operands, (A·B)ᵀ = Bᵀ·Aᵀ, up to the order of size-1 axes (a reshape).
// Both compute every output element as the same sum over the contracting axes in the same order
// (products commute exactly; packing and blocking do not depend on strides or on which operand
// is A), so results are bit-identical to running the transposes. Matrix-vector shapes (M or N
// of 1) are left alone: there the kernel's choice between axpy and dot-product loops depends on
// the operands' strides.
import { ShapedArray } from "../../core/aval";
import { defUse, Jaxpr, type JaxprEqn, Var } from "../../core/jaxpr";
import type { DotGeneralParams } from "../../core/primitives/dot";

type Dn = DotGeneralParams["dimensionNumbers"];
const range = (n: number) => [...Array(n).keys()];
const free = (ndim: number, used: readonly number[]) => range(ndim).filter((d) => !used.includes(d));
const increasing = (xs: readonly number[]) => xs.every((x, i) => i === 0 || xs[i - 1] < x);
const size = (shape: readonly number[], dims: readonly number[]) => dims.reduce((n, d) => n * shape[d], 1);
const perm = (t: JaxprEqn) => (t.params as { permutation: readonly number[] }).permutation;
/** The permutation moves only size-1 axes of `shape` (then it is a reshape). */
export const movesUnitAxesOnly = (shape: readonly number[], p: readonly number[]) => increasing(p.filter((d) => shape[d] !== 1));

/** M and N of the product: both above 1 (see the header). */
function gemmShaped(e: JaxprEqn): boolean {
  const [[lc, rc], [lb, rb]] = (e.params as DotGeneralParams).dimensionNumbers;
  const a = e.inputs[0].aval.shape, b = e.inputs[1].aval.shape;
  return size(a, free(a.length, [...lc, ...lb])) > 1 && size(b, free(b.length, [...rc, ...rb])) > 1;
}

/** The jaxpr with transposes folded into its products where that is exact; j itself if none are. */
export function foldDotTransposes(j: Jaxpr): Jaxpr {
  const { producer, outputs } = defUse(j);
  let eqns = [...j.eqns], changed = false;
  // Operands: read the transpose's operand with remapped axes.
  eqns = eqns.map((e) => {
    if (e.prim.name !== "dot_general" || !gemmShaped(e)) return e;
    const dn = (e.params as DotGeneralParams).dimensionNumbers;
    const inputs = [...e.inputs], c = [dn[0][0], dn[0][1]], b = [dn[1][0], dn[1][1]];
    for (const side of [0, 1]) {
      const t = inputs[side] instanceof Var ? producer.get(inputs[side] as Var) : undefined;
      if (!t || t.prim.name !== "transpose" || !(t.inputs[0] instanceof Var)) continue;
      const p = perm(t), nd = p.length;
      if (!increasing(free(nd, [...c[side], ...b[side]]).map((d) => p[d]))) continue;
      c[side] = c[side].map((d) => p[d]);
      b[side] = b[side].map((d) => p[d]);
      inputs[side] = t.inputs[0];
    }
    if (inputs.every((x, i) => x === e.inputs[i])) return e;
    changed = true;
    const params: DotGeneralParams = { ...(e.params as DotGeneralParams), dimensionNumbers: [[c[0], c[1]], [b[0], b[1]]] as unknown as Dn };
    return { prim: e.prim, inputs, params, outvars: e.outvars };
  });
  // Transposes nothing reads any more go; the products' users are counted afresh.
  // (Jaxpr copies its equations: the rest works on the copies.)
  const mid = new Jaxpr(j.constvars, j.invars, dropUnread(j, eqns), j.outvars);
  const { users: users2 } = defUse(mid);
  eqns = [...mid.eqns];
  // Outputs: a product transposed by its only user becomes the swapped product.
  const swapped = new Map<JaxprEqn, JaxprEqn[]>();   // the transpose -> what replaces it
  const gone = new Set<JaxprEqn>();
  for (const e of eqns) {
    const v = e.outvars[0], us = e.prim.name === "dot_general" && !outputs.has(v) ? users2.get(v) ?? [] : [];
    if (us.length !== 1 || us[0].prim.name !== "transpose" || !gemmShaped(e)) continue;
    const u = us[0], q = perm(u), vs = v.aval.shape;
    if (movesUnitAxesOnly(vs, q)) continue;   // already a reshape
    const [[lc, rc], [lb, rb]] = (e.params as DotGeneralParams).dimensionNumbers;
    const nb = lb.length, nl = e.inputs[0].aval.ndim - lc.length - nb, nr = e.inputs[1].aval.ndim - rc.length - nb;
    // the swapped product's axes are [batch, rhs free, lhs free]: where each of v's axes goes
    const at = range(nb + nl + nr).map((d) => (d < nb ? d : d < nb + nl ? d + nr : d - nl));
    const r = q.map((d) => at[d]);
    const shape = range(nb + nl + nr).map((s) => vs[at.indexOf(s)]);
    if (!movesUnitAxesOnly(shape, r)) continue;
    const params: DotGeneralParams = { ...(e.params as DotGeneralParams), dimensionNumbers: [[rc, lc], [rb, lb]] as unknown as Dn };
    const out = u.outvars[0], identity = r.every((d, i) => d === i);
    const w = identity ? out : new Var(new ShapedArray(shape, v.aval.dtype, v.aval.weakType));
    const dot: JaxprEqn = { prim: e.prim, inputs: [e.inputs[1], e.inputs[0]], params, outvars: [w] };
    swapped.set(u, identity ? [dot] : [dot, { prim: u.prim, inputs: [w], params: { ...u.params, permutation: r }, outvars: [out] }]);
    gone.add(e);
    changed = true;
  }
  if (!changed) return j;
  eqns = eqns.flatMap((e) => (gone.has(e) ? [] : swapped.get(e) ?? [e]));
  return new Jaxpr(j.constvars, j.invars, eqns, j.outvars);
}

/** The equations without the transposes whose results nothing reads. */
function dropUnread(j: Jaxpr, eqns: JaxprEqn[]): JaxprEqn[] {
  const read = new Set<Var>(j.outvars.filter((x): x is Var => x instanceof Var));
  for (const e of eqns) for (const x of e.inputs) if (x instanceof Var) read.add(x);
  return eqns.filter((e) => e.prim.name !== "transpose" || read.has(e.outvars[0]));
}
