// dot_general as a tiled, batched matmul (gemmMain below: 64x64 or 128x128 output tiles per
// workgroup of 16x16 threads, operand tiles staged in workgroup memory). Operand layouts (transposes, several free/contracting dims) fold
// into the load index, so no operand is copied first.
import type { ShapedArray } from "../../../core/aval";
import type { DotGeneralParams } from "../../../core/primitives";
import { bindings, type FNode, type FuseRule, KernelBuilder, type KernelCode, strides } from "../emit";
import { convert, PRELUDE, store, valueType } from "../wgsl";


/** The operand's flat index from (batch, row, contraction) counters. */
function operandIndex(shape: readonly number[], batch: readonly number[], free: readonly number[], contract: readonly number[],
                      b: string, f: string, c: string): string {
  const st = strides(shape);
  const part = (dims: readonly number[], v: string): string[] => {
    const sizes = dims.map((d) => shape[d]);
    const out: string[] = [];
    let inner = 1;
    for (let j = dims.length - 1; j >= 0; j--) {
      const q = inner === 1 ? v : `(${v} / ${inner}u)`;
      const coord = j === 0 ? q : `(${q} % ${sizes[j]}u)`;
      if (sizes[j] !== 1) out.push(`${coord} * ${st[dims[j]]}u`);
      inner *= sizes[j];
    }
    return out;
  };
  const terms = [...part(batch, b), ...part(free, f), ...part(contract, c)];
  return terms.length ? terms.join(" + ") : "0u";
}

export interface Epilogue {
  /** Extra inputs the epilogue reads (bound after lhs and rhs). */
  inputs: ShapedArray[];
  rules: Record<string, FuseRule>;
  /** The value to store, in terms of the dot node (whose value is the accumulator). */
  root: FNode;
  dot: FNode;
}

export function matmulKernel(lhs: ShapedArray, rhs: ShapedArray, p: DotGeneralParams, out: ShapedArray, epi?: Epilogue): KernelCode {
  const [[lc, rc], [lb, rb]] = p.dimensionNumbers;
  const lf = lhs.shape.map((_, d) => d).filter((d) => !lc.includes(d) && !lb.includes(d));
  const rf = rhs.shape.map((_, d) => d).filter((d) => !rc.includes(d) && !rb.includes(d));
  const size = (s: readonly number[], ds: readonly number[]) => ds.reduce((a, d) => a * s[d], 1);
  const B = size(lhs.shape, lb), M = size(lhs.shape, lf), N = size(rhs.shape, rf), K = size(lhs.shape, lc);
  const dIn = lhs.dtype, acc = out.dtype === "float32" || dIn === "float32" ? "f32" : valueType(dIn);
  const cvt = (e: string, d: typeof dIn) => (valueType(d) === acc ? e : `${acc}(${e})`);
  const ld = (name: string, a: ShapedArray, idx: string) => cvt(a.dtype === "bool" ? `f32(${name}[${idx}])` : `${name}[${idx}]`, a.dtype);
  const aIdx = operandIndex(lhs.shape, lb, lf, lc, "batch", "row", "kc");
  const bIdx = operandIndex(rhs.shape, rb, rf, rc, "batch", "col", "kc");
  const inputs = [lhs, rhs, ...(epi?.inputs ?? [])];

  // Store: the epilogue (or a conversion) at flat output index batch*M*N + row*N + col.
  const k = new KernelBuilder(epi?.rules ?? {}, inputs);
  k.line("let o = batch * " + `${M * N}u + row * ${N}u + col;`);
  let v = "v";
  const accD = acc === "f32" ? "float32" : dIn;
  if (epi) { k.bind(epi.dot, "o", k.let(convert("v", accD, out.dtype))); v = k.value(epi.root, "o"); }
  else v = convert("v", accD, out.dtype);
  const outAval = epi ? epi.root.aval : out;
  k.line(`out0[o] = ${store(outAval.dtype, v)};`);
  const storeFn = `fn store_out(batch: u32, row: u32, col: u32, v: ${acc}) {\n${k.body()}\n}`;

  const tile = gemmTile(M, N, B);
  const code = `${PRELUDE}
${bindings(inputs, [outAval])}
${storeFn}
${gemmMain({
    acc, M, N, K, header: "let batch = wid.z;",
    loadA: `a = ${ld("in0", lhs, aIdx)};`,
    loadB: `b = ${ld("in1", rhs, bIdx)};`,
    store: (v) => `store_out(batch, row, col, ${v});`,
  }, tile)}`;
  return { code, wg: [Math.ceil(N / tile.BN), Math.ceil(M / tile.BM), B] };
}

