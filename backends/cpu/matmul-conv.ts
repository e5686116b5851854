// conv_general_dilated as im2col + the WebAssembly SIMD matmul (matmul.ts) for float32 and
// float64: per feature/batch group, the columns [I·taps × batch·positions] are gathered
// through per-tap offset tables (padding, strides and both dilations in one place) and
// multiplied by the group's [Og × I·taps] filters (one batched GEMM over the groups). The
// gather is fused into the packing of B (matmul-wasm.ts `packim2col`), so the column matrix
// is never built. Tiny convs and other dtypes stay on the reference kernel in conv.ts, which
// is also the oracle the property tests compare against.
import type { TypedArray } from "../../core/dtype";
import type { ConvGeneralDilatedParams } from "../../core/primitives";
import { prod, strides } from "../../core/shape";
import { type FloatDType, matmulStrided, hasWasmMatmul } from "./matmul";
import { alloc, type CpuIn, type Kernel, permuted, stridedCopy } from "./util";

/**
 * tab[kp·P + j]: offset inside one input channel image (row-major `inSp`) of the element
 * that window tap kp (row-major over `kSp`) reads for output position j (row-major over
 * `outSp`), or -1 for padding and lhs-dilation holes.
 */
export function tapOffsets(inSp: readonly number[], kSp: readonly number[], outSp: readonly number[],
                           p: Pick<ConvGeneralDilatedParams, "windowStrides" | "padding" | "lhsDilation" | "rhsDilation">): Int32Array {
  const nd = inSp.length, K = prod(kSp), P = prod(outSp), st = strides(inSp);
  // Per dim: src[k·O + o] = input index · stride, or -1.
  const perDim = inSp.map((n, d) => {
    const O = outSp[d], bd = p.lhsDilation[d], ext = n === 0 ? 0 : 1 + bd * (n - 1);
    const t = new Int32Array(kSp[d] * O);
    for (let k = 0; k < kSp[d]; k++) for (let o = 0; o < O; o++) {
      const pos = o * p.windowStrides[d] + k * p.rhsDilation[d] - p.padding[d][0];
      t[k * O + o] = pos >= 0 && pos < ext && pos % bd === 0 ? (pos / bd) * st[d] : -1;
    }
    return t;
  });
  const tab = new Int32Array(K * P);
  if (nd === 0) { tab.fill(0); return tab; }
  const kIdx = new Array<number>(nd).fill(0), oIdx = new Array<number>(nd).fill(0);
  for (let kp = 0; kp < K; kp++) {
    for (let d = nd - 1, rem = kp; d >= 0; d--) { kIdx[d] = rem % kSp[d]; rem = Math.floor(rem / kSp[d]); }
    oIdx.fill(0);
    for (let j = 0; j < P; j++) {
      let off = 0;
      for (let d = 0; d < nd; d++) {
        const s = perDim[d][kIdx[d] * outSp[d] + oIdx[d]];
        if (s < 0) { off = -1; break; }
        off += s;
      }
      tab[kp * P + j] = off;
      for (let d = nd - 1; d >= 0; d--) { if (++oIdx[d] < outSp[d]) break; oIdx[d] = 0; }
    }
  }
  return tab;
}

/**
 * Whether im2col + the SIMD matmul should run a conv whose groups have `Og` output features,
 * contraction depth R = I·taps and `cols` = batch·positions columns. Measured (bench/matmul-cpu.ts):
 * it beats the direct kernel on every shape tried, depthwise (Og = 1) included, since the
 * gather runs in WebAssembly inside the packing; below a few hundred multiply-adds both
 * are call overhead.
 */
export const im2colPays = (Og: number, R: number, cols: number): boolean => Og * R * cols >= 256;

/**
 * conv_general_dilated on im2col + the WebAssembly SIMD matmul for float32/float64 shapes
 * where `pays` (default `im2colPays`); everything else goes to `reference`.
 * @example const conv = fastConv(referenceConv)
 */
