// jit on the CPU: chains of float elementwise equations become one generated loop each (no
// intermediate arrays, one pass over memory): a WebAssembly SIMD kernel for float32 chains
// (elementwise-wasm.ts), a JS loop for the others. Every intermediate is rounded to its dtype
// (f32 lanes, or Math.fround in JS) exactly where the interpreter stores it, and the float32
// math the interpreter runs through SIMD kernels (simd-math.ts SIMD_ONLY) is never put in a
// JS loop, so fused results are bit-identical to eager ones (NaN payloads aside). Everything
// else runs through the interpreter.
import { ConcreteArray } from "../../core/array";
import type { ShapedArray } from "../../core/aval";
import { allocate, isComplex, type TypedArray } from "../../core/dtype";
import { config } from "../../core/config";
import type { Params } from "../../core/primitive";
import { type Atom, defUse, type Jaxpr, type JaxprEqn, Literal, Var } from "../../core/jaxpr";
import { scalarArray } from "../../core/numpy/util";
import { bindPrimitive } from "../../core/trace";
import type { Backend } from "../backend";
import { FLOAT_SRC } from "./elementwise";
import { hasSimd, type Operand, simdAvailable, simdKernel, type SimdChain } from "./elementwise-wasm";
import { SIMD_ONLY } from "./simd-math";
import { canFold, type Chunks, type FusedReduce, jsChunks, reductionOf, runFused } from "./fuse-reduce";
import { type BufferPlan, planBuffers, planDonation, SlotBuffers, type StepUse } from "./buffers";
import type { CpuIn } from "./util";
import { foldDotTransposes, movesUnitAxesOnly } from "./fold-transpose";
import { costOf, jsLoop, type LoopCode } from "./parallel";

const isFloat = (a: ShapedArray) => a.dtype === "float32" || a.dtype === "float64";

/** The JS expression of one fusible equation over operand expressions, or null. */
function expr(e: JaxprEqn, xs: string[]): string | null {
  const name = e.prim.name;
  if (name === "integer_pow") {
    const y = (e.params as { y: number }).y;
    return y === 2 ? `(${xs[0]} * ${xs[0]})` : y === 1 ? xs[0] : null;
  }
  if (name === "select_n") return xs.length === 3 && e.inputs[0].aval.dtype === "bool" ? `(${xs[0]} ? ${xs[2]} : ${xs[1]})` : null;
  if (name === "convert_element_type") return isFloat(e.outvars[0].aval) ? xs[0] : null;
  // A rank-0 operand broadcast to the loop's shape is that scalar, read once (never materialized).
  if (name === "broadcast_in_dim") return e.inputs[0].aval.ndim === 0 ? xs[0] : null;
  const src = FLOAT_SRC[name];
  if (!src) return null;
  // Operands are names or number literals, so substituting them textually is safe (and
  // lets V8 see plain arithmetic rather than a closure call per element).
  const sub = (v: string) => `(${v})`;
  return e.inputs.length === 1 ? src.replace(/\bx\b/g, sub(xs[0])) : src.replace(/\b[ab]\b/g, (m) => sub(m === "a" ? xs[0] : xs[1]));
}

/** Fusible into a JS loop: float operands, and no float32 math that eager runs in SIMD kernels. */
function fusible(e: JaxprEqn, simd: boolean): boolean {
  if (e.outvars.length !== 1) return false;
  if (simd && SIMD_ONLY.has(e.prim.name) && e.inputs[0].aval.dtype === "float32") return false;
  const out = e.outvars[0].aval;
  const operands = e.prim.name === "select_n" ? e.inputs.slice(1) : e.inputs;
  if (!operands.every((x) => isFloat(x.aval)) || !(isFloat(out) || out.dtype === "bool")) return false;
  if (!e.inputs.every((x) => x.aval.size === out.size || x.aval.ndim === 0)) return false;
  return expr(e, e.inputs.map(() => "v")) !== null;
}

const COMPARE = new Set(["eq", "ne", "lt", "le", "gt", "ge"]);
const isF32 = (x: Atom) => x.aval.dtype === "float32";
/**
 * Fusible into a SIMD loop: float32 in and out, except comparisons (bool lane masks) and
 * select_n, whose predicate must be a comparison used by nothing else, so that it is computed
 * in the same loop (bool arrays never enter a module).
 */
