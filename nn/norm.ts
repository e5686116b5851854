// Channel normalisations (PyTorch: torch/nn/modules/normalization.py, batchnorm.py; Equinox:
// equinox/nn/_normalisation.py, _batch_norm.py). GroupNorm acts on one example; BatchNorm needs
// batch statistics and graft's vmap has no named axes, so it takes an explicit batch and keeps
// its running statistics in a state pytree separate from the parameters (as Flax does).
import { lax, np, type NDArray } from "graft";
import { Module } from "./module";
import { checkPositive, checkSize, type FloatDType } from "./checks";

/** `[C]` -> `[C, 1, ..., 1]` to broadcast against a channels-first array of rank `ndim` from `axis`. */
const perChannel = (v: NDArray, ndim: number, axis: number): NDArray =>
  v.reshape([...new Array<number>(axis).fill(1), v.shape[0]!, ...new Array<number>(ndim - axis - 1).fill(1)]);

/**
 * Group normalisation of one example `[channels, ...]`: the channels are split into `groups`
 * contiguous groups, each normalised by its own mean and biased variance over its channels and
 * all spatial positions, then (channelwiseAffine, default true) scaled by `weight[c]` and shifted
 * by `bias[c]` (init 1 and 0). As torch.nn.GroupNorm(groups, channels, eps, affine).
 * @example new nn.GroupNorm({ groups: 2, channels: 8 }).forward(random.normal(key, [8, 5, 5])).shape; // [8, 5, 5]
 */
export class GroupNorm extends Module {
  readonly weight: NDArray | null;
  readonly bias: NDArray | null;
  readonly groups: number;
  readonly channels: number;
  readonly eps: number;
  readonly channelwiseAffine: boolean;

  constructor(opts: { groups: number; channels: number; eps?: number; channelwiseAffine?: boolean; dtype?: FloatDType }) {
    super();
    const op = "nn.GroupNorm";
    this.groups = checkSize(op, "groups", opts.groups, 1);
    this.channels = checkSize(op, "channels", opts.channels, 1);
    if (this.channels % this.groups !== 0) throw new TypeError(`${op}: groups must divide channels, got ${this.groups} groups for ${this.channels} channels.`);
    this.eps = checkPositive(op, "eps", opts.eps ?? 1e-5);
    this.channelwiseAffine = opts.channelwiseAffine ?? true;
    const dtype = opts.dtype ?? "float32";
    this.weight = this.channelwiseAffine ? np.ones([this.channels], { dtype }) : null;
    this.bias = this.channelwiseAffine ? np.zeros([this.channels], { dtype }) : null;
  }

  forward(x: NDArray): NDArray {
    if (x.ndim < 1 || x.shape[0] !== this.channels) {
      throw new TypeError(`nn.GroupNorm: expected one example of shape [${this.channels}, ...], got [${x.shape.join(", ")}]; use vmap for a batch.`);
    }
    const xg = x.reshape([this.groups, x.size / this.groups]);
    const mean = np.mean(xg, 1, { keepdims: true });
    const xc = xg.sub(mean);
    const variance = np.mean(np.square(xc), 1, { keepdims: true });
    let y = xc.mul(np.reciprocal(np.sqrt(variance.add(this.eps)))).reshape(x.shape);
    if (this.weight !== null) y = y.mul(perChannel(this.weight, x.ndim, 0));
    if (this.bias !== null) y = y.add(perChannel(this.bias, x.ndim, 0));
    return y;
  }
}

/** Running statistics of a BatchNorm (PyTorch's buffers), kept apart from its parameters. */
export interface BatchNormState {
  runningMean: NDArray;
  runningVar: NDArray;
  /** int32 scalar; drives the cumulative average when momentum is null. */
  numBatchesTracked: NDArray;
}

/**
 * Batch normalisation of a batch `[N, channels, ...spatial]` (batch axis 0, channel axis 1), as
 * torch.nn.BatchNorm1d/2d/3d. The layer holds the parameters (`weight` = 1, `bias` = 0 with
 * channelwiseAffine); the running statistics are a separate state pytree from `initState()`
 * (mean 0, variance 1), threaded through `forward(x, state, { inference })`, which returns
 * `[y, newState]`:
 * - training (`inference` false, the default unless the layer was built with `inference: true`):
 *   normalises with the batch mean and biased variance over every axis but 1, and updates
 *   running = (1 - momentum) running + momentum batch, with the unbiased batch variance
 *   (n / (n - 1)), as PyTorch; momentum null averages all batches seen so far. The state update
 *   carries no gradient.
 * - inference: normalises with the running statistics and returns the state unchanged.
 *
 * Keep parameters and state apart in training: differentiate the loss with respect to the model
 * and return the new state as aux (`valueAndGrad(loss, { hasAux: true })`).
 * @example
 * const bn = new nn.BatchNorm({ channels: 16 });
 * let state = bn.initState();
 * let y: NDArray;
 * [y, state] = bn.forward(xb, state);                          // training step, xb: [N, 16, H, W]
 * const [yEval] = bn.forward(xb, state, { inference: true });  // running statistics
 */
