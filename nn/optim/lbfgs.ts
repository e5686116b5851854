// graft/nn optim L-BFGS: the two-loop preconditioner (Optax `scale_by_lbfgs`), the zoom line
// search for the strong Wolfe conditions (Optax `scale_by_zoom_linesearch`, Nocedal & Wright,
// Numerical Optimization, Alg. 3.5 interval search + Alg. 3.6 zoom, with Hager & Zhang's
// approximate decrease test) and `lbfgs`, their chain (Optax `lbfgs`, optax/_src/alias.py).
//
// Everything is jittable: the line search is one `lax.whileLoop` whose body evaluates the
// objective once per iteration. Optax's body takes a `lax.cond` between the interval phase and
// the zoom phase and evaluates the function in each branch; here both phases first agree on the
// next trial step (an `np.where` on the phase flag), evaluate the function there once, and then
// compute both phases' bookkeeping from that single value/gradient, selecting with `np.where`.
// The iterates are the same as Optax's; the work per trial step is one value-and-gradient.
import { lax, np, tree, valueAndGrad, type NDArray } from "graft";
import { chain, identity, scale, scaleByLearningRate, type GradientTransformation, type ScalarOrSchedule } from "./base";

type Tree = any;

/** <a, b> summed over all leaves (real inputs). */
function vdot(a: Tree, b: Tree): NDArray {
  const la = tree.leaves<NDArray>(a), lb = tree.leaves<NDArray>(b);
  if (la.length === 0) return np.zeros([]);
  let s = np.sum(np.multiply(la[0]!, lb[0]!));
  for (let i = 1; i < la.length; i++) s = np.add(s, np.sum(np.multiply(la[i]!, lb[i]!)));
  return s;
}
const axpy = (alpha: NDArray | number, x: Tree, y: Tree): Tree =>
  tree.map((xi: NDArray, yi: NDArray) => np.add(yi, np.multiply(alpha, xi)), x, y);
const where = (c: NDArray, a: Tree, b: Tree): Tree =>
  tree.map((ai: NDArray, bi: NDArray) => np.where(c, ai, bi), a, b);
/** The floating dtype of the first leaf (the dtype scalars of the search are kept in). */
function floatDType(params: Tree): "float32" | "float64" {
  const first = tree.leaves<NDArray | number>(params)[0];
  if (first === undefined) throw new TypeError("lbfgs: params must hold at least one array, got an empty pytree.");
  const d = typeof first === "number" ? "float32" : first.dtype;
  if (d !== "float32" && d !== "float64") throw new TypeError(`lbfgs: params must be float32 or float64 arrays, got ${d}.`);
  return d;
}

/** State of `scaleByLbfgs`: the last params/updates and the memory of differences, oldest first. */
export interface ScaleByLbfgsState {
  count: NDArray;
  params: Tree;
  updates: Tree;
  /** Each leaf stacked `[memorySize, ...leaf.shape]`: s_k = w_{k+1} - w_k, newest last. */
  diffParamsMemory: Tree;
  /** y_k = g_{k+1} - g_k, stacked like `diffParamsMemory`. */
  diffUpdatesMemory: Tree;
  /** rho_k = 1 / <y_k, s_k> (0 for empty or degenerate slots, which then act as identity). */
  weightsMemory: NDArray;
}

/**
 * Multiplies the updates by the L-BFGS inverse-Hessian approximation (Optax `scale_by_lbfgs`;
 * Nocedal & Wright Alg. 7.4): two-loop recursion over the last `memorySize` pairs (s, y),
 * starting from `gamma I` with `gamma = <s, y> / <y, y>` of the newest pair (first step:
 * `min(1, 1/|g|)`, as Optax and SciPy do). The memory is kept in chronological order by
 * shifting, which is the same as Optax's ring buffer.
 * @example
 * const opt = nn.optim.chain(nn.optim.scaleByLbfgs({ memorySize: 5 }), nn.optim.scale(-0.5));
 */
