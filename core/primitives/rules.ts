// Shared pieces of shape/dtype rules: checks that raise the user-facing errors.
import { ShapedArray, avalsStr } from "../aval";
import { type DType, isComplex, isFloat, isInexact, isInt } from "../dtype";
import { DTypeError, msg, ShapeError } from "../errors";
import { shapeEq } from "../shape";

export type DTypeClass = "any" | "numeric" | "inexact" | "float" | "integer" | "intOrBool" | "real" | "ordered";

const OK: Record<DTypeClass, (d: DType) => boolean> = {
  any: () => true,
  numeric: (d) => d !== "bool",
  inexact: isInexact,
  float: isFloat,
  integer: isInt,
  intOrBool: (d) => isInt(d) || d === "bool",
  real: (d) => d !== "bool" && !isComplex(d),
  ordered: (d) => !isComplex(d),
};
const DESCR: Record<DTypeClass, string> = {
  any: "any dtype", numeric: "a numeric (non-bool) dtype", inexact: "a floating-point or complex dtype",
  float: "a floating-point dtype", integer: "an integer dtype", intOrBool: "an integer or bool dtype",
  real: "a real numeric (non-bool, non-complex) dtype", ordered: "an ordered (non-complex) dtype",
};

export function requireDType(op: string, cls: DTypeClass, avals: ShapedArray[]): void {
  for (const a of avals) {
    if (!OK[cls](a.dtype)) {
      const fix = cls === "float" || cls === "inexact" ? " Cast with .astype(\"float32\") first." : "";
      throw new DTypeError(msg(op, `requires ${DESCR[cls]}`, avalsStr(avals)) + fix);
    }
  }
}

/** Operands of an elementwise primitive: one dtype; equal shapes, or rank-0 scalars. */
export function elementwiseShape(op: string, avals: ShapedArray[]): readonly number[] {
  const dt = avals[0].dtype;
  if (!avals.every((a) => a.dtype === dt)) {
    throw new DTypeError(msg(op, "operands must have the same dtype", avalsStr(avals), "Use np functions (which promote) or .astype()."));
  }
  let shape: readonly number[] = [];
  for (const a of avals) {
    if (a.ndim === 0) continue;
    if (shape.length === 0) shape = a.shape;
    else if (!shapeEq(shape, a.shape)) {
      throw new ShapeError(msg(op, "operands must have equal shapes (or be scalars)", avalsStr(avals), "Use np functions, which broadcast."));
    }
  }
  return shape;
}

export const allWeak = (avals: ShapedArray[]): boolean => avals.every((a) => a.weakType);

/** Checks a list of axes: distinct, in range (already normalised by the frontend). */
export function checkAxes(op: string, axes: readonly number[], ndim: number): void {
  const seen = new Set<number>();
  for (const ax of axes) {
    if (!Number.isInteger(ax) || ax < 0 || ax >= ndim) throw new RangeError(msg(op, `axes must be in [0, ${ndim})`, `[${axes.join(",")}]`));
    if (seen.has(ax)) throw new RangeError(msg(op, "axes must be distinct", `[${axes.join(",")}]`));
    seen.add(ax);
  }
}
