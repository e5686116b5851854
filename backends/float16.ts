// What the CPU and WebGPU backends share for float16: both run a float16 primitive as its
// float32 version (values decoded or, on the GPU, already held as f32) and round the float16
// results to binary16 (backends/cpu/half.ts, backends/webgpu/half.ts).
import { ShapedArray } from "../core/aval";
import type { Params } from "../core/primitive";

export const hasHalf = (avals: readonly ShapedArray[]): boolean => avals.some((a) => a.dtype === "float16");
/** A float16 aval as float32 (what the kernels compute in); others unchanged. */
export const asF32 = (a: ShapedArray): ShapedArray => (a.dtype === "float16" ? new ShapedArray(a.shape, "float32", a.weakType) : a);
/** Parameters naming float16 (a conversion's or iota's dtype) name float32 instead. */
export function paramsAsF32(params: Params): Params {
  let out: Record<string, unknown> | null = null;
  for (const [k, v] of Object.entries(params)) if (v === "float16") (out ??= { ...params })[k] = "float32";
  return (out ?? params) as Params;
}
