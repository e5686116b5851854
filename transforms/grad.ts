// grad and valueAndGrad: reverse mode for scalar-valued functions, with argnums/hasAux.
import { isArray, type NDArray } from "../core/array";
import { isComplex, isInexact } from "../core/dtype";
import { msg } from "../core/errors";
import { prims } from "../core/primitives";
import { full } from "../core/primitives/ops";
import * as tree from "../core/tree";
import { vjpWithAux } from "./linearize";
import { leafArrays, normalizeArgnums } from "./util";

export interface GradOpts {
  argnums?: number | readonly number[];
  hasAux?: boolean;
  /**
   * Promise that f is holomorphic (complex in, complex out), as JAX's `holomorphic=True`:
   * then grad returns df/dz. Without it, complex inputs are allowed but the output must be a
   * real scalar, and the gradient follows JAX's convention dL/dx - i dL/dy (step along its
   * conjugate to descend).
   */
  holomorphic?: boolean;
}

function gradImpl(op: string, f: (...args: any[]) => any, opts: GradOpts) {
  const argnumsSpec = opts.argnums ?? 0;
  return (...args: unknown[]): [unknown, unknown, unknown] => {
    const nums = normalizeArgnums(op, argnumsSpec, args.length);
    for (const i of nums) {
      for (const leaf of leafArrays(op, tree.leaves(args[i]))) {
        if (opts.holomorphic && !isComplex(leaf.dtype)) {
          throw new TypeError(msg(op, "with holomorphic: true requires inputs with a complex dtype",
            `argument ${i} with a leaf of dtype ${leaf.dtype} (${leaf.aval.str()})`, `Cast it with .astype("complex64").`));
        }
        if (!isInexact(leaf.dtype)) {
          throw new TypeError(msg(op, `can only differentiate with respect to floating-point inputs (float or complex dtypes)`,
            `argument ${i} with a leaf of dtype ${leaf.dtype} (${leaf.aval.str()})`,
            `Cast it with .astype("float32"), or leave it out of argnums.`));
        }
      }
    }
    const diffArgs = nums.map((i) => args[i]);
    const partial = (...diff: unknown[]) => {
      const full = args.slice();
      nums.forEach((i, k) => { full[i] = diff[k]; });
      return f(...full);
    };
    const [out, back, aux] = vjpWithAux(partial, diffArgs, opts.hasAux ?? false);
    if (isArray(out) && out.ndim === 0 && opts.holomorphic && !isComplex(out.dtype)) {
      throw new TypeError(msg(op, "with holomorphic: true requires a function returning a complex scalar", out.aval.str()));
    }
    if (isArray(out) && out.ndim === 0 && isComplex(out.dtype) && !opts.holomorphic) {
      throw new TypeError(msg(op, "requires real-valued outputs (a float dtype)", out.aval.str(),
        "For holomorphic functions pass { holomorphic: true }; for other complex outputs use vjp directly."));
    }
    if (!isArray(out) || out.ndim !== 0 || !isInexact(out.dtype)) {
      const what = isArray(out) ? out.aval.str() : tree.structure(out).toString();
      throw new TypeError(msg(op, "requires a function returning a scalar float array", what, "Use vjp or jacrev for non-scalar outputs."));
    }
    const cts = back(full((out as NDArray).aval.strong(), 1));
    const g = typeof argnumsSpec === "number" ? cts[0] : cts;
    return [out, g, aux];
  };
}

/**
 * Gradient of a scalar function with respect to argument(s) `argnums` (pytrees welcome).
 * @example grad((x) => np.sum(np.square(x)))(np.array([1, 2])) // [2, 4]
 * @example grad(loss, { argnums: [0, 1], hasAux: true })(w, b, x) // [[gw, gb], aux]
 * @example grad((z) => np.sum(np.square(np.abs(z))))(z) // 2 conj(z): dL/dx - i dL/dy, JAX's convention
 * @example grad((z) => np.sin(z), { holomorphic: true })(z) // cos(z)
 */
export function grad(f: (...args: any[]) => any, opts: GradOpts = {}): (...args: any[]) => any {
  const g = gradImpl("grad", f, opts);
  return (...args) => {
    const [, gr, aux] = g(...args);
    return opts.hasAux ? [gr, aux] : gr;
  };
}

/**
 * `[value, grad]`, or `[[value, aux], grad]` with `hasAux`.
 * @example const [loss, g] = valueAndGrad(lossFn)(params, batch)
 */
export function valueAndGrad(f: (...args: any[]) => any, opts: GradOpts = {}): (...args: any[]) => any {
  const g = gradImpl("valueAndGrad", f, opts);
  return (...args) => {
    const [value, gr, aux] = g(...args);
    return opts.hasAux ? [[value, aux], gr] : [value, gr];
  };
}

/**
 * The identity, with zero derivative: gradients do not flow through it.
 * @example grad((x) => x.mul(stopGradient(x)))(np.array(3)) // 3
 */
export function stopGradient<T>(x: T): T {
  return tree.map((l: unknown) => (isArray(l) ? prims.stop_gradient.bind1([l], {}) : l), x) as T;
}
