// graft/nn: neural-network building blocks, written only against the public "graft" API:
// modules as pytrees, layers, initialisers, losses, Optax-style optimisers, training utilities.
export { relu, gelu, silu, sigmoid, softplus, logSigmoid, softmax, logSoftmax, logsumexp, oneHot, elu, leakyRelu, tanh, standardize } from "./activations";
export * as losses from "./losses";
export * as optim from "./optim";
export { Module } from "./module";
export { Linear, MLP, Sequential, Lambda, Embedding, LayerNorm, RMSNorm, Dropout } from "./layers";
export type { Activation, ForwardOptions, Layer } from "./layers";
export * as init from "./init";
export { treeAt } from "./tree-at";
export { Conv, Conv1d, Conv2d, Conv3d, ConvTranspose, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d } from "./conv";
export type { ConvOptions, ConvTransposeOptions, PaddingSpec } from "./conv";
export { MaxPool, MaxPool1d, MaxPool2d, MaxPool3d, AvgPool, AvgPool1d, AvgPool2d, AvgPool3d, AdaptiveAvgPool, AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d } from "./pool";
export type { PoolOptions } from "./pool";
export { GroupNorm, BatchNorm } from "./norm";
export type { BatchNormState } from "./norm";
export { MultiheadAttention } from "./attention";
export type { MultiheadAttentionOptions } from "./attention";
export { GRUCell, LSTMCell, scanRnn } from "./recurrent";
export type { RnnCellOptions, RecurrentCell } from "./recurrent";
export { partition, combine } from "./partition";
export type { FilterSpec, FilterLeaf } from "./partition";
export { trainStep, EarlyStopping, type TrainStep, type TrainStepWithAux, type EarlyStoppingOptions } from "./train";
export { batches, type BatchOptions, type Batches } from "./data";
export { accuracy, Mean, Metrics } from "./metrics";
export { ProgressBar, progress, type ProgressOptions, type ProgressMode } from "./progress";
export { save, load, toSafetensors, fromSafetensors, parseSafetensors, leafNames, type SafetensorsInfo } from "./checkpoint";
