// The fast CPU matmul: batched, strided float32/float64 GEMM on the WebAssembly SIMD kernels
// of matmul-wasm.ts, and the dot_general kernel built on it. Operands are copied once into
// the module's memory; the packing routines read them through any (row, depth) strides, so
// transposed layouts cost nothing extra (operands whose free or contracting dims do not
// flatten to one stride are copied to canonical order first). Matrix-vector products skip
// packing (`matvec`). Products below a size threshold, other dtypes, and runtimes without
// WebAssembly SIMD use the reference kernel (reduce.ts), which stays the oracle the
// property tests compare against.
import type { DotGeneralParams } from "../../core/primitives";
import type { TypedArray } from "../../core/dtype";
import { strides as rowMajor } from "../../core/shape";
import { instantiate, type MatmulWasm, TILES } from "./matmul-wasm";
import { alloc, type CpuIn, type Kernel, permuted } from "./util";

export type FloatDType = "float32" | "float64";

/** A batch of strided matrices in `data`: element (b, i, k) at offs[b] + i·s0 + k·s1. */
export interface StridedMatrices { data: TypedArray; offs: ArrayLike<number>; s0: number; s1: number }

/**
 * The im2col matrix of a convolution, never built: element (b, r, j) of B is image
 * data[offs[b] + floor(j / P)·imgStride + floor(r / K)·chanStride + tab[(r % K)·(P + 1) + j % P]],
 * or 0 where that tap entry is -1 (padding). Rows of `tab` have P + 1 entries, the last -1.
 */
export interface Im2colColumns { im2col: true; data: TypedArray; offs: ArrayLike<number>; imgStride: number; chanStride: number; tab: Int32Array; K: number; P: number }

/**
 * Where the product goes: element (b, i, j) at offs[b] + i·s0 + floor(j / P)·sP + (j % P)·s1
 * (P defaults to the column count: no split).
 */
export interface OutMatrices { data: TypedArray; offs: ArrayLike<number>; s0: number; s1: number; P?: number; sP?: number }

// Blocking (elements): a KC-deep A block of MC rows stays in L2 (128 KiB in float32); a
// KC×NR micro-panel of B stays in L1 while the A block streams past it; the packed B block
// (KC×NC) is read once per A block from L2/L3.
export const BLOCKING = { MC: 128, KC: 512, NC: 2048 };

let w: MatmulWasm | null | undefined;
let heapBytes = 0;
/** Views of the whole module memory, remade when it grows. */
let f32 = new Float32Array(0), f64 = new Float64Array(0), i32 = new Int32Array(0);
const PAGE = 65536;
/** Grows the module's memory to at least `bytes`; a fresh instance replaces an oversized one. */
function heap(bytes: number): MatmulWasm | null {
  if (w === undefined || (w && heapBytes > 256 * 2 ** 20 && bytes < heapBytes / 4)) { w = instantiate(); heapBytes = -1; }
  if (!w) return null;
  if (bytes > heapBytes) {
    const have = w.mem.buffer.byteLength;
    if (bytes > have) {
      try { w.mem.grow(Math.ceil((bytes - have) / PAGE)); } catch { return null; }   // past 4 GiB: the caller falls back
    }
    const buf = w.mem.buffer;
    heapBytes = buf.byteLength;
    f32 = new Float32Array(buf); f64 = new Float64Array(buf); i32 = new Int32Array(buf);
  }
  return w;
}

/** True where the WebAssembly SIMD kernels run in this runtime. */
export const hasWasmMatmul = (): boolean => heap(0) !== null;

const round = (n: number, m: number) => Math.ceil(n / m) * m;

/**
 * out(b, i, j) = Σ_k A(b, i, k)·B(b, k, j) for b < nb, i < M, j < N, k < K on the WebAssembly
 * SIMD kernels, accumulating in `dt`. Returns false (nothing written) when WebAssembly SIMD is
 * unavailable or the operands do not fit its 4 GiB memory.
 * @example matmulStrided("float32", 1, 2, 2, 3, { data: a, offs: [0], s0: 3, s1: 1 }, { data: b, offs: [0], s0: 2, s1: 1 }, { data: out, offs: [0], s0: 2, s1: 1 })
 */
