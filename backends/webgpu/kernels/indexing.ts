// Gather and scatter on WebGPU, with the CPU kernels' semantics (backends/cpu/gather.ts,
// backends/cpu/structural.ts; modes in core/primitives/gather.ts):
// - gather / take_along_axis: one thread per output element computes the operand element
//   it reads (a single dispatch, in KERNELS);
// - the scatters (scatter, scatter_add/mul/min/max, scatter_along_axis) are plans (plan.ts):
//   copy the operand to the output, then one thread per update element combines it into its
//   target with atomics — atomicAdd/Min/Max/And/Or on integers and bools, a
//   compare-and-swap loop on the bit pattern for float32 (and each half of a complex64).
//   Plain "set" scatters are deterministic as on the CPU: the last update in row-major order
//   of the indices' batch positions wins (the last along the axis for scatter_along_axis),
//   found by an atomicMax of (position + 1) per target in a scratch buffer, then written
//   only by the winner. scatter's jvp relies on this winner being the CPU's.
// Values that are only moved are read and written as u32 words (vec2<u32> for complex64),
// so NaN payloads, -0 and subnormals survive bit for bit.
import type { ShapedArray } from "../../../core/aval";
import type { DType } from "../../../core/dtype";
import type { AlongAxisParams, GatherParams, ScatterAlongAxisParams, ScatterParams } from "../../../core/primitives";
import { grid, KernelBuilder, type KernelCode, module, WORKGROUP } from "../emit";
import type { KernelPlan, PlanPass } from "./plan";

/** The u32 word type that moves one element of `d`, or null when the GPU cannot hold it. */
export function word(d: DType): string | null {
  if (d === "complex64") return "vec2<u32>";
  return d === "float32" || d === "int32" || d === "uint32" || d === "bool" ? "u32" : null;
}
export const binding = (i: number, name: string, type: string, rw = false): string =>
  `@group(0) @binding(${i}) var<storage, ${rw ? "read_write" : "read"}> ${name}: array<${type}>;`;
/** The thread's flat index `e`; threads past `n` return (only in passes without barriers). */
export const threadIndex = (n: number): string =>
  `  let e = (wid.y * nwg.x + wid.x) * ${WORKGROUP}u + lid.x;\n  if (e >= ${n}u) { return; }`;
/** A pass of `n` threads; its read-only bindings (declared first, as the runtime's layout wants) are counted. */
export const pass = (decls: string[], body: string, n: number, bufs: number[]): PlanPass =>
  ({ code: module(decls.join("\n"), body), wg: grid(Math.ceil(n / WORKGROUP)), bufs, nin: decls.filter((d) => d.includes("var<storage, read>")).length });

const windowDims = (rank: number, collapsed: readonly number[], batching: readonly number[]): number[] =>
  [...Array(rank).keys()].filter((d) => !collapsed.includes(d) && !batching.includes(d));
const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

/** Where an element (of a gather's output or a scatter's updates) lands in the operand. */
interface Target {
  /** WGSL bool: false when the window is out of bounds and not clamped. */
  ok: string;
  /** Flat operand index (u32). */
  p: string;
  /** The element's order among colliding writers: later wins in a "set" scatter (u32). */
  order: string;
}

/** XLA's window arithmetic (as `windows` in backends/cpu/gather.ts) for one element. */
interface WindowSpec {
  opShape: readonly number[];
  idxShape: readonly number[];
  /** Operand dim started by each index-vector entry. */
  startMap: readonly number[];
  opBatch: readonly number[];
  idxBatch: readonly number[];
  /** Dims of the element's space that walk a window, paired in order with `winOpDims`. */
  eWinDims: readonly number[];
  winOpDims: readonly number[];
  /** Window extent per operand dim (bounds a start index). */
  window: readonly number[];
  clamp: boolean;
}

/**
 * Target of element `e` of `eShape`: its batch coordinates (the non-window dims, in order)
 * pick an index vector; each entry s starts its operand dim, in bounds when
 * 0 <= s <= dim - window (clamped into that range when `clamp`, else the element is dropped).
 */
