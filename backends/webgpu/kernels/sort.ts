// sort on WebGPU: a bitonic network over (key_0, ..., key_{numKeys-1}, original index),
// which is a total order, so the result is exactly the CPU's stable sort (ties keep their
// order). Each key becomes a u32 whose unsigned order is the CPU's order: NaN last (all NaNs
// equal), -0 == +0, int32 with its sign bit flipped. A row is padded to a power of two P with
// sentinels (keys 0xffffffff, indices >= n), which sort after every real element.
// - Rows with P <= 2048 (one key; fewer with more keys): one dispatch, a workgroup sorts one
//   or more rows in workgroup memory (16 KiB) and writes every operand permuted (KERNELS).
// - Longer rows, or more operands than bindings allow: a plan (plan.ts) over a scratch copy
//   of the keys and indices: sort blocks in workgroup memory, then for each longer stage k
//   one global pass per distance j >= block, and the remaining distances in workgroup memory;
//   finally one pass per operand gathers it through the sorted indices.
import type { ShapedArray } from "../../../core/aval";
import type { DType } from "../../../core/dtype";
import type { SortParams } from "../../../core/primitives";
import { grid, type KernelCode, module, WORKGROUP } from "../emit";
import { binding, pass, threadIndex, word } from "./indexing";
import type { KernelPlan, PlanPass } from "./plan";

/** Workgroup memory every WebGPU device offers (maxComputeWorkgroupStorageSize). */
const WG_BYTES = 16384;
/** Storage buffers per shader stage every device offers. */
const MAX_BINDINGS = 8;
/** The largest scratch binding every device offers (maxStorageBufferBindingSize). */
const MAX_BINDING_BYTES = 128 * 1024 * 1024;

const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);
const pow2 = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(n, 1)));
/** The longest power-of-two block of (numKeys keys + index) words fitting in workgroup memory. */
export const maxBlock = (numKeys: number): number => 2 ** Math.floor(Math.log2(WG_BYTES / 4 / (numKeys + 1)));

/** The u32 order key of a stored word `v` of dtype `d`, or null for unordered dtypes. */
function orderKey(d: DType, v: string): string | null {
  switch (d) {
    case "float32": return `okey_f32(${v})`;
    case "int32": return `(${v} ^ 0x80000000u)`;
    case "uint32": case "bool": return v;
    default: return null;
  }
}
const OKEY_F32 = /* wgsl */ `
fn okey_f32(b: u32) -> u32 {
  let m = b & 0x7fffffffu;
  if (m > 0x7f800000u) { return 0xffffffffu; }
  if (m == 0u) { return 0x80000000u; }
  if (b != m) { return ~b; }
  return b | 0x80000000u;
}`;

interface Geometry { n: number; inner: number; rows: number; P: number; nk: number; keys: string[] }

function geometry(xs: readonly ShapedArray[], p: SortParams): Geometry | null {
  const s = xs[0].shape, d = p.dimension, n = s[d], inner = prod(s.slice(d + 1));
  const keys: string[] = [];
  for (let k = 0; k < p.numKeys; k++) {
    const key = orderKey(xs[k].dtype, `in${k}[src]`);
    if (!key) return null;
    keys.push(key);
  }
  if (!xs.every((x) => word(x.dtype))) return null;
  return { n, inner, rows: prod(s) / Math.max(n, 1), P: Math.max(2, pow2(n)), nk: p.numKeys, keys };
}
/** WGSL: the flat index of element 0 of row `r` (rows run over the non-sorted dims). */
const rowBase = (g: Geometry, r: string) =>
  g.inner === 1 ? `${r} * ${g.n}u` : `(${r} / ${g.inner}u) * ${g.n * g.inner}u + ${r} % ${g.inner}u`;
const at = (g: Geometry, j: string) => (g.inner === 1 ? j : `${j} * ${g.inner}u`);

/** Workgroup arrays of a block of `bs` elements, with compare and swap helpers. */
function wgDecls(nk: number, bs: number): string[] {
  const ks = [...Array(nk).keys()];
  return [
    ...ks.map((k) => `var<workgroup> K${k}: array<u32, ${bs}>;`),
    `var<workgroup> IX: array<u32, ${bs}>;`,
    `fn wgt(a: u32, b: u32) -> bool {\n${ks.map((k) => `  if (K${k}[a] != K${k}[b]) { return K${k}[a] > K${k}[b]; }`).join("\n")}\n  return IX[a] > IX[b];\n}`,
    `fn wswap(a: u32, b: u32) {\n${[...ks.map((k) => `K${k}`), "IX"].map((v) => `  { let t = ${v}[a]; ${v}[a] = ${v}[b]; ${v}[b] = t; }`).join("\n")}\n}`,
  ];
}

