// Pooling on one channels-first example `[C, ...spatial]` (PyTorch: torch/nn/modules/pooling.py;
// Equinox: equinox/nn/_pool.py), built on lax.reduceWindow. Defaults follow PyTorch: stride =
// kernelSize, padding 0, average pooling counts padded zeros (countIncludePad).
import { lax, np, type NDArray } from "graft";
import { Module } from "./module";
import { checkChannelsFirst, checkSize, padPairs, perDim, stringPads, type PaddingSpec } from "./checks";

export interface PoolOptions {
  kernelSize: number | readonly number[];
  /** Default: kernelSize (PyTorch). */
  stride?: number | readonly number[];
  /** Default 0: a number, one per dim, [low, high] pairs, or "SAME" / "VALID". */
  padding?: PaddingSpec;
  /** Round the output size up instead of down (PyTorch's ceil_mode); default false. */
  ceilMode?: boolean;
}

/**
 * Output size and the extra high padding ceil mode needs, per PyTorch's pooling_output_shape:
 * out = floor_or_ceil((L + pLo + pHi - d (k - 1) - 1) / s) + 1, and in ceil mode the last
 * window must start inside the input or its low padding.
 */
function geometry(L: number, k: number, s: number, d: number, [lo, hi]: [number, number], ceil: boolean): [number, number] {
  const span = L + lo + hi - d * (k - 1) - 1;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (out - 1) * s >= L + lo) out--;
  const extra = Math.max(0, (out - 1) * s + d * (k - 1) + 1 - (L + lo + hi));
  return [out, extra];
}

abstract class Pool extends Module {
  readonly numSpatialDims: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: [number, number][] | "SAME" | "SAME_LOWER" | "VALID";
  readonly dilation: number[];
  readonly ceilMode: boolean;

  constructor(op: string, n: number, opts: PoolOptions & { dilation?: number | readonly number[] }) {
    super();
    this.numSpatialDims = n;
    this.kernelSize = perDim(op, "kernelSize", opts.kernelSize, n, 1);
    this.stride = perDim(op, "stride", opts.stride ?? this.kernelSize, n, 1);
    this.dilation = perDim(op, "dilation", opts.dilation ?? 1, n, 1);
    this.padding = padPairs(op, opts.padding ?? 0, n);
    this.ceilMode = opts.ceilMode ?? false;
  }

  /** Pads per spatial dim (strings resolved for this input) plus ceil mode's extra high pads. */
  protected pads(x: NDArray): { pads: [number, number][]; extra: number[] } {
    const op = `nn.${this.constructor.name}`;
    const sizes = checkChannelsFirst(op, x, this.numSpatialDims, null);
    const window = this.kernelSize.map((k, i) => this.dilation[i]! * (k - 1) + 1);
    const pads = typeof this.padding === "string" ? stringPads(this.padding, sizes, window, this.stride) : this.padding;
    const extra = sizes.map((L, i) => {
      const [out, ex] = geometry(L, this.kernelSize[i]!, this.stride[i]!, this.dilation[i]!, pads[i]!, this.ceilMode);
      if (out < 1) throw new TypeError(`${op}: the window (kernel ${this.kernelSize[i]}, dilation ${this.dilation[i]}) is larger than the padded input in spatial dim ${i}, got size ${L} with padding [${pads[i]}].`);
      return ex;
    });
    return { pads, extra };
  }

  protected window(x: NDArray, init: number, how: "max" | "add", pads: [number, number][], extra: number[]): NDArray {
    return lax.reduceWindow(x, init, how, [1, ...this.kernelSize], [1, ...this.stride],
      [[0, 0], ...pads.map(([lo, hi], i): [number, number] => [lo, hi + extra[i]!])], { windowDilation: [1, ...this.dilation] });
  }
}

/**
 * Max pooling over windows of `kernelSize` (padding counts as -inf), torch.nn.MaxPool*d.
 * @example new nn.MaxPool2d({ kernelSize: 2 }).forward(np.ones([3, 8, 8])).shape; // [3, 4, 4]
 */
