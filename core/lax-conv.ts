// lax frontends for convolution and windowed reductions: lax.convGeneralDilated and
// lax.reduceWindow normalise JAX's flexible arguments (padding strings, dimension-number
// strings, named or function reducers) into the primitives of core/primitives/conv.ts.
import { ConcreteArray, type NDArray, type Operand } from "./array";
import { ShapedArray } from "./aval";
import { checkDType, type DType } from "./dtype";
import { DTypeError, msg, ShapeError } from "./errors";
import { Var } from "./jaxpr";
import { asArray, scalarArray } from "./numpy/util";
import { prims } from "./primitives";
import { type ConvDimensionNumbers, dilateDim, type Padding, padtypeToPads, reduceWindowShape, type ReduceWindowParams } from "./primitives/conv";
import { traceToJaxpr } from "./tracing";

export type { ConvDimensionNumbers } from "./primitives/conv";
/** "SAME" (extra padding at the end), "SAME_LOWER" (at the start), "VALID" (none), or [low, high] per spatial dim. */
export type PaddingLike = "SAME" | "SAME_LOWER" | "VALID" | readonly (readonly [number, number])[];

export interface ConvGeneralDilatedOpts {
  /** Dilation of lhs per spatial dim (transposed convolution); default all 1. */
  lhsDilation?: readonly number[] | null;
  /** Dilation of the kernel per spatial dim (atrous convolution); default all 1. */
  rhsDilation?: readonly number[] | null;
  /**
   * `["NCHW", "OIHW", "NCHW"]`-style strings (any rank; N/C batch and feature of lhs and
   * output, O/I output and input feature of rhs, any other distinct letters spatial), or
   * explicit `{ lhsSpec, rhsSpec, outSpec }` axis lists. Default: lhs `[N, C, ...spatial]`,
   * rhs `[O, I, ...spatial]`, output `[N, C, ...spatial]`.
   */
  dimensionNumbers?: readonly [string, string, string] | ConvDimensionNumbers | null;
  featureGroupCount?: number;
  batchGroupCount?: number;
  /** Accumulate and return this dtype (e.g. "float64" for float32 operands). */
  preferredElementType?: DType | null;
}

const OP = "conv_general_dilated";
const iota = (n: number): number[] => [...Array(n).keys()];

/** JAX's conv_general_permutations: axis lists from spec strings such as "NHWC", "HWIO". */
function specsFromStrings(specs: readonly string[], ndim: number): ConvDimensionNumbers {
  if (specs.length !== 3 || !specs.every((s) => typeof s === "string")) {
    throw new TypeError(msg(OP, "dimensionNumbers must be three strings or { lhsSpec, rhsSpec, outSpec }", JSON.stringify(specs)));
  }
  const pairs = [["N", "C"], ["O", "I"], ["N", "C"]] as const;
  specs.forEach((s, i) => {
    if (s.length !== ndim) throw new TypeError(msg(OP, `dimensionNumbers[${i}] must have one letter per axis (${ndim})`, JSON.stringify(s)));
    const [a, b] = pairs[i];
    if (s.split(a).length !== 2 || s.split(b).length !== 2) throw new TypeError(msg(OP, `dimensionNumbers[${i}] must contain '${a}' and '${b}' exactly once`, JSON.stringify(s)));
    if (new Set(s).size !== s.length) throw new TypeError(msg(OP, `dimensionNumbers[${i}] must not repeat letters`, JSON.stringify(s)));
  });
  const [lhs, rhs, out] = specs;
  const spatial = (s: string, [a, b]: readonly [string, string]) => [...s].filter((c) => c !== a && c !== b).sort().join("");
  if (spatial(lhs, pairs[0]) !== spatial(rhs, pairs[1]) || spatial(out, pairs[2]) !== spatial(rhs, pairs[1])) {
    throw new TypeError(msg(OP, "dimensionNumbers must use the same spatial letters in all three specs", JSON.stringify(specs)));
  }
  // Spatial axes are listed in the order their letters appear in the rhs spec.
  const perm = (s: string, [a, b]: readonly [string, string]) => {
    const sp = iota(s.length).filter((i) => s[i] !== a && s[i] !== b).sort((i, j) => rhs.indexOf(s[i]) - rhs.indexOf(s[j]));
    return [s.indexOf(a), s.indexOf(b), ...sp];
  };
  return { lhsSpec: perm(lhs, pairs[0]), rhsSpec: perm(rhs, pairs[1]), outSpec: perm(out, pairs[2]) };
}

