// The error classes users catch, and the one helper that formats "<op>: <requirement>, got <actual>."

/** Shapes that do not fit an operation (broadcasting, matmul inner dims, reshape sizes). */
export class ShapeError extends TypeError { override name = "ShapeError"; }
/** A dtype that an operation does not accept, or an unknown dtype name. */
export class DTypeError extends TypeError { override name = "DTypeError"; }
/** A traced value used where a concrete JS value is needed (`if (x)`, `x.item()` under jit). */
export class ConcretizationError extends TypeError { override name = "ConcretizationError"; }
/** A tracer used outside the transform that created it. */
export class UnexpectedTracerError extends Error { override name = "UnexpectedTracerError"; }
/** A backend that lacks a dtype or primitive. */
export class UnsupportedOnBackendError extends TypeError { override name = "UnsupportedOnBackendError"; }
/** `config.update("debugNans", true)` found a NaN. */
export class FloatingPointError extends Error { override name = "FloatingPointError"; }

/** `<op>: <requirement>, got <actual>.` plus an optional fix sentence. */
export function msg(op: string, requirement: string, actual: string, fix?: string): string {
  return `${op}: ${requirement}, got ${actual}.` + (fix ? ` ${fix}` : "");
}

/** Normalises an axis into [0, ndim), or throws a RangeError naming the op. */
export function normalizeAxis(op: string, axis: number, ndim: number): number {
  if (!Number.isInteger(axis)) throw new TypeError(msg(op, "axis must be an integer", String(axis)));
  if (axis < -ndim || axis >= ndim) {
    throw new RangeError(
      msg(op, `axis must be in [${-ndim}, ${ndim}) for an array of rank ${ndim}`, `axis ${axis}`),
    );
  }
  return axis < 0 ? axis + ndim : axis;
}