export function matmulStrided(dt: FloatDType, nb: number, M: number, N: number, K: number,
                              A: StridedMatrices, B: StridedMatrices | Im2colColumns, out: OutMatrices): boolean {
  const im = "im2col" in B ? B : null;
  if (!im && (M === 1 || N === 1) && matvec(dt, nb, M, N, K, A, B as StridedMatrices, out)) return true;
  const { MC, KC, NC } = BLOCKING;
  const t = TILES[dt], es = dt === "float32" ? 4 : 8, MR = t.MR, NR = t.NV * (16 / es);
  const Mp = round(M, MR), Np = round(N, NR);
  const mc = Math.min(round(MC, MR), Mp), nc = Math.min(round(NC, NR), Np), kcMax = Math.min(KC, K);
  // Layout (bytes, 64-aligned): packed A block, packed B block, C (one batch, padded), A, B,
  // and for im2col the tap table and the per-column table offsets and image offsets.
  const al = (n: number) => round(n, 64);
  const apOff = 0, bpOff = apOff + al(mc * kcMax * es), cOff = bpOff + al(nc * kcMax * es);
  const aOff = cOff + al(Mp * Np * es), bOff = aOff + al(A.data.length * es);
  const tabOff = bOff + al(B.data.length * es), colTOff = tabOff + al(im ? im.tab.length * 4 : 0), colBOff = colTOff + al(im ? nc * 4 : 0);
  const wasm = heap(colBOff + al(im ? nc * 4 : 0));
  if (!wasm) return false;
  const H = dt === "float32" ? f32 : f64;
  H.set(A.data, aOff / es);
  H.set(B.data, bOff / es);
  const gemm = dt === "float32" ? wasm.gemm_f32 : wasm.gemm_f64;
  const packA = dt === "float32" ? wasm.packa_f32 : wasm.packa_f64, packB = dt === "float32" ? wasm.packb_f32 : wasm.packb_f64;
  const packIm = dt === "float32" ? wasm.packim2col_f32 : wasm.packim2col_f64;
  if (im) i32.set(im.tab, tabOff / 4);
  const C = H, c0 = cOff / es, ldc = Np * es, colT = colTOff / 4, colB = colBOff / 4;
  const O = out.data, P = out.P ?? N, sP = out.sP ?? 0, o0 = out.s0, o1 = out.s1;
  for (let bi = 0; bi < nb; bi++) {
    const aBase = aOff + A.offs[bi] * es, bBase = bOff + B.offs[bi] * es;
    for (let j0 = 0; j0 < N; j0 += nc) {
      const ncb = Math.min(nc, N - j0), np = Math.ceil(ncb / NR);
      if (im) {
        // Per column of this block: its offset in the tap rows and its image's byte offset.
        for (let j = 0; j < np * NR; j++) {
          const jj = j0 + j, n = Math.floor(jj / im.P);
          i32[colT + j] = j < ncb ? (jj - n * im.P) * 4 : im.P * 4;
          i32[colB + j] = j < ncb ? n * im.imgStride * es : 0;
        }
      }
      for (let k0 = 0; k0 < K; k0 += KC) {
        const kc = Math.min(KC, K - k0);
        if (im) packIm(bBase, tabOff, colTOff, colBOff, im.chanStride * es, im.K, (im.P + 1) * 4, k0, kc, np, bpOff);
        else { const b = B as StridedMatrices; packB(bBase + (k0 * b.s0 + j0 * b.s1) * es, b.s1 * es, b.s0 * es, ncb, kc, bpOff); }
        for (let i0 = 0; i0 < M; i0 += mc) {
          const mcb = Math.min(mc, M - i0);
          packA(aBase + (i0 * A.s0 + k0 * A.s1) * es, A.s0 * es, A.s1 * es, mcb, kc, apOff);
          gemm(apOff, bpOff, cOff + (i0 * Np + j0) * es, Math.ceil(mcb / MR), np, kc, ldc, k0 > 0 ? 1 : 0);
        }
      }
    }
    // Copy out: whole rows (or P-long runs of them) at once where contiguous.
    const ob = out.offs[bi];
    if (o1 === 1 && P === N && o0 === N && Np === N) O.set(C.subarray(c0, c0 + M * N), ob);
    else if (o1 === 1 && P >= 16) {
      for (let i = 0; i < M; i++) for (let j = 0, r = c0 + i * Np; j < N; j += P) O.set(C.subarray(r + j, r + j + P), ob + i * o0 + (j / P) * sP);
    } else {
      for (let i = 0; i < M; i++) {
        for (let j = 0, r = c0 + i * Np; j < N; j += P) {
          const d = ob + i * o0 + (j / P) * sP;
          for (let q = 0; q < P; q++) O[d + q * o1] = C[r + j + q];
        }
      }
    }
  }
  return true;
}

