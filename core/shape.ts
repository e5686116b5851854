// Shape arithmetic shared by the frontend and the backends.
import { msg, ShapeError } from "./errors";

export type Shape = readonly number[];

// Plain loops: these run several times per eager op, where closures showed in profiles.
export function prod(s: Shape): number {
  let p = 1;
  for (let i = 0; i < s.length; i++) p *= s[i];
  return p;
}
export function shapeEq(a: Shape, b: Shape): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
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
