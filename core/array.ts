// The array type users hold. `NDArray` is the common base of concrete arrays (data on a
// device) and tracers (stand-ins inside a transform); both carry the same methods, which
// forward to `np`, so user code runs unchanged under every transform.
import type * as NumpyNS from "./numpy/index";
import type { IndexOpts } from "./numpy/advanced";
import { ShapedArray } from "./aval";
import { type DType, isComplex, type TypedArray } from "./dtype";
import { ConcretizationError, msg } from "./errors";
import type { Backend, Buffer } from "../backends/backend";
import { fromHalfBits } from "./float16";
import { formatArray, reprArray } from "./format";

let NP: typeof NumpyNS;
/** Called once by core/numpy/index.ts; breaks the import cycle array <-> numpy. */
export function installNumpy(np: typeof NumpyNS): void { NP = np; }

export type Axis = number | readonly number[] | null | undefined;
export type Operand = NDArray | number | boolean;
/** One entry of `x.slice(...)`: int, [start, stop, step?], [] (all), null (new axis), "...". */
export type IndexEntry = number | readonly (number | null)[] | null | "...";
/** An index entry of `x.slice(...)` / `x.at(...)`, including integer or bool arrays (NumPy advanced indexing). */
export type AdvancedIndexEntry = IndexEntry | NDArray;
export interface ReduceOpts { keepdims?: boolean }
/** A complex scalar as `x.js()` returns it for complex arrays (and `np.array` accepts). */
export interface ComplexScalar { re: number; im: number }
export type NestedArray = number | boolean | ComplexScalar | readonly NestedArray[];

export abstract class NDArray {
  abstract get aval(): ShapedArray;
  /** The shape (a frozen array: arrays are immutable values). */
  get shape(): number[] { return this.aval.shape as number[]; }
  get dtype(): DType { return this.aval.dtype; }
  get ndim(): number { return this.aval.shape.length; }
  get size(): number { return this.aval.size; }
  get weakType(): boolean { return this.aval.weakType; }
  abstract get device(): string;

  // --- read back (tracers raise ConcretizationError) ---
  abstract dataSync(): TypedArray;
  abstract data(): Promise<TypedArray>;
  /**
   * Nested JS arrays of numbers (booleans for bool; `{ re, im }` objects for complex dtypes).
   * @example np.array([{ re: 1, im: 2 }]).js() // [{ re: 1, im: 2 }]
   */
  js(): any { return toNested(this.dataSync(), this.aval); }
  async jsAsync(): Promise<any> { return toNested(await this.data(), this.aval); }
  /** The value of a size-1 array as a JS number (bool arrays give 0 or 1; `js()` gives booleans). */
  item(): number {
    if (this.size !== 1) {
      throw new TypeError(msg("item", "can only convert an array of size 1 to a JS scalar",
        `${this.aval.str()}`, "Use .js() for a nested JS array, or index first (x.slice(0)).") );
    }
    if (isComplex(this.dtype)) {
      throw new TypeError(msg("item", "a complex value is not a JS number", this.aval.str(), "Use .js(), which gives { re, im }, or np.real / np.imag."));
    }
    return this.dataSync()[0];
  }

