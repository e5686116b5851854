// lax: thin, strict wrappers over primitives (no implicit promotion or broadcasting
// beyond rank-0 scalars), as jax.lax. Control flow arrives with the transforms issue.
import type { NDArray, Operand } from "./array";
import { type DType } from "./dtype";
import { prims } from "./primitives";
import type { DotDimensionNumbers, ScatterMode } from "./primitives";
import { asArray, promote } from "./numpy/util";

const u = (p: { bind1(a: NDArray[], q: {}): NDArray }) => (x: Operand): NDArray => p.bind1([asArray(x)], {});
/** Binary lax ops accept JS numbers, which take the other operand's dtype (weak typing). */
const b = (p: { bind1(a: NDArray[], q: {}): NDArray }) => (x: Operand, y: Operand): NDArray => p.bind1(promote([x, y]), {});

export const neg = u(prims.neg), sign = u(prims.sign), abs = u(prims.abs), floor = u(prims.floor), ceil = u(prims.ceil),
  round = u(prims.round), exp = u(prims.exp), log = u(prims.log), expm1 = u(prims.expm1), log1p = u(prims.log1p),
  sqrt = u(prims.sqrt), cbrt = u(prims.cbrt), sin = u(prims.sin), cos = u(prims.cos), tan = u(prims.tan),
  asin = u(prims.asin), acos = u(prims.acos), atan = u(prims.atan), sinh = u(prims.sinh), cosh = u(prims.cosh),
  tanh = u(prims.tanh), asinh = u(prims.asinh), acosh = u(prims.acosh), atanh = u(prims.atanh), erf = u(prims.erf), logistic = u(prims.logistic),
  isFinite = u(prims.is_finite), bitwiseNot = u(prims.not);
export const add = b(prims.add), sub = b(prims.sub), mul = b(prims.mul), div = b(prims.div), rem = b(prims.rem),
  pow = b(prims.pow), max = b(prims.max), min = b(prims.min), atan2 = b(prims.atan2), bitwiseAnd = b(prims.and),
  bitwiseOr = b(prims.or), bitwiseXor = b(prims.xor), eq = b(prims.eq), ne = b(prims.ne), lt = b(prims.lt),
  le = b(prims.le), gt = b(prims.gt), ge = b(prims.ge);

/** x ** y for a static integer y. @example lax.integerPow(x, 3) */
export const integerPow = (x: Operand, y: number): NDArray => prims.integer_pow.bind1([asArray(x)], { y });
/** onTrue where pred else onFalse (same shapes, or scalars). @example lax.select(p, a, b) */
export const select = (pred: NDArray, onTrue: NDArray, onFalse: NDArray): NDArray => prims.select_n.bind1([pred, onFalse, onTrue], {});
/** cases[which] per element. @example lax.selectN(i, a, b, c) */
export const selectN = (which: NDArray, ...cases: NDArray[]): NDArray => prims.select_n.bind1([which, ...cases], {});
/** @example lax.convertElementType(x, "int32") */
export const convertElementType = (x: Operand, dtype: DType): NDArray =>
  prims.convert_element_type.bind1([asArray(x)], { newDtype: dtype, weakType: false });
/** @example lax.broadcastInDim(x, [3, 4], [1]) */
export const broadcastInDim = (x: NDArray, shape: readonly number[], broadcastDimensions: readonly number[]): NDArray =>
  prims.broadcast_in_dim.bind1([x], { shape, broadcastDimensions });
/** @example lax.reshape(x, [2, 3]) */
export const reshape = (x: NDArray, newSizes: readonly number[]): NDArray => prims.reshape.bind1([x], { newSizes });
/** @example lax.transpose(x, [1, 0]) */
export const transpose = (x: NDArray, permutation: readonly number[]): NDArray => prims.transpose.bind1([x], { permutation });
/** @example lax.slice(x, [0, 1], [2, 3]) */
export const slice = (x: NDArray, startIndices: readonly number[], limitIndices: readonly number[], strides: readonly number[] | null = null): NDArray =>
  prims.slice.bind1([x], { startIndices, limitIndices, strides });
/** lax.pad with (low, high, interior) per dim. @example lax.pad(x, 0, [[1, 1, 0]]) */
export const pad = (x: NDArray, paddingValue: Operand, config: readonly (readonly [number, number, number])[]): NDArray =>
  prims.pad.bind1(promote([x, paddingValue]), { config });
