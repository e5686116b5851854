// Layers (Equinox: equinox/nn/_linear.py, _mlp.py, _embedding.py, _normalisation.py,
// _dropout.py, _sequential.py). Each forward takes ONE example; batch with `vmap`.

import { np, random, nnFunctions, isArray, type NDArray } from "graft";
import { Module } from "./module";

/**
 * Activation given by name or as a function of an array. "gelu" is the exact (erf) form, as
 * PyTorch's nn.GELU(); "geluTanh" is the tanh approximation (jax.nn.gelu's default).
 */
export type Activation =
  | "relu" | "tanh" | "sigmoid" | "gelu" | "geluTanh" | "silu" | "softplus" | "identity"
  | ((x: NDArray) => NDArray);

const geluExact = (x: NDArray): NDArray => nnFunctions.gelu(x, { approximate: false });
const geluTanh = (x: NDArray): NDArray => nnFunctions.gelu(x, { approximate: true });

function activationFn(op: string, a: Activation): (x: NDArray) => NDArray {
  if (typeof a === "function") return a;
  switch (a) {
    case "relu": return nnFunctions.relu;
    case "tanh": return np.tanh;
    case "sigmoid": return nnFunctions.sigmoid;
    case "gelu": return geluExact;
    case "geluTanh": return geluTanh;
    case "silu": return nnFunctions.silu;
    case "softplus": return nnFunctions.softplus;
    case "identity": return (x) => x;
  }
  throw new TypeError(`${op}: unknown activation ${JSON.stringify(a)}; expected one of relu, tanh, sigmoid, gelu, geluTanh, silu, softplus, identity, or a function.`);
}

function checkKey(op: string, key: unknown): NDArray {
  if (!isArray(key)) throw new TypeError(`${op}: expected a PRNG key in \`key\` (random.key(seed)), got ${typeof key}.`);
  return key;
}

function checkSize(op: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
    throw new TypeError(`${op}: ${name} must be a non-negative integer, got ${String(v)}.`);
  }
  return v;
}

/** Options of a forward call for layers that need randomness or a mode. */
export interface ForwardOptions {
  key?: NDArray;
  inference?: boolean;
}

/**
 * Affine map y = W x + b on one example `x: [inFeatures]` → `[outFeatures]`; `weight` is
 * `[outFeatures, inFeatures]`. PyTorch-default init: weight and bias ~ U(-1/√in, 1/√in).
 * @example
 * const lin = new nn.Linear({ inFeatures: 3, outFeatures: 2, key: random.key(0) });
 * lin.forward(np.ones([3])).shape; // [2]
 */
export class Linear extends Module {
  readonly weight: NDArray;
  readonly bias: NDArray | null;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly useBias: boolean;

  constructor(opts: { inFeatures: number; outFeatures: number; useBias?: boolean; key: NDArray; dtype?: "float32" | "float64" }) {
    super();
    const op = "nn.Linear";
    this.inFeatures = checkSize(op, "inFeatures", opts.inFeatures);
    this.outFeatures = checkSize(op, "outFeatures", opts.outFeatures);
    this.useBias = opts.useBias ?? true;
    const [wkey, bkey] = random.split(checkKey(op, opts.key));
    const lim = 1 / Math.sqrt(Math.max(1, this.inFeatures));
    const dtype = opts.dtype ?? "float32";
    this.weight = random.uniform(wkey!, [this.outFeatures, this.inFeatures], { minval: -lim, maxval: lim, dtype });
    this.bias = this.useBias ? random.uniform(bkey!, [this.outFeatures], { minval: -lim, maxval: lim, dtype }) : null;
  }

  forward(x: NDArray): NDArray {
    if (x.ndim !== 1 || x.shape[0] !== this.inFeatures) {
      throw new TypeError(`nn.Linear: expected one example of shape [${this.inFeatures}], got [${x.shape}]; use vmap for a batch.`);
    }
    const y = np.matmul(this.weight, x);
    return this.bias === null ? y : y.add(this.bias);
  }
}

/**
 * Multi-layer perceptron: `depth` hidden layers of `widthSize` (so depth + 1 Linear layers),
 * `activation` after each hidden layer, `finalActivation` (default identity) after the last.
 * @example
 * const mlp = new nn.MLP({ inSize: 2, outSize: 1, widthSize: 32, depth: 2, key: random.key(0) });
 */
export class MLP extends Module {
  readonly layers: Linear[];
  readonly inSize: number;
  readonly outSize: number;
  readonly widthSize: number;
  readonly depth: number;
  readonly activation: Activation;
  readonly finalActivation: Activation;

