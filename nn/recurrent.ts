// Recurrent cells with PyTorch's parameter layout and gate order (torch/nn/modules/rnn.py:
// GRUCell, LSTMCell), so torch weights copy over unchanged, and `scanRnn`, which unrolls a cell
// over a sequence with lax.scan (one compiled step, any length).
import { lax, np, random, nnFunctions, type NDArray } from "graft";
import { Module } from "./module";
import { checkKey, checkSize, type FloatDType } from "./checks";

export interface RnnCellOptions {
  inputSize: number;
  hiddenSize: number;
  /** Default true (both biasIh and biasHh, as PyTorch). */
  useBias?: boolean;
  key: NDArray;
  dtype?: FloatDType;
}

/** Fields and PyTorch init of a cell with `gates` stacked gates: every tensor ~ U(-1/sqrt(H), 1/sqrt(H)). */
abstract class RnnCell extends Module {
  readonly weightIh: NDArray;
  readonly weightHh: NDArray;
  readonly biasIh: NDArray | null;
  readonly biasHh: NDArray | null;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly useBias: boolean;

  constructor(op: string, gates: number, opts: RnnCellOptions) {
    super();
    this.inputSize = checkSize(op, "inputSize", opts.inputSize, 1);
    this.hiddenSize = checkSize(op, "hiddenSize", opts.hiddenSize, 1);
    this.useBias = opts.useBias ?? true;
    const H = this.hiddenSize, lim = 1 / Math.sqrt(H), dtype = opts.dtype ?? "float32";
    const [k1, k2, k3, k4] = random.split(checkKey(op, opts.key), 4);
    const u = (k: NDArray, shape: number[]) => random.uniform(k, shape, { minval: -lim, maxval: lim, dtype });
    this.weightIh = u(k1!, [gates * H, this.inputSize]);
    this.weightHh = u(k2!, [gates * H, H]);
    this.biasIh = this.useBias ? u(k3!, [gates * H]) : null;
    this.biasHh = this.useBias ? u(k4!, [gates * H]) : null;
  }

  /** [W_ih x + b_ih, W_hh h + b_hh], each of size gates * H. */
  protected affine(op: string, x: NDArray, h: NDArray): [NDArray, NDArray] {
    if (x.ndim !== 1 || x.shape[0] !== this.inputSize) throw new TypeError(`${op}: expected one input of shape [${this.inputSize}], got [${x.shape.join(", ")}]; use vmap for a batch.`);
    if (h.ndim !== 1 || h.shape[0] !== this.hiddenSize) throw new TypeError(`${op}: expected a hidden state of shape [${this.hiddenSize}], got [${h.shape.join(", ")}].`);
    let gi = np.matmul(this.weightIh, x), gh = np.matmul(this.weightHh, h);
    if (this.biasIh !== null) gi = gi.add(this.biasIh);
    if (this.biasHh !== null) gh = gh.add(this.biasHh);
    return [gi, gh];
  }

  /** Gate `i` (of size H) of a stacked pre-activation. */
  protected gate(g: NDArray, i: number): NDArray {
    return g.slice([i * this.hiddenSize, (i + 1) * this.hiddenSize]);
  }
}

/**
 * Gated recurrent unit, torch.nn.GRUCell: with gates stacked (r, z, n) in `weightIh [3H, in]`,
 * `weightHh [3H, H]`, `biasIh`, `biasHh [3H]`,
 *   r = σ(W_ir x + b_ir + W_hr h + b_hr),  z = σ(W_iz x + b_iz + W_hz h + b_hz),
 *   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),  h' = (1 - z) ⊙ n + z ⊙ h.
 * @example
 * const cell = new nn.GRUCell({ inputSize: 3, hiddenSize: 8, key });
 * const h1 = cell.forward(x, np.zeros([8]));
 */
export class GRUCell extends RnnCell {
  constructor(opts: RnnCellOptions) { super("nn.GRUCell", 3, opts); }

  forward(x: NDArray, h: NDArray): NDArray {
    const [gi, gh] = this.affine("nn.GRUCell", x, h);
    const r = nnFunctions.sigmoid(this.gate(gi, 0).add(this.gate(gh, 0)));
    const z = nnFunctions.sigmoid(this.gate(gi, 1).add(this.gate(gh, 1)));
    const n = np.tanh(this.gate(gi, 2).add(r.mul(this.gate(gh, 2))));
    // (1 - z) n + z h, written as n + z (h - n).
    return n.add(z.mul(h.sub(n)));
  }
}

/**
 * Long short-term memory cell, torch.nn.LSTMCell: gates stacked (i, f, g, o) in `weightIh [4H,
 * in]`, `weightHh [4H, H]`, `biasIh`, `biasHh [4H]`; forward(x, [h, c]) -> [h', c'] with
 *   i, f, o = σ(·), g = tanh(·) of W_i* x + b_i* + W_h* h + b_h*,  c' = f ⊙ c + i ⊙ g,
 *   h' = o ⊙ tanh(c').
 * @example
 * const cell = new nn.LSTMCell({ inputSize: 3, hiddenSize: 8, key });
 * const [h1, c1] = cell.forward(x, [np.zeros([8]), np.zeros([8])]);
 */
export class LSTMCell extends RnnCell {
  constructor(opts: RnnCellOptions) { super("nn.LSTMCell", 4, opts); }

  forward(x: NDArray, [h, c]: readonly [NDArray, NDArray]): [NDArray, NDArray] {
    const [gi, gh] = this.affine("nn.LSTMCell", x, h);
    const pre = gi.add(gh);
    const i = nnFunctions.sigmoid(this.gate(pre, 0));
    const f = nnFunctions.sigmoid(this.gate(pre, 1));
    const g = np.tanh(this.gate(pre, 2));
    const o = nnFunctions.sigmoid(this.gate(pre, 3));
    const c2 = f.mul(c).add(i.mul(g));
    return [o.mul(np.tanh(c2)), c2];
  }
}

/** A cell stepping a carry: a hidden state (GRU) or [h, c] (LSTM). */
export interface RecurrentCell<C> {
  forward(x: NDArray, carry: C): C;
}

/**
 * Runs `cell` over the sequence `xs: [T, inputSize]` from the carry `init` with lax.scan
 * (reverse: last step first) and returns [final carry, hidden states [T, hiddenSize]]; for a
 * carry [h, c] the outputs are the h's, as torch.nn.LSTM's output. Differentiable and jittable;
 * the traced program holds one step whatever T is.
 * @example
 * const [hT, hs] = nn.scanRnn(gru, np.zeros([8]), xs);               // xs: [T, 3], hs: [T, 8]
 * const [[hL, cL], hsL] = nn.scanRnn(lstm, [np.zeros([8]), np.zeros([8])], xs);
 */
export function scanRnn<C extends NDArray | readonly [NDArray, NDArray]>(cell: RecurrentCell<C>, init: C, xs: NDArray, opts: { reverse?: boolean } = {}): [C, NDArray] {
  if (xs.ndim !== 2) throw new TypeError(`nn.scanRnn: xs must be a sequence [T, inputSize], got [${xs.shape.join(", ")}]; use vmap for a batch.`);
  return lax.scan((carry: C, x: NDArray) => {
    const next = cell.forward(x, carry);
    return [next, Array.isArray(next) ? next[0] : next];
  }, init, xs, { reverse: opts.reverse ?? false }) as [C, NDArray];
}
