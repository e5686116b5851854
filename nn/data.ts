// graft/nn data: mini-batches of a dataset held as a pytree of arrays that share their
// leading (example) axis, in order or shuffled by a PRNG key (the same key always gives the
// same batches, on every backend, as `random.permutation` does).
import { isArray, np, random, tree, type NDArray } from "graft";

/** Options of `batches`. */
export interface BatchOptions {
  /** Examples per batch. */
  batchSize: number;
  /** Shuffle with this PRNG key (`random.permutation`); in order when omitted. */
  key?: NDArray;
  /** Skip the last batch when it would be smaller than `batchSize` (default false). */
  dropLast?: boolean;
}

/** The batches of one pass over a dataset: iterable (more than once), with their count. */
export interface Batches<T> extends Iterable<T> {
  /** Number of batches one iteration yields. */
  readonly length: number;
  /** Number of examples in the dataset. */
  readonly numExamples: number;
}

/**
 * Splits `data` (a pytree of arrays whose leading axes all have the same length N) into
 * batches with the same structure, shuffled by `key` when given. Iterating again yields the
 * same batches; for a new order per epoch pass a new key (`random.foldIn(key, epoch)`).
 * @example
 * for (const [xb, yb] of nn.batches([x, y], { batchSize: 32, key: random.foldIn(key, epoch) })) step(xb, yb);
 */
export function batches<T>(data: T, opts: BatchOptions): Batches<T> {
  const { batchSize, key, dropLast = false } = opts;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batches: batchSize must be a positive integer, got ${batchSize}.`);
  const [leaves, def] = tree.flatten(data);
  if (leaves.length === 0) throw new TypeError("batches: data must hold at least one array, got an empty pytree.");
  const sizes = leaves.map((l, i) => {
    if (!isArray(l) || l.ndim === 0) {
      throw new TypeError(`batches: every leaf of data must be an array with a leading example axis, got ${isArray(l) ? "a 0-d array" : typeof l} at leaf ${i}.`);
    }
    return l.shape[0]!;
  });
  const n = sizes[0]!;
  if (sizes.some((s) => s !== n)) throw new TypeError(`batches: all leaves of data must share their leading length, got lengths ${[...new Set(sizes)].join(", ")}.`);
  const count = dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
  // The permutation is drawn once: both iterations of the same Batches agree.
  const order = key === undefined ? null : Int32Array.from(random.permutation(key, n).dataSync());
  const arrays = leaves as NDArray[];
  return {
    length: count,
    numExamples: n,
    *[Symbol.iterator]() {
      for (let b = 0; b < count; b++) {
        const start = b * batchSize, stop = Math.min(n, start + batchSize);
        const pick = order === null
          ? (x: NDArray) => x.slice([start, stop])
          : ((idx: NDArray) => (x: NDArray) => np.take(x, idx, 0))(np.array(order.subarray(start, stop)));
        yield def.unflatten<T>(arrays.map(pick));
      }
    },
  };
}
