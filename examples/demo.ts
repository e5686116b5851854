// `npm run demo`: fit a line y = a x + b to noisy data by gradient descent, with the
// gradient from `valueAndGrad` and the whole update step compiled by `jit`.
import { jit, makeJaxpr, np, valueAndGrad, type NDArray } from "graft";
import { fitSine } from "./sine-regression";

const xs = np.linspace(-1, 1, 64);
const ys = xs.mul(3).add(0.5).add(np.sin(xs.mul(40)).mul(0.05)); // a = 3, b = 0.5, plus a wiggle

type Params = { a: NDArray; b: NDArray };
const loss = (p: Params) => np.mean(np.square(xs.mul(p.a).add(p.b).sub(ys)));

const lr = 0.5;
const step = jit((p: Params): [Params, NDArray] => {
  const [l, g] = valueAndGrad(loss)(p);                     // g has the structure of p
  return [{ a: p.a.sub(g.a.mul(lr)), b: p.b.sub(g.b.mul(lr)) }, l];
});

let params: Params = { a: np.array(0), b: np.array(0) };
for (let i = 0; i <= 100; i++) {
  const [next, l] = step(params);
  if (i % 20 === 0) console.log(`step ${String(i).padStart(3)}  loss ${l.item().toExponential(3)}  a ${params.a.item().toFixed(4)}  b ${params.b.item().toFixed(4)}`);
  params = next;
}
console.log(`\nfitted: a = ${params.a.item().toFixed(4)} (true 3), b = ${params.b.item().toFixed(4)} (true 0.5)`);
console.log("\nthe gradient of the loss, as a traced program (jaxpr):");
console.log(makeJaxpr((p: Params) => valueAndGrad(loss)(p)[1])(params).toString());

// The same loop with graft/nn: an MLP fits sin(x) (examples/sine-regression.ts).
console.log("\nan nn.MLP (1-32-32-1, tanh) fitting sin(x) on [-pi, pi] with Adam:");
const { mse } = fitSine({ steps: 400 });
console.log(`test MSE ${mse.toExponential(2)}`);