export function scaleByLbfgs(opts: { memorySize?: number; scaleInitPrecond?: boolean } = {}): GradientTransformation<ScaleByLbfgsState> {
  const { memorySize: m = 10, scaleInitPrecond = true } = opts;
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`scaleByLbfgs: memorySize must be an integer >= 1, got ${m}.`);
  const push = (mem: NDArray, x: NDArray): NDArray => np.concatenate([mem.slice([1, null]), np.expandDims(x, 0)], 0);
  return {
    init: (params) => {
      const dt = floatDType(params);
      const stacked = tree.map((p: NDArray) => np.zeros([m, ...np.asarray(p).shape], { dtype: np.asarray(p).dtype }), params);
      return {
        count: np.zeros([], { dtype: "int32" }),
        params: tree.map((p: NDArray) => np.zerosLike(np.asarray(p)), params),
        updates: tree.map((p: NDArray) => np.zerosLike(np.asarray(p)), params),
        diffParamsMemory: stacked,
        diffUpdatesMemory: stacked,
        weightsMemory: np.zeros([m], { dtype: dt }),
      };
    },
    update: (updates, state, params) => {
      if (params === undefined) throw new TypeError("scaleByLbfgs: update needs params (call update(grads, state, params)).");
      const started = np.greater(state.count, 0);
      // The newest pair; zero (and weight 0) on the first call, where there is no previous point.
      const s = tree.map((p: NDArray, q: NDArray) => np.where(started, np.subtract(p, q), 0), params, state.params);
      const y = tree.map((u: NDArray, v: NDArray) => np.where(started, np.subtract(u, v), 0), updates, state.updates);
      const sy = vdot(y, s);
      const rho = np.where(np.equal(sy, 0), 0, np.divide(1, np.where(np.equal(sy, 0), 1, sy)));
      const dpm = tree.map(push, state.diffParamsMemory, s);
      const dum = tree.map(push, state.diffUpdatesMemory, y);
      const wm = push(state.weightsMemory, rho.astype(state.weightsMemory.dtype));
      let gamma: NDArray | number = 1;
      if (scaleInitPrecond) {
        const yy = vdot(y, y);
        const ratio = np.where(np.greater(yy, 0), np.divide(sy, np.where(np.greater(yy, 0), yy, 1)), 1);
        const capped = np.minimum(1, np.divide(1, np.sqrt(vdot(updates, updates))));
        gamma = np.where(started, ratio, capped);
      }
      // Two-loop recursion: q <- q - alpha_i y_i from newest to oldest, r = gamma q, then
      // r <- r + (alpha_i - beta_i) s_i from oldest to newest, beta_i = rho_i <y_i, r>.
      const xs = { s: dpm, y: dum, rho: wm };
      const [q, alphas] = lax.scan((v: Tree, k: { s: Tree; y: Tree; rho: NDArray }) => {
        const alpha = np.multiply(k.rho, vdot(k.s, v));
        return [axpy(np.negative(alpha), k.y, v), alpha];
      }, updates, xs, { reverse: true });
      const r0 = tree.map((v: NDArray) => np.multiply(gamma, v), q);
      const [r] = lax.scan((v: Tree, k: { s: Tree; y: Tree; rho: NDArray; alpha: NDArray }) => {
        const beta = np.multiply(k.rho, vdot(k.y, v));
        return [axpy(np.subtract(k.alpha, beta), k.s, v), null];
      }, r0, { ...xs, alpha: alphas });
      return [r, {
        count: np.add(state.count, 1).astype("int32"),
        params, updates, diffParamsMemory: dpm, diffUpdatesMemory: dum, weightsMemory: wm,
      }];
    },
  };
}

/** Options of the zoom line search (Optax `scale_by_zoom_linesearch`, same defaults). */
export interface ZoomLinesearchOptions {
  /** Most trial steps per search (each one value-and-gradient evaluation). */
  maxLinesearchSteps?: number;
  /** Upper bound on the step size (none by default). */
  maxLearningRate?: number | null;
  /** Tolerance on both criteria. */
  tol?: number;
  /** Growth factor of the trial step while searching for a bracketing interval. */
  increaseFactor?: number;
  /** c1 of the sufficient-decrease (Armijo) condition. */
  slopeRtol?: number;
  /** c2 of the curvature (strong Wolfe) condition. */
  curvRtol?: number;
  /** Relative tolerance of Hager-Zhang's approximate decrease test; null for Armijo only. */
  approxDecRtol?: number | null;
  /** Below this interval length, a step with sufficient decrease is accepted. */
  stepsizePrecision?: number;
  /** First trial step: 1 ("one", for quasi-Newton directions) or the last step ("keep"). */
  initialGuessStrategy?: "one" | "keep";
}

