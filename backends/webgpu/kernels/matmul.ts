// dot_general as a tiled, batched matmul: 64x64 output tiles per workgroup of 16x16
// threads, each accumulating a 4x4 register block from 64x16 / 16x64 operand tiles staged
// in workgroup memory. Operand layouts (transposes, several free/contracting dims) fold
// into the load index, so no operand is copied first.
import type { ShapedArray } from "../../../core/aval";
import type { DotGeneralParams } from "../../../core/primitives";
import { bindings, type FNode, type FuseRule, KernelBuilder, type KernelCode, strides } from "../emit";
import { convert, PRELUDE, store, valueType } from "../wgsl";

const TILE = 64, TK = 16;

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

  const code = `${PRELUDE}
${bindings(inputs, [outAval])}
${storeFn}
${gemmMain({
    acc, M, N, K, header: "let batch = wid.z;",
    loadA: `a = ${ld("in0", lhs, aIdx)};`,
    loadB: `b = ${ld("in1", rhs, bIdx)};`,
    store: (v) => `store_out(batch, row, col, ${v});`,
  })}`;
  return { code, wg: [Math.ceil(N / TILE), Math.ceil(M / TILE), B] };
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
 * The entry point shared by the tiled GEMMs (matmul, implicit-GEMM conv): 64x64 output
 * tiles per 16x16 workgroup, 64x16 / 16x64 operand tiles staged in workgroup memory, a 4x4
 * block per thread in scalar registers (unrolled: dynamically indexed private arrays spill).
 */
export function gemmMain(g: GemmParts): string {
  const { acc, M, N, K } = g;
  const R4 = [0, 1, 2, 3];
  const decl = R4.map((i) => R4.map((j) => `  var c${i}${j}: ${acc} = ${acc}(0);`).join("\n")).join("\n");
  const inner = [
    ...R4.map((i) => `      let a${i} = As[kk][lid.y * 4u + ${i}u];`),
    ...R4.map((j) => `      let b${j} = Bs[kk][lid.x * 4u + ${j}u];`),
    ...R4.flatMap((i) => R4.map((j) => `      c${i}${j} = c${i}${j} + a${i} * b${j};`)),
  ].join("\n");
  const tail = R4.flatMap((i) => R4.map((j) =>
    `  { let row = row0 + lid.y * 4u + ${i}u; let col = col0 + lid.x * 4u + ${j}u; if (row < ${M}u && col < ${N}u) { ${g.store(`c${i}${j}`)} } }`)).join("\n");
  return `var<workgroup> As: array<array<${acc}, ${TILE}>, ${TK}>;
var<workgroup> Bs: array<array<${acc}, ${TILE}>, ${TK}>;
@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  ${g.header}
  let row0 = wid.y * ${TILE}u;
  let col0 = wid.x * ${TILE}u;
  let t = lid.y * 16u + lid.x;
${decl}
  for (var k0: u32 = 0u; k0 < ${K}u; k0 = k0 + ${TK}u) {
    for (var j: u32 = 0u; j < 4u; j = j + 1u) {
      let e = t + j * 256u;
      // A tile: 64 rows x 16 contraction; B tile: 16 contraction x 64 columns.
      var a: ${acc} = ${acc}(0);
      { let row = row0 + e / ${TK}u; let kc = k0 + e % ${TK}u; if (row < ${M}u && kc < ${K}u) { ${g.loadA} } }
      As[e % ${TK}u][e / ${TK}u] = a;
      var b: ${acc} = ${acc}(0);
      { let col = col0 + e % ${TILE}u; let kc = k0 + e / ${TILE}u; if (col < ${N}u && kc < ${K}u) { ${g.loadB} } }
      Bs[e / ${TILE}u][e % ${TILE}u] = b;
    }
    workgroupBarrier();
    for (var kk: u32 = 0u; kk < ${TK}u; kk = kk + 1u) {
${inner}
    }
    workgroupBarrier();
  }
${tail}
}
`;
}
