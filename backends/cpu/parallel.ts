// Big elementwise kernels and reductions on several threads: the calling thread and the
// workers of threads.ts' "elementwise" pool, over one shared WebAssembly.Memory of their own.
// The caller's arrays are ordinary ArrayBuffers that workers cannot see, so the work is cut
// into blocks claimed from both ends (parallel-task.ts): the caller computes blocks from the
// front straight from its arrays with the single-threaded kernel, and copies the operands of
// the back blocks into the shared memory for the workers, a few blocks ahead of their claims
// (the copying overlaps their computing); once all are done it copies the workers' results
// out. Each element is computed by the same code on every thread, so elementwise results
// are bit-identical to one thread's.
//
// Reductions fold rows of r elements in order in a double (reduce.ts). Rows shorter than
// PARALLEL.minSplit stay whole (a block holds whole rows): results are those of one thread.
// A row of r >= minSplit elements is summed in blocks of PARALLEL.rowBlock consecutive
// elements, each folded in order from the monoid's identity, and the block results folded
// in order: this order depends on r alone, not on the thread count or on which thread took
// which block, and eager reductions (reduce.ts) and reductions fused into a jit loop
// (fuse-reduce.ts) both follow it, so results are deterministic and jit equals eager. Only
// float sums and products change with it (rounding); max, min (NaN propagating, the first of
// equal values kept), and/or and wrapping integer sums give the sequential result.
//
// Where there is no SharedArrayBuffer or no worker (browsers without cross-origin isolation,
// cpuThreads 1) everything runs on the calling thread, in the same order.
import type { TypedArray } from "../../core/dtype";
import { MAX_PAGES, type WasmMemory } from "./matmul-wasm";
import { blockTask } from "./parallel-task";
import { CTRL_BYTES, MAX_THREADS, runThreads, type Task, threadsFor, W } from "./threads";

/**
 * When work is split across threads. `minWork`: the work (see elementwiseWork, reduceWork;
 * an add of one element costs 1) from which a kernel runs on the pool; `staging`: the cost
 * per element of copying a worker's operands in and its results out, which the caller does
 * (so memory-bound kernels, whose whole cost that is, stay on one thread); `block`: elements
 * per block of an elementwise kernel; `minSplit` and `rowBlock`: see the header (they define
 * the order of big float sums, so they are the same for eager and jit). Measured on 2 cores
 * (see the commit and bench/elementwise-cpu.ts): tanh pays from ~2^19 elements, the float64
 * Math.exp loop from ~2^17, max from ~2^20, sum from ~2^21; adds and multiplies never.
 * Tests lower them to send small arrays through the threads.
 */
export const PARALLEL = { minWork: 2 ** 22, staging: 2, block: 2 ** 15, minSplit: 2 ** 18, rowBlock: 2 ** 16 };

/**
 * Cost per element of each primitive relative to an add, for the work estimate (rounded
 * from timings): in the float32 WebAssembly SIMD kernels (COST), and in the JS loops over
 * float64 (JS_COST), where Math.* calls cost more than SIMD polynomials; unlisted ones cost 1.
 */
export const COST: Record<string, number> = {
  exp: 8, log: 8, expm1: 10, log1p: 12, tanh: 10, logistic: 10, sin: 12, cos: 12, tan: 14, div: 2, sqrt: 2,
};
export const JS_COST: Record<string, number> = {
  exp: 30, log: 30, expm1: 30, log1p: 30, tanh: 40, logistic: 35, sin: 40, cos: 40, tan: 50, div: 2, sqrt: 2,
};
/** Cost per element of a reduction's fold: the sum's adds depend on each other; max and min test for NaN. */
export const FOLD_COST: Record<string, number> = { sum: 2, prod: 2, max: 4, min: 4 };
/** The cost per element of a chain of primitives. */
export const costOf = (ops: readonly string[], js = false): number => ops.reduce((c, op) => c + ((js ? JS_COST : COST)[op] ?? 1), 0);
/** The work of an elementwise kernel over n elements: what threads can share beyond the copies. */
export const elementwiseWork = (n: number, cost: number): number => n * Math.max(0, cost - PARALLEL.staging);
/** The work of a reduction of n elements (of a fused loop of cost `loop` per element, 0 for an array): only operands are copied. */
export const reduceWork = (n: number, fold: string, loop = 0): number =>
  n * (Math.max(0, loop - PARALLEL.staging / 2) + (FOLD_COST[fold] ?? 2));

