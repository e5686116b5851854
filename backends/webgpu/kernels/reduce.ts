// Reductions with many elements per output: one workgroup per output element; threads
// stride over the reduced elements, then combine pairwise in workgroup memory. The
// reduced operand may be a fused expression (the reduction's prologue).
import type { ShapedArray } from "../../../core/aval";
import type { ReduceParams } from "../../../core/primitives";
import { bindings, type FNode, type FuseRule, grid, KernelBuilder, type KernelCode, module, WORKGROUP } from "../emit";
import { REDUCE_INIT, reduceIndex, reduceStep } from "../fuse-rules";
import { store, valueType } from "../wgsl";

const TREE = new Set(["reduce_sum", "reduce_prod", "reduce_max", "reduce_min"]);

/** Whether a workgroup-per-output tree pays off for this reduction. */
export function useTree(prim: string, operand: ShapedArray, out: ShapedArray): boolean {
  if (!TREE.has(prim) || operand.dtype === "bool" || operand.dtype === "complex64") return false;
  const R = operand.size / Math.max(out.size, 1);
  return R >= 256 && out.size <= 65535 * 16;
}

/** The tree kernel for reduction node `root` over `inputs` (its operand may be fused). */
export function treeKernel(rules: Record<string, FuseRule>, inputs: ShapedArray[], root: Extract<FNode, { kind: "op" }>): KernelCode {
  const { axes } = root.params as unknown as ReduceParams;
  const x = root.args[0], d = x.aval.dtype, T = valueType(d);
  const R = x.aval.size / Math.max(root.aval.size, 1);
  const k = new KernelBuilder(rules, inputs);
  k.decls.push(`var<workgroup> sh: array<${T}, ${WORKGROUP}>;`);
  k.line(`let o = wid.y * nwg.x + wid.x;`);
  k.line(`if (o >= ${root.aval.size}u) { return; }`);
  k.line(`var acc: ${T} = ${REDUCE_INIT(root.prim, d)};`);
  k.open(`for (var r: u32 = lid.x; r < ${R}u; r = r + ${WORKGROUP}u)`);
  const v = k.value(x, reduceIndex(k, x.aval.shape, axes, "o", "r"));
  k.line(`acc = ${reduceStep(root.prim, d, "acc", v)};`);
  k.close();
  k.line("sh[lid.x] = acc;");
  k.line("workgroupBarrier();");
  k.open(`for (var s: u32 = ${WORKGROUP / 2}u; s > 0u; s = s >> 1u)`);
  k.line(`if (lid.x < s) { sh[lid.x] = ${reduceStep(root.prim, d, "sh[lid.x]", "sh[lid.x + s]")}; }`);
  k.line("workgroupBarrier();");
  k.close();
  k.line(`if (lid.x == 0u) { out0[o] = ${store(root.aval.dtype, "sh[0]")}; }`);
  return { code: module(bindings(inputs, [root.aval]), k.body(), k.decls), wg: grid(root.aval.size) };
}
