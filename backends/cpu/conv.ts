// CPU kernels for convolution and windowed reductions. Both index their input through
// per-dim "window tables" (which input element each (window tap, output position) reads,
// or -1 for padding and dilation holes), so strides, padding (also negative), lhs/base
// dilation and rhs/window dilation share one code path in any rank.
// conv_general_dilated is im2col + a register-blocked matmul (4 output features x 4 output
// positions per step, accumulating in float64), or a direct loop when each group has fewer
// than 4 output features (depthwise convs), where building columns costs as much as the
// products (bench/conv.ts measures both).
import type { DType, TypedArray } from "../../core/dtype";
import type { ConvGeneralDilatedParams, ReduceWindowParams, SelectAndGatherAddParams } from "../../core/primitives";
import { prod, strides } from "../../core/shape";
import { fastConv } from "./matmul-conv";
import { alloc, type CpuIn, type Kernel, permuted, stridedCopy } from "./util";

// ---- window tables ---------------------------------------------------------------------

interface Geometry {
  inShape: readonly number[];
  outShape: readonly number[];
  window: readonly number[];
  strides: readonly number[];
  padding: readonly (readonly [number, number])[];
  baseDilation: readonly number[];
  windowDilation: readonly number[];
}

/**
 * For window tap `kp` (row-major over the window), `fill` writes into offs[at + p] the
 * flat offset (with `inStrides`) of the input element read by output position p, or -1.
 */
function windowOffsets(g: Geometry, inStrides: readonly number[]) {
  const r = g.inShape.length;
  // tabs[d][k * out + o]: the source index along dim d, scaled by its stride, or -1.
  const tabs = g.inShape.map((n, d) => {
    const out = g.outShape[d], win = g.window[d], bd = g.baseDilation[d];
    const ext = n === 0 ? 0 : 1 + bd * (n - 1);
    const t = new Int32Array(win * out);
    for (let k = 0; k < win; k++) {
      for (let o = 0; o < out; o++) {
        const pos = o * g.strides[d] + k * g.windowDilation[d] - g.padding[d][0];
        t[k * out + o] = pos >= 0 && pos < ext && pos % bd === 0 ? (pos / bd) * inStrides[d] : -1;
      }
    }
    return t;
  });
  const k = new Array<number>(r).fill(0);
  const fill = (kp: number, offs: Int32Array, at = 0): void => {
    for (let d = r - 1, rem = kp; d >= 0; d--) { k[d] = rem % g.window[d]; rem = Math.floor(rem / g.window[d]); }
    if (r === 0) { offs[at] = 0; return; }
    const rec = (d: number, base: number, prefix: number): void => {
      const O = g.outShape[d], t = tabs[d], row = k[d] * O;
      if (d === r - 1) {
        const p0 = at + prefix * O;
        for (let o = 0; o < O; o++) { const s = t[row + o]; offs[p0 + o] = base < 0 || s < 0 ? -1 : base + s; }
      } else {
        for (let o = 0; o < O; o++) { const s = t[row + o]; rec(d + 1, base < 0 || s < 0 ? -1 : base + s, prefix * O + o); }
      }
    };
    rec(0, 0, 0);
  };
  return { taps: prod(g.window), fill };
}

const windowGeometry = (inShape: readonly number[], outShape: readonly number[], p: ReduceWindowParams): Geometry => ({
  inShape, outShape, window: p.windowDimensions, strides: p.windowStrides, padding: p.padding,
  baseDilation: p.baseDilation, windowDilation: p.windowDilation,
});

// ---- conv_general_dilated ----------------------------------------------------------------

const TILE_P = 64, TILE_R = 256;

/**
 * out[outOff + o*P + j] += sum_{r < rb} W[wOff + o*R + r] * col[r*PT + j], o < Og, j < pt.
 * 4x4 register blocks (16 accumulators) in the main loop; scalar loops for the edges.
 */
