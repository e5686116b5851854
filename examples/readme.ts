// The README's example, kept runnable (npx tsx examples/readme.ts).
import { np, grad, vmap, jit, makeJaxpr, type NDArray } from "graft";

const f = (x: NDArray) => np.sum(np.tanh(x).mul(x));        // a scalar function of an array
const x = np.array([0.5, -1, 2]);                            // float32 by default
console.log(grad(f)(x).js());                                // df/dx: [0.85, -1.18, 1.1]
console.log(vmap(grad(f))(np.stack([x, x.mul(2)])).shape);   // per-row gradients: [2, 3]
const fastGrad = jit(grad(f));                               // traced once, then cached
console.log(np.allclose(fastGrad(x), grad(f)(x)));           // true
console.log(np.einsum("ij,j->i", np.eye(3), x).js());        // the NumPy API: [0.5, -1, 2]
console.log(makeJaxpr(np.sin)(x).toString());                // { lambda ; a:f32[3]. let b:f32[3] = sin a in (b) }