function simdFusible(e: JaxprEqn, producer: Map<Var, JaxprEqn>, users: Map<Var, JaxprEqn[]>, outputs: Set<Var>): boolean {
  if (e.outvars.length !== 1) return false;
  const out = e.outvars[0].aval, name = e.prim.name;
  if (!e.inputs.every((x) => x.aval.size === out.size || x.aval.ndim === 0)) return false;
  if (COMPARE.has(name)) return out.dtype === "bool" && e.inputs.every(isF32);
  if (out.dtype !== "float32") return false;
  if (name === "broadcast_in_dim") return e.inputs[0].aval.ndim === 0 && isF32(e.inputs[0]);
  if (name === "select_n") {
    const [p, ...cases] = e.inputs, pe = p instanceof Var ? producer.get(p) : undefined;
    return cases.length === 2 && cases.every(isF32) && !!pe && COMPARE.has(pe.prim.name) && !outputs.has(p as Var)
      && users.get(p as Var)!.length === 1 && p.aval.size === out.size && simdFusible(pe, producer, users, outputs);
  }
  if (!e.inputs.every(isF32)) return false;
  if (name === "integer_pow") return [1, 2].includes((e.params as { y: number }).y);
  return name === "convert_element_type" || hasSimd(name);
}

type Step =
  // `reduce`: the loop's output only feeds that reduction, which folds it chunk by chunk (fuse-reduce.ts)
  | { kind: "loop"; fn: (ins: TypedArray[], out: TypedArray) => void; inputs: Var[]; output: Var; simd?: true; reduce?: FusedReduce; chunks?: Chunks; thread?: LoopCode }
  | { kind: "eqn"; eqn: JaxprEqn };

/** A CPU kernel that computes into the arrays it is given (`outs[i]`, where present), or null. */
export type IntoKernel = (ins: CpuIn[], params: Params, outAvals: readonly ShapedArray[], outs: (TypedArray | undefined)[]) => TypedArray[];