  // --- arithmetic (methods mirror np; arguments may be JS numbers) ---
  add(y: Operand): NDArray { return NP.add(this, y); }
  sub(y: Operand): NDArray { return NP.subtract(this, y); }
  mul(y: Operand): NDArray { return NP.multiply(this, y); }
  div(y: Operand): NDArray { return NP.divide(this, y); }
  floorDivide(y: Operand): NDArray { return NP.floorDivide(this, y); }
  mod(y: Operand): NDArray { return NP.mod(this, y); }
  pow(y: Operand): NDArray { return NP.power(this, y); }
  neg(): NDArray { return NP.negative(this); }
  maximum(y: Operand): NDArray { return NP.maximum(this, y); }
  minimum(y: Operand): NDArray { return NP.minimum(this, y); }
  eq(y: Operand): NDArray { return NP.equal(this, y); }
  ne(y: Operand): NDArray { return NP.notEqual(this, y); }
  lt(y: Operand): NDArray { return NP.less(this, y); }
  le(y: Operand): NDArray { return NP.lessEqual(this, y); }
  gt(y: Operand): NDArray { return NP.greater(this, y); }
  ge(y: Operand): NDArray { return NP.greaterEqual(this, y); }
  matmul(y: NDArray): NDArray { return NP.matmul(this, y); }
  dot(y: NDArray): NDArray { return NP.dot(this, y); }
  abs(): NDArray { return NP.abs(this); }
  sign(): NDArray { return NP.sign(this); }
  exp(): NDArray { return NP.exp(this); }
  log(): NDArray { return NP.log(this); }
  sqrt(): NDArray { return NP.sqrt(this); }
  square(): NDArray { return NP.square(this); }
  sin(): NDArray { return NP.sin(this); }
  cos(): NDArray { return NP.cos(this); }
  tan(): NDArray { return NP.tan(this); }
  tanh(): NDArray { return NP.tanh(this); }
  floor(): NDArray { return NP.floor(this); }
  ceil(): NDArray { return NP.ceil(this); }
  round(decimals = 0): NDArray { return NP.round(this, decimals); }
  clip(lo: Operand | null, hi: Operand | null): NDArray { return NP.clip(this, lo, hi); }
  conj(): NDArray { return NP.conj(this); }
  /** The real part (the array itself for real dtypes). @example z.real */
  get real(): NDArray { return NP.real(this); }
  /** The imaginary part (zeros for real dtypes). @example z.imag */
  get imag(): NDArray { return NP.imag(this); }

  // --- reductions ---
  sum(axis?: Axis, opts?: ReduceOpts): NDArray { return NP.sum(this, axis, opts); }
  prod(axis?: Axis, opts?: ReduceOpts): NDArray { return NP.prod(this, axis, opts); }
  mean(axis?: Axis, opts?: ReduceOpts): NDArray { return NP.mean(this, axis, opts); }
  var(axis?: Axis, opts?: ReduceOpts & { ddof?: number }): NDArray { return NP.var(this, axis, opts); }
  std(axis?: Axis, opts?: ReduceOpts & { ddof?: number }): NDArray { return NP.std(this, axis, opts); }
  max(axis?: Axis, opts?: ReduceOpts): NDArray { return NP.max(this, axis, opts); }
  min(axis?: Axis, opts?: ReduceOpts): NDArray { return NP.min(this, axis, opts); }
  argmax(axis?: number | null, opts?: ReduceOpts): NDArray { return NP.argmax(this, axis, opts); }
  argmin(axis?: number | null, opts?: ReduceOpts): NDArray { return NP.argmin(this, axis, opts); }
  any(axis?: Axis, opts?: ReduceOpts): NDArray { return NP.any(this, axis, opts); }
  all(axis?: Axis, opts?: ReduceOpts): NDArray { return NP.all(this, axis, opts); }
  cumsum(axis?: number | null): NDArray { return NP.cumsum(this, axis); }
  cumprod(axis?: number | null): NDArray { return NP.cumprod(this, axis); }

  // --- shapes ---
  reshape(shape: number | readonly number[]): NDArray { return NP.reshape(this, shape); }
  transpose(axes?: readonly number[]): NDArray { return NP.transpose(this, axes); }
  get T(): NDArray { return NP.transpose(this); }
  astype(dtype: DType): NDArray { return NP.astype(this, dtype); }
  flatten(): NDArray { return NP.ravel(this); }
  ravel(): NDArray { return NP.ravel(this); }
  squeeze(axis?: Axis): NDArray { return NP.squeeze(this, axis); }
  expandDims(axis: number | readonly number[]): NDArray { return NP.expandDims(this, axis); }
  swapaxes(a: number, b: number): NDArray { return NP.swapaxes(this, a, b); }
  repeat(repeats: number, axis?: number | null): NDArray { return NP.repeat(this, repeats, axis); }
  diagonal(offset = 0, axis1 = 0, axis2 = 1): NDArray { return NP.diagonal(this, offset, axis1, axis2); }
  trace(offset = 0, axis1 = 0, axis2 = 1): NDArray { return NP.trace(this, offset, axis1, axis2); }
  take(indices: NDArray | number | readonly number[], axis?: number | null): NDArray { return NP.take(this, indices, axis); }
  sort(axis: number | null = -1): NDArray { return NP.sort(this, axis); }
  argsort(axis: number | null = -1): NDArray { return NP.argsort(this, axis); }

