// WebAssembly SIMD GEMM kernels for float32 and float64, assembled here from bytes at run
// time (no toolchain). The layout follows BLIS/GotoBLAS (Van Zee & van de Geijn, "BLIS: A
// Framework for Rapidly Instantiating BLAS Functionality", 2015): operands are packed into
// MR-row panels of A and NR-column panels of B (packing reads any strides, so transposes are
// folded in), and a register-tiled micro-kernel keeps an MR×NR tile of C in v128 locals over
// the whole depth of a panel. WebAssembly has no FMA (outside relaxed-simd), so each step is a
// mul and an add; x86 runs those on separate pipes. Also here: im2col fused into the packing
// of B (convolutions), unpacked matrix-vector kernels (axpy along rows, dot products), and
// `wasmSimdPeak`, the tight mul+add loop the bench uses as the WebAssembly SIMD roofline.
// The memory is imported, shared where the runtime allows, so worker threads (threads.ts)
// can instantiate the same module over it.
// Opcodes: https://webassembly.github.io/spec/core/binary/instructions.html (SIMD: 0xfd prefix).
import { I32, name as str, s32, section, u32, V128, vec } from "./wasm-encode";

const simd = (opcode: number, ...imm: number[]) => [0xfd, ...u32(opcode), ...imm];
const op = {
  get: (i: number) => [0x20, ...u32(i)], set: (i: number) => [0x21, ...u32(i)], tee: (i: number) => [0x22, ...u32(i)],
  i32: (v: number) => [0x41, ...s32(v)],
  add: [0x6a], sub: [0x6b], mul: [0x6c], divU: [0x6e], remU: [0x70], eqz: [0x45], ne: [0x47], ltS: [0x48], geS: [0x4e],
  block: [0x02, 0x40], loop: [0x03, 0x40], if: [0x04, 0x40], else: [0x05], end: [0x0b],
  brIf: (d: number) => [0x0d, d], br: (d: number) => [0x0c, d],
  drop: [0x1a], select: [0x1b], and: [0x71], xor: [0x73], shrS: [0x75],
  i32Load: (off: number) => [0x28, 2, ...u32(off)], gtS: [0x4a],
  // memarg = (log2 alignment hint, offset)
  v128Load: (off = 0) => simd(0x00, 4, ...u32(off)), v128Store: (off = 0) => simd(0x0b, 4, ...u32(off)),
  v128Zero: simd(0x0c, ...Array(16).fill(0)),
};

/** Per-dtype instructions: element size, lanes per v128, and the arithmetic. */
interface Lane {
  es: 4 | 8; lanes: number;
  load: (off: number) => number[]; store: (off: number) => number[]; zero: number[];
  splat: (off: number) => number[]; add: number[]; mul: number[];
  /** scalar add and mul, and v128 lane i as a scalar */
  sadd: number[]; smul: number[]; lane: (i: number) => number[]; scalar: number;
}
const F32: Lane = {
  es: 4, lanes: 4, load: (o) => [0x2a, 2, ...u32(o)], store: (o) => [0x38, 2, ...u32(o)], zero: [0x43, 0, 0, 0, 0],
  splat: (o) => simd(0x09, 2, ...u32(o)), add: simd(0xe4), mul: simd(0xe6),
  sadd: [0x92], smul: [0x94], lane: (i) => simd(0x1f, i), scalar: 0x7d,
};
const F64: Lane = {
  es: 8, lanes: 2, load: (o) => [0x2b, 3, ...u32(o)], store: (o) => [0x39, 3, ...u32(o)], zero: [0x44, 0, 0, 0, 0, 0, 0, 0, 0],
  splat: (o) => simd(0x0a, 3, ...u32(o)), add: simd(0xf0), mul: simd(0xf2),
  sadd: [0xa0], smul: [0xa2], lane: (i) => simd(0x21, i), scalar: 0x7c,
};

