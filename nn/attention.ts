// Multi-head attention, as Equinox's eqx.nn.MultiheadAttention (equinox/nn/_attention.py):
// per-head projections, softmax(Q K^T / sqrt(qkSize)) V, then an output projection. One
// example (a sequence) per call; batch with `vmap`.
import { np, random, nnFunctions, type NDArray } from "graft";
import { Module } from "./module";
import { Linear } from "./layers";
import { checkKey, checkSize, type FloatDType } from "./checks";

// Equinox fills masked logits with jnp.finfo(dtype).min, so a fully masked row is uniform.
const FINFO_MIN: Record<string, number> = { float32: -3.4028234663852886e38, float64: -Number.MAX_VALUE, float16: -65504 };

/** `xs @ W^T + b` for a stack of examples `xs: [L, in]`. */
function project(lin: Linear, xs: NDArray): NDArray {
  const y = np.matmul(xs, lin.weight.T);
  return lin.bias === null ? y : y.add(lin.bias);
}

export interface MultiheadAttentionOptions {
  numHeads: number;
  querySize: number;
  /** Default querySize. */
  keySize?: number;
  /** Default querySize. */
  valueSize?: number;
  /** Default querySize. */
  outputSize?: number;
  /** Per-head query/key size; default querySize / numHeads (rounded down). */
  qkSize?: number;
  /** Per-head value size; default querySize / numHeads (rounded down). */
  voSize?: number;
  /** Biases of the four projections; all default false, as Equinox. */
  useQueryBias?: boolean;
  useKeyBias?: boolean;
  useValueBias?: boolean;
  useOutputBias?: boolean;
  /** Dropout probability on the attention weights (training only); default 0. */
  dropoutP?: number;
  /** Default mode when forward is not told; default false. */
  inference?: boolean;
  key: NDArray;
  dtype?: FloatDType;
}

/**
 * Multi-head attention of one query sequence over one key/value sequence:
 * forward(query [Lq, querySize], key [Lk, keySize], value [Lk, valueSize], { mask }) ->
 * [Lq, outputSize]. Per head h: Q_h = query W_q,h, K_h = key W_k,h, V_h = value W_v,h, and
 * softmax(Q_h K_h^T / sqrt(qkSize)) V_h; the heads are concatenated and projected by
 * `outputProj`. `mask` is boolean `[Lq, Lk]` (or `[numHeads, Lq, Lk]`), true where a query may
 * attend. Projections are Linear layers (PyTorch-default init) with weights `[heads * size, in]`,
 * head-major, so torch.nn.MultiheadAttention's in_proj_weight splits into them directly.
 * @example
 * const mha = new nn.MultiheadAttention({ numHeads: 4, querySize: 32, key });
 * mha.forward(x, x, x).shape; // [L, 32] (self-attention)
 */
export class MultiheadAttention extends Module {
  readonly queryProj: Linear;
  readonly keyProj: Linear;
  readonly valueProj: Linear;
  readonly outputProj: Linear;
  readonly numHeads: number;
  readonly querySize: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly outputSize: number;
  readonly qkSize: number;
  readonly voSize: number;
  readonly dropoutP: number;
  readonly inference: boolean;