export interface GemmParts {
  /** WGSL type of the accumulators and tiles. */
  acc: string;
  M: number; N: number; K: number;
  /** Statements at the top of main (e.g. the batch index from wid.z). */
  header: string;
  /** Assigns `a` = A[row][kc] (in bounds: row < M, kc < K). */
  loadA: string;
  /** Assigns `b` = B[kc][col] (in bounds: col < N, kc < K). */
  loadB: string;
  /** Stores accumulator `v` at (row, col) (in bounds). */
  store: (v: string) => string;
}

/**
 * A GEMM tiling: BM x BN output tiles per workgroup of (BN/TN) x (BM/TM) threads, each
 * thread holding TM x TN accumulators; BM x TK and TK x BN operand tiles in workgroup memory.
 */
export interface GemmTile {
  BM: number; BN: number; TM: number; TN: number; TK: number;
  /** Load the next operand tiles into registers while the current ones are multiplied. */
  prefetch?: boolean;
}
export const SMALL_TILE: GemmTile = { BM: 64, BN: 64, TM: 4, TN: 4, TK: 16 };
export const MID_TILE: GemmTile = { BM: 128, BN: 64, TM: 8, TN: 4, TK: 8, prefetch: true };
export const LARGE_TILE: GemmTile = { BM: 128, BN: 128, TM: 8, TN: 8, TK: 4, prefetch: true };
let forced: GemmTile | undefined;
/** Tests: make every GEMM use tile `t` (undefined: choose by size again). */
export const forceGemmTile = (t?: GemmTile): void => { forced = t; };

/**
 * The biggest tile that still gives a large GPU ~2 waves of workgroups (an H100 has 132
 * multiprocessors). Measured there (bench/webgpu-gemm.ts, float32 n^3, kernel alone): n = 2048
 * LARGE 35.7 TFLOP/s = 53% of peak (without prefetch 29.7; TK 8 32.4, TK 16 25.0; MID 22.4,
 * SMALL 20.9); n = 1024 MID 21.5 (SMALL 17.3, LARGE 15.3); n = 512 SMALL.
 */
export function gemmTile(M: number, N: number, B: number): GemmTile {
  if (forced) return forced;
  const tiles = (t: GemmTile) => B * Math.ceil(M / t.BM) * Math.ceil(N / t.BN);
  return tiles(LARGE_TILE) >= 256 ? LARGE_TILE : tiles(MID_TILE) >= 128 ? MID_TILE : SMALL_TILE;
}

/**
 * The entry point shared by the tiled GEMMs (matmul, implicit-GEMM conv). Thread (tx, ty)
 * owns rows g·4·WY + 4·ty + i and columns h·4·WX + 4·tx + j (i, j < 4; g < TM/4, h < TN/4):
 * 4-wide groups strided across the tile, so that a warp's vec4 reads of the staged tiles hit
 * distinct banks or broadcast. Accumulators are vec4 rows in named registers (dynamically
 * indexed private arrays spill). Bounds tests are emitted only where a dimension does not
 * divide its tile (shapes are static).
 */
