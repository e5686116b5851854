// One thread's part of a blocked GEMM (matmul.ts), run on the main thread and, as source
// text, in the worker threads of threads.ts. It is self-contained (no imports, no outer
// names) for that reason: everything it needs is in the control area of the kernel memory,
// which matmul.ts fills (JOB words for the product, a THREAD record per thread).
// The loops are BLIS's (see matmul-wasm.ts) with the work handed out dynamically, so a thread
// that runs slower (another process on its core) takes fewer pieces:
//  1. pack A: units of (batch, KC depth block, MC row block), claimed with an atomic counter,
//     into one packed copy of A that every thread reads; then wait until all are packed;
//  2. chunks of (batch, RH rows, CW columns): pack B's KC×CW slab per depth block (own
//     scratch), then run the micro-kernel over each MC row block of the packed A.
// Columns are cut on NR and rows on MR boundaries, so threads write disjoint tiles of C.

/** Offsets (u32 words from threads.ts's W.JOB) of the job's parameters; byte offsets unless named elements. */
export const JOB = {
  DT: 0, M: 1, N: 2, K: 3, MC: 4, KC: 5, MR: 6, NR: 7,
  /** A and B data (bytes) and their element strides along (row, depth) and (depth, column) */
  A: 8, B: 9, AS0: 10, AS1: 11, BS0: 12, BS1: 13,
  /** C (all batches; rows of LDC bytes, CB bytes per batch) */
  C: 14, LDC: 15, CB: 16,
  /** tables of per-batch element offsets (u32) into A and B */
  AOFFS: 17, BOFFS: 18,
  /** im2col: flag, tap table, channel stride (bytes), taps K, positions P, image stride (elements) */
  IM: 19, TAB: 20, CHAN: 21, IMK: 22, IMP: 23, IMG: 24,
  /** packed A (bytes per batch: Mp·K·es), batches, chunk rows and columns, whether the main thread may block */
  AP: 25, APB: 26, NB: 27, RH: 28, CW: 29, WAIT: 30,
} as const;
/** Counters of the control area (i32 words, after threads.ts's header): next pack unit, units packed, next chunk. */
export const COUNTERS = { PACK: 8, PACKED: 9, CHUNK: 10 } as const;
/** Offsets in a thread's record: its B slab and im2col column tables (bytes). */
export const REC = { BP: 0, COLT: 1, COLB: 2 } as const;

type Exports = Record<string, (...a: number[]) => number | void>;

/**
 * Thread `id`'s part of C(b, i, j) = Σ_k A(b, i, k)·B(b, k, j). The literals mirror threads.ts
 * (W.JOB = 16, W.THREAD = 128, W.THREAD_WORDS = 16) and JOB/COUNTERS/REC above.
 */
export function gemmTask(ex: Exports, mem: { buffer: ArrayBuffer | SharedArrayBuffer }, id: number): void {
  const u = new Uint32Array(mem.buffer), i32 = new Int32Array(mem.buffer);
  const J = 16, R = 128 + 16 * id, PACK = 8, PACKED = 9, CHUNK = 10;
  const f32 = u[J] === 0, es = f32 ? 4 : 8;
  const gemm = f32 ? ex.gemm_f32 : ex.gemm_f64, packIm = f32 ? ex.packim2col_f32 : ex.packim2col_f64;
  const packA = f32 ? ex.packa_f32 : ex.packa_f64, packB = f32 ? ex.packb_f32 : ex.packb_f64;
  const M = u[J + 1], N = u[J + 2], K = u[J + 3], mc = u[J + 4], KC = u[J + 5], MR = u[J + 6], NR = u[J + 7];
  const aOff = u[J + 8], bOff = u[J + 9], as0 = u[J + 10], as1 = u[J + 11], bs0 = u[J + 12], bs1 = u[J + 13];
  const cOff = u[J + 14], ldc = u[J + 15], cb = u[J + 16], aOffs = u[J + 17] / 4, bOffs = u[J + 18] / 4;
  const im = u[J + 19] === 1, tab = u[J + 20], chan = u[J + 21], imK = u[J + 22], P = u[J + 23], img = u[J + 24];
  const ap = u[J + 25], apb = u[J + 26], nb = u[J + 27], RH = u[J + 28], CW = u[J + 29], canWait = id > 0 || u[J + 30] === 1;
  const bp = u[R], colT = u[R + 1], colB = u[R + 2];
  const Mp = Math.ceil(M / MR) * MR, kB = Math.ceil(K / KC), iB = Math.ceil(M / mc);
  // 1. Pack A: block (b, k0, i0) goes to ap + b·apb + k0·Mp·es + i0·kc·es (MR-row panels of depth kc).
  const units = nb * kB * iB;
  for (let q; (q = Atomics.add(i32, PACK, 1)) < units;) {
    const bi = Math.floor(q / (kB * iB)), k0 = (Math.floor(q / iB) % kB) * KC, i0 = (q % iB) * mc;
    const kc = Math.min(KC, K - k0);
    packA(aOff + (u[aOffs + bi] + i0 * as0 + k0 * as1) * es, as0 * es, as1 * es, Math.min(mc, M - i0), kc, ap + bi * apb + (k0 * Mp + i0 * kc) * es);
    if (Atomics.add(i32, PACKED, 1) === units - 1) Atomics.notify(i32, PACKED);
  }
  for (let p; (p = Atomics.load(i32, PACKED)) < units;) {
    if (Atomics.load(i32, 2)) throw new Error("gemm: another thread failed");   // W.ERROR: its units will never be packed
    if (canWait) Atomics.wait(i32, PACKED, p, 100);
  }
  // 2. Chunks, row-major over (batch, row chunk, column chunk).
  const nrc = Math.ceil(M / RH), ncc = Math.ceil(N / CW), chunks = nb * nrc * ncc;
  for (let q; (q = Atomics.add(i32, CHUNK, 1)) < chunks;) {
    const bi = Math.floor(q / (nrc * ncc)), r0 = (Math.floor(q / ncc) % nrc) * RH, j0 = (q % ncc) * CW;
    const r1 = Math.min(M, r0 + RH), ncb = Math.min(CW, N - j0), np = Math.ceil(ncb / NR);
    const bBase = bOff + u[bOffs + bi] * es, cBase = cOff + bi * cb, aB = ap + bi * apb;
    if (im) {
      // Per column of this chunk: its offset in the tap rows and its image's byte offset.
      for (let j = 0; j < np * NR; j++) {
        const jj = j0 + j, n = Math.floor(jj / P);
        i32[colT / 4 + j] = j < ncb ? (jj - n * P) * 4 : P * 4;
        i32[colB / 4 + j] = j < ncb ? n * img * es : 0;
      }
    }
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = Math.min(KC, K - k0);
      if (im) packIm(bBase, tab, colT, colB, chan, imK, (P + 1) * 4, k0, kc, np, bp);
      else packB(bBase + (k0 * bs0 + j0 * bs1) * es, bs1 * es, bs0 * es, ncb, kc, bp);
      for (let i0 = r0; i0 < r1; i0 += mc) {
        const mcb = Math.min(mc, r1 - i0);
        gemm(aB + (k0 * Mp + i0 * kc) * es, bp, cBase + i0 * ldc + j0 * es, Math.ceil(mcb / MR), np, kc, ldc, k0 > 0 ? 1 : 0);
      }
    }
  }
}
