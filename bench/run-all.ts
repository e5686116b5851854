// `npm run bench`: graft (eager and jit, CPU backend) side by side with its peers on the
// workloads of bench/workloads.ts — TensorFlow.js (tfjs-backend-cpu, tfjs-backend-wasm),
// jax-js (wasm, one thread and, through a worker_threads shim, one per core) and PyTorch CPU as the
// native reference — then the speedups of graft over each peer, the goals of issue 6 met or
// missed, and the matmul roofline fraction. Writes bench/RESULTS.md (full runs only).
//
// Peers come from the scratch npm project named by GRAFT_PEERS (see ../shared/PEERS.md);
// missing ones are skipped with a note. jax-js runs in child processes (jaxjs-child.ts),
// PyTorch through /usr/bin/python3 (torch_ref.py). Env: BENCH_QUICK=1 (smaller, fewer reps,
// prints only), BENCH_ONLY / BENCH_SKIP (comma lists of graft, tfjs-cpu, tfjs-wasm, jax-js-1,
// jax-js-threads, torch).
// Run: npm run build && GRAFT_PEERS=/tmp/peers tsx --tsconfig bench/tsconfig.json bench/run-all.ts
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { wasmSimdPeak } from "../backends/cpu/matmul-wasm";
import { loadAvg, machine, medianMs, peer, python, QUICK, table } from "./common";
import { graftColumns } from "./lib-graft";
import { loadTfjs, tfjsColumn } from "./lib-tfjs";
import { ADAM, fmt, GOALS, jaxjsName, JAXJS_THREADS, RK4, rows, runColumn, SIZES, type ColumnResult, type Row } from "./workloads";

const ONLY = process.env.BENCH_ONLY?.split(","), SKIP = new Set(process.env.BENCH_SKIP?.split(",") ?? []);
const wanted = (lib: string) => (!ONLY || ONLY.includes(lib)) && !SKIP.has(lib);
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const missing = (name: string, why: string): ColumnResult => ({ name, values: {}, notes: {}, note: why });

const startLoad = loadAvg();
console.log(`graft bench${QUICK ? " (BENCH_QUICK: small sizes, few repetitions)" : ""}\n${machine()}\nload average at start: ${startLoad}\n`);
// The roofline first, while nothing of ours has warmed the machine up.
const peak = wasmSimdPeak("float32");
const results: ColumnResult[] = [];

// ---- graft, in this process, through the built package
if (wanted("graft")) for (const c of graftColumns(SIZES)) results.push(await runColumn(c, SIZES, medianMs));

// ---- TensorFlow.js, in this process (one backend at a time)
if (wanted("tfjs-cpu") || wanted("tfjs-wasm")) {
  const tfjs = await loadTfjs(peer);
  for (const backend of ["cpu", "wasm"] as const) {
    if (!wanted(`tfjs-${backend}`)) continue;
    if (!tfjs) results.push(missing(`tfjs-${backend}`, "@tensorflow/tfjs not installed (set GRAFT_PEERS)"));
    else if (backend === "wasm" && !tfjs.wasm) results.push(missing("tfjs-wasm", "@tensorflow/tfjs-backend-wasm not installed"));
    else results.push(await runColumn(tfjsColumn(tfjs.tf, backend, SIZES), SIZES, medianMs));
  }
}

