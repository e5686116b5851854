// jit: trace the whole function to a jaxpr (omnistaging), simplify it, cache it per
// (input avals, pytree structure, static arguments), and bind the `pjit` call primitive
// that carries it. Other transforms see pjit as one primitive with rules that transform
// its body, so jit composes with grad/vmap/jvp at any depth.
import { ConcreteArray, type NDArray } from "../core/array";
import { msg } from "../core/errors";
import { ClosedJaxpr, Jaxpr } from "../core/jaxpr";
import { definePrimitive, type Primitive } from "../core/primitive";
import { withTrace } from "../core/trace";
import { evalJaxpr, leafAval, traceToJaxpr } from "../core/tracing";
import * as tree from "../core/tree";
import { simplify } from "./passes/simplify";
import { jvpOfCall, run, stage, vmapOfCall } from "./staging";
import { leafArrays, normalizeArgnums } from "./util";

export interface PjitParams { jaxpr: Jaxpr; name: string }

export const pjit: Primitive<PjitParams> = definePrimitive<PjitParams>("pjit", {
  abstractEval: (avals, { jaxpr, name }) => {
    if (avals.length !== jaxpr.invars.length || avals.some((a, i) => !a.sameType(jaxpr.invars[i].aval))) {
      throw new TypeError(msg("pjit", `arguments of ${name} must match its jaxpr's inputs (${jaxpr.inAvals.map((a) => a.str()).join(", ")})`, avals.map((a) => a.str()).join(", ")));
    }
    return jaxpr.outAvals;
  },
  // Backends that compile whole programs (WebGPU) run the jaxpr as fused kernels.
  impl: (args, { jaxpr }) => run(jaxpr, args),
  jvp: (primals, tangents, { jaxpr, name }) =>
    jvpOfCall(jaxpr, primals, tangents, (args, body) => pjit.bind(args, { jaxpr: body, name: `jvp(${name})` }), true),
  batch: (args, dims, { jaxpr, name }, size) =>
    vmapOfCall(jaxpr, args, dims, size, (xs, body) => pjit.bind(xs, { jaxpr: body, name: `vmap(${name})` }), true),
  // Under linearize, inline the body so its known (primal) part runs now and only the
  // tangent part is staged into the linear program.
  partialEval: (trace, args, { jaxpr }) => withTrace(trace, () => evalJaxpr(jaxpr, [], args)),
});

export interface JitOpts { staticArgnums?: number | readonly number[]; donateArgnums?: number | readonly number[]; cacheSize?: number }

interface Entry { jaxpr: Jaxpr; consts: NDArray[]; outTree: tree.TreeDef; inTree: tree.TreeDef }

/** Counters for tests and benchmarks: how often jit traced versus hit its cache. */
export const jitStats = { traces: 0, hits: 0 };

let staticIds = new WeakMap<object, number>();
let nextStaticId = 0;
function staticKey(v: unknown): string {
  if (v === null || v === undefined || typeof v === "number" || typeof v === "string" || typeof v === "boolean") return JSON.stringify(v) ?? "undefined";
  if (Array.isArray(v)) return `[${v.map(staticKey).join(",")}]`;
  if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    return `{${Object.keys(v).sort().map((k) => `${k}:${staticKey((v as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  if (typeof v === "object" || typeof v === "function") {
    if (!staticIds.has(v as object)) staticIds.set(v as object, nextStaticId++);
    return `#${staticIds.get(v as object)}`;
  }
  return String(v);
}

/**
 * Compiles `f`: traces it once per input shapes/dtypes/pytree structure (and static
 * argument values), simplifies the program and reuses it on later calls.
 * @example const step = jit((w, x) => np.tanh(np.matmul(x, w))); step(w, x)
 * @example const f = jit((x, n) => x.mul(n), { staticArgnums: 1 })
 */
export function jit<F extends (...args: any[]) => any>(f: F, opts: JitOpts = {}): F {
  const cache = new Map<string, Entry>();
  const maxSize = opts.cacheSize ?? 64;
  const name = f.name || "fn";
  const wrapped = (...args: unknown[]) => {
    const statics = opts.staticArgnums === undefined ? [] : normalizeArgnums("jit", opts.staticArgnums, args.length);
    const dyn = args.map((a, i) => (statics.includes(i) ? null : a));
    const [leaves, inTree] = tree.flatten(dyn);
    const arrs = leafArrays("jit", leaves);
    const avals = arrs.map((a) => leafAval("jit", a));
    const key = `${inTree}|${avals.map((a) => `${a.str()}${a.weakType ? "w" : ""}`).join(",")}|${statics.map((i) => staticKey(args[i])).join(",")}`;
    // The printed treedef is only a hash: static aux data (functions, class identity) may
    // print alike, so a hit must also have an equal TreeDef.
    let entry = cache.get(key);
    if (entry && !entry.inTree.equals(inTree)) entry = undefined;
    if (entry) {
      jitStats.hits++;
      cache.delete(key); cache.set(key, entry);   // LRU order
    } else {
      jitStats.traces++;
      let outTree: tree.TreeDef | undefined;
      const staged = stage((...xs) => {
        const rebuilt = tree.unflatten(inTree, xs) as unknown[];
        const full = args.map((a, i) => (statics.includes(i) ? a : rebuilt[i]));
        const out = f(...full);
        if (out instanceof Promise) throw new TypeError("jit: the function returned a Promise; traced functions must be synchronous.");
        const [ol, td] = tree.flatten(out);
        outTree = td;
        return leafArrays("jit", ol);
      }, avals, true);
      entry = { ...staged, outTree: outTree!, inTree };
      // Programs that close over another transform's tracers are valid for this call only.
      if (staged.consts.every((c) => c instanceof ConcreteArray)) {
        cache.set(key, entry);
        if (cache.size > maxSize) cache.delete(cache.keys().next().value!);
      }
    }
    const outs = pjit.bind([...entry.consts, ...arrs], { jaxpr: entry.jaxpr, name });
    return tree.unflatten(entry.outTree, outs);
  };
  return wrapped as F;
}

/** The simplified program jit would run for these arguments. */
export function jitJaxpr(f: (...args: any[]) => any, ...args: unknown[]): ClosedJaxpr {
  const [leaves, inTree] = tree.flatten(args);
  const arrs = leafArrays("jit", leaves);
  const closed = traceToJaxpr((...xs) => leafArrays("jit", tree.leaves(f(...(tree.unflatten(inTree, xs) as unknown[])))), arrs.map((a) => a.aval));
  const p = simplify({ jaxpr: closed.jaxpr, consts: [...closed.consts] });
  return new ClosedJaxpr(p.jaxpr, p.consts);
}

