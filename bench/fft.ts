// np.fft on the CPU backend against NumPy's pocketfft, measured side by side in the same run:
// a complex FFT of 2^20 points and a 128^3 rfftn (the targets, within 3x), plus a
// few other lengths for orientation (mixed radix, a large prime through Bluestein, batched
// rows). NumPy runs in a child process (/usr/bin/python3, timeit with process_time). NumPy 1.x computes in
// float64 (complex128) whatever the input; graft is timed in both precisions (it always
// computes in float64 internally and rounds complex64 results).
// Run: npm run build && tsx --tsconfig bench/tsconfig.json bench/fft.ts (imports the built package).
import { lax, np, type NDArray } from "graft";
import { bestMs, python } from "./common";

/**
 * Best CPU time (user + system, ms) of one call over `rounds` calls after ~300 ms of warm-up.
 * CPU time rather than wall time, on both sides, so that other processes on a shared machine
 * do not skew the ratios (NumPy is timed with time.process_time the same way).
 */
const time = (f: () => unknown, rounds = 9): number => bestMs(f, rounds, true);

function rand(shape: number[], seed: number, dtype: "float32" | "float64"): NDArray {
  let s = seed >>> 0;
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float64Array.from({ length: n }, () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 - 0.5; });
  return np.array(data, { shape, dtype });
}
const crand = (shape: number[], seed: number, dtype: "float32" | "float64") => lax.complex(rand(shape, seed, dtype), rand(shape, seed + 1, dtype));

interface Task { name: string; graft64: () => unknown; graft32: () => unknown; numpy: string; setup: string }
const M = 1 << 20;
const z64 = crand([M], 1, "float64"), z32 = crand([M], 1, "float32");
const c64 = rand([128, 128, 128], 3, "float64"), c32 = rand([128, 128, 128], 3, "float32");
const p64 = crand([100003], 5, "float64"), p32 = crand([100003], 5, "float32");
const m64 = crand([3 ** 5 * 5 ** 3 * 8], 7, "float64"), m32 = crand([3 ** 5 * 5 ** 3 * 8], 7, "float32");
const r64 = rand([4096, 256], 9, "float64"), r32 = rand([4096, 256], 9, "float32");
const i64 = np.fft.rfftn(c64), i32 = np.fft.rfftn(c32);
const cx = (shape: string) => `rng.standard_normal(${shape}) + 1j * rng.standard_normal(${shape})`;
const tasks: Task[] = [
  { name: "fft, 2^20 complex points", graft64: () => np.fft.fft(z64), graft32: () => np.fft.fft(z32), numpy: "np.fft.fft(z)", setup: `z = ${cx("1 << 20")}` },
  { name: "rfftn, 128^3 real", graft64: () => np.fft.rfftn(c64), graft32: () => np.fft.rfftn(c32), numpy: "np.fft.rfftn(c)", setup: "c = rng.standard_normal((128, 128, 128))" },
  { name: "irfftn, 128^3 real", graft64: () => np.fft.irfftn(i64, [128, 128, 128]), graft32: () => np.fft.irfftn(i32, [128, 128, 128]), numpy: "np.fft.irfftn(h, (128, 128, 128))", setup: "h = np.fft.rfftn(rng.standard_normal((128, 128, 128)))" },
  { name: "fft, 243000 = 2^3 3^5 5^3 points", graft64: () => np.fft.fft(m64), graft32: () => np.fft.fft(m32), numpy: "np.fft.fft(z)", setup: `z = ${cx(String(3 ** 5 * 5 ** 3 * 8))}` },
  { name: "fft, prime 100003 (Bluestein)", graft64: () => np.fft.fft(p64), graft32: () => np.fft.fft(p32), numpy: "np.fft.fft(z)", setup: `z = ${cx("100003")}` },
  { name: "rfft of 4096 rows of 256", graft64: () => np.fft.rfft(r64), graft32: () => np.fft.rfft(r32), numpy: "np.fft.rfft(r)", setup: "r = rng.standard_normal((4096, 256))" },
];

function numpyTimes(): number[] | null {
  const script = [
    "import json, time, timeit, numpy as np",
    "rng = np.random.default_rng(0)",
    "out = []",
    ...tasks.map((t) => `${t.setup}\nout.append(min(timeit.repeat(lambda: ${t.numpy}, number=1, repeat=9, timer=time.process_time)) * 1e3)`),
    "print(json.dumps(out))",
  ].join("\n");
  const out = python(script, [], { onError: (why) => console.log(`(NumPy not available: ${why})`) });
  return out === null ? null : JSON.parse(out.trim());
}

const py = numpyTimes();
const rows = tasks.map((t, i) => {
  const g64 = time(t.graft64), g32 = time(t.graft32);
  return { task: t.name, "graft c128 (ms)": g64.toFixed(1), "graft c64 (ms)": g32.toFixed(1),
    "numpy (ms)": py ? py[i].toFixed(1) : "-", "ratio c128/numpy": py ? (g64 / py[i]).toFixed(2) : "-", "ratio c64/numpy": py ? (g32 / py[i]).toFixed(2) : "-" };
});
console.log(`np.fft, graft (cpu) vs NumPy ${py ? "" : "(absent) "}pocketfft: best CPU time of 9 calls each, in ms; ratio < 1 means graft is faster`);
console.table(rows);
