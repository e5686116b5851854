// The WebGPU backend, frontend half: owns buffer ids, the buffer pool and the kernel
// caches, and turns primitives into WGSL dispatches for the GPU runtime (runtime.ts).
// Primitives without a WGSL kernel run on the CPU with automatic transfer (Node only,
// where reads can block); see `CPU_ONLY` and docs in README "WebGPU".
import type { ShapedArray } from "../../core/aval";
import type { TypedArray } from "../../core/dtype";
import { UnsupportedOnBackendError } from "../../core/errors";
import type { Params } from "../../core/primitive";
import type { FftParams } from "../../core/primitives";
import type { Backend, Buffer } from "../backend";
import type { Jaxpr } from "../../core/jaxpr";
import { compileJaxpr, type Executable } from "./compile";
import { fftComposite } from "./fft-composite";
import { cpuBackend } from "../cpu";
import { fusedKernel, type FNode, type KernelCode, strides } from "./emit";
import { FUSE_RULES, REDUCTIONS } from "./fuse-rules";
import { KERNELS, treeReduceKernel } from "./kernels";
import { type KernelPlan, PLANS, runPlan } from "./kernels/plan";
import type { Transport } from "./transport";
import { fromHalfBits, toHalfBits } from "../../core/float16";
import { asF32, hasHalf, paramsAsF32 } from "../float16";
import { MOVES_VALUES, roundKernel } from "./half";
import { gpuItemSize, valueType } from "./wgsl";

/** A GPU buffer as the frontend knows it: an id in the runtime and its size. */
export class GpuBuffer {
  released = false;
  /** The element of a one-element buffer uploaded from the host (tracing makes it a literal). */
  known?: number;
  constructor(readonly id: number, readonly bytes: number) {}
}

export interface MemoryStats { liveBytes: number; liveBuffers: number; pooledBytes: number; pooledBuffers: number }

/** Free buffers kept for reuse, at most this many bytes. */
const POOL_LIMIT = 256 * 1024 * 1024;

export class WebGpuBackend implements Backend {
  readonly name = "webgpu";
  private nextId = 1;
  private pool = new Map<number, number[]>();
  private stats: MemoryStats = { liveBytes: 0, liveBuffers: 0, pooledBytes: 0, pooledBuffers: 0 };
  private pipelines = new Map<string, number>();
  private kernels = new Map<string, KernelCode | null>();
  private registry = new FinalizationRegistry<GpuBuffer>((b) => this.release(b));
  readonly maxBindings: number;

  constructor(readonly transport: Transport) {
    this.maxBindings = transport.adapter.limits.maxStorageBuffersPerShaderStage ?? 8;
  }

  get description(): string { return this.transport.adapter.description; }
  memory(): MemoryStats { return { ...this.stats }; }

  // ---- buffers ---------------------------------------------------------------------------

  alloc(bytes: number): GpuBuffer {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    const free = this.pool.get(size);
    let id = free?.pop();
    if (id !== undefined) { this.stats.pooledBytes -= size; this.stats.pooledBuffers--; }
    else { id = this.nextId++; this.transport.push({ t: "create", id, size }); }
    this.stats.liveBytes += size;
    this.stats.liveBuffers++;
    return new GpuBuffer(id, size);
  }
  /** Returns a buffer to the pool (or frees it past the pool's limit). Idempotent. */
  release(b: GpuBuffer): void {
    if (b.released) return;
    b.released = true;
    this.stats.liveBytes -= b.bytes;
    this.stats.liveBuffers--;
    if (this.stats.pooledBytes + b.bytes > POOL_LIMIT) { this.transport.push({ t: "destroy", id: b.id }); return; }
    let free = this.pool.get(b.bytes);
    if (!free) this.pool.set(b.bytes, (free = []));
    free.push(b.id);
    this.stats.pooledBytes += b.bytes;
    this.stats.pooledBuffers++;
  }
  scalarValue(buffer: Buffer): number | undefined { return (buffer as GpuBuffer).known; }
  /** Ties a buffer's lifetime to the array that holds it. */
  adopt(owner: object, buffer: Buffer): void { this.registry.register(owner, buffer as GpuBuffer, buffer as GpuBuffer); }
  dispose(buffer: Buffer): void {
    this.registry.unregister(buffer as GpuBuffer);
    this.release(buffer as GpuBuffer);
  }