/** Diagnostics of the last search (Optax `ZoomLinesearchInfo`). */
export interface ZoomLinesearchInfo { numLinesearchSteps: NDArray; decreaseError: NDArray; curvatureError: NDArray }
/** State of `scaleByZoomLinesearch`: the accepted step and the value/gradient there. */
export interface ZoomLinesearchState { learningRate: NDArray; value: NDArray; grad: Tree; info: ZoomLinesearchInfo }

/** Extras the line search reads from `update(updates, state, params, extras)`. */
export interface LinesearchExtras {
  /** Objective at `params` (computed from `valueFn` when omitted). */
  value?: NDArray | number;
  /** Gradient at `params` (computed from `valueFn` when omitted). */
  grad?: Tree;
  /** The objective `params => scalar`; differentiated with `valueAndGrad`. */
  valueFn: (params: any, ...args: any[]) => NDArray;
  /** Further arguments of `valueFn` after params (e.g. a batch). */
  fnArgs?: unknown[];
}

// Critical point of the cubic through (a, fa), (b, fb), (c, fc) with slope fpa at a (SciPy's
// `_cubicmin`); NaN when there is none, which then fails the validity checks below.
function cubicmin(a: NDArray, fa: NDArray, fpa: NDArray, b: NDArray, fb: NDArray, c: NDArray, fc: NDArray): NDArray {
  const db = np.subtract(b, a), dc = np.subtract(c, a);
  const denom = np.multiply(np.square(np.multiply(db, dc)), np.subtract(db, dc));
  const rb = np.subtract(np.subtract(fb, fa), np.multiply(fpa, db));
  const rc = np.subtract(np.subtract(fc, fa), np.multiply(fpa, dc));
  const A = np.divide(np.subtract(np.multiply(np.square(dc), rb), np.multiply(np.square(db), rc)), denom);
  const B = np.divide(np.add(np.multiply(np.negative(np.power(dc, 3)), rb), np.multiply(np.power(db, 3), rc)), denom);
  const radical = np.subtract(np.square(B), np.multiply(np.multiply(3, A), fpa));
  return np.add(a, np.divide(np.add(np.negative(B), np.sqrt(radical)), np.multiply(3, A)));
}
// Critical point of the quadratic through (a, fa), (b, fb) with slope fpa at a.
function quadmin(a: NDArray, fa: NDArray, fpa: NDArray, b: NDArray, fb: NDArray): NDArray {
  const db = np.subtract(b, a);
  const B = np.divide(np.subtract(np.subtract(fb, fa), np.multiply(fpa, db)), np.square(db));
  return np.subtract(a, np.divide(fpa, np.multiply(2, B)));
}

/**
 * Scales the update direction by a step size satisfying the strong Wolfe conditions
 * `f(w + t u) <= f(w) + c1 t <g, u>` and `|<g(w + t u), u>| <= c2 |<g, u>|` (Optax
 * `scale_by_zoom_linesearch`). `update` needs `{ valueFn }` in the extras (and takes `value`,
 * `grad` at params when known); the state keeps the value and gradient at the accepted point.
 * @example
 * const opt = nn.optim.chain(nn.optim.sgd(1), nn.optim.scaleByZoomLinesearch({ maxLinesearchSteps: 15 }));
 */
