// float32 elementwise kernels as WebAssembly SIMD modules generated at run time: a chain of
// elementwise primitives (one primitive for eager ops, a fused group under jit; see fuse.ts)
// becomes one loop over f32x4 vectors whose math comes from simd-math.ts. Arrays stay in the
// JS heap; the driver copies them through a fixed scratch area of one memory in chunks of
// CHUNK floats, so the copies hit cache and the memory never grows (measured on a loaded
// 2-core machine: a kernel that only copies 1M floats in and out takes ~0.4 ms, the tanh
// chain ~3 ms, and allocating the fresh 4 MB output array ~2.5 ms of page faults).
// Scalars (rank 0) are kernel parameters.
// Kernels take (n, pointers..., scalars...) and never touch anything else, so big calls run
// ranges of elements on worker threads (parallel.ts), each instantiating the same code over
// a shared memory: bit-identical to one thread.
import { I32, name as str, section, u32, vec } from "./wasm-encode";
import { type Code, Fn, i32, IMPORTED, local, SIMD_OPS, v } from "./simd-math";
import { MAX_PAGES } from "./matmul-wasm";
import { costOf, elementwiseWork, parallelElementwise, threadCode, type ThreadCode, threadsForWork } from "./parallel";

/** An operand: input k (an array, or a scalar when rank 0), an earlier node, or a float32 literal. */
export type Operand = { input: number } | { node: number } | { literal: number };
export interface SimdChain {
  /** per input: true for a rank-0 scalar */
  scalars: boolean[];
  /** primitives in evaluation order (names in SIMD_OPS), the last one the output */
  nodes: { op: string; args: Operand[] }[];
}
/** Receives elements [at, at + m) of `heap`: the next m results of a kernel run in chunks. */
export type ChunkSink = (heap: Float32Array, at: number, m: number) => void;
/**
 * Runs a chain over Float32Arrays (numbers for scalar inputs); `out` has the length of the
 * arrays. `chunks` runs it over n elements and hands each chunk of results to `sink` straight
 * from the scratch area (a reduction folds them there, fuse-reduce.ts), in order.
 */
export type SimdKernel = ((ins: (Float32Array | number)[], out: Float32Array) => void) & {
  chunks: (ins: (Float32Array | number)[], n: number, sink: ChunkSink) => void;
  /** work per element (parallel.ts COST) and the code worker threads run */
  cost: number; threadCode: () => ThreadCode;
};

const F32 = 0x7d;
/** Elements per chunk: 16 KiB per operand, so a chunk of every operand stays in L2. */
export const CHUNK = 4096;
const PAGES = 16;
/** Vectors per loop iteration: 2 measured no faster than 1 (x86-64, Node 20): the CPU already overlaps iterations. */
const UNROLL = 1;
/** The constants of all kernels, deduplicated, at the top of the memory (16 bytes each). */
const POOL_BYTES = 65536, POOL_AT = PAGES * 65536 - POOL_BYTES;
/** Array operands (inputs + the output) that fit the scratch area. */
export const MAX_ARRAYS = Math.floor(POOL_AT / (CHUNK * 4));
const pool = new Map<string, number>();
/** The address of a constant in the pool (written there now), or null when the pool is full. */
function constAt(bytes: number[]): number | null {
  const key = bytes.join(",");
  let at = pool.get(key);
  if (at === undefined) {
    if (16 * (pool.size + 1) > POOL_BYTES) return null;
    at = POOL_AT + 16 * pool.size;
    new Uint8Array(state!.mem.buffer, at, 16).set(bytes);
    pool.set(key, at);
  }
  return at;
}

/**
 * The module for a chain: one function `run(n, ptr per array input, out ptr, scalar...)`,
 * importing this file's memory, or (`shared`) the worker threads' shared memory, which holds
 * the same constants at the same addresses (parallel.ts).
 */