function windowTarget(k: KernelBuilder, e: string, eShape: readonly number[], s: WindowSpec): Target {
  const cs = k.coords(e, eShape);
  const bc = eShape.map((_, d) => d).filter((d) => !s.eWinDims.includes(d)).map((d) => cs[d]);
  const br = s.idxShape.length - 1, K = s.idxShape[br];
  const b = k.flat(bc, s.idxShape.slice(0, br));
  const coord = s.opShape.map(() => "0u");
  s.winOpDims.forEach((d, i) => { coord[d] = cs[s.eWinDims[i]]; });
  s.opBatch.forEach((d, j) => { coord[d] = bc[s.idxBatch[j]]; });
  let ok = "true";
  s.startMap.forEach((d, j) => {
    const raw = k.let(`in1[${b === "0u" ? "" : K === 1 ? `${b} + ` : `${b} * ${K}u + `}${j}u]`);
    const hi = s.opShape[d] - s.window[d];
    let v: string;
    if (s.clamp) v = k.let(`u32(clamp(${raw}, 0, ${hi}))`);
    else {
      if (ok === "true") { k.line("var ok = true;"); ok = "ok"; }
      k.line(`if (${raw} < 0 || ${raw} > ${hi}) { ok = false; }`);
      v = k.let(`u32(${raw})`);
    }
    coord[d] = coord[d] === "0u" ? v : k.let(`${coord[d]} + ${v}`);
  });
  return { ok, p: k.flat(coord, s.opShape), order: b };
}

/** Target of element `e` of the indices of a *_along_axis op: x[(o, idx[e], i)]. */
function axisTarget(k: KernelBuilder, e: string, idxShape: readonly number[], xShape: readonly number[], axis: number,
                    clamp: boolean): Target {
  const m = idxShape[axis], n = xShape[axis], inner = prod(idxShape.slice(axis + 1)), outer = prod(idxShape.slice(0, axis));
  const o = outer === 1 ? "0u" : k.let(`${e} / ${m * inner}u`);
  const j = m === 1 ? "0u" : k.let(inner === 1 ? `${e} % ${m}u` : `(${e} / ${inner}u) % ${m}u`);
  const i = inner === 1 ? "0u" : k.let(`${e} % ${inner}u`);
  const raw = k.let(`in1[${e}]`);
  const kk = clamp ? k.let(`u32(clamp(${raw}, 0, ${n - 1}))`) : k.let(`u32(${raw})`);
  const p = k.let([outer === 1 ? "" : `${o} * ${n * inner}u`, inner === 1 ? kk : `${kk} * ${inner}u`, inner === 1 ? "" : i]
    .filter(Boolean).join(" + "));
  return { ok: clamp ? "true" : `(${raw} >= 0 && ${raw} < ${n})`, p, order: j };
}

/** The bits of a gather's fill value in `d` (what the CPU stores in its typed array). */
function fillWord(v: number | null, d: DType): string {
  const x = v ?? 0;
  if (d === "bool") return x ? "1u" : "0u";
  if (d === "int32") return `${(x | 0) >>> 0}u`;
  if (d === "uint32") return `${x >>> 0}u`;
  const b = `${new Uint32Array(new Float32Array([x]).buffer)[0]}u`;
  // The CPU gathers re and im separately, each filled with the value.
  return d === "complex64" ? `vec2<u32>(${b}, ${b})` : b;
}

