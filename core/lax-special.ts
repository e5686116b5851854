// lax special functions backing `random`: erfInv, nextafter, randomGammaGrad (jax.lax names).
import type { NDArray, Operand } from "./array";
import { asArray, promote } from "./numpy/util";
import { prims } from "./primitives";

/**
 * Inverse error function on [-1, 1] (float input; ±1 give ±inf).
 * @example lax.erfInv(np.array([0, 0.5], { dtype: "float64" })) // [0, 0.4769362762044699]
 */
export const erfInv = (x: Operand): NDArray => prims.erf_inv.bind1([asArray(x)], {});

/**
 * The next representable float after `x` toward `y` (same float dtype, or scalars).
 * @example lax.nextafter(np.array(1), np.array(2)) // 1.0000001 (float32)
 */
export const nextafter = (x: Operand, y: Operand): NDArray => prims.nextafter.bind1(promote([x, y]), {});

/**
 * d sample / d a for a Gamma(a, 1) sample at fixed CDF value (implicit reparameterisation).
 * @example lax.randomGammaGrad(np.array(2.0), np.array(1.5))
 */
export const randomGammaGrad = (a: Operand, x: Operand): NDArray => prims.random_gamma_grad.bind1(promote([a, x]), {});
