// jit on the CPU: a reduction (sum/prod/max/min over trailing axes, or all axes) whose
// operand is a fused elementwise loop used by nothing else runs that loop in chunks and
// folds each chunk straight into the accumulators, so the operand never exists at full size
// (a SIMD kernel's chunks are folded where the kernel wrote them, in its scratch memory).
// Each chunk holds the operand's elements in its dtype (the loop rounds them exactly as the
// interpreter's array does) and every output folds its elements in the order reduce.ts does
// (in a double; rows of PARALLEL.minSplit elements or more in the blocks parallel.ts
// defines, which big loops run on several threads): fused results are bit-identical to eager ones.
import type { JaxprEqn, Var } from "../../core/jaxpr";
import { allocate, type DType, type TypedArray } from "../../core/dtype";
import { CHUNK, type ChunkSink, constBytes } from "./elementwise-wasm";
import { foldOf, monoid } from "./reduce";
import { type LoopCode, PARALLEL, parallelReduce, reduceWork, threadsForWork } from "./parallel";

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

/** Whether the fold for this reduction can be generated here (else the reduction stays unfused). */
export const canFold = (red: FusedReduce, d: DType): boolean => foldOf(red.name, d) !== null;

/**
 * Runs a fused loop's chunks over n elements of dtype d and folds them into `out`, in order:
 * the order of reduce.ts, blocked as parallel.ts defines for rows of PARALLEL.minSplit
 * elements or more, and on several threads where the work is large and the loop has code
 * the workers can run (`code`: a SIMD kernel, or a JS loop over (ins, out)).
 */
export function runFused(chunks: Chunks, ins: TypedArray[], n: number, red: FusedReduce, d: DType, out: TypedArray, code?: LoopCode): void {
  const f = foldOf(red.name, d)!, { init, step } = monoid(red.name, d), r = red.r;
  const T = code ? threadsForWork(reduceWork(n, red.name, code.cost)) : 1;
  if (T === 1 && r < PARALLEL.minSplit) {
    const st = Float64Array.of(init, r, 0);
    chunks(ins, n, (c, at, m) => f.fn(c, at, at + m, st, out, r, init));
    return;
  }
  // a block [lo, hi) is the loop run over slices of the operands
  const sub = (lo: number, hi: number) => ins.map((x, k) => (code?.scalar[k] ?? x.length !== n ? x : x.subarray(lo, hi)));
  parallelReduce(T, n, r, f.fn, f.code, init, step, out, (lo, hi, sink) => chunks(sub(lo, hi), hi - lo, sink),
    { kind: code?.wasm ? 3 : 4, code: T > 1 ? code!.code() : undefined, ins, scalar: code?.scalar ?? [],
      consts: T > 1 && code!.wasm ? constBytes() : undefined, out: allocate("cpu", d, 1) });
}