/**
 * What worker threads need to run a fused loop (fuse.ts) over a range: its code (a SIMD
 * kernel, or a JS loop over (ins, out)), which operands are rank-0 scalars, and its cost per element.
 */
export interface LoopCode { wasm: boolean; scalar: boolean[]; cost: number; code: () => ThreadCode }

/**
 * A fused JS loop (fuse.ts) compiled from `body` over (ins, out): elements [0, out.length)
 * of out from the same elements of the inputs (rank-0 ones read at 0). Big calls run on
 * several threads, the workers compiling the same text. Throws where `Function` is blocked.
 * @example jsLoop("for (let i = 0; i < out.length; i++) out[i] = ins[0][i] * 2;", [false], 1)
 */
export function jsLoop(body: string, scalar: boolean[], cost: number): ((ins: TypedArray[], out: TypedArray) => void) & { thread: LoopCode } {
  const params = ["ins", "out"], fn = new Function(...params, body) as (ins: TypedArray[], out: TypedArray) => void;
  let code: ThreadCode | undefined;
  const thread: LoopCode = { wasm: false, scalar, cost, code: () => (code ??= threadCode(false, { params, body })) };
  const run = (ins: TypedArray[], out: TypedArray) => {
    const n = out.length, T = threadsForWork(elementwiseWork(n, cost));
    if (T > 1 && parallelElementwise(T, thread.code(), ins, scalar, out, 3, undefined,
      (lo, hi) => fn(ins.map((x, k) => (scalar[k] ? x : x.subarray(lo, hi))), out.subarray(lo, hi)))) return;
    fn(ins, out);
  };
  return Object.assign(run, { thread });
}

/** Code a worker compiles once: a WebAssembly module over the shared memory, or a JS function ("a,b\nbody"). */
export interface ThreadCode { id: number; wasm: boolean; bytes: Uint8Array }
let nextId = 1;
/** Registers code for the workers. */
export function threadCode(wasm: boolean, code: Uint8Array | { params: string[]; body: string }): ThreadCode {
  const bytes = code instanceof Uint8Array ? code : new TextEncoder().encode(`${code.params.join(",")}\n${code.body}`);
  return { id: nextId++, wasm, bytes };
}

// Layout of the shared memory: the pool's control area, code, the SIMD kernels' constants (at
// the addresses the kernels were compiled with, elementwise-wasm.ts POOL_AT), per-thread
// scratch chunks, then the staged operands and results.
const CODE_AT = CTRL_BYTES, CONST_AT = 15 * 65536, SCRATCH_AT = 16 * 65536;
/** Elements of a fused reduction's chunk (elementwise-wasm.ts CHUNK); 8 bytes each at most. */
const CHUNK = 4096, SCRATCH_BYTES = CHUNK * 8 + 64;
const STAGE_AT = SCRATCH_AT + MAX_THREADS * SCRATCH_BYTES;
const PAGE = 65536;
/** Bytes of staged operands the shared memory may grow to. */
const MAX_STAGE = 2 ** 30;
const JOB = W.JOB;
const C = { LEFT: 8, BACK: 9, STAGED: 10 } as const;
const DT: Record<string, number> = { Float32Array: 0, Float64Array: 1, Int32Array: 2, Uint32Array: 3, Uint8Array: 4 };
const TASKS = [blockTask as unknown as Task];