  constructor(opts: {
    inSize: number; outSize: number; widthSize: number; depth: number;
    activation?: Activation; finalActivation?: Activation; useBias?: boolean; useFinalBias?: boolean; key: NDArray;
  }) {
    super();
    const op = "nn.MLP";
    this.inSize = checkSize(op, "inSize", opts.inSize);
    this.outSize = checkSize(op, "outSize", opts.outSize);
    this.widthSize = checkSize(op, "widthSize", opts.widthSize);
    this.depth = checkSize(op, "depth", opts.depth);
    this.activation = opts.activation ?? "relu";
    this.finalActivation = opts.finalActivation ?? "identity";
    activationFn(op, this.activation);
    activationFn(op, this.finalActivation);
    const keys = [...random.split(checkKey(op, opts.key), this.depth + 1)];
    const sizes = [this.inSize, ...Array<number>(this.depth).fill(this.widthSize), this.outSize];
    this.layers = keys.map((key, i) => new Linear({
      inFeatures: sizes[i]!, outFeatures: sizes[i + 1]!, key,
      useBias: i === this.depth ? (opts.useFinalBias ?? true) : (opts.useBias ?? true),
    }));
  }

  forward(x: NDArray): NDArray {
    const act = activationFn("nn.MLP", this.activation);
    const fin = activationFn("nn.MLP", this.finalActivation);
    let h = x;
    this.layers.forEach((layer, i) => {
      h = layer.forward(h);
      h = i < this.layers.length - 1 ? act(h) : fin(h);
    });
    return h;
  }
}

/** Anything with a `forward(x, opts?)` that Sequential can chain. */
export interface Layer {
  forward(x: NDArray, opts?: ForwardOptions): NDArray;
}

/**
 * Applies `layers` in order. A `key` given to `forward` is split among the layers.
 * @example
 * const net = new nn.Sequential([lin1, new nn.Lambda(nn.relu), lin2]);
 */
export class Sequential extends Module {
  readonly layers: (Module & Layer)[];

  constructor(layers: (Module & Layer)[]) {
    super();
    if (!Array.isArray(layers)) throw new TypeError("nn.Sequential: expected an array of layers.");
    this.layers = [...layers];
  }

  forward(x: NDArray, opts: ForwardOptions = {}): NDArray {
    const keys = opts.key === undefined ? undefined : [...random.split(opts.key, Math.max(1, this.layers.length))];
    let h = x;
    this.layers.forEach((layer, i) => {
      h = layer.forward(h, { ...opts, key: keys?.[i] });
    });
    return h;
  }
}

/** Wraps a parameter-free function as a layer (for Sequential). */
export class Lambda extends Module {
  readonly fn: (x: NDArray) => NDArray;
  constructor(fn: Activation) {
    super();
    this.fn = activationFn("nn.Lambda", fn);
  }
  forward(x: NDArray): NDArray {
    return this.fn(x);
  }
}

/**
 * Lookup table `weight: [numEmbeddings, embeddingSize]`, N(0, 1) init as PyTorch; `forward`
 * takes an integer index (a number or int32 array of any shape) and returns its rows.
 * @example
 * const emb = new nn.Embedding({ numEmbeddings: 10, embeddingSize: 4, key });
 * emb.forward(np.array(3, { dtype: "int32" })).shape; // [4]
 */
export class Embedding extends Module {
  readonly weight: NDArray;
  readonly numEmbeddings: number;
  readonly embeddingSize: number;

  constructor(opts: { numEmbeddings: number; embeddingSize: number; key: NDArray; weight?: NDArray }) {
    super();
    const op = "nn.Embedding";
    this.numEmbeddings = checkSize(op, "numEmbeddings", opts.numEmbeddings);
    this.embeddingSize = checkSize(op, "embeddingSize", opts.embeddingSize);
    this.weight = opts.weight ?? random.normal(checkKey(op, opts.key), [this.numEmbeddings, this.embeddingSize]);
  }

  forward(index: NDArray | number): NDArray {
    if (typeof index === "number") {
      if (!Number.isInteger(index) || index < 0 || index >= this.numEmbeddings) {
        throw new RangeError(`nn.Embedding: index ${index} out of range [0, ${this.numEmbeddings}).`);
      }
      return this.weight.slice(index);
    }
    return np.take(this.weight, index, 0);
  }
}