/**
 * Compare-exchange steps on the block in workgroup memory. Element i (global position
 * base + i, row position (base + i) mod P) sorts ascending in stage k iff its bit k is 0.
 */
function networkSteps(P: number, bs: number, stage: "all" | string): string {
  const step = `    for (var t = lid.x; t < ${bs / 2}u; t = t + ${WORKGROUP}u) {
      let i = 2u * t - (t & (jj - 1u));
      let up = (((base + i) & ${P - 1}u) & k) == 0u;
      if (wgt(i, i + jj) == up) { wswap(i, i + jj); }
    }
    workgroupBarrier();`;
  if (stage === "all") {
    return `  for (var k = 2u; k <= ${Math.min(P, bs)}u; k = k << 1u) {
   for (var jj = k >> 1u; jj > 0u; jj = jj >> 1u) {
${step}
   }
  }`;
  }
  return `  let k = ${stage};\n  for (var jj = ${bs / 2}u; jj > 0u; jj = jj >> 1u) {\n${step}\n  }`;
}

/** One dispatch: a workgroup sorts whole rows (several when they are short). */
export function sortKernel(xs: readonly ShapedArray[], p: SortParams, outs: readonly ShapedArray[]): KernelCode | null {
  const g = geometry(xs, p);
  if (!g || g.P > maxBlock(g.nk) || 2 * xs.length > MAX_BINDINGS) return null;
  // Short rows share a workgroup, 256 elements at least (a compare-exchange per thread would
  // need 512, but Dawn's zero-initialisation of workgroup memory makes SwiftShader's compile
  // time grow with its size, ~1 s per 4 KiB; short rows have few steps anyway).
  const bs = Math.max(g.P, Math.min(256, maxBlock(g.nk))), R = bs / g.P;
  const ks = [...Array(g.nk).keys()];
  const decls = [
    ...xs.map((x, i) => binding(i, `in${i}`, word(x.dtype)!)),
    ...outs.map((x, i) => binding(xs.length + i, `out${i}`, word(x.dtype)!, true)),
    ...wgDecls(g.nk, bs), g.keys.some((k) => k.startsWith("okey_f32")) ? OKEY_F32 : "",
  ];
  const rowOf = `let r = g * ${R}u + t / ${g.P}u; let j = t % ${g.P}u;`;
  const body = `  let g = wid.y * nwg.x + wid.x;
  let base = 0u;
  for (var t = lid.x; t < ${bs}u; t = t + ${WORKGROUP}u) {
    ${rowOf}
${ks.map((k) => `    var k${k} = 0xffffffffu;`).join("\n")}
    if (r < ${g.rows}u && j < ${g.n}u) {
      let src = ${rowBase(g, "r")} + ${at(g, "j")};
${ks.map((k) => `      k${k} = ${g.keys[k]};`).join("\n")}
    }
${ks.map((k) => `    K${k}[t] = k${k};`).join("\n")}
    IX[t] = j;
  }
  workgroupBarrier();
${networkSteps(g.P, bs, "all")}
  for (var t = lid.x; t < ${bs}u; t = t + ${WORKGROUP}u) {
    ${rowOf}
    if (r < ${g.rows}u && j < ${g.n}u) {
      let rb = ${rowBase(g, "r")};
      let dst = rb + ${at(g, "j")};
      let src = rb + ${at(g, "IX[t]")};
${xs.map((_, m) => `      out${m}[dst] = in${m}[src];`).join("\n")}
    }
  }`;
  return { code: module(decls.join("\n"), body), wg: grid(Math.ceil(g.rows / R)) };
}

/**
 * The multi-pass sort (any row length; any number of operands). `block` (a power of two)
 * overrides the workgroup block, so tests can exercise the global passes on small rows.
 */