export function scaleByZoomLinesearch(opts: ZoomLinesearchOptions = {}): GradientTransformation<ZoomLinesearchState> {
  const {
    maxLinesearchSteps = 20, maxLearningRate = null, tol = 0, increaseFactor = 2, slopeRtol = 1e-4,
    curvRtol = 0.9, approxDecRtol = 1e-6, stepsizePrecision = 1e-5, initialGuessStrategy = "keep",
  } = opts;
  if (initialGuessStrategy !== "one" && initialGuessStrategy !== "keep") {
    throw new TypeError(`scaleByZoomLinesearch: initialGuessStrategy must be "one" or "keep", got ${JSON.stringify(initialGuessStrategy)}.`);
  }
  return {
    init: (params) => {
      const dt = floatDType(params);
      return {
        learningRate: np.array(1, { dtype: dt }),
        value: np.array(Infinity, { dtype: dt }),
        grad: tree.map((p: NDArray) => np.zerosLike(np.asarray(p)), params),
        info: { numLinesearchSteps: np.zeros([], { dtype: "int32" }), decreaseError: np.array(Infinity, { dtype: dt }), curvatureError: np.array(Infinity, { dtype: dt }) },
      };
    },
    update: (updates, state, params, extras) => {
      const ex = (extras ?? {}) as Partial<LinesearchExtras>;
      if (typeof ex.valueFn !== "function") {
        throw new TypeError("scaleByZoomLinesearch: update needs the objective in the extras, got none; call update(grads, state, params, { value, grad, valueFn }).");
      }
      if (params === undefined) throw new TypeError("scaleByZoomLinesearch: update needs params (call update(grads, state, params, extras)).");
      const dt = floatDType(params);
      const S = (v: number) => np.array(v, { dtype: dt });
      const args = ex.fnArgs ?? [];
      const vg = valueAndGrad((p: Tree) => ex.valueFn!(p, ...args));
      let value0: NDArray, grad0: Tree;
      if (ex.value === undefined || ex.grad === undefined) [value0, grad0] = vg(params) as [NDArray, Tree];
      else [value0, grad0] = [np.asarray(ex.value), ex.grad];
      value0 = value0.astype(dt);
      const slope0 = vdot(updates, grad0).astype(dt);
      const guess = initialGuessStrategy === "one" ? S(1) : state.learningRate;

      // Hager-Zhang: near a minimum, values differ by less than sqrt(eps) and Armijo fails;
      // accept then a slope decrease (2 c1 - 1) <g0, u> >= <g, u> provided f <= f0 + eps_r |f0|.
      const decreaseError = (t: NDArray, v: NDArray, sl: NDArray): NDArray => {
        let err = np.subtract(np.subtract(v, value0), np.multiply(np.multiply(slopeRtol, t), slope0));
        if (approxDecRtol !== null) {
          const approx = np.maximum(np.subtract(sl, np.multiply(2 * slopeRtol - 1, slope0)),
            np.subtract(np.subtract(v, value0), np.multiply(approxDecRtol, np.abs(value0))));
          err = np.minimum(approx, err);
        }
        err = np.maximum(err, 0);
        return np.where(np.isnan(err), Infinity, err);
      };
      const curvatureError = (sl: NDArray): NDArray => {
        const err = np.maximum(np.subtract(np.abs(sl), np.multiply(curvRtol, np.abs(slope0))), 0);
        return np.where(np.isnan(err), Infinity, err);
      };

      type LS = {
        count: NDArray; stepsize: NDArray; value: NDArray; grad: Tree; slope: NDArray;
        decErr: NDArray; curvErr: NDArray; intervalFound: NDArray; done: NDArray; failed: NDArray;
        low: NDArray; valueLow: NDArray; slopeLow: NDArray; high: NDArray; valueHigh: NDArray; slopeHigh: NDArray;
        cubicRef: NDArray; valueCubicRef: NDArray; safeStepsize: NDArray; safeValue: NDArray; safeGrad: Tree;
      };
      const F = np.array(false);
      const init: LS = {
        count: np.zeros([], { dtype: "int32" }), stepsize: S(0), value: value0, grad: grad0, slope: slope0,
        decErr: S(Infinity), curvErr: S(Infinity), intervalFound: F, done: F, failed: F,
        low: S(0), valueLow: value0, slopeLow: slope0, high: S(0), valueHigh: value0, slopeHigh: slope0,
        cubicRef: S(0), valueCubicRef: value0, safeStepsize: S(0), safeValue: value0, safeGrad: grad0,
      };

      const body = (st: LS): LS => {
        const first = np.equal(st.count, 0);
        // Interval phase (Alg. 3.5): the guess, then steps growing by increaseFactor.
        let searchStep = np.where(first, guess, np.multiply(increaseFactor, st.stepsize));
        let maxReached = F;
        if (maxLearningRate !== null) {
          maxReached = np.greaterEqual(searchStep, maxLearningRate);
          searchStep = np.minimum(searchStep, maxLearningRate);
        }
        // Zoom phase (Alg. 3.6): cubic interpolation, else quadratic, else bisection, each
        // only if it lands safely inside [left, right].
        const delta = np.abs(np.subtract(st.high, st.low));
        const left = np.minimum(st.high, st.low), right = np.maximum(st.high, st.low);
        const inside = (x: NDArray, margin: number) =>
          np.logicalAnd(np.greater(x, np.add(left, np.multiply(margin, delta))), np.less(x, np.subtract(right, np.multiply(margin, delta))));
        const cubic = cubicmin(st.low, st.valueLow, st.slopeLow, st.high, st.valueHigh, st.cubicRef, st.valueCubicRef);
        const quad = quadmin(st.low, st.valueLow, st.slopeLow, st.high, st.valueHigh);
        const useCubic = inside(cubic, 0.2);
        const useQuad = np.logicalAnd(np.logicalNot(useCubic), inside(quad, 0.1));
        const middle = np.where(useCubic, cubic, np.where(useQuad, quad, np.multiply(0.5, np.add(st.low, st.high))));
        const zoom = st.intervalFound;
        const t = np.where(zoom, middle, searchStep).astype(dt);

        // One evaluation of value and gradient at w + t u.
        const [vRaw, g] = vg(axpy(t, updates, params)) as [NDArray, Tree];
        const v = vRaw.astype(dt);
        const sl = vdot(g, updates).astype(dt);
        const decErr = decreaseError(t, v, sl), curvErr = curvatureError(sl);
        const err = np.maximum(decErr, curvErr);
        const ok = np.lessEqual(err, tol);
        const safeDecrease = np.lessEqual(decErr, tol);
        const lastIter = np.greaterEqual(np.add(st.count, 1), maxLinesearchSteps);

        // --- interval-phase bookkeeping
        const sHigh = np.logicalOr(np.greater(decErr, 0), np.logicalAnd(np.greaterEqual(v, st.value), np.logicalNot(first)));
        const sLow = np.logicalAnd(np.greaterEqual(sl, 0), np.logicalNot(sHigh));
        const sFound = np.logicalOr(np.logicalOr(sHigh, sLow), ok);
        const sDone = np.logicalOr(ok, np.logicalAnd(maxReached, np.logicalNot(sFound)));
        const sel = (c: NDArray, a: NDArray, b: NDArray) => np.where(c, a, b);
        // Default: [low, high] = [previous, new]; if the slope turned positive, [new, previous].
        const s = {
          low: sel(sLow, t, st.stepsize), valueLow: sel(sLow, v, st.value), slopeLow: sel(sLow, sl, st.slope),
          high: sel(sLow, st.stepsize, t), valueHigh: sel(sLow, st.value, v), slopeHigh: sel(sLow, st.slope, sl),
        };
        const sSafe = safeDecrease;

        // --- zoom-phase bookkeeping
        const zHighToMid = np.logicalOr(np.greater(decErr, 0), np.greaterEqual(v, st.valueLow));
        const zHighToLow = np.logicalAnd(np.greaterEqual(np.multiply(sl, np.subtract(st.high, st.low)), 0), np.logicalNot(zHighToMid));
        const zLowToMid = np.logicalNot(zHighToMid);
        const h1 = { x: sel(zHighToMid, t, st.high), v: sel(zHighToMid, v, st.valueHigh), s: sel(zHighToMid, sl, st.slopeHigh) };
        const z = {
          high: sel(zHighToLow, st.low, h1.x), valueHigh: sel(zHighToLow, st.valueLow, h1.v), slopeHigh: sel(zHighToLow, st.slopeLow, h1.s),
          low: sel(zLowToMid, t, st.low), valueLow: sel(zLowToMid, v, st.valueLow), slopeLow: sel(zLowToMid, sl, st.slopeLow),
        };
        const refIsHigh = np.logicalOr(zHighToMid, zHighToLow);
        const zSafe = np.logicalAnd(safeDecrease, np.less(v, st.safeValue));
        const newSafe = np.where(zoom, zSafe, sSafe);
        const safeStepsize = sel(newSafe, t, st.safeStepsize);
        const safeValue = sel(newSafe, v, st.safeValue);
        const safeGrad = where(newSafe, g, st.safeGrad);
        const tooSmall = np.lessEqual(delta, stepsizePrecision);
        const zFailed = np.logicalAnd(np.logicalOr(lastIter, np.logicalAnd(tooSmall, np.greater(safeStepsize, 0))), np.logicalNot(ok));
        const sFailed = np.logicalAnd(lastIter, np.logicalNot(sDone));

        const pick = (zv: NDArray, sv: NDArray) => np.where(zoom, zv, sv);
        const low = pick(z.low, s.low), valueLow = pick(z.valueLow, s.valueLow), slopeLow = pick(z.slopeLow, s.slopeLow);
        const done = pick(ok, sDone), failed = pick(zFailed, sFailed);
        let next: LS = {
          count: np.add(st.count, 1).astype("int32"), stepsize: t, value: v, grad: g, slope: sl, decErr, curvErr,
          intervalFound: np.logicalOr(zoom, sFound), done, failed,
          low, valueLow, slopeLow,
          high: pick(z.high, s.high), valueHigh: pick(z.valueHigh, s.valueHigh), slopeHigh: pick(z.slopeHigh, s.slopeHigh),
          // After an interval search the cubic reference is low; in zoom it is the endpoint
          // that was replaced (the old high if high moved, else the old low).
          cubicRef: pick(sel(refIsHigh, st.high, st.low), low), valueCubicRef: pick(sel(refIsHigh, st.valueHigh, st.valueLow), valueLow),
          safeStepsize, safeValue, safeGrad,
        };
        // On failure fall back to the best step with sufficient decrease, if any (or to the
        // step 0 if the objective is not even finite along the direction).
        const useSafe = np.logicalAnd(failed, np.logicalOr(np.greater(safeStepsize, 0), np.isinf(decErr)));
        next = { ...next, stepsize: sel(useSafe, safeStepsize, t), value: sel(useSafe, safeValue, v), grad: where(useSafe, safeGrad, g) };
        return next;
      };
      const out: LS = lax.whileLoop((st: LS) => np.logicalNot(np.logicalOr(st.done, st.failed)), body, init);
      const lr = out.stepsize;
      return [tree.map((u: NDArray) => np.multiply(lr, u), updates), {
        learningRate: lr, value: out.value, grad: out.grad,
        info: { numLinesearchSteps: out.count, decreaseError: out.decErr, curvatureError: out.curvErr },
      }];
    },
  };
}

