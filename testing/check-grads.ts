// checkGrads: compares forward- and reverse-mode derivatives of `f` with central finite
// differences and with each other (the vjp/jvp inner-product identity), as
// jax.test_util.check_grads. Uses only graft's public API.
import { jvp, np, tree, vjp, type NDArray } from "graft";

export interface CheckGradsOpts {
  /** Derivative order to check (1 = first derivatives; 2 also checks derivatives of those). */
  order?: number;
  modes?: ("fwd" | "rev")[];
  /** Finite-difference step (default 1e-4 in float64, 3e-3 in float32). */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Seed of the random tangent/cotangent directions. */
  seed?: number;
}

/** A small seeded generator (mulberry32) for directions; checks must be reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

const isF64 = (x: NDArray) => x.dtype === "float64";
const leavesOf = (t: unknown): NDArray[] => tree.leaves(t).map((l) => np.asarray(l as NDArray));
function randomLike(t: unknown, next: () => number): unknown {
  return tree.map((l: unknown) => {
    const x = np.asarray(l as NDArray);
    return np.array(Float64Array.from({ length: x.size }, next), { shape: x.shape, dtype: x.dtype });
  }, t);
}
const axpy = (a: number, x: unknown, y: unknown) => tree.map((xi: NDArray, yi: NDArray) => np.add(yi, np.multiply(xi, a)), x, y);
const vdot = (a: unknown, b: unknown): number => {
  const la = leavesOf(a), lb = leavesOf(b);
  return la.reduce((s, x, i) => s + (np.sum(np.multiply(x.astype("float64"), lb[i].astype("float64"))).item()), 0);
};

function compare(what: string, got: unknown, want: unknown, atol: number, rtol: number): void {
  const g = leavesOf(got), w = leavesOf(want);
  if (g.length !== w.length) throw new Error(`checkGrads ${what}: ${g.length} outputs, expected ${w.length}.`);
  g.forEach((gi, i) => {
    const a = Array.from(gi.astype("float64").dataSync()), b = Array.from(w[i].astype("float64").dataSync());
    let worst = -1, worstErr = 0;
    a.forEach((v, k) => {
      const err = Math.abs(v - b[k]) - (atol + rtol * Math.abs(b[k]));
      if (!(err <= 0) && (worst < 0 || err > worstErr || Number.isNaN(err))) { worst = k; worstErr = err; }
    });
    if (worst >= 0) {
      throw new Error(`checkGrads ${what}: output ${i} ${gi.dtype}[${gi.shape.join(",")}] differs at flat index ${worst}: ` +
        `got ${a[worst]}, expected ${b[worst]} (atol ${atol}, rtol ${rtol}).\n  got:      ${a.slice(0, 8).map((v) => v.toPrecision(6)).join(", ")}\n  expected: ${b.slice(0, 8).map((v) => v.toPrecision(6)).join(", ")}`);
    }
  });
}

/**
 * Throws a readable report when f's derivatives disagree with finite differences.
 * Use float64 arguments for tight checks.
 * @example checkGrads((x) => np.sum(np.sin(x)), [np.array([0.3, 1.2], { dtype: "float64" })], { order: 2 })
 */
export function checkGrads(f: (...args: any[]) => any, args: unknown[], opts: CheckGradsOpts = {}): void {
  const order = opts.order ?? 1;
  const modes = opts.modes ?? ["fwd", "rev"];
  const f64 = leavesOf(args).every(isF64);
  const eps = opts.eps ?? (f64 ? 1e-4 : 3e-3);
  const atol = opts.atol ?? (f64 ? 1e-6 : 2e-2);
  const rtol = opts.rtol ?? (f64 ? 1e-5 : 2e-2);
  const next = rng(opts.seed ?? 0);
  const v = randomLike(args, next);
  if (modes.includes("fwd")) {
    const [, tangentOut] = jvp(f, args, v as unknown[]);
    const plus = f(...(axpy(eps, v, args) as unknown[])), minus = f(...(axpy(-eps, v, args) as unknown[]));
    const fd = tree.map((p: NDArray, m: NDArray) => np.divide(np.subtract(p, m), 2 * eps), plus, minus);
    compare("forward mode (jvp vs central differences)", tangentOut, fd, atol, rtol);
  }
  if (modes.includes("rev")) {
    const [out, back] = vjp(f, ...args);
    const u = randomLike(out, next);
    const cts = back(u);
    const [, jv] = jvp(f, args, v as unknown[]);
    const lhs = vdot(u, jv), rhs = vdot(cts, v);
    if (!(Math.abs(lhs - rhs) <= atol + rtol * Math.max(Math.abs(lhs), Math.abs(rhs)))) {
      throw new Error(`checkGrads reverse mode: <u, J v> = ${lhs} but <J^T u, v> = ${rhs} (atol ${atol}, rtol ${rtol}).`);
    }
  }
  if (order > 1) {
    const sub = { ...opts, order: order - 1, seed: (opts.seed ?? 0) + 1 };
    if (modes.includes("fwd")) checkGrads((...xs: unknown[]) => jvp(f, xs, v as unknown[])[1], args, sub);
    if (modes.includes("rev")) {
      const [out] = vjp(f, ...args);
      const u = randomLike(out, rng((opts.seed ?? 0) + 7));
      checkGrads((...xs: unknown[]) => vjp(f, ...xs)[1](u), args, sub);
    }
  }
}