  // --- indexing ---
  /**
   * Indexing, as `x[...]` in NumPy: basic entries, and integer/bool arrays (advanced
   * indexing, a gather; out-of-bounds array indices are clamped, as JAX).
   * @example x.slice(0, [1, null], null, "...")
   * @example x.slice(np.array([2, 0], { dtype: "int32" }), [])   // rows 2 and 0
   */
  slice(...index: AdvancedIndexEntry[]): NDArray { return NP.getIndex(this, index); }
  /**
   * Functional updates and reads at an index (as `slice`); `x.at(idx).add(v)` with an int
   * array accumulates duplicate indices (as np.add.at / JAX).
   * @example x.at(0, [1, 3]).set(5)
   * @example np.zeros([3]).at(np.array([0, 2, 0], { dtype: "int32" })).add(1)   // [2, 0, 1]
   */
  at(...index: AdvancedIndexEntry[]): AtUpdater { return new AtUpdater(this, index); }

  /** Iterates over the first axis. */
  *[Symbol.iterator](): Iterator<NDArray> {
    if (this.ndim === 0) throw new TypeError(msg("iterate", "array must have at least one axis", this.aval.str()));
    const n = this.aval.shape[0];
    for (let i = 0; i < n; i++) yield NP.getIndex(this, [i]);
  }
  dispose(): void {}
  [Symbol.dispose](): void { this.dispose(); }
}

/**
 * The object returned by `x.at(...)`. With integer arrays in the index, `opts.mode` says what
 * out-of-bounds indices do: reads clamp and updates are dropped by default (as JAX).
 * @example x.at(idx).get({ mode: "fill", fillValue: 0 })
 * @example x.at(idx).max(v, { mode: "clip" })
 */
export class AtUpdater {
  constructor(private readonly x: NDArray, private readonly index: AdvancedIndexEntry[]) {}
  get(opts?: IndexOpts): NDArray { return NP.getIndex(this.x, this.index, opts); }
  set(v: Operand, opts?: IndexOpts): NDArray { return NP.updateIndex(this.x, this.index, v, "set", opts); }
  add(v: Operand, opts?: IndexOpts): NDArray { return NP.updateIndex(this.x, this.index, v, "add", opts); }
  mul(v: Operand, opts?: IndexOpts): NDArray { return NP.updateIndex(this.x, this.index, v, "mul", opts); }
  min(v: Operand, opts?: IndexOpts): NDArray { return NP.updateIndex(this.x, this.index, v, "min", opts); }
  max(v: Operand, opts?: IndexOpts): NDArray { return NP.updateIndex(this.x, this.index, v, "max", opts); }
}

/** An array with data on a device. */
/** float16 storage holds bit patterns: reads give their values (a Float32Array, exact). */
const decode = (data: TypedArray, d: DType): TypedArray => (d === "float16" ? fromHalfBits(data) : data);

