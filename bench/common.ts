// Helpers shared by the benchmarks in bench/: loading peer libraries from the scratch npm
// project named by GRAFT_PEERS, median and best-of timers, deterministic input data, the
// machine description, plain-text/markdown tables, and running /usr/bin/python3 scripts.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import os from "node:os";
import { pathToFileURL } from "node:url";

/** BENCH_QUICK=1: fewer repetitions and smaller sizes, for development. */
export const QUICK = process.env.BENCH_QUICK === "1";

/**
 * A peer library from the folder named by GRAFT_PEERS (a scratch npm project holding the
 * peers, so they never enter our lock file; see ../shared/PEERS.md), else from this
 * project; null when it is not installed.
 */
export async function peer(name: string): Promise<any> {
  const from = process.env.GRAFT_PEERS ? `${process.env.GRAFT_PEERS}/` : import.meta.url;
  try { return await import(pathToFileURL(createRequire(from).resolve(name)).href); } catch { return null; }
}

export interface TimeOpts {
  /** timed calls (default 7, 3 in quick mode); calls slower than `slowMs` get 3 */
  reps?: number;
  /** untimed calls: at least `minWarmup` (default 2) and until `warmupMs` (default 300) have
   * passed, so that V8 has tiered the code up and caches are filled */
  warmupMs?: number;
  minWarmup?: number;
  slowMs?: number;
}

/**
 * Median ms per call of `f` (awaited when it returns a promise, so that libraries that
 * compute lazily or asynchronously are timed until the work is done; a synchronous `f` is
 * not awaited, which would add a microtask to every call).
 */
export async function medianMs(f: () => unknown, o: TimeOpts = {}): Promise<number> {
  const slowMs = o.slowMs ?? 1000;
  const w0 = performance.now();
  await call(f);
  const first = performance.now() - w0;
  const warmupMs = o.warmupMs ?? (QUICK ? 50 : 300);
  const minWarmup = first > slowMs ? 0 : o.minWarmup ?? 2;
  for (let i = 1; i < minWarmup || (first < slowMs && performance.now() - w0 < warmupMs); i++) {
    const p = call(f);
    if (p) await p;
  }
  const reps = first > slowMs ? 3 : o.reps ?? (QUICK ? 3 : 7);
  const ts: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const p = call(f);
    if (p) await p;
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

/** Calls `f`; its result when that is a promise, else undefined. */
function call(f: () => unknown): Promise<unknown> | undefined {
  const r = f();
  return r instanceof Promise ? r : undefined;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/**
 * Best ms per call over `rounds` calls after ~300 ms of warm-up; with `cpu`, CPU time of
 * this process (user + system) instead of wall time, so that other processes on a shared
 * machine skew less. The minimum is the statistic least disturbed by other load (timeit).
 */
export function bestMs(f: () => unknown, rounds = 9, cpu = false): number {
  const w0 = performance.now();
  while (performance.now() - w0 < 300) f();
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage(), t0 = performance.now();
    f();
    const d = process.cpuUsage(c0);
    best = Math.min(best, cpu ? (d.user + d.system) / 1000 : performance.now() - t0);
  }
  return best;
}

/** `ms` with a unit that keeps three significant figures: µs below 0.1 ms. */
export const fmtMs = (ms: number): string => (ms < 0.1 ? `${(ms * 1000).toFixed(2)} µs` : `${ms.toFixed(2)} ms`);

/** Deterministic floats in [-0.5, 0.5) (an LCG), the same in every library and process. */
export function randFloats(n: number, seed = 1): Float32Array {
  let s = seed >>> 0;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; a[i] = s / 2 ** 32 - 0.5; }
  return a;
}

/** Deterministic integers in [0, k). */
export function randInts(n: number, k: number, seed = 1): Int32Array {
  return Int32Array.from(randFloats(n, seed), (v) => Math.min(k - 1, Math.floor((v + 0.5) * k)));
}

export const loadAvg = (): string => os.loadavg().map((v) => v.toFixed(2)).join(" ");

/** One line saying where the figures come from. */
export function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? "unknown CPU"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
    `Node ${process.version}, ${os.type()} ${os.release()}, ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** A table as padded markdown: readable on a terminal and valid in a .md file. */
export function table(header: string[], rows: string[][], rightAlign = header.map((_, i) => i > 0)): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (rightAlign[i] ? (c ?? "").padStart(w[i]!) : (c ?? "").padEnd(w[i]!))).join(" | ")} |`;
  const rule = `|${w.map((n, i) => (rightAlign[i] ? `${"-".repeat(n + 1)}:` : `:${"-".repeat(n + 1)}`)).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/**
 * Runs a Python script with Debian's system interpreter (where python3-torch and numpy live,
 * not a pyenv python earlier on the PATH); returns its stdout, or null (with the reason in
 * `onError`) when python, a module or the script fails.
 */
export function python(script: string, args: string[] = [], o: { env?: NodeJS.ProcessEnv; timeoutMs?: number; onError?: (why: string) => void } = {}): string | null {
  try {
    return execFileSync("/usr/bin/python3", ["-c", script, ...args], {
      encoding: "utf8", env: o.env ?? process.env, timeout: o.timeoutMs ?? 600_000, stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const lines = (err.stderr || err.message).trim().split("\n");
    o.onError?.(lines[lines.length - 1] ?? "failed");
    return null;
  }
}

/**
 * jax-js in Node: its init() reads `navigator`, which Node 20 lacks. With `threads` > 1, a
 * browser-style `Worker` global (worker-shim.ts) is installed first so that its wasm backend,
 * which decides when the module loads, runs kernels on a pool of that many worker threads
 * (it sizes the pool by navigator.hardwareConcurrency).
 */
export async function loadJaxJs(threads = 1): Promise<any> {
  (globalThis as any).navigator ??= { hardwareConcurrency: threads };
  if (threads > 1) (await import("./worker-shim")).installWorkerShim();
  const jax = await peer("@jax-js/jax");
  if (jax) await jax.init();
  return jax;
}