// ---- jax-js, one child process per thread count
/** Runs `cmd` and resolves with its stdout; stderr (progress) goes to ours. */
function child(cmd: string, args: string[], timeoutMs: number): Promise<{ out: string; code: number | null }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"], env: process.env });
    let out = "";
    p.stdout.on("data", (d) => { out += d; });
    const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("close", (code) => { clearTimeout(timer); resolve({ out, code }); });
  });
}
for (const threads of [1, JAXJS_THREADS]) {
  const name = jaxjsName(threads);
  if (!wanted(threads > 1 ? "jax-js-threads" : "jax-js-1")) continue;
  if (!(await peer("@jax-js/jax"))) { results.push(missing(name, "@jax-js/jax not installed (set GRAFT_PEERS)")); continue; }
  // A deep stack for the unrolled RK4 trace: node's --stack-size must stay below the OS limit.
  const { out, code } = await child("bash", ["-c", 'ulimit -s unlimited 2>/dev/null || ulimit -s 1048576 2>/dev/null; exec "$@"', "bash",
    process.execPath, ...process.execArgv, "--stack-size=65500", here("./jaxjs-child.ts"), "--threads", String(threads)], (QUICK ? 10 : 30) * 60_000);
  const last = out.trim().split("\n").at(-1) ?? "";
  try {
    const r = JSON.parse(last) as ColumnResult | null;
    results.push(r ? { ...r, note: `${threads > 1 ? `a pool of ${threads} worker threads (bench/worker-shim.ts)` : "no Worker global: one thread"}; ${r.note}` } : missing(name, "@jax-js/jax not installed"));
  } catch {
    results.push(missing(name, `child process failed (exit ${code})`));
  }
}

// ---- PyTorch CPU, the native reference
if (wanted("torch")) {
  let why = "";
  const out = python(readFileSync(here("./torch_ref.py"), "utf8"), [JSON.stringify({ ...SIZES, quick: QUICK, adam: ADAM, rk4: RK4 })],
    { onError: (w) => { why = w; } });
  if (out) {
    const r = JSON.parse(out.trim().split("\n").at(-1)!) as { version: string; threads: number; values: Record<string, number>; notes: Record<string, string> };
    const values: Record<string, number> = {};
    for (const row of rows()) if (r.values[row.id] !== undefined) values[row.id] = row.value(r.values[row.id]!);
    results.push({ name: "PyTorch CPU", values, notes: r.notes, note: `torch ${r.version}, ${r.threads} threads` });
  } else {
    results.push(missing("PyTorch CPU", `not run (${why || "python3-torch missing"})`));
  }
}

// ---- report
const byName = new Map(results.map((r) => [r.name, r]));
const allRows = rows();
/** graft's figure for a row: the better of its eager and jit columns (the table shows both). */
const graftValue = (id: string) => {
  const vs = ["graft eager", "graft jit"].map((n) => byName.get(n)?.values[id]).filter((v): v is number => v !== undefined);
  if (!vs.length) return undefined;
  return allRows.find((r) => r.id === id)!.unit === "GFLOP/s" ? Math.max(...vs) : Math.min(...vs);
};
/** How many times better graft is than `peer` on `row` (> 1: graft is faster). */
const speedup = (row: Row, peerValue: number) => {
  const g = graftValue(row.id)!;
  return row.unit === "GFLOP/s" ? g / peerValue : peerValue / g;
};
const cell = (r: ColumnResult, id: string) => (r.values[id] !== undefined ? fmt(r.values[id]!) : r.notes[id] ? "failed" : "—");
const main = table(["workload", "unit", ...results.map((r) => r.name)],
  allRows.map((row) => [row.label, row.unit, ...results.map((r) => cell(r, row.id))]), [false, false, ...results.map(() => true)]);
const peers = results.filter((r) => !r.name.startsWith("graft"));
const ratios = table(["workload (graft: the better of eager and jit)", ...peers.map((r) => r.name)],
  allRows.filter((row) => graftValue(row.id) !== undefined).map((row) => [row.label,
    ...peers.map((r) => (r.values[row.id] !== undefined ? `${speedup(row, r.values[row.id]!).toFixed(2)}x` : "—"))]));
