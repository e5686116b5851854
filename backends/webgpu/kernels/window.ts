// Windowed reductions on WebGPU (float32, int32, uint32; others run on the CPU):
// reduce_window_{sum,max,min} and select_and_gather_add are one thread per window, looping
// over its taps in the CPU's order (row-major over the window dims). select_and_scatter_add
// is gathered instead of scattered, so no atomics: each operand element loops over the
// windows that contain it, re-runs each window's selection and adds that window's source
// value when the selection is itself. Along a dim, tap k of window o reads the base-dilated,
// padded position pos = o * stride + k * windowDilation - padLow, i.e. operand element
// pos / baseDilation when 0 <= pos < (n-1)*bd+1 and bd divides pos.
import type { ShapedArray } from "../../../core/aval";
import type { DType } from "../../../core/dtype";
import type { ReduceWindowParams, SelectAndGatherAddParams } from "../../../core/primitives";
import { bindings, grid, KernelBuilder, type KernelCode, module, strides, WORKGROUP } from "../emit";
import { REDUCE_INIT } from "../fuse-rules";

const OK = new Set<DType>(["float32", "int32", "uint32"]);
const dilate = (d: number, r: number) => (d === 0 ? 0 : 1 + r * (d - 1));
const plus = (e: string, c: number) => (c === 0 ? e : c > 0 ? `${e} + ${c}` : `${e} - ${-c}`);

/**
 * Opens one loop per dim over the taps of the window at output coords `oc` (u32
 * expressions), skipping taps outside the operand; returns the operand flat index
 * expression valid inside the innermost loop. The caller closes `x.ndim` blocks.
 */
function openTaps(k: KernelBuilder, x: ShapedArray, p: ReduceWindowParams, oc: readonly string[], tag: string): string {
  const st = strides(x.shape);
  let off = "0u";
  x.shape.forEach((n, d) => {
    const kv = `k${tag}${d}`, pv = `p${tag}${d}`, bd = p.baseDilation[d];
    k.open(`for (var ${kv}: i32 = 0; ${kv} < ${p.windowDimensions[d]}; ${kv} = ${kv} + 1)`);
    k.line(`let ${pv} = ${plus(`i32(${oc[d]}) * ${p.windowStrides[d]} + ${kv} * ${p.windowDilation[d]}`, -p.padding[d][0])};`);
    k.line(`if (${pv} < 0 || ${pv} >= ${dilate(n, bd)}${bd > 1 ? ` || ${pv} % ${bd} != 0` : ""}) { continue; }`);
    const src = bd > 1 ? `u32(${pv} / ${bd})` : `u32(${pv})`;
    const o = `o${tag}${d}`;
    k.line(`let ${o} = ${off === "0u" ? "" : `${off} + `}${src}${st[d] === 1 ? "" : ` * ${st[d]}u`};`);
    off = o;
  });
  return off;
}

const header = (k: KernelBuilder, n: number) => {
  k.line(`let i = (wid.y * nwg.x + wid.x) * ${WORKGROUP}u + lid.x;`);
  k.line(`if (i >= ${n}u) { return; }`);
};
const T = (d: DType) => (d === "float32" ? "f32" : d === "int32" ? "i32" : "u32");

export function reduceWindowKernel(kind: "sum" | "max" | "min") {
  return ([x]: readonly ShapedArray[], p: ReduceWindowParams, [out]: readonly ShapedArray[]): KernelCode | null => {
    if (!OK.has(x.dtype)) return null;
    const d = x.dtype, prim = `reduce_${kind}`;
    const k = new KernelBuilder({}, [x]);
    header(k, out.size);
    // Sums accumulate in the dtype (integers wrap, as the CPU's float64 sum stored into Int32Array).
    k.line(`var acc: ${T(d)} = ${REDUCE_INIT(prim, d)};`);
    const idx = openTaps(k, x, p, k.coords("i", out.shape), "");
    const v = `in0[${idx}]`;
    k.line(kind === "sum" ? `acc = acc + ${v};` : d === "float32" ? `acc = g_${kind}(acc, ${v});` : `acc = ${kind}(acc, ${v});`);
    x.shape.forEach(() => k.close());
    k.line("out0[i] = acc;");
    return { code: module(bindings([x], [out]), k.body()), wg: grid(Math.ceil(out.size / WORKGROUP)) };
  };
}

