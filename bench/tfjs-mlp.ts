// The TensorFlow.js side of the 784-512-512-10 MLP benchmarks (bench/mlp-train.ts on the
// CPU backends, bench/webgpu.ts on tfjs-backend-webgpu): the same step as graft's
// trainStep — relu MLP, softmax cross-entropy, Adam — through optimizer.minimize.

export interface TfjsMlpOpts {
  dims: { D: number; H: number; C: number; B: number };
  x: Float32Array;
  y: Int32Array | number[];
  adam: { lr: number; b1: number; b2: number; eps: number };
  /** Initial weight matrix of a shape (He-scaled by the caller's choice of data). */
  initW: (shape: [number, number], layer: number) => any;
}

/** Builds the tfjs variables and returns one training step (the loss tensor) and a cleanup. */
export function tfjsMlp(tf: any, o: TfjsMlpOpts): { step: () => any; dispose: () => void } {
  const { D, H, C, B } = o.dims;
  const ws = [o.initW([D, H], 0), o.initW([H, H], 1), o.initW([H, C], 2)];
  const bs = [tf.variable(tf.zeros([H])), tf.variable(tf.zeros([H])), tf.variable(tf.zeros([C]))];
  const tx = tf.tensor2d(o.x, [B, D]);
  const ty = tf.oneHot(tf.tensor1d(Array.from(o.y), "int32"), C);
  const opt = tf.train.adam(o.adam.lr, o.adam.b1, o.adam.b2, o.adam.eps);
  const forward = () => {
    const h1 = tf.relu(tf.add(tf.matMul(tx, ws[0]), bs[0]));
    const h2 = tf.relu(tf.add(tf.matMul(h1, ws[1]), bs[1]));
    return tf.add(tf.matMul(h2, ws[2]), bs[2]);
  };
  return {
    step: () => opt.minimize(() => tf.losses.softmaxCrossEntropy(ty, forward()), true),
    dispose: () => { [...ws, ...bs, tx, ty].forEach((t) => t.dispose()); opt.dispose(); },
  };
}