interface Shared { mem: WasmMemory; module: object; u: Uint32Array; i32: Int32Array; u8: Uint8Array; f64: Float64Array }
let shared: Shared | null | undefined;
/** The pool's memory, grown to `bytes`; null without shared WebAssembly memory. */
function memory(bytes: number): Shared | null {
  if (shared === undefined) {
    shared = null;
    const wa = (globalThis as unknown as { WebAssembly?: { Memory: new (d: object) => WasmMemory; Module: new (b: Uint8Array) => object } }).WebAssembly;
    if (wa && typeof SharedArrayBuffer === "function") {
      try {
        const mem = new wa.Memory({ initial: Math.ceil(STAGE_AT / PAGE), maximum: MAX_PAGES, shared: true });
        // the workers instantiate the kernels themselves; the pool's own module is empty
        const module = new wa.Module(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
        shared = { mem, module, ...views(mem) };
      } catch { shared = null; }
    }
  }
  const s = shared;
  if (!s) return null;
  if (bytes > s.mem.buffer.byteLength) {
    try { s.mem.grow(Math.ceil((bytes - s.mem.buffer.byteLength) / PAGE)); } catch { return null; }
    Object.assign(s, views(s.mem));
  }
  return s;
}
const views = (mem: WasmMemory) => ({ u: new Uint32Array(mem.buffer), i32: new Int32Array(mem.buffer), u8: new Uint8Array(mem.buffer), f64: new Float64Array(mem.buffer) });

/** Threads (the caller included) for `work` (elements × cost), 1 when it is below PARALLEL.minWork or no worker is ready. */
export function threadsForWork(work: number): number {
  if (work < PARALLEL.minWork || busy) return 1;   // a kernel inside a block runs on its thread
  const s = memory(0);
  return s ? threadsFor(s.mem, s.module, TASKS, MAX_THREADS, "elementwise") : 1;
}

const align = (n: number, a: number) => Math.ceil(n / a) * a;
const elemBytes = (a: TypedArray) => a.BYTES_PER_ELEMENT;
const viewOf = (s: Shared, a: TypedArray, off: number, len: number): TypedArray =>
  new (a.constructor as new (b: ArrayBufferLike, o: number, l: number) => TypedArray)(s.mem.buffer, off, len);

interface Job {
  kind: 0 | 1 | 2 | 3 | 4;
  code?: ThreadCode; fold?: ThreadCode;
  /** operands: arrays of n elements, or rank-0 scalars (one-element arrays) */
  ins: TypedArray[]; scalar: boolean[];
  n: number; B: number; nb: number;
  /** the output's typed array (elementwise; a chunk of this kind for fused JS reductions) */
  out?: TypedArray; mode?: number;
  /** reductions: row length, whether rows are split, blocks per row, identity */
  r?: number; split?: boolean; bpr?: number; init?: number;
  consts?: Uint8Array;
}

/**
 * Runs a job on T threads: `front(b)` computes block b on this thread; the workers take blocks
 * from the back. Returns the shared memory and the first block the workers computed (nb when
 * none did), whose results are there; null (nothing run) when the memory cannot grow.
 */
function drive(T: number, job: Job, front: (b: number) => void, staged: (b: number) => [number, number]): { s: Shared; first: number; layout: Layout } | null {
  const lay = layout(job);
  // a memory never shrinks: bigger jobs stay on this thread; so do arrays the workers cannot view
  if (lay.end > MAX_STAGE || ![...job.ins, ...(job.out ? [job.out] : [])].every((x) => x.constructor.name in DT)) return null;
  const s = memory(lay.end);
  if (!s) return null;
  const { u, i32, u8, f64 } = s;
  // the code, then the job
  let at = CODE_AT;
  if (job.code) { u8.set(job.code.bytes, at); at += align(job.code.bytes.length, 8); }
  if (job.fold) u8.set(job.fold.bytes, at);
  if (job.consts) u8.set(job.consts, CONST_AT);
  u.fill(0, JOB, W.READY);
  u[JOB] = job.kind; u[JOB + 1] = job.code?.id ?? 0; u[JOB + 2] = job.code?.bytes.length ?? 0;
  u[JOB + 3] = job.fold?.id ?? 0; u[JOB + 4] = job.fold?.bytes.length ?? 0;
  u[JOB + 5] = job.n; u[JOB + 6] = job.B; u[JOB + 7] = job.nb; u[JOB + 8] = job.ins.length;
  u[JOB + 9] = lay.out; u[JOB + 10] = job.out ? DT[job.out.constructor.name] : 0; u[JOB + 11] = job.mode ?? 0;
  u[JOB + 12] = job.r ?? 0; u[JOB + 13] = job.split ? 1 : 0; u[JOB + 14] = job.bpr ?? 0; u[JOB + 15] = lay.res;
  u[JOB + 16] = SCRATCH_AT; u[JOB + 17] = SCRATCH_BYTES - 64;
  f64[(JOB + 20) / 2] = job.init ?? 0;
  job.ins.forEach((x, k) => {
    u[JOB + 22 + 3 * k] = lay.ins[k]; u[JOB + 23 + 3 * k] = DT[x.constructor.name]; u[JOB + 24 + 3 * k] = job.scalar[k] ? 1 : 0;
    if (job.scalar[k]) viewOf(s, x, lay.ins[k], 1).set(x.subarray(0, 1));
  });
  i32[C.LEFT] = job.nb; i32[C.BACK] = 0; i32[C.STAGED] = 0;
  let frontDone = 0, stagedCount = 0;
  const stage = () => {
    const b = job.nb - 1 - stagedCount, [lo, hi] = staged(b);
    job.ins.forEach((x, k) => { if (!job.scalar[k]) viewOf(s, x, lay.ins[k] + lo * elemBytes(x), hi - lo).set(x.subarray(lo, hi)); });
    Atomics.store(i32, C.STAGED, ++stagedCount);
    Atomics.notify(i32, C.STAGED);
  };
  // Keep each worker about two blocks ahead of its claims, so it rarely waits for a copy.
  const ahead = 2 * (T - 1);
  busy = true;
  try {
    runThreads(s.mem, T, 0, () => {
      for (;;) {
        while (stagedCount < job.nb - frontDone && stagedCount < Atomics.load(i32, C.BACK) + ahead) stage();
        if (Atomics.sub(i32, C.LEFT, 1) <= 0) break;
        front(frontDone++);
      }
      while (stagedCount < job.nb - frontDone) stage();   // every block claimed from the back
    });
  } finally { busy = false; }
  return { s, first: frontDone, layout: lay };
}

/** Set while a job runs: kernels called by its blocks stay on their thread. */
let busy = false;

interface Layout { ins: number[]; out: number; res: number; end: number }
/** Byte offsets of the staged operands, the output and the partial results (64-aligned, each padded for the SIMD tail). */
function layout(job: Job): Layout {
  let at = STAGE_AT;
  const take = (bytes: number) => { const o = at; at = align(at + bytes + 16, 64); return o; };
  const ins = job.ins.map((x, k) => take(job.scalar[k] ? 8 : job.n * elemBytes(x)));
  const out = job.out && job.kind <= 1 ? take(job.n * elemBytes(job.out)) : 0;
  const res = job.kind >= 2 ? take(8 * (job.split ? job.nb : Math.ceil(job.n / job.r!))) : 0;
  return { ins, out, res, end: at };
}

/**
 * out = kernel(ins) elementwise over n elements on T threads (T from threadsForWork, > 1):
 * `main(lo, hi)` runs elements [lo, hi) on this thread with the single-threaded kernel, the
 * workers run `code` (kind 0: a WebAssembly kernel run(n, ptrs..., out, scalars...); kind 1:
 * a JS loop (xs, ys, out, mode), or (ins, out) where mode is 3). Returns false (nothing
 * written) when the shared memory cannot hold the operands.
 * @example parallelElementwise(2, code, [x], [false], out, 0, 0, (lo, hi) => k(x.subarray(lo, hi), out.subarray(lo, hi)))
 */
export function parallelElementwise(T: number, code: ThreadCode, ins: TypedArray[], scalar: boolean[], out: TypedArray,
                                    mode: number, consts: Uint8Array | undefined, main: (lo: number, hi: number) => void): boolean {
  const n = out.length, B = Math.max(1024, Math.min(PARALLEL.block, align(Math.ceil(n / (8 * T)), 1024)));
  const job: Job = { kind: code.wasm ? 0 : 1, code, ins, scalar, n, B, nb: Math.ceil(n / B), out, mode, consts };
  const range = (b: number): [number, number] => [b * B, Math.min(n, b * B + B)];
  const done = drive(T, job, (b) => main(...range(b)), range);
  if (!done) return false;
  const lo = done.first * B;
  if (lo < n) out.set(viewOf(done.s, out, done.layout.out + lo * elemBytes(out), n - lo), lo);
  return true;
}

/** A reduction's fold (fuse-reduce.ts): folds c[lo, hi) into st = [acc, left in row, output index], writing out[o] when a row ends. */
export type Fold = (c: ArrayLike<number>, lo: number, hi: number, st: Float64Array, out: { [i: number]: number }, r: number, init: number) => void;
/** How a reduction's rows are cut into blocks. */
export interface Blocks { split: boolean; B: number; nb: number; bpr: number }
/** The blocks of rows of r elements, n in all (B whole rows, or B elements of one row when r >= minSplit). */
export function reduceBlocks(n: number, r: number): Blocks {
  if (r >= PARALLEL.minSplit) {
    const B = PARALLEL.rowBlock, bpr = Math.ceil(r / B);
    return { split: true, B, nb: (n / r) * bpr, bpr };
  }
  const rows = Math.max(1, Math.floor(PARALLEL.rowBlock / r)), B = rows * r;
  return { split: false, B, nb: Math.ceil(n / B), bpr: 0 };
}

/**
 * Folds rows of r elements (n in all, n / r outputs) into `out`: `source(lo, hi, sink)` hands
 * the elements [lo, hi) of the operand to `sink(c, at, m)` (in chunks, or at once) on this
 * thread; for the workers, `job` says how they compute them (kind 2: staged copies of the
 * operand ins[0]; kind 3/4: a fused loop over ins). `combine(a, v)` folds block results.
 * Runs on T threads (1: this thread only), in the order the header defines.
 */
export function parallelReduce(T: number, n: number, r: number, fold: Fold, foldCode: ThreadCode | null, init: number,
                               combine: (a: number, v: number) => number, out: TypedArray,
                               source: (lo: number, hi: number, sink: (c: ArrayLike<number>, at: number, m: number) => void) => void,
                               job: Pick<Job, "kind" | "code" | "ins" | "scalar" | "consts" | "out">): void {
  const bl = reduceBlocks(n, r), { split, B, nb, bpr } = bl;
  const res = new Float64Array(split ? nb : n / r);
  const st = new Float64Array(3);
  const range = (b: number): [number, number] => {
    if (!split) return [b * B, Math.min(n, b * B + B)];
    const o = Math.floor(b / bpr), lo = o * r + (b - o * bpr) * B;
    return [lo, Math.min(o * r + r, lo + B)];
  };
  const front = (b: number) => {
    const [lo, hi] = range(b), len = split ? hi - lo : r;
    st[0] = init; st[1] = len; st[2] = split ? b : lo / r;
    source(lo, hi, (c, at, m) => fold(c, at, at + m, st, res, len, init));
  };
  let done: ReturnType<typeof drive> = null;
  if (T > 1 && foldCode) done = drive(T, { ...job, fold: foldCode, n, B, nb, r, split, bpr, init }, front, range);
  if (!done) for (let b = 0; b < nb; b++) front(b);
  else if (done.first < nb) {
    // the workers' results: partials of blocks first.., or the rows those blocks hold
    const from = split ? done.first : range(done.first)[0] / r;
    res.set(new Float64Array(done.s.mem.buffer, done.layout.res + 8 * from, res.length - from), from);
  }
  if (!split) { out.set(res); return; }
  for (let o = 0, k = 0; o < n / r; o++) {
    let a = res[k++];
    for (let j = 1; j < bpr; j++) a = combine(a, res[k++]);
    out[o] = a;
  }
}
