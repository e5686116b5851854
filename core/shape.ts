// Shape arithmetic shared by the frontend and the backends.
import { msg, ShapeError } from "./errors";

export type Shape = readonly number[];

export const prod = (s: Shape): number => s.reduce((a, b) => a * b, 1);
export const shapeEq = (a: Shape, b: Shape): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);
export const shapeStr = (s: Shape): string => `[${s.join(",")}]`;

/** Row-major strides (in elements). */
export function strides(s: Shape): number[] {
  const out = new Array<number>(s.length);
  let acc = 1;
  for (let i = s.length - 1; i >= 0; i--) { out[i] = acc; acc *= s[i]; }
  return out;
}

/** NumPy broadcasting of several shapes; `describe` renders operands for the error. */
export function broadcastShapes(op: string, shapes: Shape[], describe?: () => string[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = rank - s.length + i;
      const d = s[i];
      if (out[j] === 1) out[j] = d;
      else if (d !== 1 && d !== out[j]) {
        const parts = describe ? describe() : shapes.map(shapeStr);
        throw new ShapeError(msg(op, "shapes must broadcast", parts.join(" and ")));
      }
    }
  }
  return out;
}

/** Validates a shape given by a user: non-negative integers. */
export function checkShape(op: string, s: unknown): number[] {
  const arr = typeof s === "number" ? [s] : s;
  if (!Array.isArray(arr) || !arr.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new TypeError(msg(op, "shape must be a list of non-negative integers", JSON.stringify(s)));
  }
  return arr.slice();
}
