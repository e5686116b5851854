// The CPU backend: buffers are TypedArrays; every primitive has a reference kernel here.
// The table is typed over every primitive name, so a primitive without a kernel fails tsc.
import type { ShapedArray } from "../../core/aval";
import { allocate, type TypedArray } from "../../core/dtype";
import { registerBackend } from "../../core/device";
import type { ParamsOf, PrimName } from "../../core/primitives";
import type { Params } from "../../core/primitive";
import type { Backend, Buffer } from "../backend";
import type { Jaxpr } from "../../core/jaxpr";
import { compileCpu, type CpuExecutable, type IntoKernel } from "./fuse";
import { complexPrimKernels, executeComplex, involvesComplex, NATIVE_COMPLEX } from "./complex";
import { convKernels } from "./conv";
import { elementwiseKernels } from "./elementwise";
import { fftKernel } from "./fft";
import { gatherKernels } from "./gather";
import { executeHalf, involvesHalf } from "./half";
import { linalgKernels } from "./linalg";
import { randomKernels } from "./random";
import { reduceKernels } from "./reduce";
import { specialKernels } from "./special";
import { structuralKernels } from "./structural";
import type { CpuIn, Kernel } from "./util";

const kernels: { [N in PrimName]: Kernel<ParamsOf<N>> } = {
  ...elementwiseKernels,
  ...structuralKernels,
  ...reduceKernels,
  ...convKernels,
  ...gatherKernels,
  ...linalgKernels,
  ...specialKernels,
  ...randomKernels,
  ...complexPrimKernels,
  fft: fftKernel,
};

const run = (prim: string, params: Params, ins: CpuIn[], outAvals: readonly ShapedArray[]): TypedArray[] =>
  !NATIVE_COMPLEX.has(prim) && involvesComplex(ins, outAvals)
    ? executeComplex(prim, params, ins, outAvals, kernels as Record<string, Kernel<any>>)
    : (kernels as Record<string, Kernel<any>>)[prim](ins, params, outAvals);

/** Kernels that compute into buffers they are given, for the big intermediates of jit programs. */
const INTO = new Set<string>(["dot_general", "transpose", "broadcast_in_dim"]);
const intoKernel = (prim: string): IntoKernel | null => (INTO.has(prim) ? (kernels as Record<string, Kernel<any>>)[prim] : null);

export class CpuBackend implements Backend {
  readonly name = "cpu";
  upload(data: TypedArray, aval: ShapedArray): Buffer {
    const out = allocate("cpu", aval.dtype, aval.size);
    out.set(data);
    return out;
  }
  readSync(buffer: Buffer): TypedArray { return (buffer as TypedArray).slice(); }
  read(buffer: Buffer): Promise<TypedArray> { return Promise.resolve((buffer as TypedArray).slice()); }
  execute(prim: string, params: Params, inputs: readonly { buffer: Buffer; aval: ShapedArray }[],
          outAvals: readonly ShapedArray[]): Buffer[] {
    const k = (kernels as Record<string, Kernel<any>>)[prim];
    if (!k) throw new Error(`cpu: no kernel for primitive ${prim}`);
    const ins = inputs.map((i) => ({ data: i.buffer as TypedArray, aval: i.aval }));
    // float16 (bit patterns) decoded to float32 first (backends/cpu/half.ts), then complex data,
    // interleaved (re, im) pairs (backends/cpu/complex.ts).
    if (involvesHalf(ins, outAvals)) return executeHalf(prim, params, ins, outAvals, run);
    return run(prim, params, ins, outAvals);
  }
  dispose(): void {}
  private executables = new WeakMap<Jaxpr, CpuExecutable | null>();
  /** jit: fused float elementwise loops (backends/cpu/fuse.ts), or null to interpret. */
  compile(jaxpr: Jaxpr): CpuExecutable | null {
    let exe = this.executables.get(jaxpr);
    if (exe === undefined) { exe = compileCpu(this, jaxpr, (p) => p in kernels, intoKernel); this.executables.set(jaxpr, exe); }
    return exe;
  }
}

export const cpuBackend = new CpuBackend();
registerBackend(cpuBackend);