/** A function body under construction: `e` appends instructions, `local` declares one. */
class Body {
  readonly code: number[] = [];
  private readonly locals: number[] = [];
  constructor(readonly nParams: number) {}
  local(type: number): number { this.locals.push(type); return this.nParams + this.locals.length - 1; }
  e(...xs: number[][]): void { for (const x of xs) for (const b of x) this.code.push(b); }
  /** for (i = 0; i < limit; i++) body — `limit` is a local. */
  for(i: number, limit: number, body: () => void): void {
    this.e(op.i32(0), op.set(i), op.block, op.loop, op.get(i), op.get(limit), op.geS, op.brIf(1));
    body();
    this.e(op.get(i), op.i32(1), op.add, op.set(i), op.br(0), op.end, op.end);
  }
  /** x += v (i32 locals; v a local or a constant). */
  inc(x: number, v: { local: number } | number): void {
    this.e(op.get(x), typeof v === "number" ? op.i32(v) : op.get(v.local), op.add, op.set(x));
  }
  encode(): number[] {
    const groups: number[][] = [];
    for (const t of this.locals) {
      if (groups.length && groups[groups.length - 1][1] === t) groups[groups.length - 1][0]++;
      else groups.push([1, t]);
    }
    const body = [...vec(groups.map(([n, t]) => [...u32(n), t])), ...this.code, ...op.end];
    return [...u32(body.length), ...body];
  }
}

/**
 * Register tile: MR rows × NV vectors of columns (NR = NV·lanes), the depth loop unrolled U
 * times. 4×2 is the largest that fits: V8 keeps 15 xmm registers for wasm and hoists every
 * load of a depth step ahead of its arithmetic, so MR·NV accumulators + MR splats + NV rows
 * of B + 1 temporary must be <= 15 (5×2 or 3×3 spill). U = 1: TurboFan unrolls the loop
 * itself, and manual unrolling made it spill (measured on x86-64, Node 20).
 */
export interface Tile { MR: number; NV: number; U: number }
export const TILES: { float32: Tile; float64: Tile } = {
  float32: { MR: 4, NV: 2, U: 1 },
  float64: { MR: 4, NV: 2, U: 1 },
};

/**
 * gemm(ap, bp, c, mp, np, kc, ldc, accumulate): C[mp·MR × np·NR] (=|+=) Ap · Bp, where Ap
 * holds mp panels [kc][MR] and Bp np panels [kc][NR] back to back; C is row-major with row
 * stride ldc (bytes). Loops: B panel outer (it stays in L1), A panel inner (the packed A block
 * stays in L2), the MR×NR tile in MR·NV v128 locals.
 */
