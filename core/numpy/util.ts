// Frontend plumbing shared by np functions: turning operands into arrays with JAX's
// promotion (JS numbers are weakly typed), broadcasting, axis normalisation.
import { ConcreteArray, isArray, type Axis, type NDArray, type Operand } from "../array";
import { ShapedArray, avalsStr } from "../aval";
import { defaultFloat } from "../config";
import { getBackend } from "../device";
import { allocate, castScalar, checkDType, type DType, type DTypeAndWeak, isInexact, promoteTypes } from "../dtype";
import { msg, normalizeAxis, ShapeError } from "../errors";
import { prims } from "../primitives";
import { broadcastShapes, shapeEq } from "../shape";

/** A rank-0 array holding `value`; weakly typed by default, as JS number operands are. */
export function scalarArray(value: number, dtype: DType = defaultFloat(), weakType = true): NDArray {
  const aval = new ShapedArray([], dtype, weakType);
  const data = allocate("array", dtype, 1);
  data[0] = castScalar(value, dtype);
  const b = getBackend();
  return new ConcreteArray(b, b.upload(data, aval), aval);
}

/** The (dtype, weak) a JS operand contributes to promotion: integers are weak int32,
 * other numbers weak floats, booleans bool. */
export function operandType(x: Operand): DTypeAndWeak {
  if (isArray(x)) return { dtype: x.dtype, weakType: x.weakType };
  if (typeof x === "boolean") return { dtype: "bool", weakType: false };
  if (typeof x === "number") {
    const isInt = Number.isInteger(x) && Math.abs(x) <= 2147483647 && !Object.is(x, -0);
    return { dtype: isInt ? "int32" : defaultFloat(), weakType: true };
  }
  throw new TypeError(`expected an array, number or boolean, got ${x === null ? "null" : typeof x}.`);
}

/** Converts an operand to an array (numbers become weak scalars). */
export function asArray(x: Operand | NDArray): NDArray {
  if (isArray(x)) return x;
  const t = operandType(x);
  return scalarArray(typeof x === "boolean" ? Number(x) : x, t.dtype, t.weakType);
}

export function astype(x: NDArray, dtype: DType, weakType = false): NDArray {
  checkDType("astype", dtype);
  if (x.dtype === dtype && x.weakType === weakType) return x;
  return prims.convert_element_type.bind1([x], { newDtype: dtype, weakType });
}

/** Promotes operands to their common dtype (JAX rules); number operands become literals
 * of that dtype directly. */
export function promote(xs: readonly Operand[]): NDArray[] {
  const types = xs.map(operandType);
  const { dtype, weakType } = promoteTypes(types, defaultFloat());
  return xs.map((x) => {
    if (!isArray(x)) return scalarArray(typeof x === "boolean" ? Number(x) : x, dtype, weakType);
    return x.dtype === dtype ? x : astype(x, dtype, x.weakType);
  });
}

/** An array's dtype if floating or complex, otherwise the default float (what sin(int) computes in). */
export function toFloat(x: NDArray): NDArray {
  return isInexact(x.dtype) ? x : astype(x, defaultFloat(), x.weakType);
}

export function broadcastTo(op: string, x: NDArray, shape: readonly number[]): NDArray {
  if (shapeEq(x.shape, shape)) return x;
  const out = broadcastShapes(op, [x.shape, shape]);
  if (!shapeEq(out, shape)) {
    throw new ShapeError(msg(op, `cannot broadcast to shape [${shape.join(",")}]`, x.aval.str()));
  }
  const bd = x.shape.map((_, i) => shape.length - x.ndim + i);
  return prims.broadcast_in_dim.bind1([x], { shape: shape.slice(), broadcastDimensions: bd });
}

/** Broadcasts arrays to a common shape; rank-0 arrays stay scalars unless `full`. */
export function broadcastAll(op: string, xs: NDArray[], full = false): NDArray[] {
  if (xs.every((x) => shapeEq(x.shape, xs[0].shape))) return xs;
  const shape = broadcastShapes(op, xs.map((x) => x.shape), () => [avalsStr(xs.map((x) => x.aval))]);
  return xs.map((x) => (x.ndim === 0 && !full ? x : broadcastTo(op, x, shape)));
}

/** Normalises `axis` (number, list, null/undefined = all) into sorted distinct axes. */
export function normalizeAxes(op: string, axis: Axis, ndim: number): number[] {
  if (axis === null || axis === undefined) return [...Array(ndim).keys()];
  const list = typeof axis === "number" ? [axis] : [...axis];
  const out = list.map((a) => normalizeAxis(op, a, ndim));
  if (new Set(out).size !== out.length) throw new RangeError(msg(op, "axes must be distinct", `[${list.join(",")}]`));
  return out.sort((a, b) => a - b);
}

/** Reshape helper that skips the no-op case. */
export function reshape(x: NDArray, shape: readonly number[]): NDArray {
  if (shapeEq(x.shape, shape)) return x;
  return prims.reshape.bind1([x], { newSizes: shape.slice() });
}