export class BatchNorm extends Module {
  readonly weight: NDArray | null;
  readonly bias: NDArray | null;
  readonly channels: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly channelwiseAffine: boolean;
  readonly inference: boolean;
  readonly dtype: FloatDType;

  constructor(opts: { channels: number; eps?: number; momentum?: number | null; channelwiseAffine?: boolean; inference?: boolean; dtype?: FloatDType }) {
    super();
    const op = "nn.BatchNorm";
    this.channels = checkSize(op, "channels", opts.channels, 1);
    this.eps = checkPositive(op, "eps", opts.eps ?? 1e-5);
    const m = opts.momentum === undefined ? 0.1 : opts.momentum;
    if (m !== null && !(typeof m === "number" && m >= 0 && m <= 1)) throw new TypeError(`${op}: momentum must be in [0, 1] or null, got ${String(m)}.`);
    this.momentum = m;
    this.channelwiseAffine = opts.channelwiseAffine ?? true;
    this.inference = opts.inference ?? false;
    this.dtype = opts.dtype ?? "float32";
    this.weight = this.channelwiseAffine ? np.ones([this.channels], { dtype: this.dtype }) : null;
    this.bias = this.channelwiseAffine ? np.zeros([this.channels], { dtype: this.dtype }) : null;
  }

  /** Fresh running statistics: mean 0, variance 1, no batches seen. @example const state = bn.initState(); */
  initState(): BatchNormState {
    return {
      runningMean: np.zeros([this.channels], { dtype: this.dtype }),
      runningVar: np.ones([this.channels], { dtype: this.dtype }),
      numBatchesTracked: np.array(0, { dtype: "int32" }),
    };
  }

  forward(x: NDArray, state: BatchNormState, opts: { inference?: boolean } = {}): [NDArray, BatchNormState] {
    const op = "nn.BatchNorm";
    if (x.ndim < 2 || x.shape[1] !== this.channels) {
      throw new TypeError(`${op}: expected a batch of shape [N, ${this.channels}, ...] (batch axis 0, channels axis 1), got [${x.shape.join(", ")}].`);
    }
    if (state === undefined || state === null || !("runningMean" in state)) {
      throw new TypeError(`${op}: forward needs the state from bn.initState() as its second argument, got ${String(state)}.`);
    }
    const inference = opts.inference ?? this.inference;
    const axes = [...Array(x.ndim).keys()].filter((a) => a !== 1);
    let mean: NDArray, variance: NDArray, next: BatchNormState;
    if (inference) {
      mean = state.runningMean;
      variance = state.runningVar;
      next = state;
    } else {
      const n = x.size / this.channels;
      if (n < 2) throw new TypeError(`${op}: training needs more than one value per channel, got input [${x.shape.join(", ")}]; use { inference: true } for single examples.`);
      mean = np.mean(x, axes);
      variance = np.mean(np.square(x.sub(perChannel(mean, x.ndim, 1))), axes);
      const count = state.numBatchesTracked.add(1);
      // momentum null: the running statistics are the plain average over batches, 1 / count.
      const m = this.momentum ?? np.reciprocal(count.astype(this.dtype));
      const keep = typeof m === "number" ? 1 - m : np.subtract(1, m);
      const ema = (old: NDArray, batch: NDArray) => old.mul(keep).add(lax.stopGradient(batch).mul(m));
      next = {
        runningMean: ema(state.runningMean, mean),
        runningVar: ema(state.runningVar, variance.mul(n / (n - 1))),
        numBatchesTracked: count,
      };
    }
    let y = x.sub(perChannel(mean, x.ndim, 1)).mul(perChannel(np.reciprocal(np.sqrt(variance.add(this.eps))), x.ndim, 1));
    if (this.weight !== null) y = y.mul(perChannel(this.weight, x.ndim, 1));
    if (this.bias !== null) y = y.add(perChannel(this.bias, x.ndim, 1));
    return [y, next];
  }
}
