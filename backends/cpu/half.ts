// float16 on the CPU: arrays hold binary16 bit patterns (core/float16.ts). Each primitive with
// a float16 operand or result runs as its float32 kernel on the decoded values and its float16
// results are rounded back to binary16, as NumPy's half loops and XLA's CPU backend compute
// (per operation in float32, rounded per result; reductions accumulate in float32 or wider
// and round once). Conversions to float16 round straight from the source values (a float64
// goes to binary16 in one rounding, not through float32).
import type { ShapedArray } from "../../core/aval";
import type { TypedArray } from "../../core/dtype";
import { fromHalfBits, toHalfBits } from "../../core/float16";
import type { Params } from "../../core/primitive";
import { asF32, hasHalf, paramsAsF32 } from "../float16";
import type { CpuIn, Kernel } from "./util";

export const involvesHalf = (ins: readonly { aval: ShapedArray }[], outAvals: readonly ShapedArray[]): boolean =>
  hasHalf(outAvals) || ins.some((x) => x.aval.dtype === "float16");

/** Values of an operand: float16 bits decoded; other dtypes as stored. */
const valuesOf = (x: CpuIn): TypedArray => (x.aval.dtype === "float16" ? fromHalfBits(x.data) : x.data);

export function executeHalf(prim: string, params: Params, ins: CpuIn[], outAvals: readonly ShapedArray[],
                            kernels: Record<string, Kernel<any>>): TypedArray[] {
  if (prim === "convert_element_type" && outAvals[0].dtype === "float16") {
    // bool, integers, float32 and float64 are exact as JS numbers: one rounding to binary16.
    return [ins[0].aval.dtype === "float16" ? ins[0].data.slice() : toHalfBits(ins[0].data)];
  }
  const k = kernels[prim];
  const outs = k(ins.map((x) => ({ data: valuesOf(x), aval: asF32(x.aval) })), paramsAsF32(params), outAvals.map(asF32));
  return outs.map((o, i) => (outAvals[i].dtype === "float16" ? toHalfBits(o) : o));
}
