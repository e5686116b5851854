// The buffer plan of a CPU executable (fuse.ts): which values it computes into buffers of its
// own, kept across calls (a fresh 4 MB array costs ~2.5 ms of page faults when the allocator
// hands back new pages, and is zeroed even when it does not), and which values share a buffer
// within a call because their lives do not overlap.
//
// A value may live in the executable's buffers only if no one outside the call can see it:
// it is not a jaxpr output, nothing that shares its storage is (reshape and stop_gradient
// return their operand's buffer, as does a transpose by the identity permutation), and no
// primitive that could hold on to it or hand it back reads it (control flow, callbacks:
// anything `opaque`). A buffer is free again after the last step reading its value, or any
// value sharing its storage, has run; a step's outputs never share a buffer with its inputs.
import type { Var } from "../../core/jaxpr";
import { allocate, storageFor, type TypedArray } from "../../core/dtype";

/** What the planner needs to know of one step of the executable, in order. */
export interface StepUse {
  /** the values the step reads (its materialized operands) */
  reads: readonly Var[];
  /** its outputs */
  outs: readonly Var[];
  /** per output: whether the step can compute it into a buffer it is given */
  slottable: readonly boolean[];
  /** the step's single output is its first read's storage (reshape, stop_gradient, identity transpose) */
  alias?: boolean;
  /** the step may keep its operands or return them (control flow, callbacks, unknown kernels) */
  opaque?: boolean;
}

export interface BufferPlan {
  /** per step, per output: the slot it is computed into, or -1 for a fresh array */
  slots: number[][];
  /** byte length of each slot */
  bytes: number[];
}

const byteLength = (v: Var): number => {
  const d = v.aval.dtype;
  const per = (storageFor("jit", d) as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  return per * v.aval.size * (d === "complex64" || d === "complex128" ? 2 : 1);
};

/**
 * Assigns slots to the slottable outputs that never leave a call, reusing a slot of the same
 * byte length once every value stored in it is dead (greedy, in step order).
 */
export function planBuffers(steps: readonly StepUse[], outputs: ReadonlySet<Var>): BufferPlan {
  // The value owning each value's storage: aliases share their operand's owner.
  const owner = new Map<Var, Var>();
  const own = (v: Var): Var => owner.get(v) ?? v;
  steps.forEach((s) => { if (s.alias) owner.set(s.outs[0], own(s.reads[0])); });
  const escaped = new Set<Var>();
  for (const v of outputs) escaped.add(own(v));
  const lastUse = new Map<Var, number>();
  steps.forEach((s, k) => {
    for (const x of s.reads) {
      lastUse.set(own(x), k);
      if (s.opaque) escaped.add(own(x));
    }
  });
  const free = new Map<number, number[]>();   // byte length -> free slots
  const dying: Var[][] = steps.map(() => []);
  for (const [v, k] of lastUse) dying[k].push(v);
  const slotOf = new Map<Var, number>();
  const bytes: number[] = [];
  const slots = steps.map((s, k) => {
    const got = s.outs.map((v, i) => {
      if (!s.slottable[i] || s.alias || escaped.has(v) || own(v) !== v) return -1;
      const b = byteLength(v);
      if (b === 0) return -1;
      const slot = free.get(b)?.pop() ?? bytes.push(b) - 1;
      slotOf.set(v, slot);
      // an output no one reads is dead once its step has run
      if (!lastUse.has(v)) dying[k].push(v);
      return slot;
    });
    for (const v of dying[k]) {
      const slot = slotOf.get(v);
      if (slot === undefined) continue;
      const b = bytes[slot];
      free.set(b, [...(free.get(b) ?? []), slot]);
    }
    return got;
  });
  return { slots, bytes };
}

/**
 * Donation (jit's donateArgnums): per step, per output, the index of the donated input whose
 * storage it is computed into, or -1. Only outputs the plan gives no slot (those that leave
 * the call) take one, each input at most once: an input of the output's dtype and size that
 * no output shares storage with, no opaque step reads, and nothing reads after the step; the
 * step reading it last may take it only where it computes in place (`inPlace`: an
 * elementwise loop reads each element before writing it).
 */
export function planDonation(steps: readonly StepUse[], plan: BufferPlan, outputs: ReadonlySet<Var>, invars: readonly Var[],
                             donated: readonly boolean[], inPlace: readonly boolean[]): number[][] {
  const owner = new Map<Var, Var>();
  const own = (v: Var): Var => owner.get(v) ?? v;
  steps.forEach((s) => { if (s.alias) owner.set(s.outs[0], own(s.reads[0])); });
  const held = new Set<Var>([...outputs].map(own));
  const lastUse = new Map<Var, number>();
  steps.forEach((s, k) => s.reads.forEach((x) => { lastUse.set(own(x), k); if (s.opaque) held.add(own(x)); }));
  const seen = new Set<Var>();
  // donated inputs not yet given away, with the last step reading them
  const left = invars.flatMap((v, i) => {
    const ok = donated[i] && !held.has(v) && !seen.has(v) && byteLength(v) > 0;
    seen.add(v);
    return ok ? [{ i, v, last: lastUse.get(v) ?? -1 }] : [];
  });
  return steps.map((s, k) => s.outs.map((v, o) => {
    if (!s.slottable[o] || s.alias || plan.slots[k][o] >= 0 || own(v) !== v) return -1;
    const at = left.findIndex((d) => d.v.aval.dtype === v.aval.dtype && d.v.aval.size === v.aval.size &&
      (d.last < k || (d.last === k && inPlace[k])));
    return at < 0 ? -1 : left.splice(at, 1)[0].i;
  }));
}

/** The slots' storage, made on first use and kept by the executable; views per value. */
export class SlotBuffers {
  private buffers: ArrayBuffer[] = [];
  private views = new Map<Var, TypedArray>();
  constructor(private readonly bytes: readonly number[]) {}
  /** Whether `a` is (a view of) one of the slots. */
  owns(a: TypedArray): boolean { return this.buffers.includes(a.buffer as ArrayBuffer); }
  /** v's array in `slot`: the same storage on every call. */
  view(v: Var, slot: number): TypedArray {
    let a = this.views.get(v);
    if (!a) {
      const buf = (this.buffers[slot] ??= new ArrayBuffer(this.bytes[slot]));
      const C = allocate("jit", v.aval.dtype, 0).constructor as new (b: ArrayBuffer, at: number, n: number) => TypedArray;
      a = new C(buf, 0, this.bytes[slot] / (C as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT);
      this.views.set(v, a);
    }
    return a;
  }
  /** bytes held across calls */
  get heldBytes(): number { return this.buffers.reduce((n, b) => n + (b?.byteLength ?? 0), 0); }
}
