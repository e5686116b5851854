// The fast CPU matmul: batched, strided float32/float64 GEMM on the WebAssembly SIMD kernels
// of matmul-wasm.ts, and the dot_general kernel built on it. Operands are copied once into
// the module's memory; the packing routines read them through any (row, depth) strides, so
// transposed layouts cost nothing extra (operands whose free or contracting dims do not
// flatten to one stride are copied to canonical order first). Matrix-vector products skip
// packing (`matvec`). Large products run on worker threads over the same (shared) memory:
// the loops are in matmul-task.ts, the pool in threads.ts. Products below a size threshold,
// other dtypes, and runtimes without WebAssembly SIMD use the reference kernel (reduce.ts),
// which stays the oracle the property tests compare against.
import type { DotGeneralParams } from "../../core/primitives";
import type { TypedArray } from "../../core/dtype";
import { strides as rowMajor } from "../../core/shape";
import { instantiate, type MatmulWasm, TILES } from "./matmul-wasm";
import { COUNTERS, gemmTask } from "./matmul-task";
import { CTRL_BYTES, mainCanWait, MAX_THREADS, runThreads, type Task, threadsFor, W } from "./threads";
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
let f32: Float32Array<ArrayBufferLike> = new Float32Array(0), f64: Float64Array<ArrayBufferLike> = new Float64Array(0);
let u32: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
const PAGE = 65536;
/**
 * Grows the module's memory to at least `bytes` (the thread pool's control area, CTRL_BYTES,
 * comes first); a fresh instance and memory replace an oversized one (memory never shrinks).
 */
function heap(bytes: number): MatmulWasm | null {
  if (w === undefined || (w && heapBytes > 256 * 2 ** 20 && bytes < heapBytes / 4)) { w = instantiate(); heapBytes = -1; }
  if (!w) return null;
  bytes += CTRL_BYTES;
  if (bytes > heapBytes) {
    const have = w.mem.buffer.byteLength;
    if (bytes > have) {
      try { w.mem.grow(Math.ceil((bytes - have) / PAGE)); } catch { return null; }   // past its maximum: the caller falls back
    }
    const buf = w.mem.buffer;
    heapBytes = buf.byteLength;
    f32 = new Float32Array(buf); f64 = new Float64Array(buf); u32 = new Uint32Array(buf);
  }
  return w;
}

/** True where the WebAssembly SIMD kernels run in this runtime. */
export const hasWasmMatmul = (): boolean => heap(0) !== null;

const round = (n: number, m: number) => Math.ceil(n / m) * m;

/**
 * `minMacs`: multiply-adds (over the whole batch) from which a product is split across
 * worker threads (threads.ts; `config.update("cpuThreads", n)`). Measured (bench/matmul-cpu.ts,
 * 2 cores): waking a worker costs ~50-100 µs, 2 threads break even near 8M multiply-adds
 * (128×512×128, ~0.5 ms) and win 1.5-2.2x from 16M up (256³, 384³).
 * Tests lower it to send small products through the threads.
 */
export const THREADING = { minMacs: 2 ** 23 };

/**
 * Chunk rows and columns (RH, CW) for `T` threads: whole NC-wide column blocks of all rows on
 * one thread; on more, halved (columns first: they cost nothing extra, since A is packed once;
 * then rows, each row chunk repacking its B slab) until there are about 4 chunks per thread,
 * so that threads slowed by other work take fewer of them, but not below 64 columns or rows.
 */
function chunking(T: number, nb: number, Mp: number, Np: number, nc: number, MR: number, NR: number): [number, number] {
  let RH = Mp, CW = Math.min(nc, Np);
  const chunks = () => nb * Math.ceil(Mp / RH) * Math.ceil(Np / CW);
  while (T > 1 && chunks() < 4 * T) {
    if (CW >= 2 * 64) CW = round(CW / 2, NR);
    else if (RH >= 2 * 64) RH = round(RH / 2, MR);
    else break;
  }
  return [RH, CW];
}

