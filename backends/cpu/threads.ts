// Pools of worker threads that run WebAssembly kernels over one shared WebAssembly.Memory
// each: the GEMM of matmul-wasm.ts (matmul.ts decides when), and big elementwise kernels and
// reductions (parallel.ts). Each pool has a name; its workers instantiate the same compiled
// module over the pool's memory and run
// self-contained "tasks" (plain functions shipped as source, as backends/webgpu/transport.ts
// ships its runtime). Only one pool runs at a time (the calling thread waits for its tasks),
// so the idle one's workers sit in Atomics.wait and take no CPU. The first CTRL_BYTES of the memory are the control area: a generation
// word the workers wait on (Atomics.wait), a pending count the main thread waits on, the job
// description and one record per thread. The main thread takes part as thread 0.
// Node: worker_threads (eval'd code, unref'd, so an idle pool never keeps the process alive).
// Browsers: Workers from a Blob URL where SharedArrayBuffer exists (cross-origin isolated
// pages); a page's main thread may not block, so it spins on the pending count. Elsewhere (no
// shared memory, no workers) everything runs on the calling thread.
import { config } from "../../core/config";
import type { WasmMemory } from "./matmul-wasm";

/** Bytes at the start of the shared memory owned by the pool's control area. */
export const CTRL_BYTES = 8192;
/** i32 words of the control area. */
export const W = {
  GEN: 0, PENDING: 1, ERROR: 2, TASK: 3, NTHREADS: 4, EPOCH: 5, SCRATCH: 6,
  /** words 8..15 are the task's own (counters) */
  /** the job's parameters (written by the caller, read by the task) */
  JOB: 16,
  /** READY + id: the epoch of worker id once it is waiting for work */
  READY: 64,
  /** THREAD + id·THREAD_WORDS: thread id's share of the job */
  THREAD: 128, THREAD_WORDS: 16,
  /** the first failing thread's error message: its length, then UTF-16 code units from byte ERRTEXT·4 */
  ERRLEN: 1279, ERRTEXT: 1280,
} as const;
/** UTF-16 code units of a worker's error message that the control area keeps. */
const ERR_CHARS = (CTRL_BYTES / 4 - W.ERRTEXT) * 2;
/** Threads (the caller included) the control area has records for. */
export const MAX_THREADS = 64;

/** A task: runs thread `id`'s share of the job described in the control area of `mem`. */
export type Task = (ex: Record<string, (...a: number[]) => number | void>, mem: WasmMemory, id: number) => void;

// The worker's code. `__name`: bundlers that keep function names wrap nested functions in a
// helper the worker does not have. The loop: wait for the generation word to move, leave if
// the pool was replaced (epoch), run this thread's share if it takes part, count down.
const BOOT = `
var __name = (f) => f;
const TASKS = [/*TASKS*/];
const start = ({ module, mem, id, epoch }) => {
  const ex = new WebAssembly.Instance(module, { env: { mem } }).exports;
  const ctl = new Int32Array(mem.buffer, 0, ${CTRL_BYTES / 4});
  const gone = () => Atomics.load(ctl, ${W.EPOCH}) !== epoch;
  if (gone()) return;
  let seen = Atomics.load(ctl, ${W.GEN});
  for (let v; (v = Atomics.load(ctl, ${W.READY} + id)) < epoch && Atomics.compareExchange(ctl, ${W.READY} + id, v, epoch) !== v;);
  for (;;) {
    while (Atomics.load(ctl, ${W.GEN}) === seen) Atomics.wait(ctl, ${W.GEN}, seen);
    seen = Atomics.load(ctl, ${W.GEN});
    if (gone()) return;
    if (id >= Atomics.load(ctl, ${W.NTHREADS})) continue;
    try { TASKS[Atomics.load(ctl, ${W.TASK})](ex, mem, id); } catch (e) {
      // the first failure leaves its message for the caller
      if (Atomics.compareExchange(ctl, ${W.ERROR}, 0, 2) === 0) {
        const msg = String(e && e.message || e).slice(0, ${ERR_CHARS}), text = new Uint16Array(mem.buffer, ${W.ERRTEXT * 4}, msg.length);
        for (let i = 0; i < msg.length; i++) text[i] = msg.charCodeAt(i);
        Atomics.store(ctl, ${W.ERRLEN}, msg.length);
      } else Atomics.store(ctl, ${W.ERROR}, 2);
    }
    if (Atomics.sub(ctl, ${W.PENDING}, 1) === 1) Atomics.notify(ctl, ${W.PENDING});
  }
};
// Node evaluates this as CommonJS, or as ESM where the process runs with --input-type=module.
if (typeof process === "object" && process.versions && process.versions.node) {
  start((typeof require === "function" ? require : process.getBuiltinModule)("node:worker_threads").workerData);
} else self.onmessage = (e) => { self.onmessage = null; start(e.data); };
`;

