// Convolutions (Equinox: equinox/nn/_conv.py; PyTorch: torch/nn/modules/conv.py). One
// channels-first example `[C, ...spatial]` per call; batch with `vmap`. Weights use PyTorch's
// layouts so state dicts copy over unchanged: Conv `[out, in / groups, ...kernel]`,
// ConvTranspose `[in, out / groups, ...kernel]`, bias `[out]`.
import { lax, np, random, type NDArray } from "graft";
import { Module } from "./module";
import { checkChannelsFirst, checkKey, checkSize, padPairs, perDim, type FloatDType, type PaddingSpec } from "./checks";

export type { PaddingSpec } from "./checks";

/** Options shared by every convolution. */
export interface ConvOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: number | readonly number[];
  /** Default 1. */
  stride?: number | readonly number[];
  /** Default 0. A number, one per dim, [low, high] pairs, or "SAME" / "SAME_LOWER" / "VALID" (Conv only). */
  padding?: PaddingSpec;
  /** Kernel dilation; default 1. */
  dilation?: number | readonly number[];
  /** Channels are split into `groups` independent convolutions; default 1. */
  groups?: number;
  /** Default true. */
  useBias?: boolean;
  key: NDArray;
  dtype?: FloatDType;
}

export interface ConvTransposeOptions extends ConvOptions {
  /** Extra size added to the high end of each output dim (< stride or < dilation); default 0. */
  outputPadding?: number | readonly number[];
}

/** Fields and init common to Conv and ConvTranspose. */
abstract class ConvBase extends Module {
  readonly weight: NDArray;
  readonly bias: NDArray | null;
  readonly numSpatialDims: number;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly dilation: number[];
  readonly groups: number;
  readonly useBias: boolean;

  constructor(op: string, n: number, opts: ConvOptions, transposed: boolean) {
    super();
    this.numSpatialDims = checkSize(op, "numSpatialDims", n, 1);
    this.inChannels = checkSize(op, "inChannels", opts.inChannels, 1);
    this.outChannels = checkSize(op, "outChannels", opts.outChannels, 1);
    this.kernelSize = perDim(op, "kernelSize", opts.kernelSize, n, 1);
    this.stride = perDim(op, "stride", opts.stride ?? 1, n, 1);
    this.dilation = perDim(op, "dilation", opts.dilation ?? 1, n, 1);
    this.groups = checkSize(op, "groups", opts.groups ?? 1, 1);
    if (this.inChannels % this.groups !== 0 || this.outChannels % this.groups !== 0) {
      throw new TypeError(`${op}: groups must divide inChannels and outChannels, got groups ${this.groups} for ${this.inChannels} -> ${this.outChannels} channels.`);
    }
    this.useBias = opts.useBias ?? true;
    const dtype = opts.dtype ?? "float32";
    const [wkey, bkey] = random.split(checkKey(op, opts.key));
    // PyTorch's reset_parameters: kaiming_uniform_(a = sqrt(5)) has bound
    // gain * sqrt(3 / fanIn) with gain = sqrt(2 / (1 + 5)), i.e. 1 / sqrt(fanIn); the bias uses
    // the same bound. fanIn is weight.shape[1] times the receptive field.
    const receptive = this.kernelSize.reduce((p, k) => p * k, 1);
    const shape = transposed
      ? [this.inChannels, this.outChannels / this.groups, ...this.kernelSize]
      : [this.outChannels, this.inChannels / this.groups, ...this.kernelSize];
    const lim = 1 / Math.sqrt(shape[1]! * receptive);
    this.weight = random.uniform(wkey!, shape, { minval: -lim, maxval: lim, dtype });
    this.bias = this.useBias ? random.uniform(bkey!, [this.outChannels], { minval: -lim, maxval: lim, dtype }) : null;
  }

  protected addBias(y: NDArray): NDArray {
    if (this.bias === null) return y;
    return y.add(this.bias.reshape([this.outChannels, ...new Array<number>(this.numSpatialDims).fill(1)]));
  }
}

/**
 * N-d convolution (cross-correlation, as PyTorch and XLA) of one example `[inChannels,
 * ...spatial]` to `[outChannels, ...spatial']`, spatial' = floor((L + pLo + pHi - d (k - 1) - 1)
 * / s) + 1. PyTorch-default init: weight and bias ~ U(-b, b), b = 1 / sqrt(inChannels / groups
 * * prod(kernelSize)). Conv1d/Conv2d/Conv3d fix `numSpatialDims`.
 * @example new nn.Conv({ numSpatialDims: 2, inChannels: 3, outChannels: 8, kernelSize: 3, key }).forward(np.ones([3, 16, 16])).shape; // [8, 14, 14]
 */
export class Conv extends ConvBase {
  /** Explicit [low, high] pairs, or the string given. */
  readonly padding: [number, number][] | "SAME" | "SAME_LOWER" | "VALID";

  constructor(opts: ConvOptions & { numSpatialDims: number }, op = "nn.Conv") {
    super(op, opts.numSpatialDims, opts, false);
    this.padding = padPairs(op, opts.padding ?? 0, this.numSpatialDims);
  }

  forward(x: NDArray): NDArray {
    checkChannelsFirst(`nn.${this.constructor.name}`, x, this.numSpatialDims, this.inChannels);
    const y = lax.convGeneralDilated(np.expandDims(x, 0), this.weight, this.stride, this.padding, {
      rhsDilation: this.dilation, featureGroupCount: this.groups,
    });
    return this.addBias(np.squeeze(y, 0));
  }
}