function explicitPads(op: string, padding: unknown, n: number): [number, number][] {
  if (!Array.isArray(padding) || padding.length !== n ||
      !padding.every((p) => Array.isArray(p) && p.length === 2 && Number.isInteger(p[0]) && Number.isInteger(p[1]))) {
    throw new TypeError(msg(op, `padding must be "SAME", "SAME_LOWER", "VALID" or ${n} integer [low, high] pairs`, JSON.stringify(padding)));
  }
  return padding.map(([lo, hi]) => [lo, hi]);
}

/**
 * General n-d convolution with strides, padding, lhs (input) and rhs (kernel) dilation,
 * feature and batch groups, and any axis layout — JAX's `lax.conv_general_dilated`. It
 * computes a cross-correlation (the kernel is not flipped), as XLA and PyTorch do.
 * Differentiable in both operands (any order), batchable with `vmap`, and jit-able.
 *
 * @param lhs input, rank n+2 (default layout [N, C, ...spatial]).
 * @param rhs kernel, rank n+2 (default layout [O, I, ...spatial]); I = C / featureGroupCount.
 * @param windowStrides n strides, in the order of rhs's spatial axes.
 * @param padding "SAME" | "SAME_LOWER" | "VALID" or n [low, high] pairs (negative crops).
 * @example
 * const x = np.ones([1, 3, 8, 8]);           // NCHW
 * const w = np.ones([16, 3, 3, 3]);          // OIHW
 * lax.convGeneralDilated(x, w, [1, 1], "SAME").shape;   // [1, 16, 8, 8]
 * // TensorFlow layout, stride 2, dilated kernel:
 * lax.convGeneralDilated(x.transpose([0, 2, 3, 1]), w.transpose([2, 3, 1, 0]), [2, 2], [[1, 1], [1, 1]],
 *   { rhsDilation: [2, 2], dimensionNumbers: ["NHWC", "HWIO", "NHWC"] }).shape;   // [1, 3, 3, 16]
 */
export function convGeneralDilated(lhs: NDArray, rhs: NDArray, windowStrides: readonly number[], padding: PaddingLike,
                                   opts: ConvGeneralDilatedOpts = {}): NDArray {
  const a = asArray(lhs), b = asArray(rhs);
  if (a.ndim !== b.ndim || a.ndim < 2) throw new ShapeError(msg(OP, "lhs and rhs must have the same rank (>= 2)", `${a.aval.str()} and ${b.aval.str()}`));
  const n = a.ndim - 2;
  const dnArg = opts.dimensionNumbers;
  const dn: ConvDimensionNumbers = dnArg == null ? { lhsSpec: iota(a.ndim), rhsSpec: iota(a.ndim), outSpec: iota(a.ndim) }
    : Array.isArray(dnArg) ? specsFromStrings(dnArg as readonly string[], a.ndim) : dnArg as ConvDimensionNumbers;
  const lhsDilation = opts.lhsDilation ?? new Array<number>(n).fill(1);
  const rhsDilation = opts.rhsDilation ?? new Array<number>(n).fill(1);
  let pads: Padding;
  if (typeof padding === "string") {
    if (lhsDilation.some((d) => d !== 1)) {
      throw new TypeError(msg(OP, "string padding is not supported with lhsDilation (transposed convolution)", JSON.stringify(padding), "Give explicit [low, high] pads."));
    }
    if (windowStrides.length !== n) throw new RangeError(msg(OP, `windowStrides must have ${n} entries`, `[${windowStrides.join(",")}]`));
    const inSp = dn.lhsSpec.slice(2).map((d) => a.shape[d]);
    const kSp = dn.rhsSpec.slice(2).map((d, i) => dilateDim(b.shape[d], rhsDilation[i] ?? 1));
    pads = padtypeToPads(OP, inSp, kSp, windowStrides, padding);
  } else pads = explicitPads(OP, padding, n);
  const pet = opts.preferredElementType == null ? null : checkDType(OP, opts.preferredElementType);
  return prims.conv_general_dilated.bind1([a, b], {
    windowStrides: [...windowStrides], padding: pads, lhsDilation: [...lhsDilation], rhsDilation: [...rhsDilation],
    dimensionNumbers: { lhsSpec: [...dn.lhsSpec], rhsSpec: [...dn.rhsSpec], outSpec: [...dn.outSpec] },
    featureGroupCount: opts.featureGroupCount ?? 1, batchGroupCount: opts.batchGroupCount ?? 1, preferredElementType: pet,
  });
}