function gemmAcc(W: Float64Array, wOff: number, R: number, Og: number, rb: number,
                 col: Float64Array, PT: number, pt: number, out: Float64Array, outOff: number, P: number): void {
  let o = 0;
  for (; o + 4 <= Og; o += 4) {
    const w0 = wOff + o * R, w1 = w0 + R, w2 = w1 + R, w3 = w2 + R;
    let j = 0;
    for (; j + 4 <= pt; j += 4) {
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let r = 0, c = j; r < rb; r++, c += PT) {
        const b0 = col[c], b1 = col[c + 1], b2 = col[c + 2], b3 = col[c + 3];
        let a = W[w0 + r]; s00 += a * b0; s01 += a * b1; s02 += a * b2; s03 += a * b3;
        a = W[w1 + r]; s10 += a * b0; s11 += a * b1; s12 += a * b2; s13 += a * b3;
        a = W[w2 + r]; s20 += a * b0; s21 += a * b1; s22 += a * b2; s23 += a * b3;
        a = W[w3 + r]; s30 += a * b0; s31 += a * b1; s32 += a * b2; s33 += a * b3;
      }
      let q = outOff + o * P + j;
      out[q] += s00; out[q + 1] += s01; out[q + 2] += s02; out[q + 3] += s03; q += P;
      out[q] += s10; out[q + 1] += s11; out[q + 2] += s12; out[q + 3] += s13; q += P;
      out[q] += s20; out[q + 1] += s21; out[q + 2] += s22; out[q + 3] += s23; q += P;
      out[q] += s30; out[q + 1] += s31; out[q + 2] += s32; out[q + 3] += s33;
    }
    for (; j < pt; j++) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let r = 0, c = j; r < rb; r++, c += PT) {
        const b = col[c];
        s0 += W[w0 + r] * b; s1 += W[w1 + r] * b; s2 += W[w2 + r] * b; s3 += W[w3 + r] * b;
      }
      const q = outOff + o * P + j;
      out[q] += s0; out[q + P] += s1; out[q + 2 * P] += s2; out[q + 3 * P] += s3;
    }
  }
  for (; o < Og; o++) {
    const w0 = wOff + o * R, q = outOff + o * P;
    for (let r = 0; r < rb; r++) {
      const a = W[w0 + r];
      if (a === 0) continue;
      for (let j = 0, c = r * PT; j < pt; j++) out[q + j] += a * col[c + j];
    }
  }
}

/** A contiguous copy of `x` with axes permuted to `perm`, as float64. */
const asF64 = (x: CpuIn, perm: readonly number[]): Float64Array => {
  const t = permuted(x, perm);
  return t instanceof Float64Array ? t : Float64Array.from(t);
};

export const convKernel: Kernel<ConvGeneralDilatedParams> = ([lhs, rhs], p, [outAval]) => {
  const { lhsSpec, rhsSpec, outSpec } = p.dimensionNumbers;
  const fg = p.featureGroupCount, bg = p.batchGroupCount;
  const ls = lhs.aval.shape, rs = rhs.aval.shape;
  const N = ls[lhsSpec[0]], C = ls[lhsSpec[1]], O = rs[rhsSpec[0]], I = rs[rhsSpec[1]];
  const inSp = lhsSpec.slice(2).map((d) => ls[d]), kSp = rhsSpec.slice(2).map((d) => rs[d]);
  const outSp = outSpec.slice(2).map((d) => outAval.shape[d]);
  const G = Math.max(fg, bg), Og = O / G, Nout = N / bg;
  const S = prod(inSp), K = prod(kSp), P = prod(outSp), R = I * K;
  const res = new Float64Array(Nout * O * P);
  if (res.length > 0 && R > 0) {
    const L = permuted(lhs, lhsSpec);          // [N, C, ...spatial]
    const W = asF64(rhs, rhsSpec);             // [O, I, ...window]
    // tab[kp * P + j]: offset within one lhs channel image read by tap kp at output j.
    const tab = new Int32Array(K * P);
    const wo = windowOffsets({ inShape: inSp, outShape: outSp, window: kSp, strides: p.windowStrides, padding: p.padding,
      baseDilation: p.lhsDilation, windowDilation: p.rhsDilation }, strides(inSp));
    for (let kp = 0; kp < K; kp++) wo.fill(kp, tab, kp * P);
    const direct = Og < 4;
    const col = direct ? null : new Float64Array(Math.min(TILE_R, R) * TILE_P);
    for (let n = 0; n < Nout; n++) {
      for (let g = 0; g < G; g++) {
        const img = ((bg > 1 ? g * Nout + n : n) * C + (fg > 1 ? g * I : 0)) * S;
        const wOff = g * Og * R, outOff = (n * O + g * Og) * P;
        if (direct) { convDirect(L, img, S, tab, K, P, I, W, wOff, Og, res, outOff); continue; }
        for (let p0 = 0; p0 < P; p0 += TILE_P) {
          const pt = Math.min(TILE_P, P - p0);
          for (let r0 = 0; r0 < R; r0 += TILE_R) {
            const rb = Math.min(TILE_R, R - r0);
            // im2col of this tile: col[rr * TILE_P + j] = lhs element for (c, kp) = r0 + rr at output p0 + j.
            for (let rr = 0; rr < rb; rr++) {
              const r = r0 + rr, c = Math.floor(r / K), kp = r - c * K;
              const src = img + c * S, t = kp * P + p0, dst = rr * TILE_P;
              for (let j = 0; j < pt; j++) { const s = tab[t + j]; col![dst + j] = s < 0 ? 0 : L[src + s]; }
            }
            gemmAcc(W, wOff + r0, R, Og, rb, col!, TILE_P, pt, res, outOff + p0, P);
          }
        }
      }
    }
  }
  // Canonical [N, O, ...spatial] to the requested output layout.
  const canon = [Nout, O, ...outSp];
  const inv = new Array<number>(canon.length);
  outSpec.forEach((d, i) => { inv[d] = i; });
  const st = strides(canon);
  return [stridedCopy(res, 0, inv.map((i) => st[i]), outAval.shape, alloc(outAval))];
};

