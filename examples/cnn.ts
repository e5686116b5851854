// A small CNN (Conv2d + MaxPool2d + Linear) that tells horizontal from vertical bars in noisy
// 16x16 images generated with graft.random, trained with jit(valueAndGrad) and nn.optim.adam.
// Run with: npx tsx examples/cnn.ts
import { jit, nnFunctions, np, random, valueAndGrad, vmap, type NDArray } from "graft";
import * as nn from "graft/nn";

const SIZE = 16, BAR = 6;

/** `n` images [n, 1, SIZE, SIZE] with one bar of length BAR each, labels 0 (horizontal) / 1 (vertical). */
function makeData(key: NDArray, n: number): [NDArray, NDArray] {
  const [kLabel, kRow, kStart, kNoise] = random.split(key, 4);
  const labels = random.bernoulli(kLabel!, 0.5, [n]).astype("int32");
  const line = random.randint(kRow!, [n, 1, 1], 0, SIZE);                // the bar's row (or column)
  const start = random.randint(kStart!, [n, 1, 1], 0, SIZE - BAR + 1);   // where along it the bar starts
  const i = np.arange(SIZE).reshape([1, SIZE, 1]), j = np.arange(SIZE).reshape([1, 1, SIZE]);
  const onBar = (across: NDArray, along: NDArray) =>
    np.logicalAnd(np.equal(across, line), np.logicalAnd(np.greaterEqual(along, start), np.less(along, start.add(BAR))));
  const vertical = np.equal(labels, 1).reshape([n, 1, 1]);
  const bars = np.where(vertical, onBar(j, i), onBar(i, j)).astype("float32");
  const noise = random.normal(kNoise!, [n, SIZE, SIZE]).mul(0.4);
  return [bars.add(noise).reshape([n, 1, SIZE, SIZE]), labels];
}

/** conv(1->8) relu pool, conv(8->16) relu pool, linear(16*4*4 -> 2), on one image [1, 16, 16]. */
class CNN extends nn.Module {
  readonly conv1: nn.Conv2d;
  readonly conv2: nn.Conv2d;
  readonly pool: nn.MaxPool2d;
  readonly head: nn.Linear;

  constructor(key: NDArray) {
    super();
    const [k1, k2, k3] = random.split(key, 3);
    this.conv1 = new nn.Conv2d({ inChannels: 1, outChannels: 8, kernelSize: 3, padding: 1, key: k1! });
    this.conv2 = new nn.Conv2d({ inChannels: 8, outChannels: 16, kernelSize: 3, padding: 1, key: k2! });
    this.pool = new nn.MaxPool2d({ kernelSize: 2 });
    this.head = new nn.Linear({ inFeatures: 16 * 4 * 4, outFeatures: 2, key: k3! });
  }

  forward(x: NDArray): NDArray {
    let h = this.pool.forward(nnFunctions.relu(this.conv1.forward(x)));   // [8, 8, 8]
    h = this.pool.forward(nnFunctions.relu(this.conv2.forward(h)));       // [16, 4, 4]
    return this.head.forward(np.ravel(h));                                 // logits [2]
  }
}

const logits = (m: CNN, xb: NDArray) => vmap((x: NDArray) => m.forward(x))(xb);
const loss = (m: CNN, xb: NDArray, yb: NDArray) => np.mean(nn.losses.softmaxCrossEntropyWithIntegerLabels(logits(m, xb), yb));
const accuracy = (m: CNN, xb: NDArray, yb: NDArray) =>
  np.mean(np.equal(np.argmax(logits(m, xb), -1), yb).astype("float32")).item() as number;

const [kData, kTest, kModel] = random.split(random.key(0), 3);
const [xTrain, yTrain] = makeData(kData!, 1024);
const [xTest, yTest] = makeData(kTest!, 512);

let model = new CNN(kModel!);
const opt = nn.optim.adam(3e-3);
let state = opt.init(model);
type State = typeof state;
const step = jit((m: CNN, s: State, xb: NDArray, yb: NDArray): [CNN, State, NDArray] => {
  const [l, g] = valueAndGrad(loss)(m, xb, yb);
  const [updates, s2] = opt.update(g, s, m);
  return [nn.optim.applyUpdates(m, updates), s2, l];
});

const BATCH = 64, STEPS = 300;
console.log(`test accuracy before training: ${(100 * accuracy(model, xTest, yTest)).toFixed(1)}%`);
const t0 = performance.now();
for (let i = 0; i < STEPS; i++) {
  const b = (i * BATCH) % 1024;
  let l: NDArray;
  [model, state, l] = step(model, state, xTrain.slice([b, b + BATCH]), yTrain.slice([b, b + BATCH]));
  if (i % 50 === 0 || i === STEPS - 1) console.log(`step ${String(i).padStart(3)}  loss ${(l.item() as number).toFixed(4)}`);
}
const secs = (performance.now() - t0) / 1000;
console.log(`${STEPS} steps in ${secs.toFixed(1)} s (${((1000 * secs) / STEPS).toFixed(1)} ms/step)`);
console.log(`train accuracy: ${(100 * accuracy(model, xTrain, yTrain)).toFixed(1)}%`);
console.log(`test accuracy:  ${(100 * accuracy(model, xTest, yTest)).toFixed(1)}%`);