export function gatherKernel([x, idx]: readonly ShapedArray[], p: GatherParams, [out]: readonly ShapedArray[]): KernelCode | null {
  const w = word(x.dtype);
  if (!w) return null;
  const dn = p.dimensionNumbers;
  const k = new KernelBuilder({}, []);
  const t = windowTarget(k, "e", out.shape, {
    opShape: x.shape, idxShape: idx.shape, startMap: dn.startIndexMap, opBatch: dn.operandBatchingDims,
    idxBatch: dn.startIndicesBatchingDims, eWinDims: dn.offsetDims,
    winOpDims: windowDims(x.ndim, dn.collapsedSliceDims, dn.operandBatchingDims), window: p.sliceSizes, clamp: p.mode !== "fill",
  });
  k.line(t.ok === "true" ? `out0[e] = in0[${t.p}];` : `if (${t.ok}) { out0[e] = in0[${t.p}]; } else { out0[e] = ${fillWord(p.fillValue, x.dtype)}; }`);
  const decls = [binding(0, "in0", w), binding(1, "in1", "i32"), binding(2, "out0", w, true)];
  return { code: module(decls.join("\n"), `${threadIndex(out.size)}\n${k.body()}`), wg: grid(Math.ceil(out.size / WORKGROUP)) };
}

export function takeAlongAxisKernel([x, idx]: readonly ShapedArray[], p: AlongAxisParams, [out]: readonly ShapedArray[]): KernelCode | null {
  const w = word(x.dtype);
  if (!w) return null;
  const k = new KernelBuilder({}, []);
  const t = axisTarget(k, "e", idx.shape, x.shape, p.axis, true);
  k.line(`out0[e] = in0[${t.p}];`);
  const decls = [binding(0, "in0", w), binding(1, "in1", "i32"), binding(2, "out0", w, true)];
  return { code: module(decls.join("\n"), `${threadIndex(out.size)}\n${k.body()}`), wg: grid(Math.ceil(out.size / WORKGROUP)) };
}

// ---- scatter plans ---------------------------------------------------------------------

type Combine = "set" | "add" | "mul" | "min" | "max";

/** WGSL that combines update `v` into atomic element `p` of out0 (CPU's `combiner`). */
function atomicCombine(d: DType, c: Exclude<Combine, "set">, p: string, v: string): string {
  // bool: add/max are "or", mul/min are "and".
  if (d === "bool") return `${c === "add" || c === "max" ? "atomicOr" : "atomicAnd"}(&out0[${p}], ${v});`;
  if (d === "int32" || d === "uint32") {
    if (c !== "mul") return `${{ add: "atomicAdd", min: "atomicMin", max: "atomicMax" }[c]}(&out0[${p}], ${v});`;
    return cas(p, "old", `old * ${v}`);
  }
  const op = (a: string, b: string) => ({ add: `${a} + ${b}`, mul: `${a} * ${b}`, min: `g_min(${a}, ${b})`, max: `g_max(${a}, ${b})` }[c]);
  if (d === "float32") return cas(p, "old", `bitcast<u32>(${op("bitcast<f32>(old)", v)})`);
  // complex64 add: each half separately (words 2p and 2p + 1).
  return `{ let q = 2u * ${p};\n${cas("q", "old", `bitcast<u32>(bitcast<f32>(old) + ${v}.x)`)}\n${cas("q + 1u", "old", `bitcast<u32>(bitcast<f32>(old) + ${v}.y)`)} }`;
}
/** Compare-and-swap loop: out0[p] <- f(old) atomically (stops early when f leaves it unchanged). */
const cas = (p: string, old: string, f: string): string => `{
    var ${old} = atomicLoad(&out0[${p}]);
    loop {
      let nv = ${f};
      if (nv == ${old}) { break; }
      let r = atomicCompareExchangeWeak(&out0[${p}], ${old}, nv);
      if (r.exchanged) { break; }
      ${old} = r.old_value;
    }
  }`;

const valueWord = (d: DType): string => ({ float32: "f32", int32: "i32", uint32: "u32", bool: "u32", complex64: "vec2<f32>" } as Record<string, string>)[d];

/**
 * The passes of a scatter of `u` into `x` (bufs: 0 operand, 1 indices, 2 updates, 3 output,
 * 4 scratch). `target` places update element e; `conflicts` says whether two update windows
 * can hit the same element (so "set" must pick the last).
 */
