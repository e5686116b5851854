// Small helpers over primitives for writing transform rules (no promotion: operands
// already share a dtype; JS numbers become weak scalars of the other operand's dtype).
import type { NDArray } from "../array";
import type { ShapedArray } from "../aval";
import { type Tangent, Zero } from "../primitive";
import { prims } from "./index";
import { scalarArray } from "../numpy/util";

type V = NDArray | number;
const lift = (v: V, like: NDArray): NDArray => (typeof v === "number" ? scalarArray(v, like.dtype, true) : v);
// Primitives are looked up at call time: this module is imported by the family files
// while `prims` is still being built.
type Bindable = { bind1(a: NDArray[], q: {}): NDArray };
const b2 = (name: keyof typeof prims) => (a: V, b: V): NDArray => {
  const like = typeof a === "number" ? (b as NDArray) : a;
  return (prims[name] as Bindable).bind1([lift(a, like), lift(b, like)], {});
};
export const add = b2("add"), sub = b2("sub"), mul = b2("mul"), div = b2("div"), max = b2("max"),
  min = b2("min"), eq = b2("eq"), ne = b2("ne"), lt = b2("lt"), gt = b2("gt"), ge = b2("ge"),
  le = b2("le"), pow = b2("pow"), atan2 = b2("atan2");
const u1 = (name: keyof typeof prims) => (x: NDArray): NDArray => (prims[name] as Bindable).bind1([x], {});
export const neg = u1("neg"), exp = u1("exp"), log = u1("log"), sqrt = u1("sqrt"), sin = u1("sin"), cos = u1("cos"),
  tanh = u1("tanh"), sign = u1("sign"), abs = u1("abs"), expm1 = u1("expm1"), cosh = u1("cosh"), sinh = u1("sinh"),
  erf = u1("erf"), isFinite = u1("is_finite");
export const square = (x: NDArray): NDArray => prims.integer_pow.bind1([x], { y: 2 });
export const integerPow = (x: NDArray, y: number): NDArray => prims.integer_pow.bind1([x], { y });
export const select = (pred: NDArray, onTrue: NDArray, onFalse: NDArray): NDArray => prims.select_n.bind1([pred, onFalse, onTrue], {});
export const convert = (x: NDArray, dtype: ShapedArray["dtype"], weakType = false): NDArray =>
  x.dtype === dtype ? x : prims.convert_element_type.bind1([x], { newDtype: dtype, weakType });
export const reshape = (x: NDArray, shape: readonly number[]): NDArray =>
  x.ndim === shape.length && x.aval.shape.every((d, i) => d === shape[i]) ? x : prims.reshape.bind1([x], { newSizes: shape });
export const transpose = (x: NDArray, perm: readonly number[]): NDArray =>
  perm.every((p, i) => p === i) ? x : prims.transpose.bind1([x], { permutation: perm });
export const broadcastInDim = (x: NDArray, shape: readonly number[], dims: readonly number[]): NDArray =>
  x.ndim === shape.length && x.aval.shape.every((d, i) => d === shape[i]) ? x : prims.broadcast_in_dim.bind1([x], { shape, broadcastDimensions: dims });
export const reduceSum = (x: NDArray, axes: readonly number[]): NDArray => (axes.length ? prims.reduce_sum.bind1([x], { axes }) : x);

/** A concrete zero array of an aval (constant under any trace). */
export const zeros = (aval: ShapedArray): NDArray => full(aval, 0);
export const full = (aval: ShapedArray, v: number): NDArray =>
  broadcastInDim(scalarArray(v, aval.dtype, false), aval.shape, []);
export const instantiate = (t: Tangent): NDArray => (t instanceof Zero ? zeros(t.aval) : t);
export const isZero = (t: unknown): t is Zero => t instanceof Zero;
/** Sum of tangents, keeping symbolic zeros symbolic. */
export function addTangents(a: Tangent, b: Tangent): Tangent {
  if (a instanceof Zero) return b;
  if (b instanceof Zero) return a;
  return add(a, b);
}
/** An operand broadcast to `shape` from a rank-0 scalar (elementwise ops allow scalars). */
export const bcastTo = (x: NDArray, shape: readonly number[]): NDArray =>
  x.ndim === 0 && shape.length ? broadcastInDim(x, shape, []) : x;
/** Sums a cotangent back down to a rank-0 operand when the operand was a broadcast scalar. */
export const unbroadcast = (ct: NDArray, aval: ShapedArray): NDArray =>
  aval.ndim === 0 && ct.ndim > 0 ? reduceSum(ct, [...Array(ct.ndim).keys()]) : ct;