// ---- reduceWindow -----------------------------------------------------------------------

/** A named monoid, or a function combining two arrays elementwise (like `lax.add`). */
export type WindowComputation = "add" | "mul" | "max" | "min" | ((a: NDArray, b: NDArray) => NDArray | number);
type Named = "add" | "mul" | "max" | "min";
const NAMED: readonly string[] = ["add", "mul", "max", "min"];

/** The named monoid a function computes, when it is a single add/mul/max/min of its two arguments. */
function recognise(f: (a: NDArray, b: NDArray) => NDArray | number, dtype: DType): Named | null {
  let closed;
  try {
    const s = new ShapedArray([], dtype);
    closed = traceToJaxpr((a, b) => [f(a, b)], [s, s]);
  } catch { return null; }
  const { eqns, invars, outvars } = closed.jaxpr;
  if (eqns.length !== 1 || closed.consts.length) return null;
  const e = eqns[0];
  const name = e.prim.name;
  const ins = e.inputs.filter((x): x is Var => x instanceof Var);
  const isBinaryOfArgs = ins.length === 2 && invars.every((v) => ins.includes(v)) && outvars[0] === e.outvars[0];
  return isBinaryOfArgs && NAMED.includes(name) ? (name as Named) : null;
}

function identityOf(name: Named, dtype: DType): number {
  if (name === "add") return 0;
  if (name === "mul") return 1;
  const max = name === "max";
  if (dtype === "int32") return max ? -2147483648 : 2147483647;
  if (dtype === "uint32") return max ? 0 : 4294967295;
  if (dtype === "bool") return max ? 0 : 1;
  return max ? -Infinity : Infinity;
}

const combine = (name: Named, a: NDArray, b: NDArray): NDArray => prims[name].bind1([a, b], {});

export interface ReduceWindowOpts {
  /** Dilation of the operand (holes hold initValue); default all 1. */
  baseDilation?: readonly number[] | null;
  /** Dilation of the window; default all 1. */
  windowDilation?: readonly number[] | null;
}

/**
 * Reduces each window of `operand` with `computation`, starting from `initValue` (which
 * also fills padding and base-dilation holes) — JAX's `lax.reduce_window`; max/avg
 * pooling are built on it. "add", "max" and "min" with their identity as `initValue` are
 * single primitives (reduce_window_sum/max/min) with exact gradients (max/min route the
 * cotangent to the first maximum/minimum of each window, as JAX). Other init values
 * combine once more with the result, as XLA does. "mul" and functions (which must act
 * elementwise on arrays, as lax ops do; `lax.add`/`lax.max`/... are recognised as the
 * named ones) fold the window's strided slices, so every transform applies to them too.
 *
 * @param windowDimensions window size per operand axis.
 * @param windowStrides stride per axis (default 1s).
 * @param padding "VALID" (default), "SAME", "SAME_LOWER", or [low, high] per axis.
 * @example
 * const x = np.arange(16).reshape([1, 1, 4, 4]).astype("float32");
 * // 2x2 max pooling, stride 2:
 * lax.reduceWindow(x, -Infinity, "max", [1, 1, 2, 2], [1, 1, 2, 2]).js();   // [[[[5, 7], [13, 15]]]]
 * // 3x3 average pooling with "SAME" padding:
 * lax.reduceWindow(x, 0, "add", [1, 1, 3, 3], [1, 1, 1, 1], "SAME").div(9);
 * lax.reduceWindow(np.arange(1, 5), 1, lax.mul, [2]).js();  // [2, 6, 12]
 */