/**
 * Emits the selection of the window at output coords `oc`: `sel<tag>` is the operand
 * flat index of the first maximum ("ge") / minimum ("le"), the first NaN if any, or -1.
 */
function emitSelect(k: KernelBuilder, x: ShapedArray, p: SelectAndGatherAddParams, oc: readonly string[], tag: string): string {
  const sel = `sel${tag}`, best = `best${tag}`;
  k.line(`var ${sel}: i32 = -1;`);
  k.line(`var ${best}: ${T(x.dtype)} = ${REDUCE_INIT("reduce_sum", x.dtype)};`);
  const idx = openTaps(k, x, p, oc, tag);
  k.line(`let v${tag} = in1[${idx}];`);
  const op = p.selectPrim === "ge" ? ">" : "<";
  const nan = x.dtype === "float32" ? ` || (g_isnan(v${tag}) && !g_isnan(${best}))` : "";
  k.line(`if (${sel} < 0 || v${tag} ${op} ${best}${nan}) { ${sel} = i32(${idx}); ${best} = v${tag}; }`);
  x.shape.forEach(() => k.close());
  return sel;
}

/** select_and_gather_add(t, x): out[window] = t[selected element of the window in x], or 0. */
export function selectAndGatherAddKernel([t, x]: readonly ShapedArray[], p: SelectAndGatherAddParams, [out]: readonly ShapedArray[]): KernelCode | null {
  if (!OK.has(x.dtype)) return null;
  const k = new KernelBuilder({}, [t, x]);
  header(k, out.size);
  const sel = emitSelect(k, x, p, k.coords("i", out.shape), "");
  k.line(`var r: ${T(t.dtype)} = ${REDUCE_INIT("reduce_sum", t.dtype)};`);
  k.line(`if (${sel} >= 0) { r = in0[u32(${sel})]; }`);
  k.line("out0[i] = r;");
  return { code: module(bindings([t, x], [out]), k.body()), wg: grid(Math.ceil(out.size / WORKGROUP)) };
}

/**
 * select_and_scatter_add(s, x): out[e] = sum of s[w] over the windows w whose selection is
 * element e. Window w along dim d contains e (at dilated position pos = e_d * bd) through
 * tap k when o = (pos + padLow - k * windowDilation) / stride is an integer in range.
 */
export function selectAndScatterAddKernel([s, x]: readonly ShapedArray[], p: SelectAndGatherAddParams, [out]: readonly ShapedArray[]): KernelCode | null {
  if (!OK.has(x.dtype)) return null;
  const k = new KernelBuilder({}, [s, x]);
  header(k, out.size);
  const ec = k.coords("i", x.shape);
  const wshape = s.shape, wst = strides(wshape);
  k.line(`var acc: ${T(s.dtype)} = ${REDUCE_INIT("reduce_sum", s.dtype)};`);
  const oc: string[] = [];
  let woff = "0u";
  x.shape.forEach((_, d) => {
    const kv = `j${d}`, stv = p.windowStrides[d];
    k.open(`for (var ${kv}: i32 = 0; ${kv} < ${p.windowDimensions[d]}; ${kv} = ${kv} + 1)`);
    k.line(`let q${d} = ${plus(`i32(${ec[d]}) * ${p.baseDilation[d]} - ${kv} * ${p.windowDilation[d]}`, p.padding[d][0])};`);
    k.line(`if (q${d} < 0 || q${d} >= ${wshape[d] * stv}${stv > 1 ? ` || q${d} % ${stv} != 0` : ""}) { continue; }`);
    k.line(`let w${d} = u32(q${d}${stv > 1 ? ` / ${stv}` : ""});`);
    k.line(`let wo${d} = ${woff === "0u" ? "" : `${woff} + `}w${d}${wst[d] === 1 ? "" : ` * ${wst[d]}u`};`);
    woff = `wo${d}`;
    oc.push(`w${d}`);
  });
  const sel = emitSelect(k, x, p, oc, "s");
  k.line(`if (${sel} == i32(i)) { acc = acc + in0[${woff}]; }`);
  x.shape.forEach(() => k.close());
  k.line("out0[i] = acc;");
  return { code: module(bindings([s, x], [out]), k.body()), wg: grid(Math.ceil(out.size / WORKGROUP)) };
}
