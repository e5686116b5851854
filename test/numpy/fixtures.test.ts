/**
 * NumPy/SciPy reference fixtures for `np.*` and `nnFunctions` (like `jax.nn`).
 *
 * Cases live in test/fixtures/numpy.json, written by test/fixtures/gen_numpy.py
 * (`/usr/bin/python3 test/fixtures/gen_numpy.py`). Each case names a function, NumPy-ordered
 * positional args and keyword-only options; `call` maps it to graft's API (API.md: options
 * go in a final object). Results must match the expected shape and dtype exactly (dtypes
 * follow JAX with x64 off) and the values within the case's rtol/atol (NaN equals NaN,
 * infinities match in sign, integers and booleans exactly).
 */
import { describe, expect, it } from "vitest";
import { defaultDevice, np, nnFunctions } from "graft";
import cases from "../fixtures/numpy.json";
import { startWebgpu, usesFloat64 } from "../webgpu/setup";

type DType = "float32" | "float64" | "int32" | "uint32" | "bool";
type Num = number | string | boolean;
interface Encoded {
  array: Num[];
  shape: number[];
  dtype: DType;
}
interface Case {
  fn: string;
  id: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  expected: unknown;
  rtol: number;
  atol: number;
  skipValues?: boolean;
}

const CASES = cases as unknown as Case[];

// ---------------------------------------------------------------- decoding

const SPECIAL: Record<string, number> = { nan: NaN, inf: Infinity, "-inf": -Infinity };

function num(v: Num): number {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "string") {
    const x = SPECIAL[v];
    if (x === undefined) throw new Error(`fixture: bad number ${JSON.stringify(v)}`);
    return x;
  }
  return v;
}

function isEncoded(v: unknown): v is Encoded {
  return typeof v === "object" && v !== null && !Array.isArray(v) && "array" in v && "dtype" in v;
}

function typed(e: Encoded): Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array {
  const values = e.array.map(num);
  switch (e.dtype) {
    case "float32":
      return Float32Array.from(values);
    case "float64":
      return Float64Array.from(values);
    case "int32":
      return Int32Array.from(values);
    case "uint32":
      return Uint32Array.from(values);
    case "bool":
      return Uint8Array.from(values);
  }
}

/** Fixture value -> call argument: encoded arrays become graft arrays, "nan"/"inf" numbers. */
function decode(v: unknown): unknown {
  if (isEncoded(v)) return np.array(typed(v), { shape: v.shape, dtype: v.dtype });
  if (Array.isArray(v)) return v.map(decode);
  if (typeof v === "string" && v in SPECIAL) return SPECIAL[v];
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]));
  }
  return v;
}

// ---------------------------------------------------------------- the graft calls

type Any = any;
type Fn = (...a: Any[]) => Any;
type Call = (args: Any[], kw: Any) => Any;

