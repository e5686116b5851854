// Abstract values: what a tracer knows about an array (shape, dtype, weak type), no data.
import { type DType, shortName } from "./dtype";
import { prod, shapeEq } from "./shape";

export class ShapedArray {
  readonly shape: readonly number[];
  readonly size: number;
  constructor(shape: readonly number[], readonly dtype: DType, readonly weakType = false) {
    // A frozen shape can be shared instead of copied (avals are made on every eager op).
    this.shape = Object.isFrozen(shape) ? shape : Object.freeze(shape.slice());
    this.size = prod(this.shape);
  }
  get ndim(): number { return this.shape.length; }
  /** jaxpr notation: `f32[3,4]`. */
  str(): string { return `${shortName(this.dtype)}[${this.shape.join(",")}]`; }
  toString(): string { return this.str(); }
  equals(o: ShapedArray): boolean {
    return this.dtype === o.dtype && this.weakType === o.weakType && shapeEq(this.shape, o.shape);
  }
  /** Equal up to weak type (what the type checker compares). */
  sameType(o: ShapedArray): boolean { return this.dtype === o.dtype && shapeEq(this.shape, o.shape); }
  withShape(shape: readonly number[]): ShapedArray { return new ShapedArray(shape, this.dtype, this.weakType); }
  withDType(dtype: DType, weakType = false): ShapedArray { return new ShapedArray(this.shape, dtype, weakType); }
  strong(): ShapedArray { return this.weakType ? new ShapedArray(this.shape, this.dtype, false) : this; }
}

/** Avals in error messages: `f32[3,4] and f32[5]`. */
export const avalsStr = (avals: readonly ShapedArray[]): string => avals.map((a) => a.str()).join(" and ");