const goalRows = GOALS().map((g) => {
  const row = allRows.find((r) => r.id === g.row)!;
  const gv = g.graft ? byName.get(`graft ${g.graft}`)?.values[g.row] : graftValue(g.row);
  if (gv === undefined) return [g.label, "—", "—", "—", "not measured"];
  if (g.maxValue !== undefined) return [g.label, `${fmt(gv)} ${row.unit}`, "", "", gv <= g.maxValue ? "met" : "missed"];
  const ps = (g.peers ?? []).map((n) => ({ n, v: byName.get(n)?.values[g.row] })).filter((p): p is { n: string; v: number } => p.v !== undefined);
  if (!ps.length) return [g.label, `${fmt(gv)} ${row.unit}`, "—", "—", "no peer figure"];
  // The strongest peer: highest throughput or lowest time.
  const best = ps.reduce((a, b) => ((row.unit === "GFLOP/s" ? b.v > a.v : b.v < a.v) ? b : a));
  const s = row.unit === "GFLOP/s" ? gv / best.v : best.v / gv;
  return [g.label, `${fmt(gv)} ${row.unit}`, `${fmt(best.v)} (${best.n})`, `${s.toFixed(2)}x`, s >= g.atLeast! ? "met" : "missed"];
});
const goals = table(["goal", "graft", "peer", "speedup", "status"], goalRows, [false, true, true, true, false]);
const roof = table(["matmul f32", "graft GFLOP/s", "% of 1-core wasm SIMD roofline", `% of ${os.cpus().length} cores`],
  SIZES.matmul.map((n) => {
    const g = graftValue(`matmul-${n}`);
    return [`N = ${n}`, g === undefined ? "—" : fmt(g), g === undefined ? "—" : `${((100 * g) / peak).toFixed(0)}%`, g === undefined ? "—" : `${((100 * g) / peak / os.cpus().length).toFixed(0)}%`];
  }));
const notes = [
  ...results.filter((r) => r.note).map((r) => `- ${r.name}: ${r.note}`),
  ...results.flatMap((r) => Object.entries(r.notes).map(([id, n]) => `- ${r.name}, ${allRows.find((x) => x.id === id)?.label ?? id}: ${n}`)),
];
const endLoad = loadAvg();

const text = [
  `## Medians (GFLOP/s: higher is better; ms and µs/op: lower is better)\n\n${main}`,
  `## Speedup of graft over each peer (> 1: graft is faster)\n\n${ratios}`,
  `## Goals (issue 6)\n\n${goals}\n\n"jax-js" without a thread count is the faster of its two columns; tfjs likewise.`,
  `## Matmul roofline\n\nWebAssembly SIMD roofline (a tight f32x4 mul+add loop on one core): ${peak.toFixed(1)} GFLOP/s.\n\n${roof}`,
  `## Notes\n\n${notes.join("\n") || "- none"}\n- load average at start ${startLoad}, at end ${endLoad}` +
    (os.loadavg()[0]! > os.cpus().length * 0.75 ? "\n- **the machine was busy with other work: these figures are unreliable; re-run on a quiet machine**" : ""),
].join("\n\n");
console.log(`\n${text}`);

if (!QUICK && !ONLY && SKIP.size === 0) {
  const md = `# graft benchmarks\n\nWritten by \`npm run bench\` (bench/run-all.ts); do not edit by hand.\n\n` +
    `Machine: ${machine()}.\n\n` +
    `How: every figure is the median of repeated calls (7, or 3 for calls over 1 s) after a warm-up of at least two calls and ` +
    `300 ms. graft runs the built package on its CPU backend; "graft jit" is the same workload under \`jit\`. ` +
    `tfjs and jax-js are timed until their work is done (jax-js is lazy: \`blockUntilReady\`). ` +
    `jax-js has no \`lax.scan\`: its RK4 is the unrolled loop under \`grad\` without \`jit\` (compiling the unrolled program ` +
    `takes time quadratic in its length; see bench/lib-jaxjs.ts). tfjs computes per-example gradients in a loop of ` +
    `\`tf.variableGrads\` (it has no vmap); its eager adds and jax-js's wait for each op. PyTorch uses 2 threads and ` +
    `functorch for per-example gradients.\n\n${text}\n`;
  // Sections measured elsewhere (the WebGPU figures from a lent GPU machine) follow KEEP and survive re-runs.
  const KEEP = "<!-- kept by run-all.ts: sections below are written by hand from other machines -->";
  const old = existsSync(here("./RESULTS.md")) ? readFileSync(here("./RESULTS.md"), "utf8") : "";
  writeFileSync(here("./RESULTS.md"), old.includes(KEEP) ? `${md}\n${old.slice(old.indexOf(KEEP))}` : md);
  console.log("\nwrote bench/RESULTS.md");
}
process.exit(0);