/** Cases with no keyword options get `kw === undefined`, so calls look like `np.sum(x)`. */
const call: Record<string, Call> = {
  // creation
  array: ([data], kw) => np.array(data, kw),
  asarray: ([data], kw) => np.asarray(data, kw),
  zeros: ([shape], kw) => np.zeros(shape, kw),
  ones: ([shape], kw) => np.ones(shape, kw),
  empty: ([shape], kw) => np.empty(shape, kw),
  full: ([shape, value], kw) => np.full(shape, value, kw),
  zerosLike: ([x], kw) => np.zerosLike(x, kw),
  onesLike: ([x], kw) => np.onesLike(x, kw),
  fullLike: ([x, value], kw) => np.fullLike(x, value, kw),
  arange: ([start, stop, step], kw) => np.arange(start, stop, step, kw),
  linspace: ([start, stop, num], kw) => np.linspace(start, stop, num, kw),
  logspace: ([start, stop, num], kw) => np.logspace(start, stop, num, kw),
  // NumPy order: eye(N, M, k, { dtype })
  eye: ([n, m, k], kw) => np.eye(n, m, k, kw),
  identity: ([n], kw) => np.identity(n, kw),
  tri: ([n, m, k], kw) => np.tri(n, m, k, kw),
  diag: ([v, k]) => np.diag(v, k),
  meshgrid: (xs, kw) => (kw ? (np.meshgrid as Fn)(...xs, kw) : (np.meshgrid as Fn)(...xs)),

  // elementwise, binary
  add: ([a, b]) => np.add(a, b),
  subtract: ([a, b]) => np.subtract(a, b),
  multiply: ([a, b]) => np.multiply(a, b),
  divide: ([a, b]) => np.divide(a, b),
  trueDivide: ([a, b]) => np.trueDivide(a, b),
  floorDivide: ([a, b]) => np.floorDivide(a, b),
  mod: ([a, b]) => np.mod(a, b),
  power: ([a, b]) => np.power(a, b),
  arctan2: ([a, b]) => np.arctan2(a, b),
  maximum: ([a, b]) => np.maximum(a, b),
  minimum: ([a, b]) => np.minimum(a, b),
  logaddexp: ([a, b]) => np.logaddexp(a, b),
  hypot: ([a, b]) => np.hypot(a, b),
  equal: ([a, b]) => np.equal(a, b),
  notEqual: ([a, b]) => np.notEqual(a, b),
  less: ([a, b]) => np.less(a, b),
  lessEqual: ([a, b]) => np.lessEqual(a, b),
  greater: ([a, b]) => np.greater(a, b),
  greaterEqual: ([a, b]) => np.greaterEqual(a, b),
  logicalAnd: ([a, b]) => np.logicalAnd(a, b),
  logicalOr: ([a, b]) => np.logicalOr(a, b),
  logicalXor: ([a, b]) => np.logicalXor(a, b),
  clip: ([x, lo, hi]) => np.clip(x, lo, hi),
  where: ([cond, a, b]) => np.where(cond, a, b),

  // elementwise, unary
  negative: ([x]) => np.negative(x),
  abs: ([x]) => np.abs(x),
  sign: ([x]) => np.sign(x),
  exp: ([x]) => np.exp(x),
  exp2: ([x]) => np.exp2(x),
  expm1: ([x]) => np.expm1(x),
  log: ([x]) => np.log(x),
  log2: ([x]) => np.log2(x),
  log10: ([x]) => np.log10(x),
  log1p: ([x]) => np.log1p(x),
  sqrt: ([x]) => np.sqrt(x),
  cbrt: ([x]) => np.cbrt(x),
  square: ([x]) => np.square(x),
  reciprocal: ([x]) => np.reciprocal(x),
  sin: ([x]) => np.sin(x),
  cos: ([x]) => np.cos(x),
  tan: ([x]) => np.tan(x),
  arcsin: ([x]) => np.arcsin(x),
  arccos: ([x]) => np.arccos(x),
  arctan: ([x]) => np.arctan(x),
  sinh: ([x]) => np.sinh(x),
  cosh: ([x]) => np.cosh(x),
  tanh: ([x]) => np.tanh(x),
  arcsinh: ([x]) => np.arcsinh(x),
  arccosh: ([x]) => np.arccosh(x),
  arctanh: ([x]) => np.arctanh(x),
  floor: ([x]) => np.floor(x),
  ceil: ([x]) => np.ceil(x),
  trunc: ([x]) => np.trunc(x),
  round: ([x, decimals]) => np.round(x, decimals),
  isnan: ([x]) => np.isnan(x),
  isinf: ([x]) => np.isinf(x),
  isfinite: ([x]) => np.isfinite(x),
  logicalNot: ([x]) => np.logicalNot(x),
  nanToNum: ([x], kw) => np.nanToNum(x, kw),

  // reductions: (x, axis?, { keepdims, ddof, weights })
  sum: ([x, axis], kw) => np.sum(x, axis, kw),
  prod: ([x, axis], kw) => np.prod(x, axis, kw),
  mean: ([x, axis], kw) => np.mean(x, axis, kw),
  var: ([x, axis], kw) => np.var(x, axis, kw),
  std: ([x, axis], kw) => np.std(x, axis, kw),
  max: ([x, axis], kw) => np.max(x, axis, kw),
  min: ([x, axis], kw) => np.min(x, axis, kw),
  argmax: ([x, axis], kw) => np.argmax(x, axis, kw),
  argmin: ([x, axis], kw) => np.argmin(x, axis, kw),
  any: ([x, axis], kw) => np.any(x, axis, kw),
  all: ([x, axis], kw) => np.all(x, axis, kw),
  cumsum: ([x, axis], kw) => np.cumsum(x, axis, kw),
  cumprod: ([x, axis], kw) => np.cumprod(x, axis, kw),
  median: ([x, axis], kw) => np.median(x, axis, kw),
  quantile: ([x, q, axis], kw) => np.quantile(x, q, axis, kw),
  average: ([x, axis], kw) => np.average(x, axis, kw),

  // shapes
  reshape: ([x, shape]) => np.reshape(x, shape),
  ravel: ([x]) => np.ravel(x),
  transpose: ([x, axes]) => np.transpose(x, axes),
  swapaxes: ([x, a1, a2]) => np.swapaxes(x, a1, a2),
  moveaxis: ([x, src, dst]) => np.moveaxis(x, src, dst),
  expandDims: ([x, axis]) => np.expandDims(x, axis),
  squeeze: ([x, axis]) => np.squeeze(x, axis),
  broadcastTo: ([x, shape]) => np.broadcastTo(x, shape),
  broadcastArrays: (xs) => (np.broadcastArrays as Fn)(...xs),
  concatenate: ([xs, axis]) => np.concatenate(xs, axis),
  stack: ([xs, axis]) => np.stack(xs, axis),
  hstack: ([xs]) => np.hstack(xs),
  vstack: ([xs]) => np.vstack(xs),
  split: ([x, indicesOrSections, axis]) => np.split(x, indicesOrSections, axis),
  tile: ([x, reps]) => np.tile(x, reps),
  repeat: ([x, repeats, axis]) => np.repeat(x, repeats, axis),
  flip: ([x, axis]) => np.flip(x, axis),
  roll: ([x, shift, axis]) => np.roll(x, shift, axis),
  pad: ([x, padWidth], kw) => np.pad(x, padWidth, kw),
  triu: ([x, k]) => np.triu(x, k),
  tril: ([x, k]) => np.tril(x, k),
  diagonal: ([x, offset, axis1, axis2]) => np.diagonal(x, offset, axis1, axis2),
  trace: ([x, offset, axis1, axis2]) => np.trace(x, offset, axis1, axis2),

  // products
  matmul: ([a, b]) => np.matmul(a, b),
  dot: ([a, b]) => np.dot(a, b),
  vdot: ([a, b]) => np.vdot(a, b),
  inner: ([a, b]) => np.inner(a, b),
  outer: ([a, b]) => np.outer(a, b),
  tensordot: ([a, b, axes]) => np.tensordot(a, b, axes),
  einsum: ([subscripts, ...operands]) => (np.einsum as Fn)(subscripts, ...operands),
  kron: ([a, b]) => np.kron(a, b),
  cross: ([a, b]) => np.cross(a, b),

  // indexing, sorting, comparison helpers
  take: ([x, indices, axis]) => np.take(x, indices, axis),
  takeAlongAxis: ([x, indices, axis]) => np.takeAlongAxis(x, indices, axis),
  sort: ([x, axis]) => np.sort(x, axis),
  argsort: ([x, axis]) => np.argsort(x, axis),
  allclose: ([a, b], kw) => np.allclose(a, b, kw),
  isclose: ([a, b], kw) => np.isclose(a, b, kw),
  arrayEqual: ([a, b]) => np.arrayEqual(a, b),

  // nnFunctions
  "nn.relu": ([x]) => nnFunctions.relu(x),
  "nn.gelu": ([x], kw) => nnFunctions.gelu(x, kw),
  "nn.silu": ([x]) => nnFunctions.silu(x),
  "nn.sigmoid": ([x]) => nnFunctions.sigmoid(x),
  "nn.softplus": ([x]) => nnFunctions.softplus(x),
  "nn.logSigmoid": ([x]) => nnFunctions.logSigmoid(x),
  "nn.elu": ([x, alpha]) => nnFunctions.elu(x, alpha),
  "nn.leakyRelu": ([x, negativeSlope]) => nnFunctions.leakyRelu(x, negativeSlope),
  "nn.tanh": ([x]) => nnFunctions.tanh(x),
  "nn.softmax": ([x, axis]) => nnFunctions.softmax(x, axis),
  "nn.logSoftmax": ([x, axis]) => nnFunctions.logSoftmax(x, axis),
  "nn.logsumexp": ([x, axis], kw) => nnFunctions.logsumexp(x, axis, kw),
  "nn.oneHot": ([x, numClasses], kw) => nnFunctions.oneHot(x, numClasses, kw),
  "nn.standardize": ([x, axis], kw) => nnFunctions.standardize(x, axis, kw),
};

