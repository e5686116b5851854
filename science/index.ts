// graft/science: scientific computing on top of the public "graft" API. Solvers and
// samplers arrive with their issues; this starts with log-densities used everywhere.
export * as stats from "./stats";
