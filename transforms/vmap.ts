// Vectorising map: a batch trace carries (value, batch axis) pairs; each primitive's batch
// rule runs under the parent trace (JAX: batching.BatchTrace).
import { type NDArray, Tracer } from "../core/array";
import { ShapedArray } from "../core/aval";
import { msg, normalizeAxis } from "../core/errors";
import type { Params, Primitive } from "../core/primitive";
import { batchFirst, moveAxis } from "../core/primitives/batching";
import { currentTrace, Trace, withTrace } from "../core/trace";
import * as tree from "../core/tree";
import { broadcastPrefix, leafArrays } from "./util";

export class BatchTracer extends Tracer {
  readonly aval: ShapedArray;
  constructor(readonly _trace: BatchTrace, readonly val: NDArray, readonly bdim: number) {
    super();
    this.aval = new ShapedArray(val.aval.shape.filter((_, i) => i !== bdim), val.dtype, val.weakType);
  }
}

export class BatchTrace extends Trace {
  constructor(parent: Trace, readonly axisSize: number) { super(parent); }
  unpack(x: NDArray): [NDArray, number | null] {
    if (x instanceof BatchTracer && x._trace === this) return [x.val, x.bdim];
    return [x, null];
  }
  processPrimitive(prim: Primitive<any>, args: NDArray[], params: Params): NDArray[] {
    const pairs = args.map((a) => this.unpack(a));
    const vals = pairs.map((p) => p[0]), dims = pairs.map((p) => p[1]);
    if (dims.every((d) => d === null)) return withTrace(this.parent!, () => prim.bind(vals, params));
    const rule = prim.rules.batch;
    if (!rule) throw new TypeError(`vmap: primitive ${prim.name} has no batching rule.`);
    const [outs, outDims] = withTrace(this.parent!, () => rule(vals, dims, params, this.axisSize));
    return outs.map((v, i) => (outDims[i] === null ? v : new BatchTracer(this, v, outDims[i]!)));
  }
}

export type AxisSpec = number | null | undefined | readonly unknown[] | { [k: string]: unknown };
const isAxisLeaf = (x: unknown) => x === null || x === undefined || typeof x === "number";

/** Runs `f` batched over flat inputs with the given batch axes (null: unbatched). */
export function vmapFlat(f: (...xs: NDArray[]) => unknown, args: NDArray[], inDims: (number | null)[], axisSize: number,
                         outAxesOf: (outTree: tree.TreeDef, out: unknown) => (number | null)[]): { outs: NDArray[]; outTree: tree.TreeDef } {
  const trace = new BatchTrace(currentTrace(), axisSize);
  try {
    const ins = args.map((a, i) => (inDims[i] === null ? a : new BatchTracer(trace, a, inDims[i]!)));
    const out = withTrace(trace, () => f(...ins));
    const [leaves, outTree] = tree.flatten(out);
    const outAxes = outAxesOf(outTree, out);
    const outs = leafArrays("vmap", leaves).map((o, i) => {
      const [v, d] = trace.unpack(o);
      const target = outAxes[i];
      if (target === null) {
        if (d !== null) throw new TypeError(msg("vmap", "an output with outAxes null must not depend on the batched inputs", `output ${i} batched along axis ${d}`));
        return v;
      }
      const moved = batchFirst(v, d, axisSize);
      return moveAxis(moved, 0, normalizeAxis("vmap", target, moved.ndim));
    });
    return { outs, outTree };
  } finally {
    trace.alive = false;
  }
}

/**
 * Vectorises `f` over an axis of its inputs.
 * @example vmap((x) => np.dot(x, w))(xs)            // maps over the first axis of xs
 * @example vmap(f, { inAxes: [0, null], outAxes: 1 })(xs, params)
 */
export function vmap<F extends (...args: any[]) => any>(f: F, opts: { inAxes?: AxisSpec; outAxes?: AxisSpec; axisSize?: number } = {}): (...args: Parameters<F>) => ReturnType<F> {
  const inAxes = opts.inAxes === undefined ? 0 : opts.inAxes;
  const outAxesSpec = opts.outAxes === undefined ? 0 : opts.outAxes;
  return ((...args: unknown[]) => {
    const [leaves, inTree] = tree.flatten(args);
    const spec = typeof inAxes === "number" || inAxes === null ? inAxes : inAxes;
    if (Array.isArray(spec) && spec.length !== args.length) {
      throw new TypeError(msg("vmap", `inAxes must have one entry per argument (${args.length})`, `${spec.length} entries`));
    }
    const axes = broadcastPrefix<number | null | undefined>("vmap", spec, args, isAxisLeaf).map((a) => (a === undefined ? null : a));
    const arrs = leafArrays("vmap", leaves);
    const dims = arrs.map((x, i) => (axes[i] === null ? null : normalizeAxis("vmap", axes[i]!, x.ndim)));
    const sizes = new Set(arrs.flatMap((x, i) => (dims[i] === null ? [] : [x.shape[dims[i]!]])));
    if (sizes.size > 1) {
      const detail = arrs.flatMap((x, i) => (dims[i] === null ? [] : [`${x.aval.str()} axis ${dims[i]}`])).join(", ");
      throw new TypeError(msg("vmap", "mapped axes must all have the same size", detail));
    }
    let size = sizes.size ? [...sizes][0] : opts.axisSize;
    if (opts.axisSize !== undefined && size !== opts.axisSize) throw new TypeError(msg("vmap", `axisSize ${opts.axisSize} must match the mapped axes`, `size ${size}`));
    if (size === undefined) throw new TypeError(msg("vmap", "needs at least one mapped input or axisSize", "all inAxes null"));
    const { outs, outTree } = vmapFlat((...xs) => f(...(tree.unflatten(inTree, xs) as unknown[])), arrs, dims, size,
      (_td, out) => broadcastPrefix<number | null>("vmap", outAxesSpec, out, isAxisLeaf).map((a) => (a === undefined ? null : a)));
    return tree.unflatten(outTree, outs);
  }) as (...args: Parameters<F>) => ReturnType<F>;
}
