// dot_general on complex64 operands: one thread per output element, looping over the
// contraction with a vec2<f32> accumulator (re = sum ar br - ai bi, im = sum ar bi + ai br).
// Operand layouts (batch/free/contracting dims anywhere) fold into the load index. Real
// dtypes use the tiled matmul (matmul.ts).
import type { ShapedArray } from "../../../core/aval";
import type { DotGeneralParams } from "../../../core/primitives";
import { bindings, grid, KernelBuilder, type KernelCode, module, strides, WORKGROUP } from "../emit";

/** Flat index of `x` from the counters (batch `b`, free `f`, contraction `c`) over its dim groups. */
function operandIndex(k: KernelBuilder, shape: readonly number[], groups: [readonly number[], string][]): string {
  const st = strides(shape);
  const terms: string[] = [];
  for (const [dims, v] of groups) {
    const cs = k.coords(v, dims.map((d) => shape[d]));
    dims.forEach((d, j) => { if (shape[d] !== 1) terms.push(`${cs[j]} * ${st[d]}u`); });
  }
  return terms.length ? terms.join(" + ") : "0u";
}

export function complexDotKernel(lhs: ShapedArray, rhs: ShapedArray, p: DotGeneralParams, out: ShapedArray): KernelCode | null {
  if (lhs.dtype !== "complex64" || rhs.dtype !== "complex64" || out.dtype !== "complex64") return null;
  const [[lc, rc], [lb, rb]] = p.dimensionNumbers;
  const lf = lhs.shape.map((_, d) => d).filter((d) => !lc.includes(d) && !lb.includes(d));
  const rf = rhs.shape.map((_, d) => d).filter((d) => !rc.includes(d) && !rb.includes(d));
  const size = (s: readonly number[], ds: readonly number[]) => ds.reduce((a, d) => a * s[d], 1);
  const M = size(lhs.shape, lf), N = size(rhs.shape, rf), K = size(lhs.shape, lc);
  const k = new KernelBuilder({}, [lhs, rhs]);
  k.line(`let i = (wid.y * nwg.x + wid.x) * ${WORKGROUP}u + lid.x;`);
  k.line(`if (i >= ${out.size}u) { return; }`);
  // Output is [batch..., lhs free..., rhs free...] row-major: i = (b * M + row) * N + col.
  k.line(`let col = i % ${N}u; let row = (i / ${N}u) % ${M}u; let bt = i / ${M * N}u;`);
  const lBase = operandIndex(k, lhs.shape, [[lb, "bt"], [lf, "row"]]);
  const rBase = operandIndex(k, rhs.shape, [[rb, "bt"], [rf, "col"]]);
  k.line(`let lbase = ${lBase}; let rbase = ${rBase};`);
  k.line("var acc = vec2<f32>(0.0, 0.0);");
  k.open(`for (var kk: u32 = 0u; kk < ${K}u; kk = kk + 1u)`);
  const a = k.let(`in0[lbase + ${operandIndex(k, lhs.shape, [[lc, "kk"]])}]`);
  const b = k.let(`in1[rbase + ${operandIndex(k, rhs.shape, [[rc, "kk"]])}]`);
  k.line(`acc = acc + vec2<f32>(${a}.x * ${b}.x - ${a}.y * ${b}.y, ${a}.x * ${b}.y + ${a}.y * ${b}.x);`);
  k.close();
  k.line("out0[i] = acc;");
  return { code: module(bindings([lhs, rhs], [out]), k.body()), wg: grid(Math.ceil(out.size / WORKGROUP)) };
}
