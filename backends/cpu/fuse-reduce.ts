// jit on the CPU: a reduction (sum/prod/max/min over trailing axes, or all axes) whose
// operand is a fused elementwise loop used by nothing else runs that loop in chunks and
// folds each chunk straight into the accumulators, so the operand never exists at full size
// (a SIMD kernel's chunks are folded where the kernel wrote them, in its scratch memory).
// Each chunk holds the operand's elements in its dtype (the loop rounds them exactly as the
// interpreter's array does) and every output folds its elements in order in a double, as
// reduce.ts does: fused results are bit-identical to eager ones.
import type { JaxprEqn, Var } from "../../core/jaxpr";
import { allocate, type DType, type TypedArray } from "../../core/dtype";
import { CHUNK, type ChunkSink } from "./elementwise-wasm";
import { monoid, stepSource } from "./reduce";
import { generated } from "./util";

const NAMES: Record<string, string> = { reduce_sum: "sum", reduce_prod: "prod", reduce_max: "max", reduce_min: "min" };

export interface FusedReduce { name: string; eqn: JaxprEqn; output: Var; r: number }

/** The reduction `v` can fold into, or null (v must be a float, feed only it, and reduce trailing axes). */
export function reductionOf(v: Var, users: Map<Var, JaxprEqn[]>, outputs: Set<Var>): FusedReduce | null {
  const us = users.get(v) ?? [];
  if (outputs.has(v) || us.length !== 1 || us[0].inputs.length !== 1) return null;
  const e = us[0], name = NAMES[e.prim.name];
  if (!name || (v.aval.dtype !== "float32" && v.aval.dtype !== "float64") || v.aval.size === 0) return null;
  const axes = [...(e.params as { axes: readonly number[] }).axes].sort((a, b) => a - b), nd = v.aval.ndim;
  if (!axes.length || axes.some((a, i) => a !== nd - axes.length + i)) return null;
  const r = axes.reduce((p, a) => p * v.aval.shape[a], 1);
  return r > 0 ? { name, eqn: e, output: e.outvars[0], r } : null;
}

/** Fills the chunks of a fused loop's output, in order, and hands each to `sink`. */
export type Chunks = (ins: TypedArray[], n: number, sink: ChunkSink) => void;

/** The chunks of a JS loop (which fills `out` from inputs of its length), made in one scratch array of dtype d. */
export function jsChunks(loop: (ins: TypedArray[], out: TypedArray) => void, scalar: boolean[], d: DType): Chunks {
  return (ins, n, sink) => {
    const chunk = allocate("cpu", d, Math.min(CHUNK, n));
    for (let off = 0; off < n; off += CHUNK) {
      const m = Math.min(CHUNK, n - off);
      loop(ins.map((x, k) => (scalar[k] ? x : x.subarray(off, off + m))), m === CHUNK ? chunk : chunk.subarray(0, m));
      sink(chunk as Float32Array, 0, m);
    }
  };
}

type Fold = (c: ArrayLike<number>, lo: number, hi: number, st: Float64Array, out: { [i: number]: number }, r: number, init: number) => void;
// One generated fold per (reduction, dtype), for the reason reduce.ts gives. st holds the
// running accumulator, the elements left for the current output, and the output index. The
// inner loop runs to the end of the chunk or of the output, whichever is first, so it has
// no branch per element (a per-element "output done?" test made a 4M-float fold ~2x slower).
const folds = new Map<string, Fold | null>();
const fold = (name: string, d: DType): Fold | null => generated<Fold>(folds, `${name}|${d}`, ["c", "lo", "hi", "st", "out", "r", "init"], `
  let a = st[0], left = st[1], o = st[2], i = lo;
  while (i < hi) {
    const end = Math.min(hi, i + left);
    left -= end - i;
    for (; i < end; i++) { const v = c[i]; a = ${stepSource(name, d)}; }
    if (left === 0) { out[o++] = a; a = init; left = r; }
  }
  st[0] = a; st[1] = left; st[2] = o;`);

/** Whether the fold for this reduction can be generated here (else the reduction stays unfused). */
export const canFold = (red: FusedReduce, d: DType): boolean => fold(red.name, d) !== null;

/** Runs a fused loop's chunks over n elements of dtype d and folds them into `out`, in order. */
export function runFused(chunks: Chunks, ins: TypedArray[], n: number, red: FusedReduce, d: DType, out: TypedArray): void {
  const f = fold(red.name, d)!, init = monoid(red.name, d).init, r = red.r;
  const st = Float64Array.of(init, r, 0);
  chunks(ins, n, (c, at, m) => f(c, at, at + m, st, out, r, init));
}
