// graft/nn metrics: `accuracy` (a pure, jittable array function) and running means of scalars
// over an epoch (`Mean`, `Metrics`). The running sums stay arrays until read, so recording a
// metric every step adds no host read-back (and no sync on asynchronous devices).
import { isArray, np, type NDArray } from "graft";

/**
 * Fraction of examples whose arg-max over the last axis of `logits` equals the label:
 * `labels` are integer classes (shape `logits.shape[:-1]`) or one-hot / probabilities (the
 * shape of `logits`). Returns a 0-d float32 array; jittable.
 * @example
 * nn.accuracy(np.array([[2, 1], [0, 3]]), np.array([0, 0], { dtype: "int32" })).item(); // 0.5
 */
export function accuracy(logits: NDArray, labels: NDArray): NDArray {
  const pred = np.argmax(logits, -1);
  let y = labels;
  if (labels.ndim === logits.ndim) y = np.argmax(labels, -1);
  else if (labels.ndim !== logits.ndim - 1) {
    throw new TypeError(`accuracy: labels must have shape logits.shape[:-1] (classes) or logits.shape (one-hot), got labels [${labels.shape}] for logits [${logits.shape}].`);
  }
  return np.mean(np.equal(pred, y.astype(pred.dtype)).astype("float32"));
}

/**
 * Running (weighted) mean of scalars, e.g. the loss over an epoch. Values may be numbers or
 * 0-d arrays; arrays are summed as arrays and read back once, by `value`.
 * @example
 * const m = new nn.Mean(); m.update(loss, xb.shape[0]); console.log(m.value);
 */
export class Mean {
  #sum: NDArray | number = 0;
  #weight = 0;

  /**
   * Adds `value` with `weight` (e.g. the batch size, for a per-example mean).
   * @example
   * m.update(np.array(0.5), 32);
   */
  update(value: number | NDArray, weight = 1): this {
    if (isArray(value) && value.size !== 1) throw new TypeError(`Mean.update: expected a scalar, got an array of shape [${value.shape}].`);
    const v = isArray(value) ? value.reshape([]) : value;
    this.#sum = typeof this.#sum === "number" && typeof v === "number" ? this.#sum + v * weight : np.add(this.#sum, np.multiply(v, weight));
    this.#weight += weight;
    return this;
  }

  /** The mean so far (NaN before any update). */
  get value(): number {
    if (this.#weight === 0) return NaN;
    const s = typeof this.#sum === "number" ? this.#sum : this.#sum.item();
    return s / this.#weight;
  }

  /** Total weight so far. */
  get count(): number {
    return this.#weight;
  }

  /**
   * Forgets everything (start of an epoch).
   * @example
   * m.reset();
   */
  reset(): this {
    this.#sum = 0;
    this.#weight = 0;
    return this;
  }
}

/**
 * A set of named running means: `update({ loss, acc }, weight)` each step, `compute()` for
 * `{ loss: number, acc: number }` at the end, `reset()` between epochs.
 * @example
 * const ms = new nn.Metrics(); ms.update({ loss, acc: nn.accuracy(logits, yb) }, 32); ms.compute();
 */
export class Metrics {
  readonly #means = new Map<string, Mean>();

  /**
   * Records one value per name, all with the same `weight`.
   * @example
   * ms.update({ loss: 0.3, acc: 0.9 });
   */
  update(values: Record<string, number | NDArray>, weight = 1): this {
    for (const [k, v] of Object.entries(values)) {
      let m = this.#means.get(k);
      if (m === undefined) this.#means.set(k, (m = new Mean()));
      m.update(v, weight);
    }
    return this;
  }

  /**
   * The current means by name.
   * @example
   * const { loss } = ms.compute();
   */
  compute(): Record<string, number> {
    return Object.fromEntries([...this.#means].map(([k, m]) => [k, m.value]));
  }

  /**
   * Forgets all values.
   * @example
   * ms.reset();
   */
  reset(): this {
    this.#means.clear();
    return this;
  }
}
