// Cholesky and triangular solves on the GPU (float32), so that np.linalg.solve/cholesky and
// Gaussian-process code run in browsers too (the other factorizations move to the CPU, which
// needs a blocking read). One workgroup per matrix of the batch: Cholesky computes column j
// from the finished columns k < j, rows in parallel; a triangular solve runs one thread per
// right-hand-side column, substituting row by row.
import type { ShapedArray } from "../../../core/aval";
import type { CholeskyParams, TriangularSolveParams } from "../../../core/primitives";
import { bindings, type KernelCode, module } from "../emit";

const batchOf = (a: ShapedArray) => a.shape.slice(0, -2).reduce((p, v) => p * v, 1);

export function choleskyKernel([a]: readonly ShapedArray[], p: CholeskyParams, [out]: readonly ShapedArray[]): KernelCode | null {
  if (a.dtype !== "float32") return null;
  const n = a.shape[a.ndim - 1], nb = batchOf(a);
  const A = (i: string, j: string) => (p.symmetrizeInput ? `0.5 * (in0[base + ${i} * ${n}u + ${j}] + in0[base + ${j} * ${n}u + ${i}])` : `in0[base + ${i} * ${n}u + ${j}]`);
  const body = `
  let b = wid.y * nwg.x + wid.x;
  if (b >= ${nb}u) { return; }
  let base = b * ${n * n}u;
  for (var e: u32 = lid.x; e < ${n * n}u; e = e + 256u) { out0[base + e] = 0.0; }
  if (lid.x == 0u) { bad = 0u; }
  workgroupBarrier();
  for (var j: u32 = 0u; j < ${n}u; j = j + 1u) {
    for (var i: u32 = j + lid.x; i < ${n}u; i = i + 256u) {
      var s = ${A("i", "j")};
      for (var k: u32 = 0u; k < j; k = k + 1u) { s = s - out0[base + i * ${n}u + k] * out0[base + j * ${n}u + k]; }
      out0[base + i * ${n}u + j] = s;
    }
    workgroupBarrier();
    if (lid.x == 0u) {
      let d = out0[base + j * ${n}u + j];
      // Not positive definite (or NaN): the whole factor is NaN, as JAX and the CPU return.
      if (!(d > 0.0)) { bad = 1u; }
      out0[base + j * ${n}u + j] = sqrt(max(d, 0.0));
    }
    workgroupBarrier();
    let djj = out0[base + j * ${n}u + j];
    for (var i: u32 = j + 1u + lid.x; i < ${n}u; i = i + 256u) { out0[base + i * ${n}u + j] = out0[base + i * ${n}u + j] / djj; }
    workgroupBarrier();
  }
  if (workgroupUniformLoad(&bad) != 0u) {
    for (var e: u32 = lid.x; e < ${n * n}u; e = e + 256u) { out0[base + e] = g_nan(); }
  }`;
  return { code: module(bindings([a], [out]), body, ["var<workgroup> bad: u32;"]), wg: [Math.min(nb, 65535), Math.ceil(nb / 65535), 1] };
}

export function triangularSolveKernel([a, b]: readonly ShapedArray[], p: TriangularSolveParams, [out]: readonly ShapedArray[]): KernelCode | null {
  if (a.dtype !== "float32" || b.dtype !== "float32") return null;
  const m = a.shape[a.ndim - 1], nb = batchOf(a);
  const [br, bc] = b.shape.slice(-2);
  // Reduce to T X = B' on the left, T = op(A) (left side) or op(A)ᵀ (right side).
  const transT = p.leftSide ? p.transposeA : !p.transposeA;
  const tLower = p.lower !== transT;
  const k = p.leftSide ? bc : br;
  const T = (i: string, j: string) => (transT ? `in0[abase + ${j} * ${m}u + ${i}]` : `in0[abase + ${i} * ${m}u + ${j}]`);
  // X[i][c] lives at B[i][c] (left side) or B[c][i] (right side), in the output's layout.
  const X = (i: string, c: string) => (p.leftSide ? `bbase + ${i} * ${bc}u + ${c}` : `bbase + ${c} * ${m}u + ${i}`);
  const row = tLower ? "r" : `(${m - 1}u - r)`;
  const body = `
  let bat = wid.y * nwg.x + wid.x;
  if (bat >= ${nb}u) { return; }
  let abase = bat * ${m * m}u;
  let bbase = bat * ${br * bc}u;
  for (var c: u32 = lid.x; c < ${k}u; c = c + 256u) {
    for (var r: u32 = 0u; r < ${m}u; r = r + 1u) {
      let i = ${row};
      var s = in1[${X("i", "c")}];
      for (var q: u32 = 0u; q < r; q = q + 1u) {
        let j = ${tLower ? "q" : `(${m - 1}u - q)`};
        s = s - ${T("i", "j")} * out0[${X("j", "c")}];
      }
      out0[${X("i", "c")}] = ${p.unitDiagonal ? "s" : `s / ${T("i", "i")}`};
    }
  }`;
  return { code: module(bindings([a, b], [out]), body), wg: [Math.min(nb, 65535), Math.ceil(nb / 65535), 1] };
}