export class CpuExecutable {
  /** Buffers of values that never leave a call (buffers.ts): a fresh array costs page faults (~2.5 ms per 4 MB) and zeroing. */
  private readonly buffers: SlotBuffers;
  /** Set during run: a call made while one runs (a callback re-entering it) uses fresh buffers. */
  private running = false;
  private readonly plan: BufferPlan;
  /** donation plans (buffers.ts planDonation) by which inputs are donated */
  private readonly donations = new Map<string, number[][]>();
  constructor(private readonly backend: Backend, private readonly jaxpr: Jaxpr, readonly steps: Step[],
              private readonly uses: StepUse[], private readonly outputs: ReadonlySet<Var>,
              private readonly kernelOf: (prim: string) => IntoKernel | null) {
    this.plan = planBuffers(uses, outputs);
    this.buffers = new SlotBuffers(this.plan.bytes);
    this.aliasing = steps.map((s) => s.kind === "eqn" && aliases(s.eqn));
    this.reshapes = steps.map((s) => s.kind === "eqn" && reshapeLike(s.eqn));
  }
  private readonly aliasing: boolean[];
  private readonly reshapes: boolean[];
  /** step outputs computed into the executable's own buffers */
  get keptBufferCount(): number { return this.plan.slots.flat().filter((s) => s >= 0).length; }
  /** distinct buffers those outputs share */
  get bufferSlotCount(): number { return this.plan.bytes.length; }
  get loopCount(): number { return this.steps.filter((s) => s.kind === "loop").length; }
  /** loops that run as WebAssembly SIMD kernels */
  get simdLoopCount(): number { return this.steps.filter((s) => s.kind === "loop" && s.simd).length; }
  /** reductions computed in their operand's loop */
  get fusedReductionCount(): number { return this.steps.filter((s) => s.kind === "loop" && s.reduce).length; }
  /**
   * Runs the program. `donated[i]` (jit's donateArgnums): args[i] is not used after the call,
   * so outputs may be computed into its storage (the caller invalidates it).
   */
  run(args: readonly ConcreteArray[], donated?: readonly boolean[]): ConcreteArray[] {
    if (this.running) return this.runWith(args, false, null);
    this.running = true;
    try { return this.runWith(args, true, donated ? this.donation(args, donated) : null); } finally { this.running = false; }
  }
  /** Per step, per output: the index of the argument whose storage it takes, or -1; null if none does. */
  private donation(args: readonly ConcreteArray[], donated: readonly boolean[]): number[][] | null {
    // an argument's storage is given away only if it is a CPU array that no other argument shares
    const ok = args.map((a, i) => !!donated[i] && a.backend === this.backend &&
      args.every((b, j) => j === i || b.buffer !== a.buffer));
    if (!ok.includes(true)) return null;
    const key = ok.map(Number).join("");
    let d = this.donations.get(key);
    if (!d) {
      const inPlace = this.steps.map((s) => s.kind === "loop" && !s.reduce);
      d = planDonation(this.uses, this.plan, this.outputs, this.jaxpr.invars, ok, inPlace);
      this.donations.set(key, d);
    }
    return d;
  }
  /** outputs computed into donated arguments' storage in the last call (tests) */
  donatedOutputs = 0;
  private runWith(args: readonly ConcreteArray[], reuse: boolean, give: number[][] | null): ConcreteArray[] {
    const env = new Map<Var, ConcreteArray>();
    this.jaxpr.invars.forEach((v, i) => env.set(v, args[i]));
    const read = (x: Atom): ConcreteArray => (x instanceof Literal ? scalarArray(x.value, x.aval.dtype, x.aval.weakType) as ConcreteArray : env.get(x)!);
    // debugNans checks every kernel's outputs in bindPrimitive: no direct kernel calls then
    const direct = reuse && !config.get("debugNans");
    const slots = this.plan.slots;
    // donated storage handed to outputs this call (a kernel that returns it unasked is copied, as for slots)
    const taken = new Set<TypedArray>(give ? give.flat().filter((d) => d >= 0).map((d) => args[d].buffer as TypedArray) : []);
    let used = 0;
    const donatedTo = (k: number, i: number): TypedArray | undefined => {
      const d = give ? give[k][i] : -1;
      if (d < 0) return undefined;
      used++;
      return args[d].buffer as TypedArray;
    };
    const buffer = (v: Var, k: number, i: number): TypedArray => {
      const slot = slots[k][i];
      return (reuse && slot >= 0 ? this.buffers.view(v, slot) : donatedTo(k, i)) ?? allocate("cpu", v.aval.dtype, v.aval.size);
    };
    this.steps.forEach((s, k) => {
      if (s.kind === "loop" && s.reduce) {
        const red = s.reduce;
        const out = buffer(red.output, k, 0);
        runFused(s.chunks!, s.inputs.map((v) => env.get(v)!.buffer as TypedArray), s.output.aval.size, red, s.output.aval.dtype, out, s.thread);
        env.set(red.output, new ConcreteArray(this.backend, out, red.output.aval));
      } else if (s.kind === "loop") {
        const out = buffer(s.output, k, 0);
        s.fn(s.inputs.map((v) => env.get(v)!.buffer as TypedArray), out);
        env.set(s.output, new ConcreteArray(this.backend, out, s.output.aval));
      } else if (this.reshapes[k] && read(s.eqn.inputs[0]).backend === this.backend) {
        env.set(s.eqn.outvars[0], new ConcreteArray(this.backend, read(s.eqn.inputs[0]).buffer, s.eqn.outvars[0].aval));
      } else {
        const e = s.eqn;
        let outs: ConcreteArray[], given: (TypedArray | undefined)[] = [];
        if (direct && (slots[k].some((x) => x >= 0) || give?.[k].some((x) => x >= 0))) {
          // a kernel that computes into the executable's buffers or donated ones (planned only where every input is a CPU array)
          given = e.outvars.map((v, i) => (slots[k][i] >= 0 ? this.buffers.view(v, slots[k][i]) : donatedTo(k, i)));
          outs = this.kernelOf(e.prim.name)!(e.inputs.map((x) => ({ data: env.get(x as Var)!.buffer as TypedArray, aval: x.aval })), e.params, e.outvars.map((v) => v.aval), given)
            .map((o, i) => new ConcreteArray(this.backend, o, e.outvars[i].aval));
        } else outs = bindPrimitive(e.prim, e.inputs.map(read), e.params) as ConcreteArray[];
        e.outvars.forEach((v, i) => {
          // Only the aliasing steps the plan knows of may return an operand's storage: a kernel
          // that hands back a reused buffer it was not given gets its result copied out of it.
          const o = outs[i], b = o.buffer as TypedArray;
          const stray = reuse && !this.aliasing[k] && b !== given[i] && (this.buffers.owns(b) || taken.has(b));
          env.set(v, stray ? new ConcreteArray(this.backend, b.slice(), o.aval) : o);
        });
      }
    });
    this.donatedOutputs = used;
    return this.jaxpr.outvars.map(read);
  }
}

