// Runs the jax-js column of bench/run-all.ts in a process of its own and prints its results
// as one JSON line on stdout (progress goes to stderr). A process of its own because jax-js
// chooses between one thread and a worker pool once, when it loads (`Worker` must exist by
// then: `--threads 2` installs the worker_threads shim first), and because its unrolled
// RK4 needs node's --stack-size, which run-all.ts passes when it spawns this file.
// Usage: tsx --tsconfig bench/tsconfig.json bench/jaxjs-child.ts [--threads N] [--only kind,kind]
import { loadJaxJs, medianMs } from "./common";
import { jaxjsColumn } from "./lib-jaxjs";
import { runColumn, SIZES, type ColumnResult } from "./workloads";

const arg = (name: string) => { const i = process.argv.indexOf(name); return i < 0 ? undefined : process.argv[i + 1]; };
const threads = Number(arg("--threads") ?? 1);
const only = arg("--only")?.split(",");

const jax = await loadJaxJs(threads);
let result: ColumnResult | null = null;
if (jax) {
  const column = jaxjsColumn(jax, threads, SIZES);
  if (only) for (const k of Object.keys(column.cases) as (keyof typeof column.cases)[]) if (!only.includes(k)) delete column.cases[k];
  result = await runColumn(column, SIZES, medianMs);
}
process.stdout.write(`${JSON.stringify(result)}\n`);
// The worker pool keeps the event loop alive.
process.exit(0);