  upload(data: TypedArray, aval: ShapedArray): Buffer {
    // float16 arrives as binary16 bits and lives on the GPU as f32 values (half.ts).
    if (aval.dtype === "float16") return this.upload(fromHalfBits(data), asF32(aval));
    valueType(aval.dtype);
    const b = this.alloc(aval.size * gpuItemSize(aval.dtype));
    if (aval.size === 1 && aval.dtype !== "complex64") b.known = data[0];
    if (aval.size > 0) {
      // bool is one u32 per element on the GPU.
      const host = aval.dtype === "bool" ? Uint32Array.from(data)
        : (aval.dtype === "float32" || aval.dtype === "complex64") && !(data instanceof Float32Array) ? Float32Array.from(data) : data.slice();
      this.transport.push({ t: "write", id: b.id, data: host.buffer as ArrayBuffer });
    }
    return b;
  }
  private toHost(bytes: ArrayBuffer, aval: ShapedArray): TypedArray {
    switch (aval.dtype) {
      case "float16": return toHalfBits(new Float32Array(bytes));   // binary16 bits, as the CPU stores them
      case "bool": return Uint8Array.from(new Uint32Array(bytes));
      case "int32": return new Int32Array(bytes);
      case "uint32": return new Uint32Array(bytes);
      default: return new Float32Array(bytes);
    }
  }
  private checkErrors(): void {
    const errs = this.transport.takeErrors();
    if (errs.length) throw new Error(`webgpu: the GPU reported an error: ${errs.join("\n")}`);
  }
  readSync(buffer: Buffer, aval: ShapedArray): TypedArray {
    if (!this.transport.readSync) {
      throw new TypeError(
        `dataSync: cannot read WebGPU array ${aval.str()} synchronously on this thread (a page's main thread cannot block on the GPU); ` +
        `use \`await x.data()\` or \`await x.jsAsync()\`, or run graft in a Web Worker of a cross-origin-isolated page, where sync reads work.`);
    }
    const bytes = aval.size ? this.transport.readSync((buffer as GpuBuffer).id, aval.size * gpuItemSize(aval.dtype)) : new ArrayBuffer(0);
    this.checkErrors();
    return this.toHost(bytes, aval);
  }
  async read(buffer: Buffer, aval: ShapedArray): Promise<TypedArray> {
    const bytes = aval.size ? await this.transport.read((buffer as GpuBuffer).id, aval.size * gpuItemSize(aval.dtype)) : new ArrayBuffer(0);
    this.checkErrors();
    return this.toHost(bytes, aval);
  }

  private executables = new WeakMap<Jaxpr, Executable | null>();
  compile(jaxpr: Jaxpr): Executable | null {
    let exe = this.executables.get(jaxpr);
    if (exe === undefined) { exe = compileJaxpr(this, jaxpr); this.executables.set(jaxpr, exe); }
    return exe;
  }

  // ---- kernels ---------------------------------------------------------------------------

  /** Enqueues one kernel reading `ins` and writing `outs` (bound in that order). */
  dispatch(k: KernelCode, ins: readonly GpuBuffer[], outs: readonly GpuBuffer[]): void {
    let pid = this.pipelines.get(k.code);
    if (pid === undefined) {
      pid = this.pipelines.size;
      this.pipelines.set(k.code, pid);
      this.transport.push({ t: "compile", pid, code: k.code, nin: ins.length, nout: outs.length });
    }
    this.transport.push({ t: "dispatch", pid, bufs: [...ins, ...outs].map((b) => b.id), wg: k.wg });
  }

