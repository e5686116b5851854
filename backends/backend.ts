// The interface every backend implements. The frontend (core/) only talks to a backend
// through this: eager ops run as one-primitive programs, jit runs whole programs.
import type { ShapedArray } from "../core/aval";
import type { TypedArray } from "../core/dtype";
import type { Params } from "../core/primitive";

/** A device buffer; its representation belongs to the backend (a TypedArray on the CPU). */
export type Buffer = unknown;

export interface Backend {
  readonly name: string;
  /** Copies host data (stored as the aval's dtype) to a new device buffer. */
  upload(data: TypedArray, aval: ShapedArray): Buffer;
  /** A host copy of a buffer; backends that cannot block throw, pointing to `read`. */
  readSync(buffer: Buffer, aval: ShapedArray): TypedArray;
  read(buffer: Buffer, aval: ShapedArray): Promise<TypedArray>;
  /** Runs one primitive. Inputs are on this backend; output avals come from abstractEval. */
  execute(prim: string, params: Params, inputs: readonly { buffer: Buffer; aval: ShapedArray }[],
          outAvals: readonly ShapedArray[]): Buffer[];
  dispose(buffer: Buffer): void;
  /** The value of a one-element buffer when the host knows it (uploaded from it), else undefined. */
  scalarValue?(buffer: Buffer): number | undefined;
  /** Ties a buffer's release to the array holding it (device memory outside the JS heap). */
  adopt?(owner: object, buffer: Buffer): void;
  /** A whole-program executable for a jaxpr (jit), or null to evaluate it equation by equation. */
  /** `run`'s `donated[i]`: args[i] is dead after the call, so its storage may hold an output (jit's donateArgnums). */
  compile?(jaxpr: import("../core/jaxpr").Jaxpr): { run(args: readonly import("../core/array").ConcreteArray[], donated?: readonly boolean[]): import("../core/array").ConcreteArray[] } | null;
  /** Device memory in use and pooled, where the backend manages it. */
  memory?(): { liveBytes: number; liveBuffers: number; pooledBytes: number; pooledBuffers: number };
}