/** The SIMD kernel computing v (and the values inlined into it) per element. */
function simdLoop(v: Var, producer: Map<Var, JaxprEqn>, inlined: Set<Var>): { step: Step; ops: number } | null {
  const inputs: Var[] = [], chain: SimdChain = { scalars: [], nodes: [] };
  const names = new Map<Var, Operand>();
  const operand = (x: Atom): Operand => {
    if (x instanceof Literal) return { literal: Math.fround(x.value) };
    const known = names.get(x);
    if (known) return known;
    const p = producer.get(x);
    let o: Operand;
    if (x === v || (p && inlined.has(x))) {
      const args = p!.inputs.map(operand), name = p!.prim.name;
      // x^1, float32 -> float32 conversions and scalar broadcasts are the operand itself; x^2 is x * x
      if (name === "convert_element_type" || name === "broadcast_in_dim" || name === "integer_pow" && (p!.params as { y: number }).y === 1) o = args[0];
      else {
        chain.nodes.push({ op: name === "integer_pow" ? "mul" : name, args: name === "integer_pow" ? [args[0], args[0]] : args });
        o = { node: chain.nodes.length - 1 };
      }
    } else {
      o = { input: inputs.length };
      inputs.push(x);
      chain.scalars.push(x.aval.ndim === 0 && v.aval.size !== 1);
    }
    names.set(x, o);
    return o;
  };
  const r = operand(v);
  // a chain that is only conversions copies its input
  if (!("node" in r)) chain.nodes.push({ op: "add", args: [r, { literal: -0 }] });
  const kernel = simdKernel(chain);
  if (!kernel) return null;
  const sc = chain.scalars;
  const args = (ins: TypedArray[]) => ins.map((a, k) => (sc[k] ? a[0] : a as Float32Array));
  const fn = (ins: TypedArray[], out: TypedArray) => kernel(args(ins), out as Float32Array);
  const chunks: Chunks = (ins, n, sink) => kernel.chunks(args(ins), n, sink);
  const thread: LoopCode = { wasm: true, scalar: sc, cost: kernel.cost, code: kernel.threadCode };
  return { step: { kind: "loop", fn, inputs, output: v, simd: true, chunks, thread }, ops: chain.nodes.length };
}

/**
 * Plans fused loops for a jaxpr whose arguments are all on the CPU; null if nothing fuses.
 * `pure(prim)`: the primitive is a CPU kernel, which keeps no operand (unlike control flow);
 * values read only by loops and such kernels can live in the executable's buffers.
 * `kernelOf(prim)`: its kernel if it can compute into a buffer it is given (buffers.ts).
 */