function gemmFn(L: Lane, { MR, NV, U }: Tile): Body {
  const NR = NV * L.lanes, es = L.es;
  const f = new Body(8);
  const [ap0, bp0, c0, mp, np, kc, ldc, accum] = [0, 1, 2, 3, 4, 5, 6, 7];
  const jq = f.local(I32), ip = f.local(I32), a = f.local(I32), b = f.local(I32), k = f.local(I32);
  const cp = f.local(I32), t = f.local(I32), apan = f.local(I32), bpan = f.local(I32), ccol = f.local(I32);
  const astep = f.local(I32), bstep = f.local(I32), crow = f.local(I32);
  const acc = Array.from({ length: MR * NV }, () => f.local(V128));
  const bv = Array.from({ length: NV }, () => f.local(V128));
  const s = f.local(V128);
  const A = (r: number, v: number) => acc[r * NV + v];
  f.e(op.get(kc), op.i32(MR * es), op.mul, op.set(astep), op.get(kc), op.i32(NR * es), op.mul, op.set(bstep));
  f.e(op.get(ldc), op.i32(MR), op.mul, op.set(crow), op.get(bp0), op.set(bpan), op.get(c0), op.set(ccol));
  const step = (u: number) => {
    for (let v = 0; v < NV; v++) f.e(op.get(b), op.v128Load((u * NR + v * L.lanes) * es), op.set(bv[v]));
    for (let r = 0; r < MR; r++) {
      f.e(op.get(a), L.splat((u * MR + r) * es), op.set(s));
      for (let v = 0; v < NV; v++) f.e(op.get(A(r, v)), op.get(s), op.get(bv[v]), L.mul, L.add, op.set(A(r, v)));
    }
  };
  f.for(jq, np, () => {
    f.e(op.get(ap0), op.set(apan), op.get(ccol), op.set(cp));
    f.for(ip, mp, () => {
      for (const x of acc) f.e(op.v128Zero, op.set(x));
      f.e(op.get(apan), op.set(a), op.get(bpan), op.set(b), op.get(kc), op.set(k));
      // depth loop, unrolled U times, then the remainder one step at a time
      f.e(op.block, op.loop, op.get(k), op.i32(U), op.ltS, op.brIf(1));
      for (let u = 0; u < U; u++) step(u);
      f.inc(a, U * MR * es); f.inc(b, U * NR * es);
      f.e(op.get(k), op.i32(U), op.sub, op.set(k), op.br(0), op.end, op.end);
      f.e(op.block, op.loop, op.get(k), op.eqz, op.brIf(1));
      step(0);
      f.inc(a, MR * es); f.inc(b, NR * es);
      f.e(op.get(k), op.i32(1), op.sub, op.set(k), op.br(0), op.end, op.end);
      // write the tile: C = acc, or C += acc for later depth blocks
      const writeTile = (add: boolean) => {
        f.e(op.get(cp), op.set(t));
        for (let r = 0; r < MR; r++) {
          if (r > 0) f.inc(t, { local: ldc });
          for (let v = 0; v < NV; v++) {
            f.e(op.get(t));
            if (add) f.e(op.get(t), op.v128Load(v * 16), op.get(A(r, v)), L.add);
            else f.e(op.get(A(r, v)));
            f.e(op.v128Store(v * 16));
          }
        }
      };
      f.e(op.get(accum), op.if); writeTile(true); f.e(op.else); writeTile(false); f.e(op.end);
      f.inc(apan, { local: astep }); f.inc(cp, { local: crow });
    });
    f.inc(bpan, { local: bstep }); f.inc(ccol, NR * es);
  });
  return f;
}

/**
 * pack(src, so, sk, n, kc, dst): dst[p][k][w] = src[(p·W + w)·so + k·sk] for the n rows
 * (p·W + w < n; byte strides so, sk), zero in the rows padding the last panel up to W. Rows
 * contiguous along w (so = element size) are copied a v128 at a time.
 */
function packFn(L: Lane, W: number): Body {
  const es = L.es;
  const f = new Body(6);
  const [src, so, sk, n, kc, dst] = [0, 1, 2, 3, 4, 5];
  const i = f.local(I32), k = f.local(I32), row = f.local(I32), d = f.local(I32), full = f.local(I32), p = f.local(I32), total = f.local(I32);
  const panelBytes = f.local(I32);
  f.e(op.get(kc), op.i32(W * es), op.mul, op.set(panelBytes));
  f.e(op.i32(0), op.set(full));
  // Full panels with contiguous rows: W·es bytes per depth step, as v128 copies.
  if ((W * es) % 16 === 0) {
    f.e(op.get(so), op.i32(es), op.ne, op.eqz, op.if);
    f.e(op.get(n), op.i32(W), op.divU, op.set(full));
    f.for(p, full, () => {
      f.e(op.get(src), op.get(p), op.i32(W * es), op.mul, op.add, op.set(row));
      f.e(op.get(dst), op.get(p), op.get(panelBytes), op.mul, op.add, op.set(d));
      f.for(k, kc, () => {
        for (let v = 0; v < (W * es) / 16; v++) f.e(op.get(d), op.get(row), op.v128Load(16 * v), op.v128Store(16 * v));
        f.inc(row, { local: sk }); f.inc(d, W * es);
      });
    });
    f.e(op.get(full), op.i32(W), op.mul, op.set(full));
    f.e(op.end);
  }
  // Remaining rows one element at a time (zeros past n).
  f.e(op.get(n), op.i32(W - 1), op.add, op.i32(W), op.divU, op.i32(W), op.mul, op.set(total));
  f.e(op.get(full), op.set(i), op.block, op.loop, op.get(i), op.get(total), op.geS, op.brIf(1));
  f.e(op.get(dst), op.get(i), op.i32(W), op.divU, op.get(panelBytes), op.mul, op.add);
  f.e(op.get(i), op.i32(W), op.remU, op.i32(es), op.mul, op.add, op.set(d));
  f.e(op.get(i), op.get(n), op.ltS, op.if);
  f.e(op.get(src), op.get(i), op.get(so), op.mul, op.add, op.set(row));
  f.for(k, kc, () => { f.e(op.get(d), op.get(row), L.load(0), L.store(0)); f.inc(row, { local: sk }); f.inc(d, W * es); });
  f.e(op.else);
  f.for(k, kc, () => { f.e(op.get(d), L.zero, L.store(0)); f.inc(d, W * es); });
  f.e(op.end);
  f.e(op.get(i), op.i32(1), op.add, op.set(i), op.br(0), op.end, op.end);
  return f;
}