/**
 * out(b, i, j) = Σ_k A(b, i, k)·B(b, k, j) for b < nb, i < M, j < N, k < K on the WebAssembly
 * SIMD kernels, accumulating in `dt`, on up to `cpuThreads` threads for large products.
 * Returns false (nothing written) when WebAssembly SIMD is unavailable or the operands do not
 * fit its 4 GiB memory.
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
  // Layout (bytes, 64-aligned, after the control area): C (all batches, padded), A, B, the
  // per-batch offset tables, for im2col the tap table, packed A (all batches), then per
  // thread its packed B slab and for im2col its per-column table offsets and image offsets.
  const al = (n: number) => round(n, 64);
  const cOff = CTRL_BYTES, aOff = cOff + al(nb * Mp * Np * es), bOff = aOff + al(A.data.length * es);
  const aTab = bOff + al(B.data.length * es), bTab = aTab + al(nb * 4), tabOff = bTab + al(nb * 4);
  const apOff = tabOff + al(im ? im.tab.length * 4 : 0), apb = Mp * K * es, scratch = apOff + al(nb * apb);
  let wasm = heap(scratch - CTRL_BYTES);
  if (!wasm) return false;
  const T = nb * M * N * K >= THREADING.minMacs ? threadsFor(wasm.mem, wasm.module, TASKS, MAX_THREADS) : 1;
  const [RH, CW] = chunking(T, nb, Mp, Np, nc, MR, NR);
  const perThread = al(CW * kcMax * es) + (im ? 2 * al(CW * 4) : 0);
  wasm = heap(scratch + T * perThread - CTRL_BYTES);
  if (!wasm) return false;
  const H = dt === "float32" ? f32 : f64;
  H.set(A.data, aOff / es);
  H.set(B.data, bOff / es);
  for (let b = 0; b < nb; b++) { u32[aTab / 4 + b] = A.offs[b]; u32[bTab / 4 + b] = B.offs[b]; }
  if (im) u32.set(new Uint32Array(im.tab.buffer, im.tab.byteOffset, im.tab.length), tabOff / 4);
  const b = im ? null : B as StridedMatrices;
  const job = [dt === "float32" ? 0 : 1, M, N, K, mc, KC, MR, NR, aOff, bOff, A.s0, A.s1, b?.s0 ?? 0, b?.s1 ?? 0,
    cOff, Np * es, Mp * Np * es, aTab, bTab,
    im ? 1 : 0, tabOff, im ? im.chanStride * es : 0, im?.K ?? 0, im?.P ?? 0, im?.imgStride ?? 0,
    apOff, apb, nb, RH, CW, mainCanWait() ? 1 : 0];
  u32.set(job, W.JOB);
  u32.fill(0, COUNTERS.PACK, COUNTERS.CHUNK + 1);
  for (let i = 0; i < T; i++) {
    const bp = scratch + i * perThread, colT = bp + al(CW * kcMax * es);
    u32.set([bp, colT, colT + al(CW * 4)], W.THREAD + i * W.THREAD_WORDS);
  }
  const ex = wasm;
  runThreads(wasm.mem, T, 0, () => gemmTask(ex as unknown as Parameters<typeof gemmTask>[0], ex.mem, 0));
  copyOut(H, cOff / es, nb, M, N, Np, Mp * Np, out);
  return true;
}

/** Copies C (nb padded Mp×Np blocks from c0) to `out`: whole rows (or P-long runs of them) at once where contiguous. */
function copyOut(C: Float32Array<ArrayBufferLike> | Float64Array<ArrayBufferLike>, c0: number, nb: number, M: number, N: number, Np: number, cb: number, out: OutMatrices): void {
  const O = out.data, P = out.P ?? N, sP = out.sP ?? 0, o0 = out.s0, o1 = out.s1;
  for (let bi = 0; bi < nb; bi++) {
    const ob = out.offs[bi], cB = c0 + bi * cb;
    if (o1 === 1 && P === N && o0 === N && Np === N) O.set(C.subarray(cB, cB + M * N), ob);
    else if (o1 === 1 && P >= 16) {
      for (let i = 0; i < M; i++) for (let j = 0, r = cB + i * Np; j < N; j += P) O.set(C.subarray(r + j, r + j + P), ob + i * o0 + (j / P) * sP);
    } else {
      for (let i = 0; i < M; i++) {
        for (let j = 0, r = cB + i * Np; j < N; j += P) {
          const d = ob + i * o0 + (j / P) * sP;
          for (let q = 0; q < P; q++) O[d + q * o1] = C[r + j + q];
        }
      }
    }
  }
}

const TASKS = [gemmTask as unknown as Task];

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
  const vOff = CTRL_BYTES, xOff = vOff + al(V.data.length * es), yOff = xOff + al(K * es);
  const wasm = heap(yOff + al(Jp * es) + 64 - CTRL_BYTES);
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
  return (ins, params, outAvals, outs) => {
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
    // every element is written (copyOut), so a reused buffer needs no zeroing
    const out = outs?.[0] ?? alloc(outAval);
    if (!matmulStrided(dt, nb, M, N, K, A, B, { data: out, offs: steps(nb, M * N), s0: N, s1: 1 })) return reference(ins, params, outAvals);
    return [out];
  };
}