export function reduceWindow(operand: Operand, initValue: Operand, computation: WindowComputation, windowDimensions: readonly number[],
                             windowStrides?: readonly number[] | null, padding: PaddingLike = "VALID", opts: ReduceWindowOpts = {}): NDArray {
  const op = "reduce_window";
  const x = asArray(operand);
  const nd = x.ndim;
  const strides = windowStrides ?? new Array<number>(nd).fill(1);
  const baseDilation = opts.baseDilation ?? new Array<number>(nd).fill(1);
  const windowDilation = opts.windowDilation ?? new Array<number>(nd).fill(1);
  if (windowDimensions.length !== nd) throw new RangeError(msg(op, `windowDimensions must have one entry per operand axis (${nd})`, `[${windowDimensions.join(",")}] for ${x.aval.str()}`));
  const pads = typeof padding === "string"
    ? padtypeToPads(op, x.shape, windowDimensions.map((w, i) => dilateDim(w, windowDilation[i] ?? 1)), strides, padding)
    : explicitPads(op, padding, nd);
  const params: ReduceWindowParams = { windowDimensions: [...windowDimensions], windowStrides: [...strides], padding: pads,
    baseDilation: [...baseDilation], windowDilation: [...windowDilation] };
  const outShape = reduceWindowShape(op, x.aval, params);   // validates the geometry once, for every path

  let init: NDArray;
  if (typeof initValue === "number" || typeof initValue === "boolean") init = scalarArray(Number(initValue), x.dtype, false);
  else {
    init = initValue;
    if (init.ndim !== 0) throw new ShapeError(msg(op, "initValue must be a scalar", init.aval.str()));
    if (init.dtype !== x.dtype) {
      if (!init.weakType) throw new DTypeError(msg(op, "initValue must have the operand's dtype", `${init.aval.str()} for ${x.aval.str()}`));
      init = prims.convert_element_type.bind1([init], { newDtype: x.dtype, weakType: false });
    }
  }
  let name: Named | null;
  if (typeof computation === "string") {
    if (!NAMED.includes(computation)) throw new TypeError(msg(op, 'computation must be "add", "mul", "max", "min" or a function', JSON.stringify(computation)));
    name = computation;
  } else if (typeof computation === "function") name = recognise(computation, x.dtype);
  else throw new TypeError(msg(op, 'computation must be "add", "mul", "max", "min" or a function', typeof computation));

  const initConst = init instanceof ConcreteArray ? init.item() as number : null;
  const isIdentity = name !== null && initConst !== null && initConst === identityOf(name, x.dtype);
  const prim = name === "add" ? prims.reduce_window_sum : name === "max" ? prims.reduce_window_max : name === "min" ? prims.reduce_window_min : null;
  if (prim && isIdentity) return prim.bind1([x], params);

  // Make padding and dilation holes explicit (they hold initValue), then window the result.
  const needsPad = pads.some(([lo, hi]) => lo !== 0 || hi !== 0) || baseDilation.some((d) => d !== 1);
  const xp = needsPad ? prims.pad.bind1([x, init], { config: pads.map(([lo, hi], i) => [lo, hi, baseDilation[i] - 1] as const) }) : x;
  const unpadded: ReduceWindowParams = { ...params, padding: pads.map(() => [0, 0] as const), baseDilation: baseDilation.map(() => 1) };
  if (prim) return combine(name!, prim.bind1([xp], unpadded), init);

  // A fold over the window taps: each tap is a strided slice of the padded operand.
  const f = name ? (a: NDArray, b: NDArray) => combine(name!, a, b) : (a: NDArray, b: NDArray) => asArray((computation as (a: NDArray, b: NDArray) => NDArray | number)(a, b));
  const initOut = () => prims.broadcast_in_dim.bind1([init], { shape: outShape, broadcastDimensions: [] });
  if (outShape.some((d) => d === 0)) return initOut();
  let acc: NDArray | null = name && isIdentity ? null : initOut();
  const taps = windowDimensions.reduce((m, w) => m * w, 1);
  for (let kp = 0; kp < taps; kp++) {
    const k = new Array<number>(nd);
    for (let d = nd - 1, rem = kp; d >= 0; d--) { k[d] = rem % windowDimensions[d]; rem = Math.floor(rem / windowDimensions[d]); }
    const start = k.map((kd, d) => kd * windowDilation[d]);
    const tap = prims.slice.bind1([xp], {
      startIndices: start, limitIndices: start.map((s, d) => s + (outShape[d] - 1) * strides[d] + 1),
      strides: strides.some((s) => s !== 1) ? [...strides] : null,
    });
    acc = acc === null ? tap : f(acc, tap);
    if (acc.ndim !== nd || acc.shape.some((d, i) => d !== outShape[i]) || acc.dtype !== x.dtype) {
      throw new ShapeError(msg(op, "computation must return an array of its inputs' shape and dtype (act elementwise)", acc.aval.str()));
    }
  }
  return acc!;
}
