// A worker thread's part of a big elementwise kernel or reduction (parallel.ts), run as
// source text in the threads of threads.ts' "elementwise" pool. Self-contained (no imports,
// no outer names) for that reason: the job is in the control area of the pool's memory and
// the kernel's code (WebAssembly bytes or JS source) in its code area, compiled once per
// worker and kept by id. The literals mirror parallel.ts (JOB, COUNTERS, CODE_AT) and
// threads.ts (W.JOB = 16, W.ERROR = 2).
//
// The work is cut into blocks; the calling thread claims them from the front (reading the
// caller's arrays directly), the workers from the back, each block once (a shared count of
// blocks left). The caller copies the back blocks' operands into this memory, last block
// first, and counts them (STAGED); a worker waits until its block is there, computes it
// into this memory, and the caller copies results out once all threads are done.

type Exports = Record<string, (...a: number[]) => number | void>;

/** Runs this worker's claims of the job in `mem`'s control area. */
export function blockTask(_ex: Exports, mem: { buffer: ArrayBuffer | SharedArrayBuffer }, id: number): void {
  const g = globalThis as unknown as { __graftCode?: Map<number, unknown>; WebAssembly: { Module: new (b: Uint8Array) => object; Instance: new (m: object, i: object) => { exports: Exports } } };
  const cache = g.__graftCode ?? (g.__graftCode = new Map());
  const buf = mem.buffer, u = new Uint32Array(buf), i32 = new Int32Array(buf), f64 = new Float64Array(buf);
  const J = 16, LEFT = 8, BACK = 9, STAGED = 10, CODE_AT = 8192;
  const kind = u[J], n = u[J + 5], B = u[J + 6], nb = u[J + 7], nin = u[J + 8];
  const outOff = u[J + 9], outDt = u[J + 10], mode = u[J + 11], r = u[J + 12], split = u[J + 13], bpr = u[J + 14];
  const resOff = u[J + 15], scratch = u[J + 16] + id * u[J + 17], chunk = u[J + 17] / 8, init = f64[(J + 20) / 2];
  const Views = [Float32Array, Float64Array, Int32Array, Uint32Array, Uint8Array] as unknown as (new (b: ArrayBufferLike, o: number, l: number) => Float64Array)[];
  const view = (dt: number, off: number, len: number) => new Views[dt](buf, off, len);
  // The code: WebAssembly kernels are instantiated over this memory (constants included);
  // JS functions are compiled from "param,param\nbody".
  const text = (at: number, len: number) => {
    let s = "";
    for (let i = 0; i < len; i += 4096) s += String.fromCharCode(...new Uint8Array(buf, at + i, Math.min(4096, len - i)));
    return s;
  };
  const code = (cid: number, at: number, len: number, wasm: boolean): unknown => {
    let c = cache.get(cid);
    if (c === undefined) {
      if (wasm) {
        const bytes = new Uint8Array(len);
        bytes.set(new Uint8Array(buf, at, len));
        const inst = new g.WebAssembly.Instance(new g.WebAssembly.Module(bytes), { env: { mem, sin: Math.sin, cos: Math.cos, tan: Math.tan } });
        c = inst.exports.run;
      } else {
        const s = text(at, len), nl = s.indexOf("\n");
        c = new Function(...(nl > 0 ? s.slice(0, nl).split(",") : []), s.slice(nl + 1));
      }
      cache.set(cid, c);
    }
    return c;
  };
  const klen = u[J + 2], wasmKernel = kind === 0 || kind === 3;
  const kernel = kind === 2 ? null : code(u[J + 1], CODE_AT, klen, wasmKernel) as (...a: unknown[]) => void;
  type Fold = (c: ArrayLike<number>, lo: number, hi: number, st: Float64Array, out: Float64Array, r: number, init: number) => void;
  const fold = kind >= 2 ? code(u[J + 3], CODE_AT + ((klen + 7) & ~7), u[J + 4], false) as Fold : null;
  // operands: byte offset, dtype, scalar flag
  const ins: { off: number; dt: number; scalar: boolean }[] = [];
  for (let k = 0; k < nin; k++) ins.push({ off: u[J + 22 + 3 * k], dt: u[J + 23 + 3 * k], scalar: u[J + 24 + 3 * k] === 1 });
  const es = (dt: number) => (dt === 1 ? 8 : dt === 4 ? 1 : 4);
  const res = kind >= 2 ? new Float64Array(buf, resOff, split ? nb : Math.ceil(n / r)) : null;
  const st = new Float64Array(3);
  const wasmArgs: number[] = [];
  const runWasm = (lo: number, m: number, outAt: number) => {
    wasmArgs.length = 0;
    wasmArgs.push(m);
    for (const x of ins) if (!x.scalar) wasmArgs.push(x.off + lo * 4);
    wasmArgs.push(outAt);
    for (const x of ins) if (x.scalar) wasmArgs.push(new Float32Array(buf, x.off, 1)[0]);
    kernel!(...wasmArgs);
  };
  const scratchView = kind === 3 ? new Float32Array(buf, scratch, chunk) : null;
  const jsViews = (lo: number, hi: number) => ins.map((x) => (x.scalar ? view(x.dt, x.off, 1) : view(x.dt, x.off + lo * es(x.dt), hi - lo)));
  const scratchOut = kind === 4 ? view(outDt, scratch, chunk) : null;

  for (;;) {
    if (Atomics.sub(i32, LEFT, 1) <= 0) return;
    const q = Atomics.add(i32, BACK, 1), b = nb - 1 - q;
    for (let s; (s = Atomics.load(i32, STAGED)) <= q;) {
      if (Atomics.load(i32, 2)) throw new Error("another thread failed");   // W.ERROR: the block will never be staged
      Atomics.wait(i32, STAGED, s, 20);
    }
    // elements [lo, hi) of the flattened operand; a reduction's block folds from its first row
    // (whole rows) or, split rows, is part of row floor(b / bpr) and gives partial b
    let lo: number, hi: number;
    if (split) { const o = Math.floor(b / bpr); lo = o * r + (b - o * bpr) * B; hi = Math.min(o * r + r, lo + B); }
    else { lo = b * B; hi = Math.min(n, lo + B); }
    if (kind === 0) runWasm(lo, hi - lo, outOff + lo * 4);
    else if (kind === 1) {
      const xs = jsViews(lo, hi), out = view(outDt, outOff + lo * es(outDt), hi - lo);
      if (mode === 3) kernel!(xs, out);
      else kernel!(xs[0], xs[1] ?? null, out, mode);
    } else {
      st[0] = init; st[1] = split ? hi - lo : r; st[2] = split ? b : lo / r;
      const len = split ? hi - lo : r;
      if (kind === 2) fold!(view(ins[0].dt, ins[0].off, n), lo, hi, st, res!, len, init);
      else {
        for (let at = lo; at < hi; at += chunk) {
          const m = Math.min(chunk, hi - at);
          if (kind === 3) runWasm(at, m, scratch);
          else kernel!(jsViews(at, at + m), m === chunk ? scratchOut : scratchOut!.subarray(0, m));
          fold!(kind === 3 ? scratchView! : scratchOut!, 0, m, st, res!, len, init);
        }
      }
    }
  }
}