/**
 * packim2col(img, tab, colT, colB, chanBytes, K, rowBytes, k0, kc, np, dst): im2col fused into
 * the packing of B for a convolution. Depth row r = k0 + k is (channel r / K, tap r % K);
 * column j of the block reads tab[tap][colT[j]] (an element offset in a channel image, -1
 * for padding) in the image at byte offset colB[j]. dst gets np panels [kc][NR], as `pack`.
 * The tap tables have rows of rowBytes (P + 1 entries, the last -1 for the padding columns).
 */
function packIm2colFn(L: Lane, NR: number): Body {
  const es = L.es;
  const f = new Body(11);
  const [img, tab, colT, colB, chanBytes, K, rowBytes, k0, kc, np, dst] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const k = f.local(I32), q = f.local(I32), ch = f.local(I32), base = f.local(I32), trow = f.local(I32);
  const pt = f.local(I32), pb = f.local(I32), d = f.local(I32), sidx = f.local(I32), panelBytes = f.local(I32);
  f.e(op.get(kc), op.i32(NR * es), op.mul, op.set(panelBytes));
  f.for(k, kc, () => {
    // channel and tap of depth row k0 + k
    f.e(op.get(k0), op.get(k), op.add, op.get(K), op.divU, op.set(ch));
    f.e(op.get(img), op.get(ch), op.get(chanBytes), op.mul, op.add, op.set(base));
    f.e(op.get(tab), op.get(k0), op.get(k), op.add, op.get(ch), op.get(K), op.mul, op.sub, op.get(rowBytes), op.mul, op.add, op.set(trow));
    f.e(op.get(colT), op.set(pt), op.get(colB), op.set(pb));
    f.e(op.get(dst), op.get(k), op.i32(NR * es), op.mul, op.add, op.set(d));
    f.for(q, np, () => {
      for (let c = 0; c < NR; c++) {
        // s = tab[tap][colT[j]]; value = s < 0 ? 0 : img[colB[j] + max(s, 0)]
        f.e(op.get(trow), op.get(pt), op.i32Load(4 * c), op.add, op.i32Load(0), op.set(sidx));
        f.e(op.get(d));
        f.e(op.get(base), op.get(pb), op.i32Load(4 * c), op.add);
        f.e(op.get(sidx), op.get(sidx), op.i32(31), op.shrS, op.i32(-1), op.xor, op.and, op.i32(es), op.mul, op.add, L.load(0));
        f.e(L.zero, op.get(sidx), op.i32(0), op.geS, op.select, L.store(c * es));
      }
      f.inc(pt, NR * 4); f.inc(pb, NR * 4); f.inc(d, { local: panelBytes });
    });
  });
  return f;
}

/**
 * axpy(x, v, sk, K, nv, y): y[0 .. nv·lanes) += Σ_k x[k]·V[k] where row k of V starts at
 * v + k·sk (bytes) and is contiguous: the matrix-vector product along contiguous rows, four
 * rows per pass over y. Reads up to a v128 past each row's end (those lanes of y are junk).
 */
