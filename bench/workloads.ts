// The workloads of `npm run bench` (bench/run-all.ts), defined once for every library: their
// sizes (smaller under BENCH_QUICK=1), the rows of the results table with their units, how a
// median time becomes the reported figure, and the goals of issue 6 that the figures are held
// against. Each library module (bench/lib-*.ts, bench/torch_ref.py) implements the rows it can.
import os from "node:os";
import { QUICK } from "./common";

export interface Sizes {
  matmul: number[];
  /** lengths of the elementwise chain tanh(x*1.5+0.5)*2 */
  chain: number[];
  sum: number;
  mlp: { B: number; D: number; H: number; C: number };
  /** how many eager adds of length-10 vectors make one timed call */
  adds: number;
  perExample: { n: number; inSize: number; width: number };
  rk4Steps: number;
}

export const SIZES: Sizes = QUICK
  ? { matmul: [128, 256], chain: [1 << 18], sum: 1 << 20, mlp: { B: 32, D: 784, H: 128, C: 10 }, adds: 2000, perExample: { n: 64, inSize: 32, width: 64 }, rk4Steps: 200 }
  : { matmul: [256, 512, 1024], chain: [1 << 20, 1 << 22], sum: 1 << 22, mlp: { B: 128, D: 784, H: 512, C: 10 }, adds: 10_000, perExample: { n: 256, inSize: 32, width: 64 }, rk4Steps: 1000 };

/** Adam's hyperparameters of the MLP training step (the same in every library). */
export const ADAM = { lr: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-8 };
/** The damped oscillator x'' = -k x - c x' integrated by RK4 from (x, v) = (1, 0). */
export const RK4 = { k: 4, c: 0.3, dt: 0.01 };

export type Unit = "GFLOP/s" | "ms" | "µs/op";
export type Kind = "matmul" | "chain" | "sum" | "mlp" | "adds" | "perex" | "rk4";
export interface Row {
  id: string;
  kind: Kind;
  /** the row's size where a kind has several (matmul N, chain length), else 0 */
  n: number;
  label: string;
  unit: Unit;
  /** the reported figure from the median ms of one call */
  value: (ms: number) => number;
  /** a longer warm-up than medianMs's default, where V8 needs it to settle */
  warmupMs?: number;
}

const size = (n: number) => (n >= 1 << 20 && n % (1 << 20) === 0 ? `${n >> 20}M` : n >= 1024 && n % 1024 === 0 ? `${n >> 10}K` : String(n));
const asMs = (ms: number) => ms;

export function rows(s: Sizes = SIZES): Row[] {
  const { B, D, H, C } = s.mlp, pe = s.perExample;
  return [
    ...s.matmul.map((n): Row => ({ id: `matmul-${n}`, kind: "matmul", n, label: `matmul ${n}×${n} f32`, unit: "GFLOP/s", value: (ms) => (2 * n ** 3) / ms / 1e6 })),
    ...s.chain.map((n): Row => ({ id: `chain-${n}`, kind: "chain", n, label: `tanh(x*1.5+0.5)*2, ${size(n)} f32`, unit: "ms", value: asMs })),
    { id: "sum", kind: "sum", n: s.sum, label: `sum of ${size(s.sum)} f32`, unit: "ms", value: asMs },
    { id: "mlp", kind: "mlp", n: 0, label: `MLP ${D}-${H}-${H}-${C} Adam step, batch ${B}`, unit: "ms", value: asMs },
    { id: "adds", kind: "adds", n: 0, label: `${s.adds} eager adds, length-10 vectors`, unit: "µs/op", value: (ms) => (ms * 1000) / s.adds, warmupMs: 1000 },
    { id: "perex", kind: "perex", n: 0, label: `per-example grads, ${pe.inSize}-${pe.width}-1 tanh MLP, ${pe.n} ex.`, unit: "ms", value: asMs },
    { id: "rk4", kind: "rk4", n: 0, label: `grad of ${s.rk4Steps}-step RK4 w.r.t. damping`, unit: "ms", value: asMs },
  ];
}

/**
 * One workload as a library runs it: called once per row to set up (inputs, compiled
 * functions) for the row's size `n`, it returns the function that is timed. That function may return a promise (libraries that
 * compute lazily wait for their result inside it).
 */
