// Fusion rules: how each fusible primitive computes its value at a flat output index.
// Elementwise ops combine their operands at the same index (rank-0 operands at 0);
// shape ops remap the index; reductions emit a loop over the reduced elements.
import type { DType } from "../../core/dtype";
import type {
  ArgReduceParams, BroadcastInDimParams, ConcatenateParams, ConvertParams, IntegerPowParams, PadParams,
  ReduceParams, RevParams, SliceParams, TransposeParams,
} from "../../core/primitives";
import type { FNode, FuseRule, KernelBuilder } from "./emit";
import { convert, ELEMENTWISE, integerPow, literal, valueType } from "./wgsl";

const at = (k: KernelBuilder, a: FNode, idx: string) => k.value(a, a.aval.size === 1 ? "0u" : idx);

function elementwise(name: string): FuseRule {
  const ex = ELEMENTWISE[name];
  return (k, n, idx) => ex(n.args.map((a) => at(k, a, idx)), n.args[0].aval.dtype);
}

const reduceInit = (prim: string, d: DType): string => {
  switch (prim) {
    case "reduce_sum": return literal(0, d);
    case "reduce_prod": return literal(1, d);
    case "reduce_max": return d === "float32" ? "-g_inf()" : d === "int32" ? "i32(-2147483648)" : d === "bool" ? "false" : "0u";
    case "reduce_min": return d === "float32" ? "g_inf()" : d === "int32" ? "i32(2147483647)" : d === "bool" ? "true" : "4294967295u";
    case "reduce_and": return "true";
    default: return "false";
  }
};
/** acc <- acc (op) v, with JAX's NaN propagation for max/min. */
export const reduceStep = (prim: string, d: DType, acc: string, v: string): string => {
  switch (prim) {
    case "reduce_sum": return d === "bool" ? `${acc} || ${v}` : `${acc} + ${v}`;
    case "reduce_prod": return d === "bool" ? `${acc} && ${v}` : d === "complex64" ? `c_mul(${acc}, ${v})` : `${acc} * ${v}`;
    case "reduce_max": return d === "float32" ? `g_max(${acc}, ${v})` : d === "bool" ? `${acc} || ${v}` : `max(${acc}, ${v})`;
    case "reduce_min": return d === "float32" ? `g_min(${acc}, ${v})` : d === "bool" ? `${acc} && ${v}` : `min(${acc}, ${v})`;
    case "reduce_and": return `${acc} && ${v}`;
    default: return `${acc} || ${v}`;
  }
};
export const REDUCE_INIT = reduceInit;

/** The input flat index for output index `idx` and reduced-element counter `r`. */
export function reduceIndex(k: KernelBuilder, inShape: readonly number[], axes: readonly number[], idx: string, r: string): string {
  const kept = inShape.map((_, d) => d).filter((d) => !axes.includes(d));
  const oc = k.coords(idx, kept.map((d) => inShape[d]));
  const rc = k.coords(r, axes.map((d) => inShape[d]));
  const cs = inShape.map((_, d) => (axes.includes(d) ? rc[axes.indexOf(d)] : oc[kept.indexOf(d)]));
  return k.flat(cs, inShape);
}

function reduce(prim: string): FuseRule {
  return (k, n, idx) => {
    const { axes } = n.params as unknown as ReduceParams;
    const x = n.args[0], d = x.aval.dtype;
    const R = axes.reduce((p, a) => p * x.aval.shape[a], 1);
    const acc = k.fresh("acc"), r = k.fresh("r");
    k.line(`var ${acc}: ${valueType(d)} = ${reduceInit(prim, d)};`);
    k.open(`for (var ${r}: u32 = 0u; ${r} < ${R}u; ${r} = ${r} + 1u)`);
    const v = k.value(x, reduceIndex(k, x.aval.shape, axes, idx, r));
    k.line(`${acc} = ${reduceStep(prim, d, acc, v)};`);
    k.close();
    return acc;
  };
}