/**
 * L-BFGS with a zoom line search (Optax `lbfgs`): `chain(scaleByLbfgs, scale(-1) or
 * -learningRate, linesearch)`. Call `update(grads, state, params, { value, grad, valueFn })`
 * (Optax: `update(grad, state, params, value=, grad=, value_fn=)`); `learningRate` rescales
 * the direction before the search (none by default); `linesearch: null` disables the search.
 * @example
 * const opt = nn.optim.lbfgs(); const [u, s] = opt.update(g, state, x, { value: v, grad: g, valueFn: f });
 */
export function lbfgs(opts: { learningRate?: ScalarOrSchedule | null; memorySize?: number; scaleInitPrecond?: boolean; linesearch?: GradientTransformation | null } = {}): GradientTransformation<any[]> {
  const linesearch = opts.linesearch === undefined
    ? scaleByZoomLinesearch({ maxLinesearchSteps: 20, initialGuessStrategy: "one" })
    : opts.linesearch ?? identity();
  const base = opts.learningRate == null ? scale(-1) : scaleByLearningRate(opts.learningRate);
  return chain(scaleByLbfgs({ memorySize: opts.memorySize, scaleInitPrecond: opts.scaleInitPrecond }), base, linesearch);
}

/**
 * The value and gradient stored by the line search in an optimiser state when finite (the
 * objective at the params it just produced), else computed (Optax `value_and_grad_from_state`);
 * saves one evaluation per L-BFGS iteration on deterministic objectives.
 * @example
 * const vg = nn.optim.valueAndGradFromState(f); const [v, g] = vg(params, state);
 */