function axpyFn(L: Lane): Body {
  const es = L.es;
  const f = new Body(6);
  const [x, v, sk, K, nv, y] = [0, 1, 2, 3, 4, 5];
  const k = f.local(I32), j = f.local(I32), yp = f.local(I32), xp = f.local(I32);
  const p = [f.local(I32), f.local(I32), f.local(I32), f.local(I32)];
  const xs = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)], acc = f.local(V128);
  const pass = (rows: number) => {
    for (let r = 0; r < rows; r++) f.e(op.get(xp), L.splat(r * es), op.set(xs[r]));
    f.e(op.get(v), op.get(k), op.get(sk), op.mul, op.add, op.set(p[0]));
    for (let r = 1; r < rows; r++) f.e(op.get(p[r - 1]), op.get(sk), op.add, op.set(p[r]));
    f.e(op.get(y), op.set(yp));
    f.for(j, nv, () => {
      f.e(op.get(yp), op.v128Load(0), op.set(acc));
      for (let r = 0; r < rows; r++) { f.e(op.get(acc), op.get(xs[r]), op.get(p[r]), op.v128Load(0), L.mul, L.add, op.set(acc)); f.inc(p[r], 16); }
      f.e(op.get(yp), op.get(acc), op.v128Store(0));
      f.inc(yp, 16);
    });
    f.inc(k, rows); f.inc(xp, rows * es);
  };
  f.e(op.get(x), op.set(xp));
  f.e(op.block, op.loop, op.get(k), op.i32(4), op.add, op.get(K), op.gtS, op.brIf(1));
  pass(4);
  f.e(op.br(0), op.end, op.end);
  f.e(op.block, op.loop, op.get(k), op.get(K), op.geS, op.brIf(1));
  pass(1);
  f.e(op.br(0), op.end, op.end);
  return f;
}

/**
 * dots(x, v, sj, K, N, y): y[j] = Σ_k x[k]·V[j][k] for j < N, row j of V at v + j·sj (bytes),
 * contiguous: the matrix-vector product as dot products, four v128 accumulators per row,
 * the last K mod (4·lanes) terms in scalar steps.
 */
function dotsFn(L: Lane): Body {
  const es = L.es, W = L.lanes;
  const f = new Body(6);
  const [x, v, sj, K, N, y] = [0, 1, 2, 3, 4, 5];
  const j = f.local(I32), k = f.local(I32), p = f.local(I32), xp = f.local(I32), kv = f.local(I32);
  const acc = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)], sum = f.local(L.scalar);
  // kv = K rounded down to a multiple of 4·lanes
  f.e(op.get(K), op.i32(-4 * W), op.and, op.set(kv));
  f.for(j, N, () => {
    for (const a of acc) f.e(op.v128Zero, op.set(a));
    f.e(op.get(v), op.get(j), op.get(sj), op.mul, op.add, op.set(p), op.get(x), op.set(xp), op.i32(0), op.set(k));
    f.e(op.block, op.loop, op.get(k), op.get(kv), op.geS, op.brIf(1));
    for (let u = 0; u < 4; u++) f.e(op.get(acc[u]), op.get(xp), op.v128Load(16 * u), op.get(p), op.v128Load(16 * u), L.mul, L.add, op.set(acc[u]));
    f.inc(xp, 64); f.inc(p, 64); f.inc(k, 4 * W);
    f.e(op.br(0), op.end, op.end);
    // y[j] = lanes of (acc0 + acc1) + (acc2 + acc3), then the scalar tail
    f.e(op.get(acc[0]), op.get(acc[1]), L.add, op.get(acc[2]), op.get(acc[3]), L.add, L.add, op.set(acc[0]));
    f.e(op.get(acc[0]), L.lane(0));
    for (let i = 1; i < W; i++) f.e(op.get(acc[0]), L.lane(i), L.sadd);
    f.e(op.set(sum));
    f.e(op.block, op.loop, op.get(k), op.get(K), op.geS, op.brIf(1));
    f.e(op.get(sum), op.get(xp), L.load(0), op.get(p), L.load(0), L.smul, L.sadd, op.set(sum));
    f.inc(xp, es); f.inc(p, es); f.inc(k, 1);
    f.e(op.br(0), op.end, op.end);
    f.e(op.get(y), op.get(j), op.i32(es), op.mul, op.add, op.get(sum), L.store(0));
  });
  return f;
}

