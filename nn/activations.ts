// Activation functions for graft/nn (from the public nnFunctions namespace).
import { nnFunctions } from "graft";

export const { relu, gelu, silu, sigmoid, softplus, logSigmoid, softmax, logSoftmax, logsumexp, oneHot, elu, leakyRelu, tanh, standardize } = nnFunctions;
