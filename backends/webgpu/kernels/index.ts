// Primitives with their own (non-fused) WGSL kernels. A builder returns null when it has
// no kernel for these operand types; the primitive then runs on the CPU (backend.ts).
import type { ShapedArray } from "../../../core/aval";
import type { Params } from "../../../core/primitive";
import type { DotGeneralParams, ReduceParams } from "../../../core/primitives";
import type { FNode, KernelCode } from "../emit";
import { FUSE_RULES } from "../fuse-rules";
import { choleskyKernel, triangularSolveKernel } from "./linalg";
import { matmulKernel } from "./matmul";
import { treeKernel, useTree } from "./reduce";
import { threefryKernel } from "./random";
import { cumulativeKernel } from "./scan";
import { complexDotKernel } from "./complex-dot";
import { convKernel } from "./conv";
import { fftKernel } from "./fft";
import { erfInvKernel, randomGammaGradKernel } from "./special";
import { gatherKernel, takeAlongAxisKernel } from "./indexing";
import { sortKernel } from "./sort";
import { reduceWindowKernel, selectAndGatherAddKernel, selectAndScatterAddKernel } from "./window";

export type KernelBuild = (ins: readonly ShapedArray[], params: any, outs: readonly ShapedArray[]) => KernelCode | null;

export const KERNELS: Record<string, KernelBuild> = {
  dot_general: ([l, r], p: DotGeneralParams, [o]) =>
    l.dtype === "complex64" ? complexDotKernel(l, r, p, o)
      : l.dtype === "bool" || r.dtype !== l.dtype ? null : matmulKernel(l, r, p, o),
  cumsum: cumulativeKernel("cumsum"),
  cumprod: cumulativeKernel("cumprod"),
  cummax: cumulativeKernel("cummax"),
  cummin: cumulativeKernel("cummin"),
  threefry2x32: threefryKernel,
  cholesky: choleskyKernel,
  triangular_solve: triangularSolveKernel,
  conv_general_dilated: ([l, r], p, [o]) => convKernel(l, r, p, o),
  reduce_window_sum: reduceWindowKernel("sum"),
  reduce_window_max: reduceWindowKernel("max"),
  reduce_window_min: reduceWindowKernel("min"),
  select_and_gather_add: selectAndGatherAddKernel,
  select_and_scatter_add: selectAndScatterAddKernel,
  fft: fftKernel,
  erf_inv: erfInvKernel,
  random_gamma_grad: randomGammaGradKernel,
  gather: gatherKernel,
  take_along_axis: takeAlongAxisKernel,
  sort: sortKernel,
};

/** The tree kernel for a lone reduction when it pays off, else null. */
export function treeReduceKernel(prim: string, params: Params, x: ShapedArray, out: ShapedArray): KernelCode | null {
  if (!useTree(prim, x, out)) return null;
  const root: Extract<FNode, { kind: "op" }> = { kind: "op", prim, params: params as unknown as ReduceParams as unknown as Params, args: [{ kind: "input", slot: 0, aval: x }], aval: out };
  return treeKernel(FUSE_RULES, [x], root);
}