/** @example lax.concatenate([a, b], 0) */
export const concatenate = (xs: readonly NDArray[], dimension: number): NDArray => prims.concatenate.bind1([...xs], { dimension });
/** @example lax.rev(x, [0]) */
export const rev = (x: NDArray, dimensions: readonly number[]): NDArray => prims.rev.bind1([x], { dimensions });
/** @example lax.reduceSum(x, [0]) */
export const reduceSum = (x: NDArray, axes: readonly number[]): NDArray => prims.reduce_sum.bind1([x], { axes });
export const reduceProd = (x: NDArray, axes: readonly number[]): NDArray => prims.reduce_prod.bind1([x], { axes });
export const reduceMax = (x: NDArray, axes: readonly number[]): NDArray => prims.reduce_max.bind1([x], { axes });
export const reduceMin = (x: NDArray, axes: readonly number[]): NDArray => prims.reduce_min.bind1([x], { axes });
/** @example lax.argmax(x, 0, "int32") */
export const argmax = (x: NDArray, axis: number, indexDtype: DType = "int32"): NDArray => prims.argmax.bind1([x], { axis, indexDtype });
export const argmin = (x: NDArray, axis: number, indexDtype: DType = "int32"): NDArray => prims.argmin.bind1([x], { axis, indexDtype });
/** @example lax.cumsum(x, 0, { reverse: true }) */
export const cumsum = (x: NDArray, axis = 0, opts: { reverse?: boolean } = {}): NDArray => prims.cumsum.bind1([x], { axis, reverse: opts.reverse ?? false });
export const cumprod = (x: NDArray, axis = 0, opts: { reverse?: boolean } = {}): NDArray => prims.cumprod.bind1([x], { axis, reverse: opts.reverse ?? false });
export const cummax = (x: NDArray, axis = 0, opts: { reverse?: boolean } = {}): NDArray => prims.cummax.bind1([x], { axis, reverse: opts.reverse ?? false });
export const cummin = (x: NDArray, axis = 0, opts: { reverse?: boolean } = {}): NDArray => prims.cummin.bind1([x], { axis, reverse: opts.reverse ?? false });
/**
 * General contraction: `dimensionNumbers = [[lhsContract, rhsContract], [lhsBatch, rhsBatch]]`.
 * @example lax.dotGeneral(a, b, [[[1], [0]], [[], []]])
 */
export const dotGeneral = (lhs: NDArray, rhs: NDArray, dimensionNumbers: DotDimensionNumbers, opts: { preferredElementType?: DType } = {}): NDArray =>
  prims.dot_general.bind1([lhs, rhs], { dimensionNumbers, preferredElementType: opts.preferredElementType ?? null });
/** Stable sort of several operands along a dimension, keyed on the first `numKeys`. @example lax.sort([keys, vals], 0, 1) */
export const sort = (operands: readonly NDArray[], dimension = -1, numKeys = 1): NDArray[] =>
  prims.sort.bind([...operands], { dimension: dimension < 0 ? dimension + operands[0].ndim : dimension, numKeys });
/** Gather along one axis. @example lax.takeAlongAxis(x, idx, 1) */
export const takeAlongAxis = (x: NDArray, indices: NDArray, axis: number): NDArray => prims.take_along_axis.bind1([x, indices], { axis });
/** Scatter along one axis with a combiner. @example lax.scatterAlongAxis(x, idx, upd, 0, "add") */
export const scatterAlongAxis = (x: NDArray, indices: NDArray, updates: NDArray, axis: number, mode: ScatterMode = "set"): NDArray =>
  prims.scatter_along_axis.bind1([x, indices, updates], { axis, mode });
/** Identity with zero derivative. @example lax.stopGradient(x) */
export const stopGradient = (x: NDArray): NDArray => prims.stop_gradient.bind1([x], {});
// gather / scatter / dynamicSlice / dynamicUpdateSlice.
export * from "./lax-gather";
// special functions (erf_inv, nextafter, random_gamma_grad).
export * from "./lax-special";
/** Convolution (`convGeneralDilated`) and windowed reductions (`reduceWindow`); see core/lax-conv.ts. */
export { convGeneralDilated, reduceWindow } from "./lax-conv";
export type { ConvGeneralDilatedOpts, ReduceWindowOpts, WindowComputation, PaddingLike, ConvDimensionNumbers } from "./lax-conv";
/** Complex numbers (`complex`, `real`, `imag`, `conj`) and the DFT (`fft`); see core/lax-complex.ts. */
export * from "./lax-complex";