export class MaxPool extends Pool {
  constructor(opts: PoolOptions & { numSpatialDims: number; dilation?: number | readonly number[] }, op = "nn.MaxPool") {
    super(op, checkSize(op, "numSpatialDims", opts.numSpatialDims, 1), opts);
  }

  forward(x: NDArray): NDArray {
    const { pads, extra } = this.pads(x);
    // The identity of max for the dtype, so padding never wins a window.
    const lowest = x.dtype === "int32" ? -2147483648 : x.dtype === "uint32" || x.dtype === "bool" ? 0 : -Infinity;
    return this.window(x, lowest, "max", pads, extra);
  }
}

/**
 * Average pooling, torch.nn.AvgPool*d: each window's sum divided by the window size, clipped to
 * the padded input (countIncludePad, default true) or by the number of input elements it covers
 * (countIncludePad false).
 * @example new nn.AvgPool2d({ kernelSize: 2 }).forward(np.ones([3, 8, 8])).shape; // [3, 4, 4]
 */
export class AvgPool extends Pool {
  readonly countIncludePad: boolean;

  constructor(opts: PoolOptions & { numSpatialDims: number; countIncludePad?: boolean }, op = "nn.AvgPool") {
    super(op, checkSize(op, "numSpatialDims", opts.numSpatialDims, 1), { ...opts, dilation: 1 });
    this.countIncludePad = opts.countIncludePad ?? true;
  }

  forward(x: NDArray): NDArray {
    const { pads, extra } = this.pads(x);
    const sum = this.window(x, 0, "add", pads, extra);
    const sizes = x.shape.slice(1);
    if (pads.every(([lo, hi]) => lo === 0 && hi === 0) && extra.every((e) => e === 0)) {
      return sum.div(this.kernelSize.reduce((p, k) => p * k, 1));
    }
    // The divisor is the same window sum over a mask of ones: ones cover the input (and the
    // explicit padding too, with countIncludePad), zeros the rest; it is static data.
    const counted = this.countIncludePad ? sizes.map((L, i) => L + pads[i]![0] + pads[i]![1]) : sizes;
    const maskPads = this.countIncludePad ? extra.map((e): [number, number] => [0, e]) : pads.map(([lo, hi], i): [number, number] => [lo, hi + extra[i]!]);
    const count = lax.reduceWindow(np.ones([1, ...counted], { dtype: x.dtype }), 0, "add", [1, ...this.kernelSize], [1, ...this.stride],
      [[0, 0], ...maskPads]);
    return sum.div(count);
  }
}

/** 1-d max pooling on `[C, L]`; see {@link MaxPool}. @example new nn.MaxPool1d({ kernelSize: 2 }) */
export class MaxPool1d extends MaxPool {
  constructor(opts: PoolOptions & { dilation?: number | readonly number[] }) { super({ ...opts, numSpatialDims: 1 }, "nn.MaxPool1d"); }
}
/** 2-d max pooling on `[C, H, W]`; see {@link MaxPool}. @example new nn.MaxPool2d({ kernelSize: 2 }) */
export class MaxPool2d extends MaxPool {
  constructor(opts: PoolOptions & { dilation?: number | readonly number[] }) { super({ ...opts, numSpatialDims: 2 }, "nn.MaxPool2d"); }
}
/** 3-d max pooling on `[C, D, H, W]`; see {@link MaxPool}. @example new nn.MaxPool3d({ kernelSize: 2 }) */
export class MaxPool3d extends MaxPool {
  constructor(opts: PoolOptions & { dilation?: number | readonly number[] }) { super({ ...opts, numSpatialDims: 3 }, "nn.MaxPool3d"); }
}
/** 1-d average pooling on `[C, L]`; see {@link AvgPool}. @example new nn.AvgPool1d({ kernelSize: 2 }) */
export class AvgPool1d extends AvgPool {
  constructor(opts: PoolOptions & { countIncludePad?: boolean }) { super({ ...opts, numSpatialDims: 1 }, "nn.AvgPool1d"); }
}
/** 2-d average pooling on `[C, H, W]`; see {@link AvgPool}. @example new nn.AvgPool2d({ kernelSize: 2 }) */
export class AvgPool2d extends AvgPool {
  constructor(opts: PoolOptions & { countIncludePad?: boolean }) { super({ ...opts, numSpatialDims: 2 }, "nn.AvgPool2d"); }
}
/** 3-d average pooling on `[C, D, H, W]`; see {@link AvgPool}. @example new nn.AvgPool3d({ kernelSize: 2 }) */
export class AvgPool3d extends AvgPool {
  constructor(opts: PoolOptions & { countIncludePad?: boolean }) { super({ ...opts, numSpatialDims: 3 }, "nn.AvgPool3d"); }
}