// ---------------------------------------------------------------- checking

function close(have: number, want: number, rtol: number, atol: number): boolean {
  if (Number.isNaN(want)) return Number.isNaN(have);
  if (!Number.isFinite(want)) return have === want;
  return Math.abs(have - want) <= atol + rtol * Math.abs(want);
}

function checkArray(c: Case, actual: Any, want: Encoded, where: string): void {
  expect(actual, `${c.id}${where}: no result`).toBeDefined();
  expect(
    { shape: Array.from(actual.shape as number[]), dtype: actual.dtype },
    `${c.id}${where}: shape/dtype`,
  ).toEqual({ shape: want.shape, dtype: want.dtype });
  if (c.skipValues) return;
  const got = actual.dataSync() as ArrayLike<number | boolean | bigint>;
  expect(got.length, `${c.id}${where}: dataSync() length`).toBe(want.array.length);
  const bad: string[] = [];
  want.array.forEach((w, i) => {
    const have = Number(got[i]);
    const expected = num(w);
    if (!close(have, expected, c.rtol, c.atol)) bad.push(`[${i}] got ${have}, want ${expected}`);
  });
  expect(
    bad.slice(0, 8),
    `${c.id}${where}: ${bad.length} of ${want.array.length} values differ ` +
      `(rtol ${c.rtol}, atol ${c.atol})`,
  ).toEqual([]);
}