  constructor(opts: MultiheadAttentionOptions) {
    super();
    const op = "nn.MultiheadAttention";
    this.numHeads = checkSize(op, "numHeads", opts.numHeads, 1);
    this.querySize = checkSize(op, "querySize", opts.querySize, 1);
    this.keySize = checkSize(op, "keySize", opts.keySize ?? this.querySize, 1);
    this.valueSize = checkSize(op, "valueSize", opts.valueSize ?? this.querySize, 1);
    this.outputSize = checkSize(op, "outputSize", opts.outputSize ?? this.querySize, 1);
    const perHead = Math.floor(this.querySize / this.numHeads);
    this.qkSize = checkSize(op, "qkSize", opts.qkSize ?? perHead, 1);
    this.voSize = checkSize(op, "voSize", opts.voSize ?? perHead, 1);
    const p = opts.dropoutP ?? 0;
    if (typeof p !== "number" || !(p >= 0 && p < 1)) throw new RangeError(`${op}: dropoutP must be in [0, 1), got ${String(p)}.`);
    this.dropoutP = p;
    this.inference = opts.inference ?? false;
    const [qk, kk, vk, ok] = random.split(checkKey(op, opts.key), 4);
    const H = this.numHeads, dtype = opts.dtype;
    this.queryProj = new Linear({ inFeatures: this.querySize, outFeatures: H * this.qkSize, useBias: opts.useQueryBias ?? false, key: qk!, dtype });
    this.keyProj = new Linear({ inFeatures: this.keySize, outFeatures: H * this.qkSize, useBias: opts.useKeyBias ?? false, key: kk!, dtype });
    this.valueProj = new Linear({ inFeatures: this.valueSize, outFeatures: H * this.voSize, useBias: opts.useValueBias ?? false, key: vk!, dtype });
    this.outputProj = new Linear({ inFeatures: H * this.voSize, outFeatures: this.outputSize, useBias: opts.useOutputBias ?? false, key: ok!, dtype });
  }

  forward(query: NDArray, key: NDArray, value: NDArray, opts: { mask?: NDArray; key?: NDArray; inference?: boolean } = {}): NDArray {
    const op = "nn.MultiheadAttention";
    const seq = (name: string, x: NDArray, size: number) => {
      if (x.ndim !== 2 || x.shape[1] !== size) throw new TypeError(`${op}: ${name} must be one sequence [length, ${size}], got [${x.shape.join(", ")}]; use vmap for a batch.`);
      return x.shape[0]!;
    };
    const Lq = seq("query", query, this.querySize), Lk = seq("key", key, this.keySize);
    if (seq("value", value, this.valueSize) !== Lk) throw new TypeError(`${op}: key and value must have the same length, got ${Lk} and ${value.shape[0]}.`);
    const H = this.numHeads;
    const q = project(this.queryProj, query).reshape([Lq, H, this.qkSize]);
    const k = project(this.keyProj, key).reshape([Lk, H, this.qkSize]);
    const v = project(this.valueProj, value).reshape([Lk, H, this.voSize]);
    // Equinox scales the queries before the product (same value, smaller intermediates).
    let logits = np.einsum("qhd,khd->hqk", q.div(Math.sqrt(this.qkSize)), k);
    const mask = opts.mask;
    if (mask !== undefined) {
      const ok = (mask.ndim === 2 && mask.shape[0] === Lq && mask.shape[1] === Lk) ||
        (mask.ndim === 3 && mask.shape[0] === H && mask.shape[1] === Lq && mask.shape[2] === Lk);
      if (!ok || mask.dtype !== "bool") throw new TypeError(`${op}: mask must be bool [${Lq}, ${Lk}] or [${H}, ${Lq}, ${Lk}], got ${mask.dtype}[${mask.shape.join(", ")}].`);
      logits = np.where(mask, logits, FINFO_MIN[logits.dtype] ?? -Infinity);
    }
    let weights = nnFunctions.softmax(logits, -1);
    const inference = opts.inference ?? this.inference;
    if (!inference && this.dropoutP > 0) {
      if (opts.key === undefined) throw new TypeError(`${op}: dropout in training mode needs a \`key\` (forward(q, k, v, { key })); pass { inference: true } to disable it.`);
      const keep = random.bernoulli(opts.key, 1 - this.dropoutP, weights.shape);
      weights = np.where(keep, weights.div(1 - this.dropoutP), np.zerosLike(weights));
    }
    const heads = np.einsum("hqk,khd->qhd", weights, v).reshape([Lq, H * this.voSize]);
    return project(this.outputProj, heads);
  }
}