export type Case = (n: number) => (() => unknown) | Promise<() => unknown>;
/** A column of the results table: one library (or one mode of it) and the rows it runs. */
export interface Column { name: string; cases: Partial<Record<Kind, Case>>; note?: string }
/** Measured figures of a column by row id; `notes` say why a row is missing. */
export interface ColumnResult { name: string; values: Record<string, number>; notes: Record<string, string>; note?: string }

/** Times every case of `column` that the sizes define, one row after another. */
export async function runColumn(column: Column, s: Sizes, medianMs: (f: () => unknown, o: { warmupMs?: number }) => Promise<number>, log = true): Promise<ColumnResult> {
  const out: ColumnResult = { name: column.name, values: {}, notes: {}, note: column.note };
  for (const row of rows(s)) {
    const c = column.cases[row.kind];
    if (!c) continue;
    try {
      const f = await c(row.n);
      const v = row.value(await medianMs(f, { warmupMs: row.warmupMs }));
      out.values[row.id] = v;
      if (log) console.error(`  ${column.name.padEnd(20)} ${row.label.padEnd(48)} ${fmt(v)} ${row.unit}`);
    } catch (e) {
      out.notes[row.id] = `failed: ${String((e as Error)?.message ?? e).split("\n")[0]!.slice(0, 100)}`;
      if (log) console.error(`  ${column.name.padEnd(20)} ${row.label.padEnd(48)} ${out.notes[row.id]}`);
    }
  }
  return out;
}

/** Three significant figures. */
export const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(2));

/**
 * A goal of issue 6: graft's figure on `row` (from its `graft` column where the goal names a
 * mode, else the better of eager and jit) is `atLeast` times better than the best of the
 * `peers` columns, or (for `maxValue`) at most that absolute value.
 */
export interface Goal { row: string; label: string; peers?: string[]; atLeast?: number; maxValue?: number; graft?: "eager" | "jit" }
/** jax-js's threaded column runs a worker per core (at least two). */
export const JAXJS_THREADS = Math.max(2, os.cpus().length);
export const jaxjsName = (threads: number): string => `jax-js (${threads} thread${threads > 1 ? "s" : ""})`;
const JAXJS = [jaxjsName(1), jaxjsName(JAXJS_THREADS)];
export const GOALS = (s: Sizes = SIZES): Goal[] => {
  const big = `matmul-${s.matmul[s.matmul.length - 1]}`;
  return [
    { row: big, label: "matmul: ≥ 1.1x jax-js threaded", peers: [jaxjsName(JAXJS_THREADS)], atLeast: 1.1 },
    { row: big, label: "matmul: ≥ 1.5x tfjs-wasm", peers: ["tfjs-wasm"], atLeast: 1.5 },
    { row: "mlp", label: "MLP step: ≥ 1.2x jax-js threaded", peers: [jaxjsName(JAXJS_THREADS)], atLeast: 1.2 },
    { row: "mlp", label: "MLP step: ≥ 10x tfjs-wasm", peers: ["tfjs-wasm"], atLeast: 10 },
    ...s.chain.flatMap((n): Goal[] => [
      { row: `chain-${n}`, label: `chain ${size(n)}: ≥ 2x jax-js`, peers: JAXJS, atLeast: 2 },
      { row: `chain-${n}`, label: `chain ${size(n)}: ≥ 4x tfjs-wasm`, peers: ["tfjs-wasm"], atLeast: 4 },
    ]),
    { row: "adds", label: "eager add: ≤ 1.5 µs/op", maxValue: 1.5, graft: "eager" },
    { row: "perex", label: "per-example grads (jit(vmap(grad))): ≥ 1.5x jax-js", peers: JAXJS, atLeast: 1.5, graft: "jit" },
    { row: "rk4", label: "RK4 gradient (jit + lax.scan): ≥ 10x jax-js", peers: JAXJS, atLeast: 10, graft: "jit" },
    { row: "rk4", label: "RK4 gradient (jit + lax.scan): ≥ 10x tfjs", peers: ["tfjs-cpu", "tfjs-wasm"], atLeast: 10, graft: "jit" },
  ];
};