/**
 * Adaptive average pooling to a fixed `outputSize` (torch.nn.AdaptiveAvgPool*d): output cell i
 * of a dim of size L averages input [floor(i L / out), ceil((i + 1) L / out)). Each dim is a
 * contraction with a static averaging matrix, so any L and out work.
 * @example new nn.AdaptiveAvgPool2d({ outputSize: 1 }).forward(np.ones([16, 7, 7])).shape; // [16, 1, 1]
 */
export class AdaptiveAvgPool extends Module {
  readonly numSpatialDims: number;
  readonly outputSize: number[];

  constructor(opts: { outputSize: number | readonly number[]; numSpatialDims: number }, op = "nn.AdaptiveAvgPool") {
    super();
    this.numSpatialDims = checkSize(op, "numSpatialDims", opts.numSpatialDims, 1);
    this.outputSize = perDim(op, "outputSize", opts.outputSize, this.numSpatialDims, 1);
  }

  forward(x: NDArray): NDArray {
    const sizes = checkChannelsFirst(`nn.${this.constructor.name}`, x, this.numSpatialDims, null);
    let y = x;
    sizes.forEach((L, i) => {
      const out = this.outputSize[i]!;
      if (out === L) return;
      const a = new Float64Array(out * L);
      for (let o = 0; o < out; o++) {
        const start = Math.floor((o * L) / out), end = Math.ceil(((o + 1) * L) / out);
        for (let j = start; j < end; j++) a[o * L + j] = 1 / (end - start);
      }
      const A = np.array(a, { shape: [out, L], dtype: x.dtype });
      y = np.moveaxis(np.tensordot(A, y, [[1], [i + 1]]), 0, i + 1);
    });
    return y;
  }
}

/** Adaptive average pooling on `[C, L]`; see {@link AdaptiveAvgPool}. @example new nn.AdaptiveAvgPool1d({ outputSize: 4 }) */
export class AdaptiveAvgPool1d extends AdaptiveAvgPool {
  constructor(opts: { outputSize: number | readonly number[] }) { super({ ...opts, numSpatialDims: 1 }, "nn.AdaptiveAvgPool1d"); }
}
/** Adaptive average pooling on `[C, H, W]`; see {@link AdaptiveAvgPool}. @example new nn.AdaptiveAvgPool2d({ outputSize: [2, 2] }) */
export class AdaptiveAvgPool2d extends AdaptiveAvgPool {
  constructor(opts: { outputSize: number | readonly number[] }) { super({ ...opts, numSpatialDims: 2 }, "nn.AdaptiveAvgPool2d"); }
}
/** Adaptive average pooling on `[C, D, H, W]`; see {@link AdaptiveAvgPool}. @example new nn.AdaptiveAvgPool3d({ outputSize: 1 }) */
export class AdaptiveAvgPool3d extends AdaptiveAvgPool {
  constructor(opts: { outputSize: number | readonly number[] }) { super({ ...opts, numSpatialDims: 3 }, "nn.AdaptiveAvgPool3d"); }
}
