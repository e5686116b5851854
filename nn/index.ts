// graft/nn: neural-network building blocks, written only against the public "graft" API.
// The module system, layers, losses and optimisers arrive with the nn issue; for now this
// re-exports the activation functions users reach for first.
export { relu, gelu, silu, sigmoid, softplus, logSigmoid, softmax, logSoftmax, logsumexp, oneHot, elu, leakyRelu, tanh, standardize } from "./activations";
export * as losses from "./losses";
export * as optim from "./optim";
export { Module } from "./module";
export { Linear, MLP, Sequential, Lambda, Embedding, LayerNorm, RMSNorm, Dropout } from "./layers";
export type { Activation, ForwardOptions, Layer } from "./layers";
export * as init from "./init";
export { treeAt } from "./tree-at";