function argReduce(max: boolean): FuseRule {
  return (k, n, idx) => {
    const { axis, indexDtype } = n.params as unknown as ArgReduceParams;
    const x = n.args[0], d = x.aval.dtype, R = x.aval.shape[axis];
    const best = k.fresh("best"), bi = k.fresh("bi"), r = k.fresh("r");
    k.line(`var ${best}: ${valueType(d)} = ${k.value(x, reduceIndex(k, x.aval.shape, [axis], idx, "0u"))};`);
    k.line(`var ${bi}: u32 = 0u;`);
    k.open(`for (var ${r}: u32 = 1u; ${r} < ${R}u; ${r} = ${r} + 1u)`);
    const v = k.value(x, reduceIndex(k, x.aval.shape, [axis], idx, r));
    const op = max ? ">" : "<";
    // The first NaN wins, as in NumPy/JAX; otherwise the first extreme value.
    const better = d === "float32"
      ? `(!g_isnan(${best}) && (g_isnan(${v}) || ${v} ${op} ${best}))`
      : d === "bool" ? `(select(0u, 1u, ${v}) ${op} select(0u, 1u, ${best}))` : `(${v} ${op} ${best})`;
    k.open(`if ${better}`);
    k.line(`${best} = ${v};`);
    k.line(`${bi} = ${r};`);
    k.close();
    k.close();
    return `${valueType(indexDtype)}(${bi})`;
  };
}

const broadcastInDim: FuseRule = (k, n, idx) => {
  const { broadcastDimensions } = n.params as unknown as BroadcastInDimParams;
  const x = n.args[0];
  if (x.aval.size === 1) return at(k, x, "0u");
  const oc = k.coords(idx, n.aval.shape);
  const ic = broadcastDimensions.map((od, j) => (x.aval.shape[j] === 1 ? "0u" : oc[od]));
  return at(k, x, k.flat(ic, x.aval.shape));
};

const transpose: FuseRule = (k, n, idx) => {
  const { permutation } = n.params as unknown as TransposeParams;
  const x = n.args[0];
  const oc = k.coords(idx, n.aval.shape);
  const ic = new Array<string>(permutation.length);
  permutation.forEach((p, j) => { ic[p] = oc[j]; });
  return at(k, x, k.flat(ic, x.aval.shape));
};

const slice: FuseRule = (k, n, idx) => {
  const { startIndices, strides: st } = n.params as unknown as SliceParams;
  const x = n.args[0];
  const oc = k.coords(idx, n.aval.shape);
  const ic = oc.map((c, d) => {
    const s = st ? st[d] : 1;
    const scaled = s === 1 ? c : `(${c} * ${s}u)`;
    return startIndices[d] === 0 ? scaled : `(${scaled} + ${startIndices[d]}u)`;
  });
  return at(k, x, k.flat(ic, x.aval.shape));
};

const rev: FuseRule = (k, n, idx) => {
  const { dimensions } = n.params as unknown as RevParams;
  const x = n.args[0];
  const oc = k.coords(idx, n.aval.shape);
  const ic = oc.map((c, d) => (dimensions.includes(d) ? `(${x.aval.shape[d] - 1}u - ${c})` : c));
  return at(k, x, k.flat(ic, x.aval.shape));
};

const pad: FuseRule = (k, n, idx) => {
  const { config } = n.params as unknown as PadParams;
  const [x, fill] = n.args;
  const oc = k.coords(idx, n.aval.shape);
  const conds: string[] = [];
  const ic = oc.map((c, d) => {
    const [lo, , interior] = config[d];
    const size = x.aval.shape[d];
    const rel = k.let(`(i32(${c}) - ${lo})`);
    const step = interior + 1;
    conds.push(`${rel} >= 0`, `${rel} < ${(size - 1) * step + 1}`);
    if (step > 1) conds.push(`${rel} % ${step} == 0`);
    return step > 1 ? `u32(${rel} / ${step})` : `u32(${rel})`;
  });
  const inside = k.let(conds.length ? conds.join(" && ") : "true");
  // Clamp so the (discarded) load outside the operand stays in bounds.
  const flat = k.flat(ic.map((c, d) => `min(${c}, ${Math.max(x.aval.shape[d] - 1, 0)}u)`), x.aval.shape);
  if (x.aval.size === 0) return at(k, fill, "0u");
  return `select(${at(k, fill, "0u")}, ${at(k, x, flat)}, ${inside})`;
};