function assemble(chain: SimdChain, shared = false): Uint8Array {
  const nArr = chain.scalars.filter((s) => !s).length, nSc = chain.scalars.length - nArr;
  const params = [I32, ...Array(nArr + 1).fill(I32), ...Array(nSc).fill(F32)];
  const f = new Fn(params, constAt);
  const o = f.local(I32), end = f.local(I32);
  // parameter index of input k: arrays first, then scalars
  const param: number[] = [];
  let a = 0, s = 0;
  for (const sc of chain.scalars) param.push(sc ? 2 + nArr + s++ : 1 + a++);
  const splats = chain.scalars.map((sc, k) => (sc ? f.let(v.splat(local.get(param[k]))) : null));
  f.e(local.get(0), i32(2), [0x74], local.set(end));   // end = n << 2 (bytes)
  f.e([0x02, 0x40, 0x03, 0x40], local.get(o), local.get(end), [0x4e, 0x0d, 1]);   // block loop; br_if o >= end
  for (let u = 0; u < UNROLL; u++) {
    const loads = new Map<number, Code>();
    const vals: Code[] = [];
    const read = (x: Operand): Code => {
      if ("literal" in x) return f.k(x.literal);
      if ("node" in x) return vals[x.node];
      if (splats[x.input]) return splats[x.input]!;
      let c = loads.get(x.input);
      if (!c) {
        c = f.let([...local.get(param[x.input]), ...local.get(o), 0x6a, 0xfd, 0x00, 4, ...u32(16 * u)]);
        loads.set(x.input, c);
      }
      return c;
    };
    for (const nd of chain.nodes) vals.push(f.let(SIMD_OPS[nd.op](f, nd.args.map(read))));
    // store at out + o (the lanes past n are junk that the driver never copies out)
    f.e(local.get(1 + nArr), local.get(o), [0x6a], vals[vals.length - 1], [0xfd, 0x0b, 4, ...u32(16 * u)]);
  }
  f.e(local.get(o), i32(16 * UNROLL), [0x6a], local.set(o), [0x0c, 0, 0x0b, 0x0b]);
  const f64fn = [0x60, 1, 0x7c, 1, 0x7c];
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, vec([[0x60, ...vec(params.map((p) => [p])), 0], f64fn])),
    ...section(2, vec([[...str("env"), ...str("mem"), 0x02, ...(shared ? [0x03, ...u32(PAGES), ...u32(MAX_PAGES)] : [0x00, ...u32(PAGES)])],
      ...IMPORTED.map((nm) => [...str("env"), ...str(nm), 0x00, 1])])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...str("run"), 0x00, ...u32(IMPORTED.length)]])),
    ...section(10, vec([f.encode()]))]);
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: { run: (...args: number[]) => void } };
  Memory: new (d: { initial: number; maximum?: number }) => { buffer: ArrayBuffer };
}
let state: { api: WasmApi; mem: { buffer: ArrayBuffer }; heap: Float32Array } | null | undefined;
function runtime() {
  if (state === undefined) {
    state = null;
    const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
    try {
      if (api) {
        const mem = new api.Memory({ initial: PAGES, maximum: PAGES });
        state = { api, mem, heap: new Float32Array(mem.buffer) };
        // A probe: runtimes without SIMD (or where compiling is blocked) reject this.
        if (!build({ scalars: [false], nodes: [{ op: "tanh", args: [{ input: 0 }] }] })) state = null;
      }
    } catch { state = null; }
  }
  return state;
}

