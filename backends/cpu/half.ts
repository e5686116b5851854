// float16 on the CPU: arrays hold binary16 bit patterns (core/float16.ts). Each primitive with
// a float16 operand or result runs as its float32 kernel on the decoded values and its float16
// results are rounded back to binary16, as NumPy's half loops and XLA's CPU backend compute
// (per operation in float32, rounded per result; reductions accumulate in float32 or wider
// and round once). Conversions to float16 round straight from the source values (a float64
// goes to binary16 in one rounding, not through float32).
import type { ShapedArray } from "../../core/aval";
import { isComplex, type TypedArray } from "../../core/dtype";
import { fromHalfBits, toHalfBits } from "../../core/float16";
import type { Params } from "../../core/primitive";
import { asF32, hasHalf, paramsAsF32 } from "../float16";
import type { CpuIn } from "./util";

/** How the backend runs a primitive once no float16 is left (complex data included). */
export type Run = (prim: string, params: Params, ins: CpuIn[], outAvals: readonly ShapedArray[]) => TypedArray[];

export const involvesHalf = (ins: readonly { aval: ShapedArray }[], outAvals: readonly ShapedArray[]): boolean =>
  hasHalf(outAvals) || ins.some((x) => x.aval.dtype === "float16");

/** Values of an operand: float16 bits decoded; other dtypes as stored. */
const valuesOf = (x: CpuIn): TypedArray => (x.aval.dtype === "float16" ? fromHalfBits(x.data) : x.data);

export function executeHalf(prim: string, params: Params, ins: CpuIn[], outAvals: readonly ShapedArray[], run: Run): TypedArray[] {
  if (prim === "convert_element_type" && outAvals[0].dtype === "float16") {
    // bool, integers, float32 and float64 are exact as JS numbers: one rounding to binary16.
    // Complex data is interleaved (re, im): the real part, as JAX's complex-to-real conversion
    // (from complex128 also in one rounding, not through complex64).
    const x = ins[0];
    if (x.aval.dtype === "float16") return [x.data.slice()];
    const data = isComplex(x.aval.dtype) ? x.data.filter((_, i) => i % 2 === 0) : x.data;
    return [toHalfBits(data)];
  }
  // The rest of the dispatch (the complex wrapper for complex operands) sees only float32.
  const outs = run(prim, paramsAsF32(params), ins.map((x) => ({ data: valuesOf(x), aval: asF32(x.aval) })), outAvals.map(asF32));
  return outs.map((o, i) => (outAvals[i].dtype === "float16" ? toHalfBits(o) : o));
}
