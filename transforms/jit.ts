// jit: trace the whole function to a jaxpr (omnistaging), simplify it, cache it per
// (input avals, pytree structure, static arguments), and bind the `pjit` call primitive
// that carries it. Other transforms see pjit as one primitive with rules that transform
// its body, so jit composes with grad/vmap/jvp at any depth.
import { ConcreteArray, type NDArray } from "../core/array";
import { msg } from "../core/errors";
import { ClosedJaxpr, Jaxpr } from "../core/jaxpr";
import { definePrimitive, type Primitive } from "../core/primitive";
import { currentTrace, evalTrace, withTrace } from "../core/trace";
import { evalJaxpr, leafAval, traceToJaxpr } from "../core/tracing";
import * as tree from "../core/tree";
import { simplify } from "./passes/simplify";
import { jvpOfCall, run, stage, vmapOfCall } from "./staging";
import { leafArrays, normalizeArgnums } from "./util";

/** `donated` (top-level calls only): per input, whether its storage may hold an output (donateArgnums). */
export interface PjitParams { jaxpr: Jaxpr; name: string; donated?: readonly boolean[] }

export const pjit: Primitive<PjitParams> = definePrimitive<PjitParams>("pjit", {
  abstractEval: (avals, { jaxpr, name }) => {
    if (avals.length !== jaxpr.invars.length || avals.some((a, i) => !a.sameType(jaxpr.invars[i].aval))) {
      throw new TypeError(msg("pjit", `arguments of ${name} must match its jaxpr's inputs (${jaxpr.inAvals.map((a) => a.str()).join(", ")})`, avals.map((a) => a.str()).join(", ")));
    }
    return jaxpr.outAvals;
  },
  // Backends that compile whole programs (WebGPU) run the jaxpr as fused kernels.
  impl: (args, { jaxpr, donated }) => run(jaxpr, args, donated),
  jvp: (primals, tangents, { jaxpr, name }) =>
    jvpOfCall(jaxpr, primals, tangents, (args, body) => pjit.bind(args, { jaxpr: body, name: `jvp(${name})` }), true),
  batch: (args, dims, { jaxpr, name }, size) =>
    vmapOfCall(jaxpr, args, dims, size, (xs, body) => pjit.bind(xs, { jaxpr: body, name: `vmap(${name})` }), true),
  // Under linearize, inline the body so its known (primal) part runs now and only the
  // tangent part is staged into the linear program.
  partialEval: (trace, args, { jaxpr }) => withTrace(trace, () => evalJaxpr(jaxpr, [], args)),
});

/**
 * `staticArgnums`: arguments traced as constants (one compilation per value). `donateArgnums`:
 * arguments the caller gives up (every array leaf of them): outputs may be computed into
 * their storage (on the CPU, where the program's liveness allows: a training step's new
 * parameters into the old ones), and after the call they throw when used, as in JAX. Ignored
 * under transforms. `cacheSize`: compiled programs kept (LRU, default 64).
 */
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
 * @example const step = jit(nn.trainStep(loss, opt), { donateArgnums: [0, 1] }); [model, state] = step(model, state, x, y)
 */
export function jit<F extends (...args: any[]) => any>(f: F, opts: JitOpts = {}): F {
  const cache = new Map<string, Entry>();
  const maxSize = opts.cacheSize ?? 64;
  const name = f.name || "fn";
  const wrapped = (...args: unknown[]) => {
    const statics = opts.staticArgnums === undefined ? [] : normalizeArgnums("jit", opts.staticArgnums, args.length);
    const donate = opts.donateArgnums === undefined ? [] : normalizeArgnums("jit", opts.donateArgnums, args.length);
    const both = donate.find((i) => statics.includes(i));
    if (both !== undefined) {
      throw new TypeError(msg("jit", "an argument cannot be both static and donated (a static argument has no buffer to give)",
        `argument ${both} in staticArgnums and donateArgnums`, "Remove it from one of them."));
    }
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
    // Donation applies to calls on concrete arrays outside any transform, as in JAX.
    const donated = donate.length > 0 && currentTrace() === evalTrace && arrs.every((a) => a instanceof ConcreteArray)
      ? dyn.flatMap((a, i) => tree.leaves(a).map(() => donate.includes(i))) : null;
    const use = donated && donated.length === arrs.length && donated.includes(true);
    const outs = pjit.bind([...entry.consts, ...arrs], {
      jaxpr: entry.jaxpr, name, donated: use ? [...entry.consts.map(() => false), ...donated] : undefined,
    });
    if (use) invalidateDonated(arrs.filter((_, i) => donated[i]) as ConcreteArray[], outs);
    return tree.unflatten(entry.outTree, outs);
  };
  return wrapped as F;
}

/**
 * After a call, donated arguments are no longer usable (reading one throws), as in JAX: their
 * storage may now hold an output. One that is itself an output stays valid, as does one whose
 * storage an output shares on a device that tracks storage by owner (not the CPU).
 */
function invalidateDonated(donated: readonly ConcreteArray[], outs: readonly NDArray[]): void {
  for (const a of new Set(donated)) {
    if (a.disposed) continue;
    const shared = outs.some((o) => o === a || (o instanceof ConcreteArray && !o.disposed && o.buffer === a.buffer));
    if (!shared) a.donate(true);
    else if (a.backend.name === "cpu" && !outs.includes(a)) a.donate(false);
  }
}

/** The simplified program jit would run for these arguments. */
export function jitJaxpr(f: (...args: any[]) => any, ...args: unknown[]): ClosedJaxpr {
  const [leaves, inTree] = tree.flatten(args);
  const arrs = leafArrays("jit", leaves);
  const closed = traceToJaxpr((...xs) => leafArrays("jit", tree.leaves(f(...(tree.unflatten(inTree, xs) as unknown[])))), arrs.map((a) => a.aval));
  const p = simplify({ jaxpr: closed.jaxpr, consts: [...closed.consts] });
  return new ClosedJaxpr(p.jaxpr, p.consts);
}

