// graft/nn optim: Optax-style optimisers (GradientTransformation protocol, chain, wrappers,
// schedules, L-BFGS with a zoom line search).
export { type GradientTransformation, type Schedule, type Scalar, type ScalarOrSchedule, type EmptyState, applyUpdates, chain, identity, scale, scaleBySchedule, scaleByLearningRate } from "./base";
export { scaleByAdam, scaleByRms, scaleByStddev, scaleByRss, scaleByLion, trace, globalNorm, clipByGlobalNorm, clip, addDecayedWeights } from "./transforms";
export { sgd, adam, adamw, rmsprop, adagrad, lion } from "./optimizers";
export { injectHyperparams, type InjectHyperparamsState } from "./inject";
export * as schedules from "./schedules";
export { lbfgs, scaleByLbfgs, scaleByZoomLinesearch, valueAndGradFromState, type ScaleByLbfgsState, type ZoomLinesearchOptions, type ZoomLinesearchState, type ZoomLinesearchInfo, type LinesearchExtras } from "./lbfgs";
export { masked, multiTransform, multiSteps, type MultiStepsState } from "./wrappers";