/** 1-d convolution on `[C, L]`; see {@link Conv}. @example new nn.Conv1d({ inChannels: 2, outChannels: 4, kernelSize: 3, key }) */
export class Conv1d extends Conv {
  constructor(opts: ConvOptions) { super({ ...opts, numSpatialDims: 1 }, "nn.Conv1d"); }
}

/** 2-d convolution on `[C, H, W]`; see {@link Conv}. @example new nn.Conv2d({ inChannels: 3, outChannels: 8, kernelSize: 3, padding: 1, key }) */
export class Conv2d extends Conv {
  constructor(opts: ConvOptions) { super({ ...opts, numSpatialDims: 2 }, "nn.Conv2d"); }
}

/** 3-d convolution on `[C, D, H, W]`; see {@link Conv}. @example new nn.Conv3d({ inChannels: 1, outChannels: 2, kernelSize: [3, 3, 3], key }) */
export class Conv3d extends Conv {
  constructor(opts: ConvOptions) { super({ ...opts, numSpatialDims: 3 }, "nn.Conv3d"); }
}

/**
 * N-d transposed convolution, the gradient of Conv with respect to its input, as
 * torch.nn.ConvTranspose*d: output size (L - 1) s - pLo - pHi + d (k - 1) + outputPadding + 1.
 * `padding` (numbers or pairs; "VALID" = 0) removes that many elements from each side of the
 * full output. Weight `[inChannels, outChannels / groups, ...kernel]` as PyTorch, init bound
 * 1 / sqrt(outChannels / groups * prod(kernelSize)).
 * @example new nn.ConvTranspose2d({ inChannels: 8, outChannels: 3, kernelSize: 4, stride: 2, padding: 1, key }).forward(np.ones([8, 7, 7])).shape; // [3, 14, 14]
 */
export class ConvTranspose extends ConvBase {
  readonly padding: [number, number][];
  readonly outputPadding: number[];

  constructor(opts: ConvTransposeOptions & { numSpatialDims: number }, op = "nn.ConvTranspose") {
    super(op, opts.numSpatialDims, opts, true);
    const n = this.numSpatialDims;
    const p = padPairs(op, opts.padding === "VALID" ? 0 : opts.padding ?? 0, n);
    if (typeof p === "string") throw new TypeError(`${op}: padding must be numbers or [low, high] pairs (or "VALID"), got ${JSON.stringify(p)}.`);
    this.padding = p;
    this.outputPadding = perDim(op, "outputPadding", opts.outputPadding ?? 0, n, 0);
    this.outputPadding.forEach((op_, i) => {
      if (op_ >= this.stride[i]! && op_ >= this.dilation[i]!) {
        throw new TypeError(`${op}: outputPadding must be smaller than stride or dilation, got ${op_} with stride ${this.stride[i]} and dilation ${this.dilation[i]} in dim ${i}.`);
      }
    });
  }

  forward(x: NDArray): NDArray {
    const n = this.numSpatialDims;
    checkChannelsFirst(`nn.${this.constructor.name}`, x, n, this.inChannels);
    // A transposed conv is a conv of the stride-dilated input with the spatially flipped kernel,
    // whose in/out roles are swapped per group: [in, out/g, k] -> [g, in/g, out/g, k]
    // -> [g, out/g, in/g, k] -> [out, in/g, k]. Each side is padded by d (k - 1) - p so that
    // every kernel tap that touches the input contributes; outputPadding extends the high side.
    const g = this.groups, k = this.kernelSize;
    const sp = k.map((_, i) => i + 3);
    let w = this.weight.reshape([g, this.inChannels / g, this.outChannels / g, ...k]);
    w = w.transpose([0, 2, 1, ...sp]).reshape([this.outChannels, this.inChannels / g, ...k]);
    w = np.flip(w, k.map((_, i) => i + 2));
    const pads = this.padding.map(([lo, hi], i): [number, number] => {
      const full = this.dilation[i]! * (k[i]! - 1);
      return [full - lo, full - hi + this.outputPadding[i]!];
    });
    const y = lax.convGeneralDilated(np.expandDims(x, 0), w, new Array<number>(n).fill(1), pads, {
      lhsDilation: this.stride, rhsDilation: this.dilation, featureGroupCount: g,
    });
    return this.addBias(np.squeeze(y, 0));
  }
}

/** 1-d transposed convolution on `[C, L]`; see {@link ConvTranspose}. @example new nn.ConvTranspose1d({ inChannels: 4, outChannels: 2, kernelSize: 3, stride: 2, key }) */
export class ConvTranspose1d extends ConvTranspose {
  constructor(opts: ConvTransposeOptions) { super({ ...opts, numSpatialDims: 1 }, "nn.ConvTranspose1d"); }
}

/** 2-d transposed convolution on `[C, H, W]`; see {@link ConvTranspose}. @example new nn.ConvTranspose2d({ inChannels: 8, outChannels: 3, kernelSize: 2, stride: 2, key }) */
export class ConvTranspose2d extends ConvTranspose {
  constructor(opts: ConvTransposeOptions) { super({ ...opts, numSpatialDims: 2 }, "nn.ConvTranspose2d"); }
}

/** 3-d transposed convolution on `[C, D, H, W]`; see {@link ConvTranspose}. @example new nn.ConvTranspose3d({ inChannels: 2, outChannels: 1, kernelSize: 2, stride: 2, key }) */
export class ConvTranspose3d extends ConvTranspose {
  constructor(opts: ConvTransposeOptions) { super({ ...opts, numSpatialDims: 3 }, "nn.ConvTranspose3d"); }
}
