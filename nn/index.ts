// graft/nn: neural-network building blocks, written only against the public "graft" API.
// The module system, layers, losses and optimisers arrive with the nn issue; for now this
// re-exports the activation functions users reach for first.
export { relu, gelu, silu, sigmoid, softplus, logSigmoid, softmax, logSoftmax, logsumexp, oneHot, elu, leakyRelu, tanh, standardize } from "./activations";
