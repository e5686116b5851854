// Helpers shared by the CPU interpreter's kernels: strided copies and [outer, n, inner] views.
import type { ShapedArray } from "../../core/aval";
import { allocate, type TypedArray } from "../../core/dtype";
import { prod, strides } from "../../core/shape";

export interface CpuIn { data: TypedArray; aval: ShapedArray }
export type Kernel<P> = (ins: CpuIn[], params: P, outAvals: readonly ShapedArray[]) => TypedArray[];

export const alloc = (aval: ShapedArray): TypedArray => allocate("cpu", aval.dtype, aval.size);

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
  const idx = new Array<number>(rank).fill(0);
  const last = rank - 1;
  const lastStride = srcStrides[last];
  const lastSize = outShape[last];
  let pos = offset;
  for (let o = 0; o < n; o += lastSize) {
    for (let j = 0, p = pos; j < lastSize; j++, p += lastStride) out[o + j] = src[p];
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

/** A contiguous copy of `x` with its axes permuted. */
export function permuted(x: CpuIn, perm: readonly number[]): TypedArray {
  const st = strides(x.aval.shape);
  const shape = perm.map((p) => x.aval.shape[p]);
  if (perm.every((p, i) => p === i)) return x.data;
  return stridedCopy(x.data, 0, perm.map((p) => st[p]), shape, allocate("cpu", x.aval.dtype, x.data.length));
}

/** Sizes of the dims before, at and after `axis`. */
export function aroundAxis(shape: readonly number[], axis: number): [outer: number, n: number, inner: number] {
  return [prod(shape.slice(0, axis)), shape[axis], prod(shape.slice(axis + 1))];
}
