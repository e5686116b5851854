// Reductions over axes, arg-reductions and cumulative scans along one axis.
import { ShapedArray } from "../aval";
import { type DType } from "../dtype";
import { definePrimitive } from "../primitive";
import { checkAxes, type DTypeClass, requireDType } from "./rules";

export interface ReduceParams { axes: readonly number[] }
export interface ArgReduceParams { axis: number; indexDtype: DType }
export interface CumulativeParams { axis: number; reverse: boolean }

function reduction(name: string, cls: DTypeClass) {
  return definePrimitive<ReduceParams>(name, {
    abstractEval: ([x], { axes }) => {
      requireDType(name, cls, [x]);
      checkAxes(name, axes, x.ndim);
      return [new ShapedArray(x.shape.filter((_, i) => !axes.includes(i)), x.dtype, x.weakType)];
    },
  });
}

function argReduction(name: string) {
  return definePrimitive<ArgReduceParams>(name, {
    abstractEval: ([x], { axis, indexDtype }) => {
      checkAxes(name, [axis], x.ndim);
      if (x.shape[axis] === 0) throw new RangeError(`${name}: attempt to get ${name} of an empty sequence (axis ${axis} of ${x.str()}).`);
      return [new ShapedArray(x.shape.filter((_, i) => i !== axis), indexDtype)];
    },
  });
}

function cumulative(name: string, cls: DTypeClass) {
  return definePrimitive<CumulativeParams>(name, {
    abstractEval: ([x], { axis }) => { requireDType(name, cls, [x]); checkAxes(name, [axis], x.ndim); return [x]; },
  });
}

export const reducePrims = {
  reduce_sum: reduction("reduce_sum", "numeric"),
  reduce_prod: reduction("reduce_prod", "numeric"),
  reduce_max: reduction("reduce_max", "any"),
  reduce_min: reduction("reduce_min", "any"),
  reduce_and: reduction("reduce_and", "intOrBool"),
  reduce_or: reduction("reduce_or", "intOrBool"),
  argmax: argReduction("argmax"),
  argmin: argReduction("argmin"),
  cumsum: cumulative("cumsum", "numeric"),
  cumprod: cumulative("cumprod", "numeric"),
  cummax: cumulative("cummax", "numeric"),
  cummin: cumulative("cummin", "numeric"),
};