/** The direct loop: out[o, j] += w[o, c, kp] * lhs[c, tab[kp, j]] without building columns. */
function convDirect(L: TypedArray, img: number, S: number, tab: Int32Array, K: number, P: number, I: number,
                    W: Float64Array, wOff: number, Og: number, out: Float64Array, outOff: number): void {
  const R = I * K;
  for (let o = 0; o < Og; o++) {
    const q = outOff + o * P;
    for (let c = 0; c < I; c++) {
      const src = img + c * S;
      for (let kp = 0; kp < K; kp++) {
        const w = W[wOff + o * R + c * K + kp];
        if (w === 0) continue;
        const t = kp * P;
        for (let j = 0; j < P; j++) { const s = tab[t + j]; if (s >= 0) out[q + j] += w * L[src + s]; }
      }
    }
  }
}

// ---- windowed reductions ----------------------------------------------------------------

function extremeInit(d: DType, max: boolean): number {
  if (d === "int32") return max ? -2147483648 : 2147483647;
  if (d === "uint32") return max ? 0 : 4294967295;
  return max ? -Infinity : Infinity;
}

function reduceWindowKernel(kind: "sum" | "max" | "min"): Kernel<ReduceWindowParams> {
  return ([x], p, [outAval]) => {
    const P = outAval.size, data = x.data;
    const acc = new Float64Array(P).fill(kind === "sum" ? 0 : extremeInit(x.aval.dtype, kind === "max"));
    if (P > 0) {
      const wo = windowOffsets(windowGeometry(x.aval.shape, outAval.shape, p), strides(x.aval.shape));
      const offs = new Int32Array(P);
      for (let kp = 0; kp < wo.taps; kp++) {
        wo.fill(kp, offs);
        if (kind === "sum") {
          for (let j = 0; j < P; j++) { const s = offs[j]; if (s >= 0) acc[j] += data[s]; }
        } else if (kind === "max") {
          // Math.max/min propagate NaN and compile without a data-dependent branch.
          for (let j = 0; j < P; j++) { const s = offs[j]; if (s >= 0) acc[j] = Math.max(acc[j], data[s]); }
        } else {
          for (let j = 0; j < P; j++) { const s = offs[j]; if (s >= 0) acc[j] = Math.min(acc[j], data[s]); }
        }
      }
    }
    const out = alloc(outAval);
    out.set(acc);
    return [out];
  };
}

/**
 * For each window (output position) of `x`, the flat offset of the element `selectPrim`
 * picks (the first maximum for "ge", first minimum for "le", the first NaN if any), or -1
 * for a window that covers no element. Shared by gather and scatter so they transpose
 * each other exactly.
 */
function selectInWindows(x: CpuIn, outShape: readonly number[], p: SelectAndGatherAddParams): Int32Array {
  const P = prod(outShape), data = x.data, ge = p.selectPrim === "ge";
  const sel = new Int32Array(P).fill(-1), best = new Float64Array(P);
  if (P === 0) return sel;
  const wo = windowOffsets(windowGeometry(x.aval.shape, outShape, p), strides(x.aval.shape));
  const offs = new Int32Array(P);
  for (let kp = 0; kp < wo.taps; kp++) {
    wo.fill(kp, offs);
    for (let j = 0; j < P; j++) {
      const s = offs[j];
      if (s < 0) continue;
      const v = data[s], b = best[j];
      if (sel[j] < 0 || (ge ? v > b : v < b) || (v !== v && b === b)) { sel[j] = s; best[j] = v; }
    }
  }
  return sel;
}

const selectAndGatherAdd: Kernel<SelectAndGatherAddParams> = ([t, x], p, [outAval]) => {
  const sel = selectInWindows(x, outAval.shape, p);
  const out = alloc(outAval);
  for (let j = 0; j < sel.length; j++) if (sel[j] >= 0) out[j] = t.data[sel[j]];
  return [out];
};

const selectAndScatterAdd: Kernel<SelectAndGatherAddParams> = ([s, x], p, [outAval]) => {
  const sel = selectInWindows(x, s.aval.shape, p);
  const acc = new Float64Array(outAval.size);
  for (let j = 0; j < sel.length; j++) if (sel[j] >= 0) acc[sel[j]] += s.data[j];
  const out = alloc(outAval);
  out.set(acc);
  return [out];
};

export const convKernels = {
  // float32/float64 convs where im2col pays run on the SIMD GEMM (matmul-conv.ts); this
  // kernel stays the reference for the rest and the oracle in property-tests/matmul-cpu.test.ts.
  conv_general_dilated: fastConv(convKernel),
  reduce_window_sum: reduceWindowKernel("sum"),
  reduce_window_max: reduceWindowKernel("max"),
  reduce_window_min: reduceWindowKernel("min"),
  select_and_gather_add: selectAndGatherAdd,
  select_and_scatter_add: selectAndScatterAdd,
};
