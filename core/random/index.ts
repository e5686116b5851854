// The `random` namespace (jax.random): functional, splittable Threefry-2x32 keys. `key`,
// `split`, `foldIn`, `bits` and `uniform` match JAX >= 0.5 bit for bit (partitionable
// Threefry); the samplers follow jax.random's algorithms. See keys.ts for the key layout.
export { key, PRNGKey, split, foldIn, bits, threefry2x32 } from "./keys";
export type { Key, Shape } from "./keys";
export { uniform, normal, truncatedNormal, exponential, laplace, logistic, gumbel, gamma, loggamma, beta, dirichlet, multivariateNormal } from "./continuous";
export { bernoulli, categorical, randint, permutation, choice, poisson } from "./discrete";