interface WorkerLike { terminate(): unknown; unref?(): void; postMessage?(m: unknown): void; on?(ev: string, f: (e: unknown) => void): void }
type WorkerCtor = new (code: string, opts?: object) => WorkerLike;

interface Pool {
  name: string; mem: WasmMemory; module: object; code: string; workers: WorkerLike[]; epoch: number; ctl: Int32Array; canWait: boolean;
  /** the workers' Blob URL (browsers); set when starting a worker failed, so it is not retried per call */
  url?: string; broken?: boolean;
  /** tasks run on more than one thread */
  runs: number;
}
/** The pools by name; a pool's memory and module are fixed (a new memory replaces the pool). */
const pools = new Map<string, Pool>();

const isNode = typeof process !== "undefined" && !!(process as { versions?: { node?: string } }).versions?.node;
let nodeWorker: WorkerCtor | null | undefined;
/** Node's Worker class: synchronously where the runtime can (Node >= 20.16), else after an import. */
function nodeWorkerCtor(): WorkerCtor | null {
  if (nodeWorker !== undefined) return nodeWorker;
  const gbm = (process as { getBuiltinModule?: (id: string) => { Worker: WorkerCtor } | undefined }).getBuiltinModule;
  const m = gbm?.("node:worker_threads");
  if (m) return (nodeWorker = m.Worker);
  nodeWorker = null;   // until the import resolves: single-threaded
  import("node:worker_threads").then((m) => { nodeWorker = m.Worker as unknown as WorkerCtor; }, () => {});
  return null;
}

/** Starts worker `id` over the pool's memory, or returns null where this runtime has no workers (yet). */
function spawn(p: Pool, id: number): WorkerLike | null {
  const data = { module: p.module, mem: p.mem, id, epoch: p.epoch };
  if (p.broken) return null;
  p.broken = true;   // unless it works out below
  try {
    if (isNode) {
      const Ctor = nodeWorkerCtor();
      if (!Ctor) { p.broken = nodeWorker === undefined; return null; }   // pending import: try again later
      const w = new Ctor(p.code, { eval: true, workerData: data });
      w.unref?.();   // an idle pool must not keep the process alive
      // A worker that fails to start never reports ready (work stays on fewer threads); without
      // a listener its error would end the process.
      w.on?.("error", () => {});
      p.broken = false;
      return w;
    }
    const g = globalThis as unknown as { Worker?: new (url: string) => WorkerLike; Blob?: new (parts: string[], o: object) => object;
      URL?: { createObjectURL(b: object): string } };
    if (!g.Worker || !g.Blob || !g.URL) return null;
    p.url ??= g.URL.createObjectURL(new g.Blob([p.code], { type: "text/javascript" }));
    const w = new g.Worker(p.url);
    w.postMessage?.(data);
    p.broken = false;
    return w;
  } catch {
    return null;
  }
}

/** Stops every worker of the pool (they also leave on their own once they see the epoch move). */
function stop(p: Pool): void {
  Atomics.add(p.ctl, W.EPOCH, 1);
  Atomics.add(p.ctl, W.GEN, 1);
  Atomics.notify(p.ctl, W.GEN);
  for (const w of p.workers) { try { void w.terminate(); } catch { /* already gone */ } }
  p.workers = [];
}

/**
 * The number of threads, the caller included, that can run a task over `mem` now: at most
 * `want` and `config.get("cpuThreads")`, and 1 where `mem` is not shared or no worker is
 * ready yet. Starts workers of pool `name` up to `cpuThreads` - 1 (none while it is 1); new
 * ones are ready a few milliseconds later, until then work runs on fewer threads.
 * @example const n = threadsFor(mem, module, [gemmTask], 4)
 */
