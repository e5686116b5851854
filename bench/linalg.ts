// np.linalg on the CPU backend against NumPy/LAPACK (OpenBLAS) measured side by side in the
// same run: Cholesky and solve of 512×512 float64 (the targets), plus inv, det, qr,
// eigh and svd at smaller sizes for orientation. NumPy runs in a child process
// (/usr/bin/python3 with timeit) twice: OpenBLAS limited to one thread (graft's kernels are
// single-threaded) and with its default threads. See ../shared/PEERS.md: Debian's numpy needs
// libopenblas0-pthread for the optimized BLAS/LAPACK (otherwise the reference BLAS runs).
// Times are the best of 15 rounds on both sides.
// Run: npm run build && tsx --tsconfig bench/tsconfig.json bench/linalg.ts (imports the built package).
import { np, type NDArray } from "graft";
import { bestMs, python } from "./common";

/** Best ms per call over `rounds` rounds after ~300 ms of warm-up. The minimum, as timeit
 * recommends, is the statistic least disturbed by other load on the machine. */
const time = (f: () => unknown, rounds = 15): number => bestMs(f, rounds);

function rand(shape: number[], seed: number): NDArray {
  let s = seed >>> 0;
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float64Array.from({ length: n }, () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 - 0.5; });
  return np.array(data, { shape, dtype: "float64" });
}
const eye = (n: number) => np.eye(n, undefined, 0, { dtype: "float64" });
const spd = (n: number) => { const x = rand([n, n], 1); return np.add(np.matmul(x, x.T), np.multiply(eye(n), n)); };

// Each task: name, graft closure, and the same work in NumPy (a statement run by timeit).
interface Task { name: string; graft: () => unknown; numpy: string; setup: string }
const N = 512;
const A = spd(N), b = rand([N], 2), G = np.add(rand([N, N], 3), np.multiply(eye(N), 4));
const S256 = spd(256), Q = rand([512, 256], 4), E = np.add(rand([128, 128], 5), rand([128, 128], 5).T), V = rand([128, 128], 6);
const pySetup = (extra: string) =>
  `import numpy as np; rng = np.random.default_rng(0); x = rng.standard_normal((${N}, ${N})); ` +
  `A = x @ x.T + ${N} * np.eye(${N}); b = rng.standard_normal(${N}); G = rng.standard_normal((${N}, ${N})) + 4 * np.eye(${N}); ${extra}`;
const tasks: Task[] = [
  { name: `cholesky ${N}x${N} f64`, graft: () => np.linalg.cholesky(A), numpy: "np.linalg.cholesky(A)", setup: pySetup("") },
  { name: `  (kernel only: symmetrizeInput false)`, graft: () => np.linalg.cholesky(A, { symmetrizeInput: false }), numpy: "np.linalg.cholesky(A)", setup: pySetup("") },
  { name: `solve ${N}x${N} f64, one rhs`, graft: () => np.linalg.solve(G, b), numpy: "np.linalg.solve(G, b)", setup: pySetup("") },
  { name: `solve ${N}x${N} f64, spd, one rhs`, graft: () => np.linalg.solve(A, b), numpy: "np.linalg.solve(A, b)", setup: pySetup("") },
  { name: "inv 256x256 f64", graft: () => np.linalg.inv(S256), numpy: "np.linalg.inv(S)", setup: pySetup("y = rng.standard_normal((256, 256)); S = y @ y.T + 256 * np.eye(256)") },
  { name: `slogdet ${N}x${N} f64`, graft: () => np.linalg.slogdet(G), numpy: "np.linalg.slogdet(G)", setup: pySetup("") },
  { name: "qr 512x256 f64 (reduced)", graft: () => np.linalg.qr(Q), numpy: "np.linalg.qr(Q)", setup: pySetup("Q = rng.standard_normal((512, 256))") },
  { name: "eigh 128x128 f64", graft: () => np.linalg.eigh(E), numpy: "np.linalg.eigh(E)", setup: pySetup("y = rng.standard_normal((128, 128)); E = y + y.T") },
  { name: "svd 128x128 f64 (reduced)", graft: () => np.linalg.svd(V, false), numpy: "np.linalg.svd(V, full_matrices=False)", setup: pySetup("V = rng.standard_normal((128, 128))") },
];

/** NumPy's best ms per call for one task, in a fresh Python process (OpenBLAS threads as given). */
function numpyTime(task: Task, threads: string | null): number | null {
  const script = [
    "import sys, timeit",
    "t = timeit.Timer(sys.argv[1], sys.argv[2])",
    "n, _ = t.autorange()",
    "n = max(1, n // 4)",
    "print(min(t.repeat(15, n)) / n * 1e3)",
  ].join("\n");
  const env = { ...process.env };
  if (threads) for (const k of ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"]) env[k] = threads;
  const out = python(script, [task.numpy, task.setup], { env, timeoutMs: 300_000, onError: (why) => {
    if (!warned) console.log(`(NumPy not available: ${why})`);
    warned = true;
  } });
  return out === null ? null : Number(out.trim().split("\n").at(-1));
}
let warned = false;

const version = python("import numpy; print(numpy.__version__)")?.trim() ?? "?";
console.log(`graft CPU kernels (single-threaded JS, float64) vs NumPy ${version} (LAPACK via the system BLAS),`);
console.log("each task timed in graft and then in NumPy right after, so both see the same machine load.\n");
console.log(`${"task".padEnd(40)} ${"graft".padStart(10)} ${"numpy 1T".padStart(10)} ${"ratio".padStart(7)} ${"numpy".padStart(10)} ${"ratio".padStart(7)}`);
const fmt = (v: number | null) => (v === null ? "-" : `${v.toFixed(2)} ms`);
const ratio = (a: number, v: number | null) => (v === null ? "-" : `${(a / v).toFixed(1)}x`);
for (const t of tasks) {
  const g = time(t.graft);
  const one = numpyTime(t, "1"), dflt = numpyTime(t, null);
  console.log(`${t.name.padEnd(40)} ${fmt(g).padStart(10)} ${fmt(one).padStart(10)} ${ratio(g, one).padStart(7)} ${fmt(dflt).padStart(10)} ${ratio(g, dflt).padStart(7)}`);
}
console.log("\nratio = graft time / NumPy time (lower is better); \"numpy 1T\": OPENBLAS_NUM_THREADS=1, \"numpy\": default threads.");