export function compileCpu(backend: Backend, j: Jaxpr, pure: (prim: string) => boolean = () => false,
                           kernelOf: (prim: string) => IntoKernel | null = () => null): CpuExecutable | null {
  if (j.constvars.length) return null;
  j = foldDotTransposes(j);
  const simd = simdAvailable();
  const { producer, users, outputs } = defUse(j);
  // A value inlines into its users when they all fuse, have its size and end up in the same
  // loop, of a kind (SIMD or JS) that can compute it (decided from the last equation back, so
  // users are placed first); the loop then computes it once per element. Other fusible
  // values start loops of their own: SIMD for float32 results where possible.
  const kind = new Map<JaxprEqn, "simd" | "js">();
  const inlined = new Set<Var>();
  const rootOf = new Map<Var, Var>();
  const root = (x: Var): Var => (inlined.has(x) ? rootOf.get(x)! : x);
  for (let k = j.eqns.length - 1; k >= 0; k--) {
    const e = j.eqns[k];
    const canS = simd && simdFusible(e, producer, users, outputs), canJ = fusible(e, simd);
    if (!canS && !canJ) continue;
    const v = e.outvars[0], us = users.get(v) ?? [];
    if (!outputs.has(v) && us.length && us.every((u) => kind.has(u) && u.outvars[0].aval.size === v.aval.size)) {
      const roots = new Set(us.map((u) => root(u.outvars[0]))), kk = kind.get(us[0])!;
      if (roots.size === 1 && (kk === "simd" ? canS : canJ)) { inlined.add(v); rootOf.set(v, [...roots][0]); kind.set(e, kk); continue; }
    }
    if (canS && v.aval.dtype === "float32") kind.set(e, "simd");
    else if (canJ) kind.set(e, "js");
  }
  const steps: Step[] = [];
  let fusedAny = false;
  const folded = new Set<JaxprEqn>();
  /** Attaches the reduction a loop's output feeds, when it can fold into the loop. */
  const withReduction = (step: Step & { kind: "loop" }): Step => {
    const red = reductionOf(step.output, users, outputs);
    if (!red || !canFold(red, step.output.aval.dtype)) return step;
    folded.add(red.eqn);
    fusedAny = true;
    const n = step.output.aval.size;
    return { ...step, reduce: red, chunks: step.chunks ?? jsChunks(step.fn, step.inputs.map((x) => x.aval.ndim === 0 && n !== 1), step.output.aval.dtype) };
  };
  for (const e of j.eqns) {
    const v = e.outvars[0];
    if (folded.has(e)) continue;
    if (!kind.has(e)) { steps.push({ kind: "eqn", eqn: e }); continue; }
    if (inlined.has(v)) continue;
    if (kind.get(e) === "simd") {
      const loop = simdLoop(v, producer, inlined);
      if (!loop) return null;   // compiling failed: the interpreter (which then runs Math.*) runs the jaxpr
      if (loop.ops > 1) fusedAny = true;
      steps.push(withReduction(loop.step as Step & { kind: "loop" }));
      continue;
    }
    const inputs: Var[] = [];
    const lines: string[] = [];
    const pre: string[] = [];
    let t = 0, ops = 0;
    const prims: string[] = [];
    const names = new Map<Var, string>();
    const emit = (x: Atom): string => {
      if (x instanceof Literal) {
        // Literals are stored in their dtype first, as the interpreter's scalar arrays are.
        const v = x.aval.dtype === "float32" ? Math.fround(x.value) : x.value;
        return Object.is(v, -0) ? "-0" : String(v);
      }
      const known = names.get(x);
      if (known) return known;
      const p = producer.get(x);
      let name: string;
      if (x === v || (p && inlined.has(x))) {
        const args = p!.inputs.map(emit);
        let ex = expr(p!, args)!;
        if (x.aval.dtype === "float32") ex = `Math.fround(${ex})`;
        name = `t${t++}`;
        lines.push(`const ${name} = ${ex};`);
        ops++;
        prims.push(p!.prim.name);
      } else {
        const k = inputs.length;
        inputs.push(x);
        // Rank-0 operands are read once, outside the loop.
        if (x.aval.ndim === 0 && v.aval.size !== 1) { name = `s${k}`; pre.push(`const ${name} = ins[${k}][0];`); }
        else { name = `x${k}`; lines.unshift(`const ${name} = in${k}[i];`); pre.push(`const in${k} = ins[${k}];`); }
      }
      names.set(x, name);
      return name;
    };
    const r = emit(v);
    lines.push(`out[i] = ${r};`);
    if (ops > 1) fusedAny = true;
    let fn: ReturnType<typeof jsLoop>;
    try {
      fn = jsLoop(`"use strict"; ${pre.join(" ")} for (let i = 0; i < out.length; i++) { ${lines.join(" ")} }`,
        inputs.map((x) => x.aval.ndim === 0 && v.aval.size !== 1), costOf(prims, true));
    } catch { return null; }   // no Function (strict CSP): the interpreter runs the jaxpr
    steps.push(withReduction({ kind: "loop", fn, inputs, output: v, thread: fn.thread }));
  }
  if (!fusedAny) return null;
  return new CpuExecutable(backend, j, steps, steps.map((s) => stepUse(s, pure, kernelOf)), outputs, kernelOf);
}

const ALIASING = new Set(["reshape", "stop_gradient"]);
/**
 * A transpose that moves only size-1 axes (the identity, or [128,1,512] -> [128,512,1] as the
 * MLP's backward pass makes) keeps the elements' row-major order: it is a reshape, and the
 * executable runs it as one (sharing its operand's storage) rather than copying.
 */
const reshapeLike = (e: JaxprEqn): boolean =>
  e.prim.name === "transpose" && movesUnitAxesOnly(e.inputs[0].aval.shape, (e.params as { permutation: readonly number[] }).permutation);

/** The equation's CPU kernel returns its operand's storage. */
const aliases = (e: JaxprEqn): boolean =>
  ALIASING.has(e.prim.name) || reshapeLike(e);

/** What the buffer planner needs of a step (see buffers.ts). */
function stepUse(s: Step, pure: (prim: string) => boolean, kernelOf: (prim: string) => IntoKernel | null): StepUse {
  if (s.kind === "loop") return { reads: s.inputs, outs: [s.reduce ? s.reduce.output : s.output], slottable: [true] };
  const e = s.eqn, name = e.prim.name, reads = e.inputs.filter((x): x is Var => x instanceof Var);
  if (aliases(e)) {
    return { reads, outs: e.outvars, slottable: [false], alias: true };
  }
  // Complex and float16 operands go through conversions (complex.ts, half.ts), and literals
  // are made on the default device: such equations take the interpreter's path.
  const plain = (x: Atom) => !isComplex(x.aval.dtype) && x.aval.dtype !== "float16";
  const into = kernelOf(name) !== null && e.inputs.every((x) => x instanceof Var && plain(x)) && e.outvars.every(plain);
  return { reads, outs: e.outvars, slottable: e.outvars.map(() => into), opaque: !pure(name) };
}