const cache = new Map<string, SimdKernel | null>();
function build(chain: SimdChain): SimdKernel | null {
  const rt = state!;
  let run: (...args: number[]) => void;
  try {
    const m = new rt.api.Module(assemble(chain));
    run = new rt.api.Instance(m, { env: { mem: rt.mem, sin: Math.sin, cos: Math.cos, tan: Math.tan } }).exports.run;
  } catch { return null; }
  const arr = chain.scalars.flatMap((sc, k) => (sc ? [] : [k])), scal = chain.scalars.flatMap((sc, k) => (sc ? [k] : []));
  const heap = rt.heap, outBase = arr.length * CHUNK;
  const args = [0, ...arr.map((_, j) => j * CHUNK * 4), outBase * 4, ...scal.map(() => 0)];
  /** Copies chunk [off, off + m) of the array inputs into the scratch area and runs the loop. */
  const step = (ins: (Float32Array | number)[], off: number, m: number) => {
    for (let j = 0; j < arr.length; j++) {
      const x = ins[arr[j]] as Float32Array;
      heap.set(m === x.length ? x : x.subarray(off, off + m), j * CHUNK);
    }
    args[0] = m;
    run(...args);
  };
  const setScalars = (ins: (Float32Array | number)[]) => {
    for (let j = 0; j < scal.length; j++) args[2 + arr.length + j] = ins[scal[j]] as number;
  };
  const serial = (ins: (Float32Array | number)[], out: Float32Array) => {
    setScalars(ins);
    for (let off = 0, n = out.length; off < n; off += CHUNK) {
      const m = Math.min(CHUNK, n - off);
      step(ins, off, m);
      out.set(heap.subarray(outBase, outBase + m), off);
    }
  };
  const cost = costOf(chain.nodes.map((nd) => nd.op));
  let code: ThreadCode | undefined;
  const shared = () => (code ??= threadCode(true, assemble(chain, true)));
  // Big calls: the caller runs blocks of elements here, worker threads others (parallel.ts).
  const kernel = (ins: (Float32Array | number)[], out: Float32Array) => {
    const n = out.length, T = n > CHUNK ? threadsForWork(elementwiseWork(n, cost)) : 1;
    if (T > 1) {
      const arrays = ins.map((x) => (typeof x === "number" ? Float32Array.of(x) : x));
      const sub = (lo: number, hi: number) => ins.map((x) => (typeof x === "number" ? x : x.subarray(lo, hi)));
      if (parallelElementwise(T, shared(), arrays, ins.map((x) => typeof x === "number"), out, 0, constBytes(),
        (lo, hi) => serial(sub(lo, hi), out.subarray(lo, hi)))) return;
    }
    serial(ins, out);
  };
  const chunks = (ins: (Float32Array | number)[], n: number, sink: ChunkSink) => {
    setScalars(ins);
    for (let off = 0; off < n; off += CHUNK) {
      const m = Math.min(CHUNK, n - off);
      step(ins, off, m);
      sink(heap, outBase, m);
    }
  };
  return Object.assign(kernel, { chunks, cost, threadCode: shared });
}

/** The kernels' constants as they sit in the memory (the shared memory gets a copy). */
export const constBytes = (): Uint8Array => new Uint8Array(state!.mem.buffer, POOL_AT, 16 * pool.size);

/** True where WebAssembly SIMD kernels can be compiled here (else the JS loops run). */
export const simdAvailable = (): boolean => runtime() !== null;

/** The kernel of a chain (cached by its structure), or null without WebAssembly SIMD. */
export function simdKernel(chain: SimdChain): SimdKernel | null {
  if (!runtime() || chain.scalars.filter((s) => !s).length + 1 > MAX_ARRAYS) return null;
  const key = JSON.stringify(chain);
  let k = cache.get(key);
  if (k === undefined) { k = build(chain); cache.set(key, k); }
  return k;
}

/** The kernel of one primitive over inputs that are arrays or (true) scalars. */
export const simdOp = (op: string, scalars: boolean[]): SimdKernel | null =>
  SIMD_OPS[op] ? simdKernel({ scalars, nodes: [{ op, args: scalars.map((_, k) => ({ input: k })) }] }) : null;

/** Whether a primitive has a SIMD kernel. */
export const hasSimd = (op: string): boolean => op in SIMD_OPS;
