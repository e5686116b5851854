// Multi-dispatch kernels ("plans"): a few WGSL passes run in order over the same buffers,
// with scratch buffers that live only for the plan. A `KernelCode` is one dispatch, which
// cannot express "copy the operand, then scatter into it" (no grid-wide barrier in WGSL),
// so scatters and long sorts are plans. WebGPU orders dispatches: each pass sees every
// write of the passes before it.
//
// Wiring (backend.ts): when `kernelFor` has no kernel, `PLANS[prim]` may give a plan, run
// with `runPlan` (cache the plan per key as kernelFor caches kernels).
import type { ShapedArray } from "../../../core/aval";
import type { GpuBuffer, WebGpuBackend } from "../backend";
import type { KernelCode } from "../emit";
import { gpuItemSize } from "../wgsl";
import { alongAxisScatterPlan, scatterPlan } from "./indexing";
import { sortPlan } from "./sort";

export interface PlanPass extends KernelCode {
  /** The buffers bound to bindings 0, 1, ...: positions in [...inputs, ...outputs, ...scratch]. */
  bufs: number[];
  /** How many of `bufs` (the first ones) are bound read-only; the rest are read-write. */
  nin: number;
}
export interface KernelPlan {
  passes: PlanPass[];
  /** Byte sizes of the scratch buffers (uninitialised; the passes initialise what they read). */
  scratch: number[];
}
export type PlanBuild = (ins: readonly ShapedArray[], params: any, outs: readonly ShapedArray[]) => KernelPlan | null;

/** Primitives with a multi-dispatch WGSL plan (used when KERNELS has no single kernel). */
export const PLANS: Record<string, PlanBuild> = {
  scatter: scatterPlan("scatter"),
  scatter_add: scatterPlan("scatter_add"),
  scatter_mul: scatterPlan("scatter_mul"),
  scatter_min: scatterPlan("scatter_min"),
  scatter_max: scatterPlan("scatter_max"),
  scatter_along_axis: alongAxisScatterPlan,
  sort: sortPlan,
};

/** Enqueues a plan's passes; returns the output buffers (scratch goes back to the pool). */
export function runPlan(backend: WebGpuBackend, plan: KernelPlan, inputs: readonly GpuBuffer[], outAvals: readonly ShapedArray[]): GpuBuffer[] {
  const outs = outAvals.map((a) => backend.alloc(a.size * gpuItemSize(a.dtype)));
  const scratch = plan.scratch.map((bytes) => backend.alloc(bytes));
  const all = [...inputs, ...outs, ...scratch];
  for (const p of plan.passes) {
    const bufs = p.bufs.map((i) => all[i]);
    backend.dispatch(p, bufs.slice(0, p.nin), bufs.slice(p.nin));
  }
  // Commands run in order, so a later user of a pooled scratch buffer runs after these passes.
  for (const s of scratch) backend.release(s);
  return outs;
}
