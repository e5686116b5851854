// conv_general_dilated on WebGPU, float32 (other dtypes run on the CPU). Two kernels read
// the operands in place in any layout (the dimension numbers fold into the index math):
// - direct: one thread per output element, looping over the window taps and the group's
//   input channels (depthwise and small convs, where tiles would be mostly empty);
// - tiled: the conv as an implicit GEMM per feature group, out[o, (n, p)] =
//   sum_(c, tap) W[o, (c, tap)] * col[(c, tap), (n, p)], with 64x64 output tiles per
//   workgroup of 16x16 threads (4x4 register blocks), the weight tile and the gathered
//   "im2col" tile staged in workgroup memory (the columns are never materialised).
// Input position along a spatial dim: pos = x * stride + k * rhsDilation - padLow in the
// lhs dilated by lhsDilation; it reads lhs[pos / lhsDilation] when 0 <= pos < (n-1)*ld+1
// and ld divides pos, else 0 (padding or a dilation hole) — the CPU's window tables.
import type { ShapedArray } from "../../../core/aval";
import type { ConvGeneralDilatedParams } from "../../../core/primitives";
import { bindings, grid, KernelBuilder, type KernelCode, module, strides, WORKGROUP } from "../emit";
import { PRELUDE } from "../wgsl";
import { gemmMain } from "./matmul";

const dilate = (d: number, r: number) => (d === 0 ? 0 : 1 + r * (d - 1));
const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);
/** `e + c` for a signed JS integer c, as WGSL text. */
const plus = (e: string, c: number) => (c === 0 ? e : c > 0 ? `${e} + ${c}` : `${e} - ${-c}`);

/** Everything both kernels need, in canonical [N, C, ...spatial] / [O, I, ...window] terms. */
function geometry(lhs: ShapedArray, rhs: ShapedArray, p: ConvGeneralDilatedParams, out: ShapedArray) {
  const { lhsSpec, rhsSpec, outSpec } = p.dimensionNumbers;
  const ls = strides(lhs.shape), rs = strides(rhs.shape), os = strides(out.shape);
  const N = lhs.shape[lhsSpec[0]], O = rhs.shape[rhsSpec[0]], I = rhs.shape[rhsSpec[1]];
  const fg = p.featureGroupCount, bg = p.batchGroupCount, G = Math.max(fg, bg);
  const n = lhsSpec.length - 2;
  const sp = Array.from({ length: n }, (_, s) => ({
    inSize: lhs.shape[lhsSpec[2 + s]], ext: dilate(lhs.shape[lhsSpec[2 + s]], p.lhsDilation[s]),
    win: rhs.shape[rhsSpec[2 + s]], outSize: out.shape[outSpec[2 + s]],
    stride: p.windowStrides[s], rd: p.rhsDilation[s], ld: p.lhsDilation[s], pad: p.padding[s][0],
    lst: ls[lhsSpec[2 + s]], rst: rs[rhsSpec[2 + s]], ost: os[outSpec[2 + s]],
  }));
  return {
    N, O, I, fg, bg, G, Og: O / G, Nout: N / bg, sp, K: prod(sp.map((s) => s.win)), P: prod(sp.map((s) => s.outSize)),
    lstN: ls[lhsSpec[0]], lstC: ls[lhsSpec[1]], rstO: rs[rhsSpec[0]], rstI: rs[rhsSpec[1]], ostN: os[outSpec[0]], ostO: os[outSpec[1]],
  };
}
type Geo = ReturnType<typeof geometry>;

/** WGSL condition that the dilated position `pos` (i32) reads an lhs element of dim `s`. */
function inside(g: Geo, s: number, pos: string): string {
  const d = g.sp[s];
  return `${pos} >= 0 && ${pos} < ${d.ext}${d.ld > 1 ? ` && ${pos} % ${d.ld} == 0` : ""}`;
}
const srcIndex = (g: Geo, s: number, pos: string) => (g.sp[s].ld > 1 ? `u32(${pos} / ${g.sp[s].ld})` : `u32(${pos})`);

function directKernel(lhs: ShapedArray, rhs: ShapedArray, p: ConvGeneralDilatedParams, out: ShapedArray): KernelCode {
  const g = geometry(lhs, rhs, p, out);
  const { outSpec } = p.dimensionNumbers;
  const k = new KernelBuilder({}, [lhs, rhs]);
  k.line(`let i = (wid.y * nwg.x + wid.x) * ${WORKGROUP}u + lid.x;`);
  k.line(`if (i >= ${out.size}u) { return; }`);
  const oc = k.coords("i", out.shape);
  const nb = oc[outSpec[0]], o = oc[outSpec[1]];
  k.line(`let grp = ${o} / ${g.Og}u;`);
  const batch = g.bg > 1 ? `grp * ${g.Nout}u + ${nb}` : nb;
  const chan = g.fg > 1 ? `grp * ${g.I}u` : "0u";
  k.line(`let lbase = (${batch}) * ${g.lstN}u + ${chan} * ${g.lstC}u;`);
  k.line(`let wbase = ${o} * ${g.rstO}u;`);
  k.line("var acc: f32 = 0.0;");
  let loff = "lbase", woff = "wbase";
  g.sp.forEach((d, s) => {
    k.open(`for (var k${s}: i32 = 0; k${s} < ${d.win}; k${s} = k${s} + 1)`);
    k.line(`let p${s} = ${plus(`i32(${oc[outSpec[2 + s]]}) * ${d.stride} + k${s} * ${d.rd}`, -d.pad)};`);
    k.line(`if (!(${inside(g, s, `p${s}`)})) { continue; }`);
    k.line(`let lo${s} = ${loff} + ${srcIndex(g, s, `p${s}`)} * ${d.lst}u;`);
    k.line(`let wo${s} = ${woff} + u32(k${s}) * ${d.rst}u;`);
    loff = `lo${s}`; woff = `wo${s}`;
  });
  k.open(`for (var c: u32 = 0u; c < ${g.I}u; c = c + 1u)`);
  k.line(`acc = acc + in0[${loff} + c * ${g.lstC}u] * in1[${woff} + c * ${g.rstI}u];`);
  k.close();
  g.sp.forEach(() => k.close());
  k.line("out0[i] = acc;");
  return { code: module(bindings([lhs, rhs], [out]), k.body()), wg: grid(Math.ceil(out.size / WORKGROUP)) };
}