export function valueAndGradFromState(valueFn: (params: any, ...args: any[]) => NDArray):
  (params: any, state: unknown, ...args: unknown[]) => [NDArray, any] {
  return (params, state, ...args) => {
    const found: ZoomLinesearchState[] = [];
    const visit = (x: unknown): void => {
      if (Array.isArray(x)) x.forEach(visit);
      else if (x !== null && typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype) {
        const o = x as Record<string, unknown>;
        if ("learningRate" in o && "value" in o && "grad" in o && "info" in o) found.push(o as unknown as ZoomLinesearchState);
        else Object.values(o).forEach(visit);
      }
    };
    visit(state);
    if (found.length !== 1) {
      throw new TypeError(`valueAndGradFromState: the state must hold exactly one line-search state (value and grad), got ${found.length}.`);
    }
    const { value, grad } = found[0]!;
    const fresh = () => valueAndGrad((p: unknown) => valueFn(p, ...args))(params) as [NDArray, any];
    // Types of the stored pair decide the branch outputs' types (the fresh pair is cast).
    return lax.cond(np.isfinite(value), () => [value, grad], () => {
      const [v, g] = fresh();
      return [v.astype(value.dtype), tree.map((gi: NDArray, ref: NDArray) => gi.astype(ref.dtype), g, grad)];
    }) as [NDArray, any];
  };
}
