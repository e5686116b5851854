// CPU kernels for the general gather and the scatter family (XLA semantics; see
// core/primitives/gather.ts for the modes). Each kernel walks the indices' batch positions
// in row-major order and copies or combines one window per position, using precomputed
// element offsets of the window in the operand and in the output/updates. Complex operands
// are handled by backends/cpu/complex.ts (componentwise for gather/scatter/scatter_add).
import type { DType, TypedArray } from "../../core/dtype";
import type { GatherParams, ScatterParams } from "../../core/primitives";
import { prod, strides } from "../../core/shape";
import { alloc, type CpuIn, type Kernel } from "./util";

/** Operand dims that are neither collapsed/inserted nor batching dims: the window dims. */
const windowDims = (rank: number, collapsed: readonly number[], batching: readonly number[]): number[] =>
  [...Array(rank).keys()].filter((d) => !collapsed.includes(d) && !batching.includes(d));

/** Offsets of every element of a window of `sizes` (row-major) under each stride vector. */
function windowOffsets(sizes: readonly number[], ...strideSets: (readonly number[])[]): Int32Array[] {
  const n = prod(sizes), rank = sizes.length;
  const outs = strideSets.map(() => new Int32Array(n));
  const pos = new Array<number>(rank).fill(0);
  for (let w = 0; w < n; w++) {
    strideSets.forEach((st, k) => { let off = 0; for (let d = 0; d < rank; d++) off += pos[d] * st[d]; outs[k][w] = off; });
    for (let d = rank - 1; d >= 0; d--) { if (++pos[d] < sizes[d]) break; pos[d] = 0; }
  }
  return outs;
}

/**
 * The windows of a gather/scatter, one per batch position of the indices (row-major): the
 * operand offset where each starts (clamped into range, or -1 when it is not entirely in
 * bounds and `clamp` is off), and each one's base offset in the output/updates, whose
 * strides along the indices' batch dims are `batchStrides`.
 */
function windows(x: CpuIn, idx: CpuIn, startMap: readonly number[], window: readonly number[], opBatch: readonly number[],
                 idxBatch: readonly number[], clamp: boolean, batchStrides: readonly number[]): [starts: Int32Array, bases: Int32Array] {
  const bs = idx.aval.shape.slice(0, -1), br = bs.length, nb = prod(bs), K = startMap.length;
  const S = x.aval.shape, st = strides(S);
  const hi = Int32Array.from(startMap, (d) => S[d] - window[d]), mapSt = Int32Array.from(startMap, (d) => st[d]);
  const batchSt = Int32Array.from(opBatch, (d) => st[d]), batchOf = Int32Array.from(idxBatch), nbd = batchSt.length;
  const starts = new Int32Array(nb), bases = new Int32Array(nb);
  const bi = new Int32Array(br), data = idx.data;
  let base = 0;
  for (let b = 0; b < nb; b++) {
    let off = 0;
    for (let k = 0, q = b * K; k < K; k++, q++) {
      let s = data[q];
      if (s < 0 || s > hi[k]) {
        if (!clamp) { off = -1; break; }
        s = s < 0 ? 0 : hi[k];
      }
      off += s * mapSt[k];
    }
    if (off >= 0) for (let j = 0; j < nbd; j++) off += bi[batchOf[j]] * batchSt[j];
    starts[b] = off;
    bases[b] = base;
    for (let d = br - 1; d >= 0; d--) {
      base += batchStrides[d];
      if (++bi[d] < bs[d]) break;
      base -= batchStrides[d] * bs[d];
      bi[d] = 0;
    }
  }
  return [starts, bases];
}