/**
 * peak(iters, ptr): 12 independent chains x ← x + x·y of f32x4 (or f64x2) mul+add, unrolled
 * twice, from v128s at ptr; sums the chains back to ptr so nothing is dead. 12 chains cover
 * the mul→add latency (3+3 cycles) at 4 ops per cycle.
 */
function peakFn(L: Lane): Body {
  const f = new Body(2);
  const CH = 12;
  const x = Array.from({ length: CH }, () => f.local(V128)), y = f.local(V128), i = f.local(I32);
  f.e(op.get(1), op.v128Load(16), op.set(y));
  for (let c = 0; c < CH; c++) f.e(op.get(1), op.v128Load(0), op.set(x[c]));
  f.for(i, 0, () => {
    for (let u = 0; u < 2; u++) for (let c = 0; c < CH; c++) f.e(op.get(x[c]), op.get(x[c]), op.get(y), L.mul, L.add, op.set(x[c]));
  });
  f.e(op.get(1));
  f.e(op.get(x[0]));
  for (let c = 1; c < CH; c++) f.e(op.get(x[c]), L.add);
  f.e(op.v128Store(0));
  return f;
}

const EXPORTS = ["gemm_f32", "gemm_f64", "packa_f32", "packb_f32", "packa_f64", "packb_f64", "peak_f32", "peak_f64",
  "packim2col_f32", "packim2col_f64", "axpy_f32", "axpy_f64", "dots_f32", "dots_f64"] as const;

/**
 * The module's bytes. Its memory is imported ("env" "mem"), so that worker threads can run
 * the same kernels over one shared memory (threads.ts); `shared` sets the import's shared
 * flag, which must match the memory given (limits 0x03: shared with a maximum; 0x00: min only).
 */
function assemble(shared: boolean): Uint8Array {
  const t32 = TILES.float32, t64 = TILES.float64;
  const bodies = [
    gemmFn(F32, t32), gemmFn(F64, t64),
    packFn(F32, t32.MR), packFn(F32, t32.NV * 4), packFn(F64, t64.MR), packFn(F64, t64.NV * 2),
    peakFn(F32), peakFn(F64),
    packIm2colFn(F32, t32.NV * 4), packIm2colFn(F64, t64.NV * 2),
    axpyFn(F32), axpyFn(F64), dotsFn(F32), dotsFn(F64),
  ];
  const arities = [...new Set(bodies.map((b) => b.nParams))];
  const types = arities.map((n) => [0x60, ...vec(Array(n).fill([I32])), 0]);
  const typeOf = (n: number) => arities.indexOf(n);
  const limits = shared ? [0x03, ...u32(1), ...u32(MAX_PAGES)] : [0x00, ...u32(1)];
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, vec(types)),
    ...section(2, vec([[...str("env"), ...str("mem"), 0x02, ...limits]])),
    ...section(3, vec(bodies.map((b) => [typeOf(b.nParams)]))),
    ...section(7, vec(EXPORTS.map((nm, i) => [...str(nm), 0x00, ...u32(i)]))),
    ...section(10, vec(bodies.map((b) => b.encode())))]);
}

type Fn8 = (ap: number, bp: number, c: number, mp: number, np: number, kc: number, ldc: number, accumulate: number) => void;
type Fn11 = (img: number, tab: number, colT: number, colB: number, chanBytes: number, K: number, rowBytes: number,
             k0: number, kc: number, np: number, dst: number) => void;
