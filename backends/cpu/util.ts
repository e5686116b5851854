// Helpers shared by the CPU interpreter's kernels: strided copies and [outer, n, inner] views.
import type { ShapedArray } from "../../core/aval";
import { allocate, type TypedArray } from "../../core/dtype";
import { prod, strides } from "../../core/shape";

export interface CpuIn { data: TypedArray; aval: ShapedArray }
/**
 * A CPU kernel. `outs[i]`, where given (a jit executable's own buffers, backends/cpu/buffers.ts),
 * is storage of outAvals[i]'s size that the kernel may compute output i into; kernels that
 * take it return it, the others ignore it.
 */
export type Kernel<P> = (ins: CpuIn[], params: P, outAvals: readonly ShapedArray[], outs?: readonly (TypedArray | undefined)[]) => TypedArray[];

export const alloc = (aval: ShapedArray): TypedArray => allocate("cpu", aval.dtype, aval.size);

type Rows = (src: TypedArray, out: TypedArray, pos: number, o: number, count: number, stride: number) => void;
type Tile = (src: TypedArray, out: TypedArray, offset: number, s0: number, s1: number, n0: number, n1: number) => void;
// The copy loops are generated per pair of array kinds: one loop shared by every dtype went
// megamorphic, which made transposes and broadcasts several times slower in a training step.
const rowLoops = new Map<string, Rows | null>(), tileLoops = new Map<string, Tile | null>();
/** A function generated from `body` (strict mode), cached under `key`; null where `new Function` is blocked (strict CSP). */
export function generated<F>(cache: Map<string, F | null>, key: string, params: string[], body: string): F | null {
  let f = cache.get(key);
  if (f === undefined) {
    try { f = new Function(...params, `"use strict"; ${body}`) as F; } catch { f = null; }   // no Function (strict CSP)
    cache.set(key, f);
  }
  return f;
}
const kinds = (src: TypedArray, out: TypedArray) => `${src.constructor.name}>${out.constructor.name}`;

/** out[idx] = src[offset + sum(idx[d] * srcStrides[d])] over outShape, row-major. */
export function stridedCopy(src: TypedArray, offset: number, srcStrides: readonly number[],
                            outShape: readonly number[], out: TypedArray): TypedArray {
  const n = prod(outShape);
  if (n === 0) return out;
  // Unit dims move nothing; dropping them keeps the inner loop long (e.g. [512, 128, 1]).
  if (outShape.includes(1) && outShape.length > 1) {
    const keep = outShape.map((v, d) => (v !== 1 ? d : -1)).filter((d) => d >= 0);
    outShape = keep.map((d) => outShape[d]);
    srcStrides = keep.map((d) => srcStrides[d]);
  }
  const rank = outShape.length;
  if (rank === 0) { out[0] = src[offset]; return out; }
  if (srcStrides.every((st) => st === 0)) { out.fill(src[offset] as never); return out; }   // a broadcast scalar
  const key = kinds(src, out);
  // A 2-d transpose reads its source column by column; 32×32 tiles keep both sides in cache.
  if (rank === 2 && srcStrides[1] !== 1 && srcStrides[0] !== 0 && srcStrides[1] !== 0) {
    const tile = generated<Tile>(tileLoops, key, ["src", "out", "offset", "s0", "s1", "n0", "n1"], `
      for (let i0 = 0; i0 < n0; i0 += 32) for (let j0 = 0; j0 < n1; j0 += 32) {
        const ie = Math.min(i0 + 32, n0), je = Math.min(j0 + 32, n1);
        for (let i = i0; i < ie; i++) for (let j = j0, p = offset + i * s0 + j0 * s1, o = i * n1 + j0; j < je; j++, p += s1, o++) out[o] = src[p];
      }`);
    if (tile) { tile(src, out, offset, srcStrides[0], srcStrides[1], outShape[0], outShape[1]); return out; }
  }
  const rows = generated<Rows>(rowLoops, key, ["src", "out", "pos", "o", "count", "stride"],
    "for (let j = 0, p = pos; j < count; j++, p += stride) out[o + j] = src[p];");
  const idx = new Array<number>(rank).fill(0);
  const last = rank - 1;
  const lastStride = srcStrides[last];
  const lastSize = outShape[last];
  let pos = offset;
  for (let o = 0; o < n; o += lastSize) {
    if (rows) rows(src, out, pos, o, lastSize, lastStride);
    else for (let j = 0, p = pos; j < lastSize; j++, p += lastStride) out[o + j] = src[p];
    // odometer over all but the last dim
    for (let d = last - 1; d >= 0; d--) {
      idx[d]++;
      pos += srcStrides[d];
      if (idx[d] < outShape[d]) break;
      pos -= srcStrides[d] * outShape[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** A contiguous copy of `x` with its axes permuted (into `out` where given); x itself for the identity. */
export function permuted(x: CpuIn, perm: readonly number[], out?: TypedArray): TypedArray {
  const st = strides(x.aval.shape);
  const shape = perm.map((p) => x.aval.shape[p]);
  if (perm.every((p, i) => p === i)) return x.data;
  return stridedCopy(x.data, 0, perm.map((p) => st[p]), shape, out ?? allocate("cpu", x.aval.dtype, x.data.length));
}

/** Sizes of the dims before, at and after `axis`. */
export function aroundAxis(shape: readonly number[], axis: number): [outer: number, n: number, inner: number] {
  return [prod(shape.slice(0, axis)), shape[axis], prod(shape.slice(axis + 1))];
}