export function sortPlan(xs: readonly ShapedArray[], p: SortParams, _outs: readonly ShapedArray[], block?: number): KernelPlan | null {
  const g = geometry(xs, p);
  if (!g || g.nk + 1 > MAX_BINDINGS) return null;
  const T = g.rows * g.P, words = (g.nk + 1) * T;
  if (words * 4 > MAX_BINDING_BYTES || g.rows * g.n === 0) return null;
  const bs = Math.min(g.P, block ?? maxBlock(g.nk)), nb = T / bs, S = xs.length * 2;
  const ks = [...Array(g.nk).keys()];
  const scratch = (i: number) => binding(i, "S", "u32", true);
  const passes: PlanPass[] = [];
  // Keys and indices of every padded row into scratch: key k at S[k*T + e], index at S[nk*T + e].
  passes.push(pass([...ks.map((k) => binding(k, `in${k}`, word(xs[k].dtype)!)), scratch(g.nk), OKEY_F32],
    `${threadIndex(T)}
  let r = e / ${g.P}u; let j = e % ${g.P}u;
${ks.map((k) => `  var k${k} = 0xffffffffu;`).join("\n")}
  if (j < ${g.n}u) {
    let src = ${rowBase(g, "r")} + ${at(g, "j")};
${ks.map((k) => `    k${k} = ${g.keys[k]};`).join("\n")}
  }
${ks.map((k) => `  S[${k * T}u + e] = k${k};`).join("\n")}
  S[${g.nk * T}u + e] = j;`, T, [...ks, S]));
  // A block through workgroup memory: all stages up to bs, or the short distances of stage k.
  const local = (stage: "all" | string): PlanPass => {
    const code = module([scratch(0), ...wgDecls(g.nk, bs)].join("\n"), `  let g = wid.y * nwg.x + wid.x;
  if (g >= ${nb}u) { return; }
  let base = g * ${bs}u;
  for (var t = lid.x; t < ${bs}u; t = t + ${WORKGROUP}u) {
${[...ks.map((k) => `K${k}[t] = S[${k * T}u + base + t];`), `IX[t] = S[${g.nk * T}u + base + t];`].map((l) => `    ${l}`).join("\n")}
  }
  workgroupBarrier();
${networkSteps(g.P, bs, stage)}
  for (var t = lid.x; t < ${bs}u; t = t + ${WORKGROUP}u) {
${[...ks.map((k) => `S[${k * T}u + base + t] = K${k}[t];`), `S[${g.nk * T}u + base + t] = IX[t];`].map((l) => `    ${l}`).join("\n")}
  }`);
    return { code, wg: grid(nb), bufs: [S], nin: 0 };
  };
  passes.push(local("all"));
  const gt = `fn sgt(a: u32, b: u32) -> bool {
${ks.map((k) => `  { let x = S[${k * T}u + a]; let y = S[${k * T}u + b]; if (x != y) { return x > y; } }`).join("\n")}
  return S[${g.nk * T}u + a] > S[${g.nk * T}u + b];
}
fn sswap(a: u32, b: u32) {
${[...ks, g.nk].map((k) => `  { let t = S[${k * T}u + a]; S[${k * T}u + a] = S[${k * T}u + b]; S[${k * T}u + b] = t; }`).join("\n")}
}`;
  for (let k = 2 * bs; k <= g.P; k *= 2) {
    for (let j = k / 2; j >= bs; j /= 2) {
      passes.push(pass([scratch(0), gt], `${threadIndex(T / 2)}
  let i = 2u * e - (e & ${j - 1}u);
  let up = ((i & ${g.P - 1}u) & ${k}u) == 0u;
  if (sgt(i, i + ${j}u) == up) { sswap(i, i + ${j}u); }`, T / 2, [S]));
    }
    passes.push(local(`${k}u`));
  }
  // Each operand, permuted by the sorted indices.
  xs.forEach((x, m) => {
    const w = word(x.dtype)!;
    passes.push(pass([binding(0, "in0", w), binding(1, "S", "u32"), binding(2, "out0", w, true)], `${threadIndex(g.rows * g.n)}
  let r = e / ${g.n}u; let j = e % ${g.n}u;
  let rb = ${rowBase(g, "r")};
  out0[rb + ${at(g, "j")}] = in0[rb + ${at(g, `S[${g.nk * T}u + r * ${g.P}u + j]`)}];`, g.rows * g.n, [m, S, xs.length + m]));
  });
  return { passes, scratch: [words * 4] };
}