function buildScatter(x: ShapedArray, u: ShapedArray, c: Combine, conflicts: boolean,
                      target: (k: KernelBuilder, e: string) => Target): KernelPlan | null {
  const w = word(x.dtype);
  if (!w || (x.dtype === "complex64" && c !== "set" && c !== "add")) return null;
  if (x.size === 0) return { passes: [], scratch: [] };
  const useWin = c === "set" && conflicts && u.size > 0;
  const copy = pass([binding(0, "in0", w), binding(1, "out0", w, true), ...(useWin ? [binding(2, "win", "u32", true)] : [])],
    `${threadIndex(x.size)}\n  out0[e] = in0[e];${useWin ? "\n  win[e] = 0u;" : ""}`, x.size, useWin ? [0, 3, 4] : [0, 3]);
  if (u.size === 0) return { passes: [copy], scratch: [] };
  const body = (tail: (t: Target) => string): string => {
    const k = new KernelBuilder({}, []);
    const t = target(k, "e");
    k.line(t.ok === "true" ? tail(t) : `if (${t.ok}) {\n${tail(t)}\n  }`);
    return `${threadIndex(u.size)}\n${k.body()}`;
  };
  const idx = binding(0, "in1", "i32");
  if (c !== "set") {
    const apply = pass([idx, binding(1, "in2", valueWord(x.dtype)), binding(2, "out0", `atomic<${x.dtype === "int32" ? "i32" : "u32"}>`, true)],
      body((t) => atomicCombine(x.dtype, c, t.p, "in2[e]")), u.size, [1, 2, 3]);
    return { passes: [copy, apply], scratch: [] };
  }
  if (!useWin) {
    const write = pass([idx, binding(1, "in2", w), binding(2, "out0", w, true)], body((t) => `out0[${t.p}] = in2[e];`), u.size, [1, 2, 3]);
    return { passes: [copy, write], scratch: [] };
  }
  // Last writer wins: claim each target with atomicMax(order + 1), then only the claimant writes.
  const claim = pass([idx, binding(1, "win", "atomic<u32>", true)], body((t) => `atomicMax(&win[${t.p}], ${t.order} + 1u);`), u.size, [1, 4]);
  const write = pass([idx, binding(1, "in2", w), binding(2, "win", "u32"), binding(3, "out0", w, true)],
    body((t) => `if (win[${t.p}] == ${t.order} + 1u) { out0[${t.p}] = in2[e]; }`), u.size, [1, 2, 4, 3]);
  return { passes: [copy, claim, write], scratch: [x.size * 4] };
}

const COMBINE: Record<string, Combine> = { scatter: "set", scatter_add: "add", scatter_mul: "mul", scatter_min: "min", scatter_max: "max" };

/** Plan of a general scatter (scatter, scatter_add, ...). */
export function scatterPlan(prim: string) {
  return ([x, idx, u]: readonly ShapedArray[], p: ScatterParams): KernelPlan | null => {
    const dn = p.dimensionNumbers, win = windowDims(x.ndim, dn.insertedWindowDims, dn.operandBatchingDims);
    const window = x.shape.map(() => 1);
    win.forEach((d, i) => { window[d] = u.shape[dn.updateWindowDims[i]]; });
    const spec: WindowSpec = {
      opShape: x.shape, idxShape: idx.shape, startMap: dn.scatterDimsToOperandDims, opBatch: dn.operandBatchingDims,
      idxBatch: dn.scatterIndicesBatchingDims, eWinDims: dn.updateWindowDims, winOpDims: win, window, clamp: p.mode === "clip",
    };
    // Elements of one window never collide; windows of distinct batch positions may.
    const conflicts = !p.uniqueIndices && prod(idx.shape.slice(0, -1)) > 1;
    return buildScatter(x, u, COMBINE[prim], conflicts, (k, e) => windowTarget(k, e, u.shape, spec));
  };
}

/** Plan of scatter_along_axis (out-of-range indices are dropped). */
export function alongAxisScatterPlan([x, idx, u]: readonly ShapedArray[], p: ScatterAlongAxisParams): KernelPlan | null {
  return buildScatter(x, u, p.mode, idx.shape[p.axis] > 1, (k, e) => axisTarget(k, e, idx.shape, x.shape, p.axis, false));
}