const gather: Kernel<GatherParams> = ([x, idx], { dimensionNumbers: dn, sliceSizes, mode, fillValue }, [outAval]) => {
  const out = alloc(outAval);
  if (out.length === 0) return [out];
  const O = outAval.shape, ost = strides(O), st = strides(x.aval.shape);
  const win = windowDims(x.aval.ndim, dn.collapsedSliceDims, dn.operandBatchingDims);
  const [srcOff, dstOff] = windowOffsets(win.map((d) => sliceSizes[d]), win.map((d) => st[d]), dn.offsetDims.map((d) => ost[d]));
  const outBatchSt = [...O.keys()].filter((d) => !dn.offsetDims.includes(d)).map((d) => ost[d]);
  const [starts, bases] = windows(x, idx, dn.startIndexMap, sliceSizes, dn.operandBatchingDims, dn.startIndicesBatchingDims, mode !== "fill", outBatchSt);
  const fill = x.aval.dtype === "bool" ? Number(Boolean(fillValue)) : fillValue ?? 0;
  const src = x.data, n = srcOff.length, nb = starts.length;
  if (n === 1) {
    const so = srcOff[0], d0 = dstOff[0];
    for (let b = 0; b < nb; b++) { const s = starts[b]; out[bases[b] + d0] = s < 0 ? fill : src[s + so]; }
    return [out];
  }
  for (let b = 0; b < nb; b++) {
    const s = starts[b], base = bases[b];
    if (s < 0) for (let w = 0; w < n; w++) out[base + dstOff[w]] = fill;
    else for (let w = 0; w < n; w++) out[base + dstOff[w]] = src[s + srcOff[w]];
  }
  return [out];
};

type Combine = (a: number, b: number) => number;
const nanMin: Combine = (a, b) => (a !== a || b !== b ? NaN : Math.min(a, b));
const nanMax: Combine = (a, b) => (a !== a || b !== b ? NaN : Math.max(a, b));
/** How each scatter combines the operand element with an update; bool add/mul are or/and. */
function combiner(kind: string, dtype: DType): Combine | null {
  const int = dtype === "int32" || dtype === "uint32", bool = dtype === "bool";
  switch (kind) {
    case "scatter": return null;
    case "scatter_add": return bool ? (a, b) => a | b : (a, b) => a + b;
    case "scatter_mul": return bool ? (a, b) => a & b : int ? Math.imul : (a, b) => a * b;
    case "scatter_min": return int || bool ? Math.min : nanMin;
    default: return int || bool ? Math.max : nanMax;
  }
}

const scatter = (kind: string): Kernel<ScatterParams> => ([x, idx, upd], { dimensionNumbers: dn, mode }) => {
  const out: TypedArray = x.data.slice();
  const U = upd.aval.shape, ust = strides(U), st = strides(x.aval.shape);
  const win = windowDims(x.aval.ndim, dn.insertedWindowDims, dn.operandBatchingDims);
  const sizes = dn.updateWindowDims.map((d) => U[d]);
  const [opOff, updOff] = windowOffsets(sizes, win.map((d) => st[d]), dn.updateWindowDims.map((d) => ust[d]));
  const window = x.aval.shape.map(() => 1);
  win.forEach((d, i) => { window[d] = sizes[i]; });
  const updBatchSt = [...U.keys()].filter((d) => !dn.updateWindowDims.includes(d)).map((d) => ust[d]);
  const [starts, bases] = windows(x, idx, dn.scatterDimsToOperandDims, window, dn.operandBatchingDims, dn.scatterIndicesBatchingDims, mode === "clip", updBatchSt);
  const combine = combiner(kind, x.aval.dtype);
  const u = upd.data, n = opOff.length, nb = starts.length;
  for (let b = 0; b < nb; b++) {
    const s = starts[b], base = bases[b];
    if (s < 0) continue;
    if (combine === null) for (let w = 0; w < n; w++) out[s + opOff[w]] = u[base + updOff[w]];
    else for (let w = 0; w < n; w++) { const p = s + opOff[w]; out[p] = combine(out[p], u[base + updOff[w]]); }
  }
  return [out];
};

export const gatherKernels = {
  gather,
  scatter: scatter("scatter"),
  scatter_add: scatter("scatter_add"),
  scatter_mul: scatter("scatter_mul"),
  scatter_min: scatter("scatter_min"),
  scatter_max: scatter("scatter_max"),
};