export function threadsFor(mem: WasmMemory, module: object, tasks: readonly Task[], want: number, name = "gemm"): number {
  const cap = Math.min(config.get("cpuThreads"), MAX_THREADS);
  if (cap <= 1) return 1;
  if (typeof SharedArrayBuffer !== "function" || !(mem.buffer instanceof SharedArrayBuffer)) return 1;
  let pool = pools.get(name);
  if (pool && (pool.mem !== mem || pool.module !== module)) { stop(pool); pools.delete(name); pool = undefined; }
  if (!pool) {
    const ctl = new Int32Array(mem.buffer, 0, CTRL_BYTES / 4);
    let canWait = true;   // a page's main thread may not block in Atomics.wait
    try { Atomics.wait(ctl, W.SCRATCH, 1, 0); } catch { canWait = false; }
    const code = BOOT.replace("/*TASKS*/", tasks.map((t) => `(${t.toString()})`).join(",\n"));
    pool = { name, mem, module, code, workers: [], epoch: Atomics.add(ctl, W.EPOCH, 1) + 1, ctl, canWait, runs: 0 };
    pools.set(name, pool);
  }
  const p = pool;
  // Workers past a lowered cap stay idle (blocked in Atomics.wait: no CPU) until it rises again.
  while (p.workers.length < cap - 1) {
    const w = spawn(p, p.workers.length + 1);
    if (!w) break;
    p.workers.push(w);
  }
  let n = 1;
  while (n < Math.min(want, cap) && n <= p.workers.length && Atomics.load(p.ctl, W.READY + n) === p.epoch) n++;
  return n;
}

/**
 * Runs task number `task` (of the list given to `threadsFor`) on threads 1..n-1 and `main`
 * (its share as thread 0) on this thread, returning when all are done. The caller has
 * written the job into the control area; `n` is at most what `threadsFor` returned.
 * @example runThreads(mem, 2, 0, () => gemmTask(ex, mem, 0))
 */
export function runThreads(mem: WasmMemory, n: number, task: number, main: () => void): void {
  let pool: Pool | undefined;
  for (const p of pools.values()) if (p.mem === mem) pool = p;
  if (n <= 1 || !pool) { main(); return; }
  const ctl = pool.ctl;
  pool.runs++;
  Atomics.store(ctl, W.ERROR, 0);
  Atomics.store(ctl, W.ERRLEN, 0);
  Atomics.store(ctl, W.TASK, task);
  Atomics.store(ctl, W.NTHREADS, n);
  Atomics.store(ctl, W.PENDING, n - 1);
  Atomics.add(ctl, W.GEN, 1);
  Atomics.notify(ctl, W.GEN);   // all: waiters wake in no set order, and every taking part must
  let failed: unknown = null;
  try {
    main();
  } catch (e) {
    failed = e;
    Atomics.store(ctl, W.ERROR, 1);   // tasks waiting on this thread's part give up
  }
  // Wait even when `main` threw: the workers write into the memory until they are done.
  for (let p; (p = Atomics.load(ctl, W.PENDING)) !== 0;) if (pool.canWait) Atomics.wait(ctl, W.PENDING, p, 1000);
  if (failed) throw failed;
  if (Atomics.load(ctl, W.ERROR) === 2) {
    const len = Atomics.load(ctl, W.ERRLEN), text = new Uint16Array(mem.buffer, W.ERRTEXT * 4, len);
    let msg = "";
    for (let i = 0; i < len; i++) msg += String.fromCharCode(text[i]);
    throw new Error(`cpu threads: a worker thread failed while running a kernel: ${msg || "(no message)"}`);
  }
}

/** Whether this thread may block in Atomics.wait (not a page's main thread); known once a pool exists. */
export const mainCanWait = (): boolean => { for (const p of pools.values()) return p.canWait; return true; };
/**
 * Pool `name`'s state, for tests and benchmarks: workers started, workers ready for work, and
 * how many tasks have run on more than one thread so far.
 * @example poolInfo() // { workers: 1, ready: 1, parallelRuns: 3 }
 */
export function poolInfo(name = "gemm"): { workers: number; ready: number; parallelRuns: number } {
  const p = pools.get(name);
  let ready = 0;
  if (p) for (let id = 1; id <= p.workers.length; id++) if (Atomics.load(p.ctl, W.READY + id) === p.epoch) ready++;
  return { workers: p?.workers.length ?? 0, ready, parallelRuns: p?.runs ?? 0 };
}