/** Product of shape[d] over the dims ds. */
function sizeOver(shape: readonly number[], ds: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < ds.length; i++) n *= shape[ds[i]];
  return n;
}

/** The axes of a rank-nd operand that are in neither list, ascending (its free dims). */
function freeDims(nd: number, a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < nd; i++) if (!a.includes(i) && !b.includes(i)) out.push(i);
  return out;
}

/**
 * Matrix-vector products (M = 1 or N = 1) without packing, where the matrix has a contiguous
 * axis: y(j) = Σ_k x(k)·V(k, j) with x the vector operand (gathered) and V the matrix read in
 * place, along its rows (axpy) or as dot products. False (nothing written) otherwise.
 */
function matvec(dt: FloatDType, nb: number, M: number, N: number, K: number,
                A: StridedMatrices, B: StridedMatrices, out: OutMatrices): boolean {
  const rowVec = M === 1;   // x = A's row, V = B; else x = B's column, V(k, i) = A(i, k)
  const X = rowVec ? A : B, V = rowVec ? B : A;
  const xs = rowVec ? A.s1 : B.s0, sk = rowVec ? B.s0 : A.s1, sj = rowVec ? B.s1 : A.s0;
  const J = rowVec ? N : M, oj = rowVec ? out.s1 : out.s0;
  if (sj !== 1 && sk !== 1) return false;
  const es = dt === "float32" ? 4 : 8, lanes = 16 / es, Jp = round(J, lanes);
  const al = (n: number) => round(n, 64);
  // Layout (bytes): V, x, y, and a v128 of slack for axpy's reads past a row's end.
  const vOff = 0, xOff = al(V.data.length * es), yOff = xOff + al(K * es);
  const wasm = heap(yOff + al(Jp * es) + 64);
  if (!wasm) return false;
  const H = dt === "float32" ? f32 : f64, O = out.data;
  H.set(V.data, vOff / es);
  const x0 = xOff / es, y0 = yOff / es, Xd = X.data;
  for (let b = 0; b < nb; b++) {
    for (let k = 0, src = X.offs[b]; k < K; k++, src += xs) H[x0 + k] = Xd[src];
    const v = vOff + V.offs[b] * es;
    if (sj === 1) {
      H.fill(0, y0, y0 + Jp);
      (dt === "float32" ? wasm.axpy_f32 : wasm.axpy_f64)(xOff, v, sk * es, K, Jp / lanes, yOff);
    } else {
      (dt === "float32" ? wasm.dots_f32 : wasm.dots_f64)(xOff, v, sj * es, K, J, yOff);
    }
    const ob = out.offs[b];
    if (oj === 1) O.set(H.subarray(y0, y0 + J), ob);
    else for (let j = 0; j < J; j++) O[ob + j * oj] = H[y0 + j];
  }
  return true;
}

/**
 * The stride of the dims `ds` of `shape` (row-major strides `st`) flattened row-major in that
 * order, or -1 when they are not one strided run (then the operand is copied to a canonical
 * layout). Size-1 dims are skipped.
 */
function mergedStride(shape: readonly number[], st: readonly number[], ds: readonly number[]): number {
  let last = -1;
  for (let i = 0; i < ds.length; i++) {
    const d = ds[i];
    if (shape[d] === 1) continue;
    if (last >= 0 && st[last] !== st[d] * shape[d]) return -1;
    last = d;
  }
  return last >= 0 ? st[last] : 0;
}