export class ConcreteArray extends NDArray {
  #buffer: Buffer | null;
  #donated = false;
  readonly #aval: ShapedArray;
  constructor(readonly backend: Backend, buffer: Buffer, aval: ShapedArray) {
    super();
    this.#buffer = buffer;
    this.#aval = aval;
    backend.adopt?.(this, buffer);
    trackCreated(this);
  }
  get aval(): ShapedArray { return this.#aval; }
  get device(): string { return this.backend.name; }
  get buffer(): Buffer {
    if (this.#buffer === null) {
      throw new ReferenceError(this.#donated
        ? `array ${this.#aval.str()} was donated to a jit call (donateArgnums) and cannot be used any more; use the call's outputs, or leave the argument out of donateArgnums.`
        : `array ${this.#aval.str()} was disposed; it cannot be used any more.`);
    }
    return this.#buffer;
  }
  get disposed(): boolean { return this.#buffer === null; }
  /**
   * The value of a real rank-0 array when known without a device read (always on the CPU;
   * on other devices when it was uploaded from the host), else undefined. Tracing turns
   * such scalars into jaxpr literals.
   */
  knownScalar(): number | undefined {
    if (this.ndim !== 0 || isComplex(this.dtype) || this.#buffer === null) return undefined;
    return this.backend.name === "cpu" ? this.dataSync()[0] : this.backend.scalarValue?.(this.#buffer);
  }
  override dataSync(): TypedArray { return decode(this.backend.readSync(this.buffer, this.#aval), this.#aval.dtype); }
  override async data(): Promise<TypedArray> { return decode(await this.backend.read(this.buffer, this.#aval), this.#aval.dtype); }
  override dispose(): void {
    if (this.#buffer !== null) { this.backend.dispose(this.#buffer); this.#buffer = null; }
  }
  /**
   * jit's donateArgnums: the array is no longer usable after the call; its storage is freed,
   * unless an output of the call now holds it (`free` false).
   */
  donate(free: boolean): void {
    if (free) this.dispose();
    this.#buffer = null;
    this.#donated = true;
  }
  override toString(): string { return formatArray(this.dataSync(), this.#aval.shape, this.#aval.dtype); }
  /** JAX-style repr, used by console.log / util.inspect. */
  repr(): string { return reprArray(this.dataSync(), this.#aval.shape, this.#aval.dtype); }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.disposed ? `Array(<disposed>, ${this.#aval.str()})` : this.repr();
  }
  /** `+x`, `x > 0` and template strings work on size-1 arrays, as `float(x)` does in NumPy. */
  [Symbol.toPrimitive](hint: string): number | string {
    if (hint === "string") return this.toString();
    return this.item();
  }
}

/** A stand-in for an array inside a transform; see core/trace.ts. */
export abstract class Tracer extends NDArray {
  abstract readonly _trace: import("./trace").Trace;
  get device(): string { return "tracer"; }
  private concretizationError(what: string): ConcretizationError {
    return new ConcretizationError(
      `${what}: a traced array ${this.aval.str()} was used where a concrete value is needed ` +
      `(e.g. \`if (x)\`, \`x > 0\`, Number(x) or x.item() inside jit/grad/vmap). ` +
      `Use lax.cond / lax.whileLoop / np.where for data-dependent control flow, ` +
      `or mark the argument static with jit(f, { staticArgnums }).`,
    );
  }
  override dataSync(): TypedArray { throw this.concretizationError("dataSync"); }
  override data(): Promise<TypedArray> { throw this.concretizationError("data"); }
  override item(): number { throw this.concretizationError("item"); }
  [Symbol.toPrimitive](): never { throw this.concretizationError("toPrimitive"); }
  override toString(): string { return `Traced<${this.aval.str()}>`; }
  [Symbol.for("nodejs.util.inspect.custom")](): string { return this.toString(); }
}

export const isArray = (x: unknown): x is NDArray => x instanceof NDArray;

function toNested(data: TypedArray, aval: ShapedArray): any {
  // Element i: data[i], or the (re, im) pair at 2i, 2i + 1 for complex dtypes.
  const elem: (i: number) => any = aval.dtype === "bool" ? (i) => data[i] !== 0
    : isComplex(aval.dtype) ? (i) => ({ re: data[2 * i], im: data[2 * i + 1] }) : (i) => data[i];
  const shape = aval.shape;
  if (shape.length === 0) return elem(0);
  let pos = 0;
  const build = (d: number): any[] => {
    const n = shape[d];
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = d === shape.length - 1 ? elem(pos++) : build(d + 1);
    return out;
  };
  return build(0);
}

// ---------------------------------------------------------------- tidy

const tidyScopes: Set<ConcreteArray>[] = [];
/** Records arrays created while a tidy scope is open (see `tidy`). */
export function trackCreated(a: ConcreteArray): void { tidyScopes[tidyScopes.length - 1]?.add(a); }
export function pushTidyScope(): Set<ConcreteArray> { const s = new Set<ConcreteArray>(); tidyScopes.push(s); return s; }
export function popTidyScope(): void { tidyScopes.pop(); }