const concatenate: FuseRule = (k, n, idx) => {
  const { dimension } = n.params as unknown as ConcatenateParams;
  const oc = k.coords(idx, n.aval.shape);
  const c = oc[dimension];
  const cv = k.fresh("cat");
  k.line(`var ${cv}: ${valueType(n.aval.dtype)};`);
  // One flat `if` per operand (nested selects or else-if chains overflow WGSL parsers
  // for the hundreds of operands that stacking a scan's outputs produces).
  let offset = 0;
  for (const a of n.args) {
    const len = a.aval.shape[dimension];
    if (a.aval.size > 0) {
      k.open(`if (${c} >= ${offset}u && ${c} < ${offset + len}u)`);
      const ic = oc.map((cc, d) => (d === dimension ? (offset ? `(${c} - ${offset}u)` : c) : cc));
      k.line(`${cv} = ${at(k, a, k.flat(ic, a.aval.shape))};`);
      k.close();
    }
    offset += len;
  }
  return cv;
};

const selectN: FuseRule = (k, n, idx) => {
  const [which, ...cases] = n.args;
  const w = at(k, which, idx);
  const vs = cases.map((c) => at(k, c, idx));
  if (which.aval.dtype === "bool") return `select(${vs[0]}, ${vs[1]}, ${w})`;
  let e = vs[vs.length - 1];
  for (let j = vs.length - 2; j >= 0; j--) e = `select(${e}, ${vs[j]}, ${w} == ${literal(j, which.aval.dtype)})`;
  return e;
};

const same: FuseRule = (k, n, idx) => at(k, n.args[0], idx);

export const FUSE_RULES: Record<string, FuseRule> = {
  ...Object.fromEntries(Object.keys(ELEMENTWISE).map((p) => [p, elementwise(p)])),
  integer_pow: (k, n, idx) => integerPow(at(k, n.args[0], idx), (n.params as unknown as IntegerPowParams).y, n.args[0].aval.dtype),
  convert_element_type: (k, n, idx) => convert(at(k, n.args[0], idx), n.args[0].aval.dtype, (n.params as unknown as ConvertParams).newDtype),
  select_n: selectN,
  real: (k, n, idx) => `${at(k, n.args[0], idx)}.x`,
  imag: (k, n, idx) => `${at(k, n.args[0], idx)}.y`,
  conj: (k, n, idx) => { const v = at(k, n.args[0], idx); return `vec2<f32>(${v}.x, -${v}.y)`; },
  complex: (k, n, idx) => `vec2<f32>(${at(k, n.args[0], idx)}, ${at(k, n.args[1], idx)})`,
  broadcast_in_dim: broadcastInDim,
  reshape: same,
  transpose,
  slice,
  rev,
  pad,
  concatenate,
  reduce_sum: reduce("reduce_sum"),
  reduce_prod: reduce("reduce_prod"),
  reduce_max: reduce("reduce_max"),
  reduce_min: reduce("reduce_min"),
  reduce_and: reduce("reduce_and"),
  reduce_or: reduce("reduce_or"),
  argmax: argReduce(true),
  argmin: argReduce(false),
};

/** Primitives whose value is a loop over many operand elements (never recomputed per use). */
export const REDUCTIONS = new Set(["reduce_sum", "reduce_prod", "reduce_max", "reduce_min", "reduce_and", "reduce_or", "argmax", "argmin"]);
/** Primitives that only move elements (cheap to recompute in every consumer). */
export const INDEX_OPS = new Set(["broadcast_in_dim", "reshape", "transpose", "slice", "rev", "pad", "concatenate", "convert_element_type", "real", "imag"]);
