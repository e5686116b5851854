// Family helpers for batching rules (JAX: jax/_src/interpreters/batching.py).
import type { NDArray } from "../array";
import { type BatchRule, type Params, type Primitive } from "../primitive";
import { broadcastInDim, transpose } from "./ops";

/** Moves axis `from` of x to position `to`. */
export function moveAxis(x: NDArray, from: number, to: number): NDArray {
  if (from === to) return x;
  const perm = [...Array(x.ndim).keys()].filter((i) => i !== from);
  perm.splice(to, 0, from);
  return transpose(x, perm);
}

/** x with its batch axis first; unbatched x gets a broadcast batch axis of `size`. */
export function batchFirst(x: NDArray, d: number | null, size: number): NDArray {
  if (d === null) return broadcastInDim(x, [size, ...x.aval.shape], x.aval.shape.map((_, i) => i + 1));
  return moveAxis(x, d, 0);
}

/**
 * Elementwise primitives: batched operands get their batch axis first; unbatched
 * operands stay rank-0 scalars when they are, or gain a broadcast batch axis. Output axis 0.
 */
export function elementwiseBatch<P extends Params>(prim: () => Primitive<P>): BatchRule<P> {
  return (args, dims, params, size) => {
    const rank = Math.max(...args.map((a, i) => a.ndim - (dims[i] === null ? 0 : 1)));
    const moved = args.map((a, i) => {
      const d = dims[i];
      if (d === null) return a.ndim === 0 ? a : batchFirst(a, null, size);
      const b = moveAxis(a, d, 0);
      // A batched scalar ([B]) meets non-scalar operands: give it their shape.
      if (b.ndim === 1 && rank > 0) {
        const full = args.find((x, k) => x.ndim - (dims[k] === null ? 0 : 1) === rank)!;
        const k = args.indexOf(full);
        const shape = dims[k] === null ? full.aval.shape : full.aval.shape.filter((_, j) => j !== dims[k]);
        return broadcastInDim(b, [size, ...shape], [0]);
      }
      return b;
    });
    const outs = prim().bind(moved, params);
    return [outs, outs.map(() => 0)];
  };
}