  /** The kernel computing `prim` alone, cached per primitive, parameters and operand types. */
  kernelFor(prim: string, params: Params, ins: readonly ShapedArray[], outs: readonly ShapedArray[]): KernelCode | null {
    const key = `${prim}|${JSON.stringify(params)}|${ins.map((a) => a.str()).join(",")}|${outs.map((a) => a.str()).join(",")}`;
    let k = this.kernels.get(key) ?? undefined;
    if (k) return k;
    if (this.kernels.has(key)) return null;
    try {
      const build = KERNELS[prim];
      const tree = REDUCTIONS.has(prim) ? treeReduceKernel(prim, params, ins[0], outs[0]) : null;
      if (build) k = build(ins, params, outs) ?? undefined;
      else if (tree) k = tree;
      else if (FUSE_RULES[prim]) {
        const node: FNode = { kind: "op", prim, params, args: ins.map((aval, slot) => ({ kind: "input", slot, aval })), aval: outs[0] };
        k = fusedKernel(FUSE_RULES, [...ins], [node]);
      }
    } catch (e) {
      // No WGSL for these operand types (e.g. complex sin): the CPU runs it.
      if (!(e instanceof UnsupportedOnBackendError)) throw e;
    }
    this.kernels.set(key, k ?? null);
    return k ?? null;
  }

  private plans = new Map<string, KernelPlan | null>();
  /** A multi-dispatch plan (scatters, long sorts) where no single kernel exists. */
  planFor(prim: string, params: Params, ins: readonly ShapedArray[], outs: readonly ShapedArray[]): KernelPlan | null {
    const build = PLANS[prim];
    if (!build) return null;
    const key = `${prim}|${JSON.stringify(params)}|${ins.map((a) => a.str()).join(",")}|${outs.map((a) => a.str()).join(",")}`;
    let p = this.plans.get(key);
    if (p === undefined) {
      try { p = build(ins, params, outs); } catch (e) { if (!(e instanceof UnsupportedOnBackendError)) throw e; p = null; }
      this.plans.set(key, p);
    }
    return p;
  }

  execute(prim: string, params: Params, inputs: readonly { buffer: Buffer; aval: ShapedArray }[],
          outAvals: readonly ShapedArray[]): Buffer[] {
    const ins = inputs.map((i) => i.aval);
    if (hasHalf(ins) || hasHalf(outAvals)) {
      // float16: the float32 computation, then each float16 result rounded to binary16 in place.
      const outs = this.execute(prim, paramsAsF32(params), inputs.map((i) => ({ buffer: i.buffer, aval: asF32(i.aval) })), outAvals.map(asF32));
      if (!MOVES_VALUES.has(prim)) {
        outAvals.forEach((a, i) => { if (a.dtype === "float16" && a.size > 0) this.dispatch(roundKernel(a.size), [], [outs[i] as GpuBuffer]); });
      }
      return outs;
    }
    for (const a of [...ins, ...outAvals]) valueType(a.dtype);
    const copied = this.byCopy(prim, params, inputs, outAvals);
    if (copied) return copied;
    if (prim === "concatenate" && inputs.length >= this.maxBindings) return this.concatInChunks(params, inputs, outAvals[0]);
    const k = this.kernelFor(prim, params, ins, outAvals);
    if (!k) {
      const plan = this.planFor(prim, params, ins, outAvals);
      if (plan && ins.every((a) => a.size > 0) && outAvals.every((a) => a.size > 0)) {
        return runPlan(this, plan, inputs.map((i) => i.buffer as GpuBuffer), outAvals);
      }
      if (prim === "fft" && inputs[0].aval.size > 0) return [fftComposite(this, params as unknown as FftParams, inputs[0], outAvals[0])];
      return this.onCpu(prim, params, inputs, outAvals);
    }
    const outs = outAvals.map((a) => this.alloc(a.size * gpuItemSize(a.dtype)));
    if (outAvals.every((a) => a.size > 0) && ins.every((a) => a.size > 0)) {
      this.dispatch(k, inputs.map((i) => i.buffer as GpuBuffer), outs);
    } else if (outAvals.some((a) => a.size > 0)) return this.onCpu(prim, params, inputs, outAvals, outs);
    return outs;
  }

