// The README's example, kept runnable (npx tsx examples/readme.ts).
import { np, nnFunctions, makeJaxpr, type NDArray } from "graft";

const x = np.array([[1, 2, 3], [4, 5, 6]]);           // float32 by default
const y = x.mul(2).add(1);                             // JS numbers are weakly typed: stays f32
console.log(np.matmul(x, y.T).toString());             // [[ 34.  70.] [ 79. 169.]]
console.log(np.einsum("ij,ij->i", x, y).js());         // [34, 169]
console.log(nnFunctions.softmax(x, -1).sum(-1).js());  // [1, 1]
console.log(x.slice([], [null, null, -1]).toString()); // reversed columns
console.log(makeJaxpr((a: NDArray) => np.sin(a))(np.ones([3])).toString());
