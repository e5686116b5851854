// jit on WebGPU: a jaxpr becomes a short list of kernels. Elementwise and index-remapping
// equations are fused into the kernels of the values that must exist in memory (outputs,
// values with several users, operands of opaque kernels); a reduction whose only user is
// elementwise fuses into that user (its epilogue), and every fused operand of a reduction
// or of a workgroup-tree reduction is its prologue. Everything else (matmul, sort, calls,
// control flow, CPU-only primitives) runs as its own step.
import type { ShapedArray } from "../../core/aval";
import { ConcreteArray } from "../../core/array";
import { type Atom, defUse, type Jaxpr, type JaxprEqn, Literal, Var } from "../../core/jaxpr";
import { UnsupportedOnBackendError } from "../../core/errors";
import { bindPrimitive } from "../../core/trace";
import { scalarArray } from "../../core/numpy/util";
import type { GpuBuffer, WebGpuBackend } from "./backend";
import { fusedKernel, type FNode, type KernelCode } from "./emit";
import { FUSE_RULES, INDEX_OPS, REDUCTIONS } from "./fuse-rules";
import { matmulKernel } from "./kernels/matmul";
import { treeKernel, useTree } from "./kernels/reduce";
import type { DotGeneralParams } from "../../core/primitives";
import { gpuItemSize, valueType } from "./wgsl";

type Step =
  | { kind: "kernel"; code: KernelCode; inputs: Var[]; outputs: Var[] }
  | { kind: "eqn"; eqn: JaxprEqn };

const ELEMENTWISE_SAME_INDEX = (prim: string) => !!FUSE_RULES[prim] && !INDEX_OPS.has(prim) && !REDUCTIONS.has(prim);

export class Executable {
  constructor(private readonly backend: WebGpuBackend, private readonly jaxpr: Jaxpr, readonly steps: Step[]) {}
  get kernelCount(): number { return this.steps.filter((s) => s.kind === "kernel").length; }

  run(args: readonly ConcreteArray[]): ConcreteArray[] {
    const b = this.backend, j = this.jaxpr;
    const env = new Map<Var, ConcreteArray>();
    const owned: ConcreteArray[] = [];
    j.invars.forEach((v, i) => {
      let a = args[i];
      if (a.backend !== b) { a = new ConcreteArray(b, b.upload(a.backend.readSync(a.buffer, a.aval), a.aval), a.aval); owned.push(a); }
      env.set(v, a);
    });
    const read = (x: Atom): ConcreteArray => (x instanceof Literal ? scalarArray(x.value, x.aval.dtype, x.aval.weakType) as ConcreteArray : env.get(x)!);
    for (const s of this.steps) {
      if (s.kind === "kernel") {
        const ins = s.inputs.map((v) => env.get(v)!);
        const outs = s.outputs.map((v) => b.alloc(v.aval.size * gpuItemSize(v.aval.dtype)));
        if (s.outputs.every((v) => v.aval.size > 0)) b.dispatch(s.code, ins.map((a) => a.buffer as GpuBuffer), outs);
        s.outputs.forEach((v, i) => { const a = new ConcreteArray(b, outs[i], v.aval); env.set(v, a); owned.push(a); });
      } else {
        const outs = bindPrimitive(s.eqn.prim, s.eqn.inputs.map(read), s.eqn.params) as ConcreteArray[];
        s.eqn.outvars.forEach((v, i) => env.set(v, outs[i]));
      }
    }
    // Outputs live on this device even when they are constants (e.g. a zero gradient).
    const results = j.outvars.map((x) => {
      const a = read(x);
      if (a.backend === b) return a;
      const moved = new ConcreteArray(b, b.upload(a.backend.readSync(a.buffer, a.aval), a.aval), a.aval);
      return moved;
    });
    // Intermediates this run made are freed now (their buffers go back to the pool).
    const keep = new Set<ConcreteArray>(results);
    for (const a of owned) if (!keep.has(a)) a.dispose();
    return results;
  }
}