export function gemmMain(g: GemmParts, t: GemmTile = SMALL_TILE): string {
  const { acc, M, N, K } = g;
  const { BM, BN, TM, TN, TK } = t;
  const WX = BN / TN, WY = BM / TM, T = WX * WY;
  const GM = TM / 4, GN = TN / 4, V = `vec4<${acc}>`;
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const decl = range(TM).flatMap((r) => range(GN).map((h) => `  var c${r}_${h} = ${V}(${acc}(0));`)).join("\n");
  const inner = (kk: string) => [
    ...range(GM).map((gi) => `      let a${gi} = As[${kk} * ${BM / 4}u + ${gi * WY}u + lid.y];`),
    ...range(GN).map((h) => `      let b${h} = Bs[${kk} * ${BN / 4}u + ${h * WX}u + lid.x];`),
    ...range(TM).flatMap((r) => range(GN).map((h) => acc === "f32" ? `      c${r}_${h} = fma(${V}(a${r >> 2}[${r & 3}]), b${h}, c${r}_${h});` : `      c${r}_${h} = c${r}_${h} + a${r >> 2}[${r & 3}] * b${h};`)),
  ].join("\n");
  const cut = (ok: boolean, cond: string, body: string) => (ok ? body : `if (${cond}) { ${body} }`);
  const tail = range(TM).flatMap((r) => range(GN).flatMap((h) => range(4).map((j) => {
    const row = `row0 + ${(r >> 2) * 4 * WY + (r & 3)}u + lid.y * 4u`, col = `col0 + ${h * 4 * WX + j}u + lid.x * 4u`;
    return `  { let row = ${row}; let col = ${col}; ${cut(M % BM === 0 && N % BN === 0, `row < ${M}u && col < ${N}u`, g.store(`c${r}_${h}[${j}]`))} }`;
  }))).join("\n");
  const kFull = K % TK === 0;
  const nA = (BM * TK) / T, nB = (BN * TK) / T;
  // Thread t's share of the operand tiles starting at contraction index k (into pa*/pb*).
  // A tile: BM rows x TK contraction (consecutive threads read along the contraction);
  // B tile: TK contraction x BN columns (consecutive threads read along the columns).
  const fetch = (k: string) => [
    ...range(nA).map((j) => `    { let e = t + ${j * T}u; var a: ${acc} = ${acc}(0); let row = row0 + e / ${TK}u; let kc = ${k} + e % ${TK}u;
      ${cut(M % BM === 0 && kFull, `row < ${M}u && kc < ${K}u`, g.loadA)}
      pa${j} = a; }`),
    ...range(nB).map((j) => `    { let e = t + ${j * T}u; var b: ${acc} = ${acc}(0); let col = col0 + e % ${BN}u; let kc = ${k} + e / ${BN}u;
      ${cut(N % BN === 0 && kFull, `col < ${N}u && kc < ${K}u`, g.loadB)}
      pb${j} = b; }`),
  ].join("\n");
  const stage = [
    ...range(nA).map((j) => `    { let e = t + ${j * T}u; As[(e % ${TK}u) * ${BM / 4}u + (e / ${TK}u) / 4u][(e / ${TK}u) % 4u] = pa${j}; }`),
    ...range(nB).map((j) => `    { let e = t + ${j * T}u; Bs[(e / ${BN}u) * ${BN / 4}u + (e % ${BN}u) / 4u][e % 4u] = pb${j}; }`),
  ].join("\n");
  const regs = [...range(nA).map((j) => `pa${j}`), ...range(nB).map((j) => `pb${j}`)].map((r) => `  var ${r}: ${acc};`).join("\n");
  const compute = `    for (var kk: u32 = 0u; kk < ${TK}u; kk = kk + 1u) {\n${inner("kk")}\n    }`;
  const loop = t.prefetch
    ? `${fetch("0u")}
  for (var k0: u32 = 0u; k0 < ${K}u; k0 = k0 + ${TK}u) {
${stage}
    workgroupBarrier();
    if (k0 + ${TK}u < ${K}u) {
${fetch(`(k0 + ${TK}u)`)}
    }
${compute}
    workgroupBarrier();
  }`
    : `  for (var k0: u32 = 0u; k0 < ${K}u; k0 = k0 + ${TK}u) {
${fetch("k0")}
${stage}
    workgroupBarrier();
${compute}
    workgroupBarrier();
  }`;
  return `var<workgroup> As: array<${V}, ${(TK * BM) / 4}>;
var<workgroup> Bs: array<${V}, ${(TK * BN) / 4}>;
@compute @workgroup_size(${WX}, ${WY})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  ${g.header}
  let row0 = wid.y * ${BM}u;
  let col0 = wid.x * ${BN}u;
  let t = lid.y * ${WX}u + lid.x;
${decl}
${regs}
${loop}
${tail}
}
`;
}
