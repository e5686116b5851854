// Log-densities of common distributions, differentiable and broadcasting.
import { np, type Operand, type NDArray } from "graft";

const LOG_2PI = Math.log(2 * Math.PI);

/** log N(x | loc, scale^2). @example stats.normalLogPdf(x, 0, 1) */
export function normalLogPdf(x0: Operand, loc0: Operand = 0, scale0: Operand = 1): NDArray {
  const [x, loc, scale] = np.promoteDtypes(x0, loc0, scale0);
  const z = np.divide(np.subtract(x, loc), scale);
  return np.subtract(np.multiply(-0.5, np.add(np.square(z), LOG_2PI)), np.log(scale));
}

/** log of the Laplace density with location `loc` and scale `b`. @example stats.laplaceLogPdf(x, 0, 1) */
export function laplaceLogPdf(x0: Operand, loc0: Operand = 0, scale0: Operand = 1): NDArray {
  const [x, loc, scale] = np.promoteDtypes(x0, loc0, scale0);
  return np.negative(np.add(np.divide(np.abs(np.subtract(x, loc)), scale), np.log(np.multiply(2, scale))));
}
