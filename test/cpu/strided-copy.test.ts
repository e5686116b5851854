// The CPU's strided copy (transpose, slice, rev, broadcast_in_dim) against a direct index
// computation: 2-d transposes larger than its 32×32 tiles with ragged edges, negative
// strides, offsets, broadcast scalars, and every array kind (each has its generated loop).
import { describe, expect, it } from "vitest";
import { stridedCopy } from "../../backends/cpu/util";

function naive(src: ArrayLike<number>, offset: number, st: number[], shape: number[]): number[] {
  const out: number[] = [];
  const idx = shape.map(() => 0), n = shape.reduce((a, b) => a * b, 1);
  for (let k = 0; k < n; k++) {
    out.push(src[offset + idx.reduce((a, v, d) => a + v * st[d], 0)]);
    for (let d = shape.length - 1; d >= 0 && ++idx[d] === shape[d]; d--) idx[d] = 0;
  }
  return out;
}

describe("cpu stridedCopy", () => {
  const kinds = [Float32Array, Float64Array, Int32Array, Uint32Array, Uint8Array];
  it("transposes, slices and reverses like the index formula, for every array kind", () => {
    for (const K of kinds) {
      const src = K.from(Array.from({ length: 70 * 37 * 2 }, (_, i) => (i * 7) % 251));
      const cases: [number, number[], number[]][] = [
        [0, [1, 70], [70, 37]],            // [37, 70] -> transposed [70, 37]
        [0, [1, 37], [37, 33]],            // a corner of a transpose
        [5, [2, 74], [33, 20]],            // strided, offset
        [70 * 37 - 1, [-1, -70], [40, 3]], // reversed both ways
        [3, [0, 1], [4, 9]],               // broadcast rows
        [11, [0, 0], [5, 6]],              // a broadcast scalar
        [2, [140, 1, 70], [3, 5, 2]],      // rank 3
      ];
      for (const [offset, st, shape] of cases) {
        const out = stridedCopy(src, offset, st, shape, new K(shape.reduce((a, b) => a * b, 1)));
        expect(Array.from(out), `${K.name} ${st} ${shape}`).toEqual(naive(src, offset, st, shape));
      }
    }
  });
});