// float16 equations run one by one through the backend (rounded per operation, as eagerly).
const gpuOk = (a: ShapedArray): boolean => {
  if (a.dtype === "float16") return false;
  try { valueType(a.dtype); return true; } catch (e) { if (e instanceof UnsupportedOnBackendError) return false; throw e; }
};

/** Plans the kernels of a jaxpr; null when it cannot run on the GPU (e.g. float64). */
export function compileJaxpr(backend: WebGpuBackend, j: Jaxpr): Executable | null {
  const vars = [...j.invars, ...j.eqns.flatMap((e) => e.outvars)];
  if (j.constvars.length || !vars.every((v) => gpuOk(v.aval))) return null;
  const { producer, users, outputs } = defUse(j);
  // An equation is fusible when its primitive has a fusion rule and a kernel for these types.
  const fusible = new Set<JaxprEqn>();
  for (const e of j.eqns) {
    if (!FUSE_RULES[e.prim.name] || e.outvars.length !== 1) continue;
    if (e.inputs.filter((x) => x instanceof Var).length >= backend.maxBindings) continue;
    if (backend.kernelFor(e.prim.name, e.params, e.inputs.map((x) => x.aval), e.outvars.map((v) => v.aval))) fusible.add(e);
  }
  const inlined = new Set<Var>();
  // Decided from the last equation back, so each value's users are decided first. A value
  // inlines into its users when they all end up in the same kernel (one user, or several
  // with one root: the kernel computes it once per index); index ops inline anywhere.
  const decide = () => {
    inlined.clear();
    const rootOf = new Map<Var, Var | null>();
    const root = (x: Var): Var | null => (inlined.has(x) ? rootOf.get(x) ?? null : x);
    for (let k = j.eqns.length - 1; k >= 0; k--) {
      const e = j.eqns[k];
      if (!fusible.has(e)) continue;
      const v = e.outvars[0];
      const us = users.get(v) ?? [];
      if (outputs.has(v) || !us.length || !us.every((u) => fusible.has(u))) continue;
      const roots = new Set(us.map((u) => root(u.outvars[0])));
      const one = roots.size === 1 && !roots.has(null) ? [...roots][0] : null;
      if (REDUCTIONS.has(e.prim.name)) {
        // Epilogue: one elementwise user at the same index, so the loop runs once per element.
        if (us.length === 1 && ELEMENTWISE_SAME_INDEX(us[0].prim.name) && !useTree(e.prim.name, e.inputs[0].aval, v.aval)) { inlined.add(v); rootOf.set(v, one); }
        continue;
      }
      if (INDEX_OPS.has(e.prim.name) || us.length === 1 || one) { inlined.add(v); rootOf.set(v, one); }
    }
  };
  decide();
  // Matmul epilogues: a dot_general whose only user is a same-index elementwise chain up to
  // a materialized value stores that chain's result instead of its own.
  const epilogue = new Set<Var>();
  for (const e of j.eqns) {
    if (e.prim.name !== "dot_general" || fusible.has(e)) continue;
    const d = e.outvars[0];
    if (outputs.has(d) || !e.inputs.every((x) => x instanceof Var) || d.aval.dtype === "bool" || d.aval.dtype === "complex64") continue;
    if (!backend.kernelFor(e.prim.name, e.params, e.inputs.map((x) => x.aval), [d.aval])) continue;
    let cur = d, ok = true;
    for (;;) {
      const us = users.get(cur) ?? [];
      if (us.length !== 1 || !fusible.has(us[0]) || !ELEMENTWISE_SAME_INDEX(us[0].prim.name) || us[0].outvars[0].aval.size !== d.aval.size) { ok = false; break; }
      cur = us[0].outvars[0];
      if (!inlined.has(cur)) break;
    }
    if (ok && cur !== d) epilogue.add(d);
  }
  const forced = new Set<Var>();
  const maxInputs = backend.maxBindings - 1;
  for (;;) {
    for (const v of forced) inlined.delete(v);
    const steps: Step[] = [];
    let overflow: Var[] | null = null;
    for (const e of j.eqns) {
      const v = e.outvars[0];
      if (fusible.has(e) && inlined.has(v)) continue;
      if (epilogue.has(v)) continue;
      if (!fusible.has(e)) {
        const code = backend.kernelFor(e.prim.name, e.params, e.inputs.map((x) => x.aval), e.outvars.map((o) => o.aval));
        const direct = code && e.prim.rules.impl === undefined && e.inputs.every((x) => x instanceof Var);
        steps.push(direct ? { kind: "kernel", code: code!, inputs: e.inputs as Var[], outputs: [...e.outvars] } : { kind: "eqn", eqn: e });
        continue;
      }
      // A group rooted at v: its inlined producers, down to materialized values and literals.
      const slots = new Map<Var, number>();
      const inputs: Var[] = [];
      const avals: ShapedArray[] = [];
      const memo = new Map<Var, FNode>();
      let dot: { eqn: JaxprEqn; node: FNode } | null = null;
      const node = (x: Atom): FNode => {
        if (x instanceof Literal) return { kind: "literal", value: x.value, aval: x.aval };
        const m = memo.get(x);
        if (m) return m;
        let n: FNode;
        const p = producer.get(x);
        if (epilogue.has(x)) {
          // The matmul's value is its accumulator (bound in matmulKernel).
          n = { kind: "op", prim: "dot_general", params: p!.params, args: [], aval: x.aval };
          dot = { eqn: p!, node: n };
        } else if (x !== v && (!p || !inlined.has(x))) {
          let s = slots.get(x);
          if (s === undefined) { s = inputs.length; slots.set(x, s); inputs.push(x); avals.push(x.aval); }
          n = { kind: "input", slot: s, aval: x.aval };
        } else n = { kind: "op", prim: p!.prim.name, params: p!.params, args: p!.inputs.map(node), aval: x.aval };
        memo.set(x, n);
        return n;
      };
      // A matmul with this group as its epilogue takes bindings 0 and 1 for its operands.
      const findDot = (x: Atom): JaxprEqn | null => {
        if (!(x instanceof Var)) return null;
        if (epilogue.has(x)) return producer.get(x)!;
        if (x !== v && !inlined.has(x)) return null;
        const p = producer.get(x);
        for (const a of p?.inputs ?? []) { const f = findDot(a); if (f) return f; }
        return null;
      };
      const dotEqn = findDot(v);
      if (dotEqn) for (const o of dotEqn.inputs as Var[]) { if (!slots.has(o)) slots.set(o, inputs.length); inputs.push(o); avals.push(o.aval); }
      const root = node(v) as Extract<FNode, { kind: "op" }>;
      if (inputs.length > maxInputs) {
        // Too many buffers for one kernel: materialize this group's inlined operands.
        overflow = e.inputs.filter((x): x is Var => x instanceof Var && inlined.has(x));
        break;
      }
      if (dot) {
        const d: { eqn: JaxprEqn; node: FNode } = dot;
        const [l, r] = d.eqn.inputs as Var[];
        const code = matmulKernel(l.aval, r.aval, d.eqn.params as DotGeneralParams, d.node.aval,
          { inputs: avals.slice(2), rules: FUSE_RULES, root, dot: d.node });
        steps.push({ kind: "kernel", code, inputs, outputs: [v] });
        continue;
      }
      const code = REDUCTIONS.has(root.prim) && useTree(root.prim, root.args[0].aval, root.aval)
        ? treeKernel(FUSE_RULES, avals, root) : fusedKernel(FUSE_RULES, avals, [root]);
      steps.push({ kind: "kernel", code, inputs, outputs: [v] });
    }
    if (!overflow) return new Executable(backend, j, steps);
    if (!overflow.length) return null;
    for (const x of overflow) forced.add(x);
  }
}