type Fn6 = (src: number, so: number, sk: number, n: number, kc: number, dst: number) => void;
/** A WebAssembly.Memory (the project's TS lib has no DOM types). */
export interface WasmMemory { buffer: ArrayBuffer | SharedArrayBuffer; grow(pages: number): number }
export interface MatmulWasm {
  gemm_f32: Fn8; gemm_f64: Fn8;
  packa_f32: Fn6; packb_f32: Fn6; packa_f64: Fn6; packb_f64: Fn6;
  peak_f32: (iters: number, ptr: number) => void; peak_f64: (iters: number, ptr: number) => void;
  packim2col_f32: Fn11; packim2col_f64: Fn11;
  axpy_f32: Fn6; axpy_f64: Fn6; dots_f32: Fn6; dots_f64: Fn6;
  /** the instance's memory and compiled module (what a worker thread needs to run the kernels) */
  mem: WasmMemory; module: object;
}
/** The slice of the WebAssembly JS API used here. */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Omit<MatmulWasm, "mem" | "module"> };
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}
const wasmApi = () => (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** Pages (64 KiB) a shared memory may grow to: 4 GiB, the most wasm32 addresses. */
export const MAX_PAGES = 65536;

const modules: { shared?: object | null; own?: object | null } = {};
/** The compiled kernel module for shared or unshared memory, or null without WebAssembly SIMD. */
export function kernelModule(shared: boolean): object | null {
  const key = shared ? "shared" : "own", wa = wasmApi();
  if (modules[key] === undefined) {
    try { modules[key] = wa ? new wa.Module(assemble(shared)) : null; } catch { modules[key] = null; }
  }
  return modules[key]!;
}

/**
 * A memory for the kernels: shared (growable to MAX_PAGES; worker threads can use it) where
 * this runtime has shared WebAssembly memory and SIMD (Node; browsers when cross-origin
 * isolated), else unshared. Null without WebAssembly SIMD.
 */
export function kernelMemory(): WasmMemory | null {
  const wa = wasmApi();
  if (!wa) return null;
  if (typeof SharedArrayBuffer === "function" && kernelModule(true)) {
    // A 4 GiB reservation can fail on 32-bit hosts: then 1 GiB (the import accepts any maximum up to MAX_PAGES).
    for (const maximum of [MAX_PAGES, MAX_PAGES / 4]) {
      try { return new wa.Memory({ initial: 1, maximum, shared: true }); } catch { /* smaller, or unshared below */ }
    }
  }
  return kernelModule(false) ? new wa.Memory({ initial: 1 }) : null;
}

/** True for a shared memory (a SharedArrayBuffer behind it). */
export const isShared = (mem: WasmMemory): boolean =>
  typeof SharedArrayBuffer === "function" && mem.buffer instanceof SharedArrayBuffer;

/** An instance of the kernel module over `mem` (default: a fresh memory), or null without WebAssembly SIMD. */
export function instantiate(mem: WasmMemory | null = kernelMemory()): MatmulWasm | null {
  const wa = wasmApi(), m = mem && kernelModule(isShared(mem));
  if (!wa || !mem || !m) return null;
  return { ...new wa.Instance(m, { env: { mem } }).exports, mem, module: m };
}

/**
 * GFLOP/s of this machine's WebAssembly SIMD mul+add loop (one core, 2 flops per lane per
 * mul+add pair): the roofline a WebAssembly GEMM can reach. Best of `rounds` timed runs.
 * @example wasmSimdPeak("float32") // ≈ 4 lanes × 2 flops × pairs per second / 1e9
 */
export function wasmSimdPeak(dtype: "float32" | "float64", rounds = 5): number {
  const w = instantiate();
  if (!w) return NaN;
  const lanes = dtype === "float32" ? 4 : 2;
  const view = dtype === "float32" ? new Float32Array(w.mem.buffer, 0, 8) : new Float64Array(w.mem.buffer, 0, 4);
  const peak = dtype === "float32" ? w.peak_f32 : w.peak_f64;
  const iters = 2_000_000;
  let best = 0;
  for (let r = 0; r < rounds + 3; r++) {   // the first runs tier up from Liftoff to TurboFan
    view.fill(1, 0, lanes); view.fill(1e-9, lanes, 2 * lanes);
    const t0 = performance.now();
    peak(iters, 0);
    const s = (performance.now() - t0) / 1e3;
    best = Math.max(best, (iters * 2 * 12 * lanes * 2) / s / 1e9);
  }
  return best;
}