  /**
   * Reshapes, contiguous slices (a scan reading row i) and concatenations along the
   * outermost non-unit axis (a scan stacking its rows) are buffer copies: no kernel, and no
   * new pipeline per offset.
   */
  private byCopy(prim: string, params: Params, inputs: readonly { buffer: Buffer; aval: ShapedArray }[], outs: readonly ShapedArray[]): Buffer[] | null {
    const out = outs[0];
    if (out === undefined || out.size === 0 || outs.length !== 1) return null;
    const item = gpuItemSize(out.dtype);
    const copy = (src: Buffer, dst: GpuBuffer, n: number, srcOffset: number, dstOffset: number) =>
      this.transport.push({ t: "copy", src: (src as GpuBuffer).id, dst: dst.id, size: n * item, srcOffset: srcOffset * item, dstOffset: dstOffset * item });
    if (prim === "reshape" || prim === "stop_gradient") {
      const o = this.alloc(out.size * item);
      copy(inputs[0].buffer, o, out.size, 0, 0);
      return [o];
    }
    if (prim === "slice") {
      const { startIndices, limitIndices, strides: st } = params as unknown as { startIndices: number[]; limitIndices: number[]; strides: number[] | null };
      const shape = inputs[0].aval.shape;
      if (st && st.some((v) => v !== 1)) return null;
      const d = shape.findIndex((n, j) => limitIndices[j] - startIndices[j] !== n);
      if (d >= 0 && (shape.slice(0, d).some((_, j) => limitIndices[j] - startIndices[j] !== 1) || shape.slice(d + 1).some((n, j) => limitIndices[d + 1 + j] - startIndices[d + 1 + j] !== n))) return null;
      const stride = strides(shape);
      const offset = startIndices.reduce((a, v, j) => a + v * stride[j], 0);
      const o = this.alloc(out.size * item);
      copy(inputs[0].buffer, o, out.size, offset, 0);
      return [o];
    }
    if (prim === "concatenate") {
      const { dimension } = params as unknown as { dimension: number };
      if (out.shape.slice(0, dimension).some((n) => n !== 1)) return null;
      const o = this.alloc(out.size * item);
      let at = 0;
      for (const i of inputs) { if (i.aval.size) copy(i.buffer, o, i.aval.size, 0, at); at += i.aval.size; }
      return [o];
    }
    return null;
  }

  /** A concatenation of more operands than a kernel can bind, as a tree of smaller ones. */
  private concatInChunks(params: Params, inputs: readonly { buffer: Buffer; aval: ShapedArray }[], out: ShapedArray): Buffer[] {
    const { dimension } = params as unknown as { dimension: number };
    const per = this.maxBindings - 1, parts: { buffer: Buffer; aval: ShapedArray }[] = [];
    for (let i = 0; i < inputs.length; i += per) {
      const chunk = inputs.slice(i, i + per);
      const shape = [...chunk[0].aval.shape];
      shape[dimension] = chunk.reduce((a, c) => a + c.aval.shape[dimension], 0);
      const aval = out.withShape(shape);
      parts.push({ buffer: this.execute("concatenate", params, chunk, [aval])[0], aval });
    }
    const res = this.execute("concatenate", params, parts, [out]);
    for (const p of parts) this.release(p.buffer as GpuBuffer);
    return res;
  }

  /** Runs a primitive on the CPU backend, moving operands and results (Node only). */
  private onCpu(prim: string, params: Params, inputs: readonly { buffer: Buffer; aval: ShapedArray }[],
                outAvals: readonly ShapedArray[], discard: GpuBuffer[] = []): Buffer[] {
    for (const b of discard) this.release(b);
    if (!this.transport.readSync) {
      throw new UnsupportedOnBackendError(
        `${prim}: has no WebGPU kernel yet and would run on the CPU, which needs a blocking read; in a browser ` +
        `move the operands with \`devicePut(x, "cpu")\` (after \`await x.data()\`) and run it there, or run graft in a Web Worker of a cross-origin-isolated page.`);
    }
    const host = inputs.map((i) => ({ buffer: cpuBackend.upload(this.readSync(i.buffer, i.aval), i.aval), aval: i.aval }));
    const res = cpuBackend.execute(prim, params, host, outAvals);
    return res.map((r, i) => this.upload(r as TypedArray, outAvals[i]));
  }
}

/** Primitives that run on the CPU with automatic transfer (no WGSL kernel). */
export const cpuOnly = (prim: string): boolean => !KERNELS[prim] && !FUSE_RULES[prim] && !PLANS[prim];
