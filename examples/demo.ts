// `npm run demo`: fit a line y = a x + b by gradient descent, with the gradient of the
// mean squared error written out by hand (graft's `grad` lands with the transforms issue,
// and this demo will then use it). Prints progress and the fitted parameters.
import { np, makeJaxpr, type NDArray } from "graft";

const xs = np.linspace(-1, 1, 64);
const ys = xs.mul(3).add(0.5).add(np.sin(xs.mul(40)).mul(0.05)); // a = 3, b = 0.5, plus a wiggle

let a = np.array(0), b = np.array(0);
const lr = 0.5;
for (let step = 0; step <= 200; step++) {
  const resid = xs.mul(a).add(b).sub(ys);              // r = a x + b - y
  const loss = np.mean(np.square(resid));
  const gradA = np.mean(resid.mul(xs)).mul(2);          // dL/da = 2 mean(r x)
  const gradB = np.mean(resid).mul(2);                  // dL/db = 2 mean(r)
  a = a.sub(gradA.mul(lr));
  b = b.sub(gradB.mul(lr));
  if (step % 40 === 0) console.log(`step ${String(step).padStart(3)}  loss ${loss.item().toExponential(3)}  a ${a.item().toFixed(4)}  b ${b.item().toFixed(4)}`);
}
console.log(`\nfitted: a = ${a.item().toFixed(4)} (true 3), b = ${b.item().toFixed(4)} (true 0.5)`);
console.log("\nthe loss as a traced program (jaxpr):");
console.log(makeJaxpr((a: NDArray, b: NDArray) => np.mean(np.square(xs.mul(a).add(b).sub(ys))))(a, b).toString());