function check(c: Case, out: unknown): void {
  const want = c.expected;
  if (typeof want === "boolean") {
    expect(out, `${c.id}: a JS boolean`).toBe(want);
  } else if (Array.isArray(want)) {
    expect(Array.isArray(out), `${c.id}: a JS array of arrays`).toBe(true);
    const outs = out as unknown[];
    expect(outs.length, `${c.id}: number of arrays`).toBe(want.length);
    want.forEach((w, i) => checkArray(c, outs[i], w as Encoded, `[${i}]`));
  } else {
    checkArray(c, out, want as Encoded, "");
  }
}

function run(c: Case): void {
  const f = call[c.fn];
  if (f === undefined) throw new Error(`no graft call for fixture function "${c.fn}"`);
  const args = c.args.map(decode);
  const kw = Object.keys(c.kwargs).length > 0 ? decode(c.kwargs) : undefined;
  check(c, f(args, kw));
}

/** Runs a case with every array (fixture operands and created ones) on `device`. */
function runOn(device: string, c: Case): void {
  const prev = defaultDevice();
  defaultDevice(device);
  try {
    const f = call[c.fn];
    const out = f(c.args.map(decode), Object.keys(c.kwargs).length > 0 ? decode(c.kwargs) : undefined);
    for (const o of Array.isArray(out) ? out : [out]) if (typeof o === "object") expect(o.device, `${c.id}: device`).toBe(device);
    check(c, out);
  } finally { defaultDevice(prev); }
}


// ---------------------------------------------------------------- the suite

const byFn = new Map<string, Case[]>();
for (const c of CASES) {
  const list = byFn.get(c.fn) ?? [];
  list.push(c);
  byFn.set(c.fn, list);
}

describe("numpy fixtures", () => {
  it("has a graft call for every fixture function, and cases for every call", () => {
    expect([...byFn.keys()].filter((fn) => !(fn in call))).toEqual([]);
    expect(Object.keys(call).filter((fn) => !byFn.has(fn))).toEqual([]);
  });
});

describe.each([...byFn.keys()])("%s", (fn) => {
  it.each(byFn.get(fn) ?? [])("$id", (c) => run(c));
});

// The same cases on WebGPU (every case without float64; WebGPU has none), with every
// array created on the GPU: its kernels must meet the NumPy references at the same
// tolerances as the CPU.
const hasGpu = await startWebgpu();
const gpuCases = CASES.filter((c) => !usesFloat64([c.args, c.kwargs, c.expected]));
describe.skipIf(!hasGpu)("numpy fixtures on webgpu", () => {
  it.each(gpuCases)("$fn $id", (c) => runOn("webgpu", c));
});