export function fastConv(reference: Kernel<ConvGeneralDilatedParams>, pays = im2colPays): Kernel<ConvGeneralDilatedParams> {
  return (ins, p, outAvals) => {
    const [lhs, rhs] = ins, [outAval] = outAvals;
    const dt = lhs.aval.dtype;
    const { lhsSpec, rhsSpec, outSpec } = p.dimensionNumbers;
    const ls = lhs.aval.shape, rs = rhs.aval.shape;
    const fg = p.featureGroupCount, bg = p.batchGroupCount;
    const N = ls[lhsSpec[0]], C = ls[lhsSpec[1]], O = rs[rhsSpec[0]], I = rs[rhsSpec[1]];
    const inSp = lhsSpec.slice(2).map((d) => ls[d]), kSp = rhsSpec.slice(2).map((d) => rs[d]);
    const outSp = outSpec.slice(2).map((d) => outAval.shape[d]);
    const G = Math.max(fg, bg), Og = O / G, Nout = N / bg;
    const S = prod(inSp), K = prod(kSp), P = prod(outSp), R = I * K;
    if ((dt !== "float32" && dt !== "float64") || outAval.dtype !== dt || outAval.size === 0 || R === 0 ||
        !pays(Og, R, Nout * P) || !hasWasmMatmul()) return reference(ins, p, outAvals);
    const out = convIm2col(dt, lhs, rhs, p, outAval.shape, { C, O, I, G, Og, Nout, S, K, P, R, inSp, kSp, outSp }, alloc(outAval));
    return out ? [out] : reference(ins, p, outAvals);
  };
}

interface ConvDims {
  C: number; O: number; I: number; G: number; Og: number; Nout: number;
  S: number; K: number; P: number; R: number;
  inSp: readonly number[]; kSp: readonly number[]; outSp: readonly number[];
}

function convIm2col(dt: FloatDType, lhs: CpuIn, rhs: CpuIn, p: ConvGeneralDilatedParams,
                    outShape: readonly number[], d: ConvDims, out: TypedArray): TypedArray | null {
  const { lhsSpec, rhsSpec, outSpec } = p.dimensionNumbers;
  const { C, O, I, G, Og, Nout, S, K, P, R } = d;
  const bg = p.batchGroupCount, fg = p.featureGroupCount;
  const L = permuted(lhs, lhsSpec);   // [N, C, ...spatial]
  const W = permuted(rhs, rhsSpec);   // [O, I, ...window]: group g's filters are rows g·Og.. of [O × R]
  // Tap table with rows of P + 1 entries, the last -1 (read by the padding columns of a panel).
  const t = tapOffsets(d.inSp, d.kSp, d.outSp, p), tab = new Int32Array(K * (P + 1)).fill(-1);
  for (let kp = 0; kp < K; kp++) tab.set(t.subarray(kp * P, (kp + 1) * P), kp * (P + 1));
  // Columns are (n, output position); group g reads images g·Nout.. (batch groups) or channels g·I.. (feature groups).
  const cols = {
    im2col: true as const, data: L, tab, K, P, imgStride: C * S, chanStride: S,
    offs: Array.from({ length: G }, (_, g) => ((bg > 1 ? g * Nout : 0) * C + (fg > 1 ? g * I : 0)) * S),
  };
  const A = { data: W, offs: Array.from({ length: G }, (_, g) => g * Og * R), s0: R, s1: 1 };
  // Output strides of batch, feature and the spatial dims (when they form one run, the GEMM
  // writes the requested layout directly; otherwise canonical [O, N, ...] then one copy).
  const ost = strides(outShape), sN = ost[outSpec[0]], sO = ost[outSpec[1]];
  const spatial = outSpec.slice(2), live = spatial.filter((ax) => outShape[ax] !== 1);
  const run = live.every((ax, i) => i === 0 || ost[live[i - 1]] === ost[ax] * outShape[ax]);
  if (run) {
    const sPos = live.length ? ost[live[live.length - 1]] : 1;
    return matmulStrided(dt, G, Og, Nout * P, R, A, cols, { data: out, offs: A.offs.map((_, g) => g * Og * sO), s0: sO, s1: sPos, P, sP: sN }) ? out : null;
  }
  const res = dt === "float32" ? new Float32Array(O * Nout * P) : new Float64Array(O * Nout * P);
  if (!matmulStrided(dt, G, Og, Nout * P, R, A, cols, { data: res, offs: A.offs.map((_, g) => g * Og * Nout * P), s0: Nout * P, s1: 1 })) return null;
  const canonSt = [P, Nout * P, ...strides(d.outSp)];
  const inv = new Array<number>(canonSt.length);
  outSpec.forEach((dim, i) => { inv[dim] = i; });
  return stridedCopy(res, 0, inv.map((i) => canonSt[i]), outShape, out);
}
