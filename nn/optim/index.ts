// graft/nn optim: Optax-style optimisers (GradientTransformation protocol, chain, schedules).
// Not yet here (later slices of issue 7): lbfgs, masked, multiTransform, multiSteps.
export { type GradientTransformation, type Schedule, type Scalar, type ScalarOrSchedule, type EmptyState, applyUpdates, chain, identity, scale, scaleBySchedule, scaleByLearningRate } from "./base";
export { scaleByAdam, scaleByRms, scaleByStddev, scaleByRss, scaleByLion, trace, globalNorm, clipByGlobalNorm, clip, addDecayedWeights } from "./transforms";
export { sgd, adam, adamw, rmsprop, adagrad, lion } from "./optimizers";
export { injectHyperparams, type InjectHyperparamsState } from "./inject";
export * as schedules from "./schedules";