const TILE = 64;

/**
 * Implicit GEMM for feature group `wid.z`: rows are the group's output features, columns
 * the (batch, output position) pairs, the contraction runs over (input channel, tap).
 */
function tiledKernel(lhs: ShapedArray, rhs: ShapedArray, p: ConvGeneralDilatedParams, out: ShapedArray): KernelCode {
  const g = geometry(lhs, rhs, p, out);
  const M = g.Og, Ncol = g.Nout * g.P, R = g.I * g.K;
  // Decomposes a flat value into per-spatial-dim coordinates (row-major over `sizes`).
  const split = (v: string, sizes: number[]): string[] => {
    const st = strides(sizes);
    return sizes.map((n, s) => {
      const q = st[s] === 1 ? v : `(${v} / ${st[s]}u)`;
      return n === 1 ? "0u" : s === 0 ? q : `(${q} % ${n}u)`;
    });
  };
  // The B (column) tile element for contraction index r and column col.
  const taps = split("tap", g.sp.map((d) => d.win));
  const pos = split("pp", g.sp.map((d) => d.outSize));
  const bLoad: string[] = [
    `let cch = r / ${g.K}u; let tap = r % ${g.K}u;`,
    `let nn = col / ${g.P}u; let pp = col % ${g.P}u;`,
    `var ok = true; var off = (${g.bg > 1 ? `wid.z * ${g.Nout}u + nn` : "nn"}) * ${g.lstN}u + (${g.fg > 1 ? `wid.z * ${g.I}u + cch` : "cch"}) * ${g.lstC}u;`,
  ];
  g.sp.forEach((d, s) => {
    bLoad.push(`{ let q = ${plus(`i32(${pos[s]}) * ${d.stride} + i32(${taps[s]}) * ${d.rd}`, -d.pad)};`,
      `  if (${inside(g, s, "q")}) { off = off + ${srcIndex(g, s, "q")} * ${d.lst}u; } else { ok = false; } }`);
  });
  bLoad.push("if (ok) { b = in0[off]; }");
  const wIdx = [`(wid.z * ${M}u + row) * ${g.rstO}u`, `cch * ${g.rstI}u`,
    ...g.sp.map((d, s) => (d.win === 1 ? "" : `${taps[s]} * ${d.rst}u`))].filter(Boolean).join(" + ");
  const oIdx = (row: string, col: string) => {
    const ps = split(`(${col} % ${g.P}u)`, g.sp.map((d) => d.outSize));
    return [`(${col} / ${g.P}u) * ${g.ostN}u`, `(wid.z * ${M}u + ${row}) * ${g.ostO}u`,
      ...g.sp.map((d, s) => (d.outSize === 1 ? "" : `${ps[s]} * ${d.ost}u`))].filter(Boolean).join(" + ");
  };
  const code = `${PRELUDE}
${bindings([lhs, rhs], [out])}
${gemmMain({
    acc: "f32", M, N: Ncol, K: R, header: "",
    // Weight tile: features x contraction (channel, tap); column tile: contraction x output positions.
    loadA: `let r = kc; let cch = r / ${g.K}u; let tap = r % ${g.K}u; a = in1[${wIdx}];`,
    loadB: `let r = kc; ${bLoad.join(" ")}`,
    store: (v) => `out0[${oIdx("row", "col")}] = ${v};`,
  })}`;
  return { code, wg: [Math.ceil(Ncol / TILE), Math.ceil(M / TILE), g.G] };
}

/** Which kernel: the tiled GEMM once a group has enough output features and contraction to fill tiles. */
export function convKernel(lhs: ShapedArray, rhs: ShapedArray, p: ConvGeneralDilatedParams, out: ShapedArray,
                           force?: "direct" | "tiled"): KernelCode | null {
  if (lhs.dtype !== "float32" || rhs.dtype !== "float32" || out.dtype !== "float32") return null;
  const g = geometry(lhs, rhs, p, out);
  const tiled = force ? force === "tiled" : g.Og >= 8 && g.I * g.K >= 8 && g.Nout * g.P >= 64;
  if (tiled && (g.G > 65535 || g.Nout * g.P > 65535 * TILE)) return directKernel(lhs, rhs, p, out);
  return tiled ? tiledKernel(lhs, rhs, p, out) : directKernel(lhs, rhs, p, out);
}
