// tidy() and devicePut(): explicit control over where arrays live and when device memory
// is released (CPU memory is the garbage collector's; WebGPU buffers are released here).
import { ConcreteArray, type NDArray, popTidyScope, pushTidyScope } from "./array";
import { getBackend } from "./device";
import * as tree from "./tree";

/**
 * Runs `f` and disposes every array created inside that is not part of its result.
 * @example const loss = tidy(() => np.sum(np.square(x.sub(y))))
 */
export function tidy<T>(f: () => T): T {
  const scope = pushTidyScope();
  let out: T;
  try { out = f(); } finally { popTidyScope(); }
  if (out instanceof Promise) throw new TypeError("tidy: the function returned a Promise; tidy takes synchronous functions.");
  const keep = new Set(tree.leaves(out));
  for (const a of scope) if (!keep.has(a)) a.dispose();
  // Survivors belong to the enclosing scope, if any.
  return out;
}

/** Copies an array to a device ("cpu", "webgpu"). @example devicePut(x, "cpu") */
export function devicePut(x: NDArray, device: string): NDArray {
  const b = getBackend(device);
  if (!(x instanceof ConcreteArray)) throw new TypeError(`devicePut: expects a concrete array, got a traced ${x.aval.str()}.`);
  if (x.backend === b) return x;
  return new ConcreteArray(b, b.upload(x.backend.readSync(x.buffer, x.aval), x.aval), x.aval);   // storage form (float16 as bits)
}