function normShape(op: string, shape: number | readonly number[]): number[] {
  const s = typeof shape === "number" ? [shape] : [...shape];
  s.forEach((d, i) => checkSize(op, `shape[${i}]`, d));
  return s;
}

function checkTrailing(op: string, x: NDArray, shape: number[]): number[] {
  const tail = x.shape.slice(x.ndim - shape.length);
  if (x.ndim < shape.length || tail.some((d, i) => d !== shape[i])) {
    throw new TypeError(`${op}: expected an input whose trailing shape is [${shape}], got [${x.shape}].`);
  }
  return shape.map((_, i) => x.ndim - shape.length + i);
}

/** Shared fields of the normalisations: trailing `shape`, eps, and an optional affine map. */
abstract class AffineNorm extends Module {
  readonly weight: NDArray | null;
  readonly bias: NDArray | null;
  readonly shape: number[];
  readonly eps: number;
  readonly useWeight: boolean;
  readonly useBias: boolean;

  constructor(op: string, opts: NormOpts) {
    super();
    this.shape = normShape(op, opts.shape);
    this.eps = opts.eps ?? 1e-5;
    this.useWeight = opts.useWeight ?? true;
    this.useBias = opts.useBias ?? true;
    const dtype = opts.dtype ?? "float32";
    this.weight = this.useWeight ? np.ones(this.shape, { dtype }) : null;
    this.bias = this.useBias ? np.zeros(this.shape, { dtype }) : null;
  }

  protected affine(y: NDArray): NDArray {
    if (this.weight !== null) y = y.mul(this.weight);
    if (this.bias !== null) y = y.add(this.bias);
    return y;
  }
}

type NormOpts = { shape: number | readonly number[]; eps?: number; useWeight?: boolean; useBias?: boolean; dtype?: "float32" | "float64" };

/**
 * Layer normalisation over the trailing axes `shape`: (x - mean) / sqrt(var + eps) * weight +
 * bias (biased variance, as PyTorch/Equinox). weight = 1, bias = 0 initially.
 * @example new nn.LayerNorm({ shape: 8 }).forward(x)
 */
export class LayerNorm extends AffineNorm {
  constructor(opts: NormOpts) { super("nn.LayerNorm", opts); }

  forward(x: NDArray): NDArray {
    const axes = checkTrailing("nn.LayerNorm", x, this.shape);
    const mean = np.mean(x, axes, { keepdims: true });
    const xc = x.sub(mean);
    const variance = np.mean(np.square(xc), axes, { keepdims: true });
    return this.affine(xc.mul(np.reciprocal(np.sqrt(variance.add(this.eps)))));
  }
}

/**
 * RMS normalisation over the trailing axes `shape`: x / sqrt(mean(x²) + eps) * weight + bias
 * (Equinox's RMSNorm; PyTorch's nn.RMSNorm has no bias). weight = 1, bias = 0 initially.
 */
export class RMSNorm extends AffineNorm {
  constructor(opts: NormOpts) { super("nn.RMSNorm", opts); }

  forward(x: NDArray): NDArray {
    const axes = checkTrailing("nn.RMSNorm", x, this.shape);
    const ms = np.mean(np.square(x), axes, { keepdims: true });
    return this.affine(x.mul(np.reciprocal(np.sqrt(ms.add(this.eps)))));
  }
}

/**
 * Dropout with probability `p`: in training (`inference` false) zeroes each element with
 * probability p and scales the rest by 1/(1-p), using the explicit `key`; identity when
 * `inference` is true (or the layer was built with `inference: true`) or p = 0.
 * @example new nn.Dropout({ p: 0.1 }).forward(x, { key })
 */
export class Dropout extends Module {
  readonly p: number;
  readonly inference: boolean;

  constructor(opts: { p?: number; inference?: boolean } = {}) {
    super();
    const p = opts.p ?? 0.5;
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new RangeError(`nn.Dropout: p must be in [0, 1], got ${String(p)}.`);
    this.p = p;
    this.inference = opts.inference ?? false;
  }

  forward(x: NDArray, opts: ForwardOptions = {}): NDArray {
    const inference = opts.inference ?? this.inference;
    if (inference || this.p === 0) return x;
    if (this.p === 1) return np.zerosLike(x);
    if (opts.key === undefined) {
      throw new TypeError("nn.Dropout: training mode needs a `key` (forward(x, { key })); pass { inference: true } to disable dropout.");
    }
    const keep = random.bernoulli(opts.key, 1 - this.p, x.shape);
    return np.where(keep, x.div(1 - this.p), np.zerosLike(x));
  }
}