const ZERO = new Int32Array(1);
/** Offsets of each batch element (row-major over `ds`) in an array of `shape`. */
function batchOffsets(shape: readonly number[], st: readonly number[], ds: readonly number[]): Int32Array {
  if (ds.length === 0) return ZERO;
  const n = sizeOver(shape, ds), offs = new Int32Array(n);
  const idx = new Array<number>(ds.length).fill(0);
  for (let b = 0, off = 0; b < n; b++) {
    offs[b] = off;
    for (let q = ds.length - 1; q >= 0; q--) {
      off += st[ds[q]];
      if (++idx[q] < shape[ds[q]]) break;
      off -= st[ds[q]] * shape[ds[q]];
      idx[q] = 0;
    }
  }
  return offs;
}

/** Offsets b·step for b < n. */
function steps(n: number, step: number): Int32Array {
  if (n === 1) return ZERO;
  const offs = new Int32Array(n);
  for (let b = 0; b < n; b++) offs[b] = b * step;
  return offs;
}

/** An operand as strided matrices over (batch, rows, depth) dims, copied to that canonical order if they do not merge. */
function operand(x: CpuIn, batch: readonly number[], rows: readonly number[], depth: readonly number[]): StridedMatrices {
  const shape = x.aval.shape, st = rowMajor(shape);
  const r = mergedStride(shape, st, rows), k = mergedStride(shape, st, depth);
  if (r >= 0 && k >= 0) return { data: x.data, offs: batchOffsets(shape, st, batch), s0: r, s1: k };
  const data = permuted(x, [...batch, ...rows, ...depth]);
  const R = sizeOver(shape, rows), Kd = sizeOver(shape, depth);
  return { data, offs: steps(sizeOver(shape, batch), R * Kd), s0: Kd, s1: 1 };
}

/**
 * Multiply-adds (over the whole batch) below which the reference loop runs. Measured
 * (bench/matmul-cpu.ts): both paths cost ~1-2 µs of bookkeeping per call and the SIMD path is
 * as fast or faster from 2×2×2 up (also per batch element of batched products), so only
 * products that are pure call overhead either way stay on the plain JS loop, which then
 * keeps its exact float64 accumulation.
 */
export const FAST_MIN_MACS = 64;

/**
 * dot_general on the WebAssembly SIMD kernels for float32/float64 products above the size
 * threshold (`minMacs` multiply-adds in all); everything else goes to `reference`.
 * @example const dotGeneral = fastDotGeneral(referenceDotGeneral)
 */
export function fastDotGeneral(reference: Kernel<DotGeneralParams>, minMacs = FAST_MIN_MACS): Kernel<DotGeneralParams> {
  return (ins, params, outAvals) => {
    const a = ins[0], b = ins[1], outAval = outAvals[0], dt = a.aval.dtype;
    const [[lc, rc], [lb, rb]] = params.dimensionNumbers;
    if ((dt !== "float32" && dt !== "float64") || outAval.dtype !== dt) return reference(ins, params, outAvals);
    const lf = freeDims(a.aval.ndim, lc, lb), rf = freeDims(b.aval.ndim, rc, rb);
    const sa = a.aval.shape;
    const M = sizeOver(sa, lf), K = sizeOver(sa, lc), N = sizeOver(b.aval.shape, rf), nb = sizeOver(sa, lb);
    if (M * N * K === 0 || nb * M * N * K < minMacs || !hasWasmMatmul()) return reference(ins, params, outAvals);
    const A = operand(a, lb, lf, lc);
    // B(b, k, j): rows are the contracting dims, columns the free dims.
    const Bt = operand(b, rb, rf, rc);
    const B: StridedMatrices = { data: Bt.data, offs: Bt.offs, s0: Bt.s1, s1: Bt.s0 };
    const out = alloc(outAval);
    if (!matmulStrided(dt, nb, M, N, K, A, B, { data: out, offs: steps(nb, M * N), s0: N, s1: 1 })) return reference(ins, params, outAvals);
    return [out];
  };
}
