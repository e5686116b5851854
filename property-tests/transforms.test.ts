// Transform laws over the op table in ./op-specs.ts, in float64 (as JAX's lax_autodiff_test):
// jvp against central differences and vjp as the transpose of jvp (checkGrads, order 1 and 2),
// jit(f) == f, vmap(f) == stacking f over a JS loop for random inAxes / outAxes,
// jacfwd == jacrev, and the Hessian of sum(w f + f^2 / 2) symmetric and equal to finite differences
// of its gradient. Then second derivatives of scalar functions, control flow (scan, foriLoop,
// whileLoop, cond, switch) against the same computation unrolled in JS, and nested
// transforms (perturbation confusion, jvp-of-grad, grad-of-vmap, jit-of-grad).
import { describe, expect, it } from "vitest";
import fc, { type Arbitrary } from "fast-check";
import { grad, hessian, jacfwd, jacrev, jit, jvp, lax, linearize, nnFunctions, np, vjp, vmap, type NDArray } from "graft";
import { arrays, checkGrads } from "graft/testing";
import { OP_SPECS, caseToString, opCases, real, type OpCase, type OpSpec } from "./op-specs";
import { expectClose, flat, sizeOf } from "./util";

const RUNS = process.env.GRAFT_DEEP ? 200 : 12;
const opts = { numRuns: RUNS };
const F64 = "float64" as const;
const f64 = (v: number | number[] | number[][]) => np.array(v, { dtype: F64 });
const maxAbs = (x: NDArray) => flat(x).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** Same shape and dtype, and |got - want| <= atol + rtol |want| elementwise. */
function expectArraysClose(got: NDArray, want: NDArray, rtol: number, atol: number, what: string): void {
  expect(got.shape, `${what}: shape`).toEqual(want.shape);
  expect(got.dtype, `${what}: dtype`).toBe(want.dtype);
  const w = flat(want);
  expectClose(flat(got), w, w.map((v) => atol + rtol * Math.abs(v)), what);
}
/** Agreement of two float64 computations of the same quantity by different routes. */
const expectSame = (got: NDArray, want: NDArray, what: string, rtol = 1e-12) =>
  expectArraysClose(got, want, rtol, rtol * (1 + maxAbs(want)), what);

/** Directional derivative of h at x along u by the five-point stencil (error O(step^4)). */
function fivePoint(h: (x: NDArray) => NDArray, x: NDArray, u: NDArray, step: number): NDArray {
  const at = (k: number) => h(x.add(u.mul(k * step)));
  return np.subtract(np.subtract(at(1), at(-1)).mul(8), np.subtract(at(2), at(-2))).div(12 * step);
}

/**
 * `got` equals the directional derivative of h along u to 1e-6 (absolute and relative),
 * plus the finite differences' own error, estimated from stencils at two steps (their
 * difference is ~15x the error of the finer one): steep functions don't fail on truncation
 * error, while a wrong sign or factor still does.
 */
function expectDirectionalDerivative(got: NDArray, h: (x: NDArray) => NDArray, x: NDArray, u: NDArray, what: string): void {
  const coarse = flat(fivePoint(h, x, u, 1e-3)), fine = fivePoint(h, x, u, 5e-4);
  const f = flat(fine);
  expect(got.shape, `${what}: shape`).toEqual(fine.shape);
  expectClose(flat(got), f, f.map((v, i) => 1e-6 + 1e-6 * Math.abs(v) + Math.abs(coarse[i] - v)), what);
}

/** A vector of all inputs (raveled, concatenated) and the inverse map back to the arguments. */
function packer(shs: number[][]) {
  const pack = (xs: NDArray[]) => np.concatenate(xs.map((x) => np.reshape(x, [x.size])), 0);
  const unpack = (v: NDArray) => {
    let off = 0;
    return shs.map((s) => {
      const n = sizeOf(s);
      const part = v.slice([off, off + n]);
      off += n;
      return np.reshape(part, s);
    });
  };
  return { pack, unpack };
}

// ---------------------------------------------------------------------------------------
// The op table.

describe.each(OP_SPECS)("$name", (spec: OpSpec) => {
  const cases = opCases(spec);

  it("jvp matches central differences; vjp is the transpose of jvp", () => {
    fc.assert(fc.property(cases, fc.nat(), (c, seed) => { checkGrads(c.f, c.args, { order: 1, seed }); }), opts);
  });

  if (spec.order2) {
    it("second derivatives (order 2) match finite differences", () => {
      fc.assert(fc.property(cases, fc.nat(), (c, seed) => { checkGrads(c.f, c.args, { order: 2, seed }); }), { numRuns: Math.ceil(RUNS / 2) });
    });
  }

  it("jit(f) equals f", () => {
    fc.assert(fc.property(cases, (c) => {
      const want = c.f(...c.args);
      const jf = jit(c.f);
      expectSame(jf(...c.args), want, "jit(f)");
      expectSame(jf(...c.args), want, "jit(f), cached");
    }), opts);
  });

  it("vmap(f) equals stacking f over a JS loop, for random inAxes / outAxes", () => {
    fc.assert(fc.property(vmapCases(spec, cases), ({ c, size, inAxes, outAxis, samples }) => {
      const argsOf = (b: number) => c.args.map((a, i) => (inAxes[i] === null ? a : samples[b][i]));
      const outs = Array.from({ length: size }, (_, b) => c.f(...argsOf(b)));
      const want = np.stack(outs, outAxis);
      const batched = c.args.map((a, i) => (inAxes[i] === null ? a : np.stack(samples.map((s) => s[i]), inAxes[i]!)));
      const got = vmap(c.f, { inAxes, outAxes: outAxis })(...batched) as NDArray;
      expectSame(got, want, `vmap(f, { inAxes: ${JSON.stringify(inAxes)}, outAxes: ${outAxis} })`);
    }), opts);
  });

  it("jacfwd equals jacrev (Jacobian shape = out.shape ++ in.shape)", () => {
    fc.assert(fc.property(cases, (c) => {
      const argnums = c.args.map((_, i) => i);
      const out = c.f(...c.args);
      const jf = jacfwd(c.f, { argnums })(...c.args) as NDArray[];
      const jr = jacrev(c.f, { argnums })(...c.args) as NDArray[];
      c.args.forEach((a, i) => {
        expect(jf[i].shape, `jacfwd block ${i}`).toEqual([...out.shape, ...a.shape]);
        expectSame(jr[i], jf[i], `jacrev vs jacfwd, argument ${i}`, 1e-10);
      });
    }), opts);
  });

  it("hessian of sum(w f + f^2 / 2) is symmetric and equals finite differences of its gradient", () => {
    fc.assert(fc.property(cases, fc.nat(), (c, seed) => {
      const { pack, unpack } = packer(c.shapes);
      // g = sum(w f + f^2 / 2): second order even for linear f, with tame higher derivatives.
      const outShape = c.f(...c.args).shape;
      const w = np.array(Float64Array.from({ length: sizeOf(outShape) }, (_, k) => Math.cos(seed + 2.3 * k)), { shape: outShape, dtype: F64 });
      const g = (v: NDArray) => { const y = c.f(...unpack(v)); return np.sum(y.mul(w).add(np.square(y).mul(0.5))); };
      const v0 = pack(c.args);
      const n = v0.size;
      const H = hessian(g)(v0) as NDArray;
      expect(H.shape).toEqual([n, n]);
      expectSame(np.transpose(H), H, "H^T vs H", 1e-9);
      // H u against finite differences of grad(g) along u.
      const u = np.array(Float64Array.from({ length: n }, (_, k) => Math.sin(seed + 1.7 * k + 0.3)), { shape: [n], dtype: F64 });
      expectDirectionalDerivative(np.matmul(H, u), grad(g), v0, u, "H u vs finite differences of grad");
    }), opts);
  });
});

interface VmapCase { c: OpCase; size: number; inAxes: (number | null)[]; outAxis: number; samples: NDArray[][] }

/** A base case, a batch size, an axis (or null) per argument, an out axis, and batch members' inputs. */
function vmapCases(spec: OpSpec, cases: Arbitrary<OpCase>): Arbitrary<VmapCase> {
  return cases.chain((c) => {
    const outRank = c.f(...c.args).ndim;
    const axis = (r: number) => fc.integer({ min: -r - 1, max: r });
    return fc.record({
      size: fc.integer({ min: 1, max: 3 }),
      inAxes: fc.tuple(...c.shapes.map((s) => fc.option(axis(s.length), { freq: 3 }))).filter((a) => a.some((x) => x !== null)),
      outAxis: axis(outRank),
    }).chain(({ size, inAxes, outAxis }) => fc.array(spec.domain(c.shapes, c.params), { minLength: size, maxLength: size })
      .map((samples) => {
        const v: VmapCase = { c, size, inAxes, outAxis, samples };
        Object.defineProperty(v, fc.toStringMethod, {
          value: () => `${caseToString(spec.name, c)}; size ${size} inAxes ${JSON.stringify(inAxes)} outAxes ${outAxis}; batch ${samples.map((s) => s.map((x) => JSON.stringify(x.js())).join(" ; ")).join(" | ")}`,
        });
        return v;
      }));
  });
}

// ---------------------------------------------------------------------------------------
// Higher derivatives of smooth scalar functions against finite differences.

const SCALAR_FNS: [string, (x: NDArray) => NDArray][] = [
  ["sin(x) x^3", (x) => np.sin(x).mul(lax.integerPow(x, 3))],
  ["exp(tanh(x))", (x) => np.exp(np.tanh(x))],
  ["log1p(x^2)", (x) => np.log1p(np.square(x))],
  ["x logistic(x)", (x) => x.mul(lax.logistic(x))],
  ["erf(x) cos(2x)", (x) => lax.erf(x).mul(np.cos(x.mul(2)))],
  ["atan2(x, 1 + x^2)", (x) => np.arctan2(x, np.square(x).add(1))],
  ["sqrt(1 + x^2) / (2 + sin x)", (x) => np.sqrt(np.square(x).add(1)).div(np.sin(x).add(2))],
  // Arguments never tie for float x (x = 3 - x^2 has irrational roots): np.logaddexp's second derivative is wrong at ties.
  ["logaddexp(x, 3 - x^2)", (x) => np.logaddexp(x, np.subtract(3, np.square(x)))],
];

/** Smooth functions R^n -> R. */
const A = f64([[1.5, -0.3, 0.2, 0.7], [0.4, 0.9, -1.1, 0.1], [-0.6, 0.8, 0.5, 1.2], [0.3, -0.2, 1.4, -0.9]]);
const VEC_FNS: [string, (x: NDArray) => NDArray][] = [
  ["logsumexp(x) + sum(x^2 sin x)", (x) => nnFunctions.logsumexp(x).add(np.sum(np.square(x).mul(np.sin(x))))],
  ["sum(softplus(x) * cumsum(x))", (x) => np.sum(nnFunctions.softplus(x).mul(np.cumsum(x)))],
  ["x^T A x / (1 + |x|^2)", (x) => {
    const a = A.slice([0, x.shape[0]], [0, x.shape[0]]);
    return np.dot(x, np.matmul(a, x)).div(np.sum(np.square(x)).add(1));
  }],
  ["prod(cos x) + mean(tanh(x)^3)", (x) => np.prod(np.cos(x)).add(np.mean(lax.integerPow(np.tanh(x), 3)))],
  ["sum(softmax(x) * x)", (x) => np.sum(nnFunctions.softmax(x).mul(x))],
];
const nonZero = real(-2, 2).map((v) => (v === 0 ? 0.5 : v));
const vecArgs = arrays({ shape: fc.integer({ min: 1, max: 4 }).map((n) => [n]), dtype: F64, elements: nonZero });

describe("higher derivatives", () => {

  it.each(SCALAR_FNS)("%s: grad(grad f) and grad(grad(grad f)) match finite differences of the order below", (_, f) => {
    fc.assert(fc.property(real(-2, 2), (x0) => {
      const x = f64(x0);
      const g1 = grad(f), g2 = grad(g1), g3 = grad(g2);
      const d2 = g2(x).item() as number;
      expectDirectionalDerivative(g2(x), g1, x, f64(1), "f'' vs finite differences of f'");
      expectDirectionalDerivative(g3(x), g2, x, f64(1), "f''' vs finite differences of f''");
      // The same second derivative by other routes.
      expect(jvp(g1, [x], [f64(1)])[1].item()).toBeCloseTo(d2, 10);
      expect((hessian(f)(x) as NDArray).item()).toBeCloseTo(d2, 10);
      expect(grad((y: NDArray) => jvp(f, [y], [f64(1)])[1])(x).item()).toBeCloseTo(d2, 10);
    }), opts);
  });

  it.each(VEC_FNS)("%s: H v by fwd-over-rev, rev-over-rev, linearize and hessian agree with finite differences of grad", (_, f) => {
    fc.assert(fc.property(vecArgs.chain((x) => arrays({ shape: x.shape, dtype: F64, elements: real(-1, 1) }).map((v) => [x, v] as const)), ([x, v]) => {
      const g = grad(f);
      const fwdRev = jvp(g, [x], [v])[1] as NDArray;
      expectDirectionalDerivative(fwdRev, g, x, v, "jvp(grad f) vs finite differences");
      expectSame(grad((y: NDArray) => np.vdot(grad(f)(y), v))(x), fwdRev, "grad(<grad f, v>)", 1e-10);
      expectSame(linearize(g, x)[1](v) as NDArray, fwdRev, "linearize(grad f)(v)", 1e-10);
      expectSame(np.matmul(hessian(f)(x) as NDArray, v), fwdRev, "hessian(f) v", 1e-10);
      expectSame(np.matmul(jacrev(jacfwd(f))(x) as NDArray, v), fwdRev, "jacrev(jacfwd f) v", 1e-10);
    }), opts);
  });
});

// ---------------------------------------------------------------------------------------
// Control flow against the same computation as a JS loop / if.

const vec = (n: number, lo = -2, hi = 2) => arrays({ shape: [n], dtype: F64, elements: real(lo, hi) });
const mat = (m: number, n: number, lo = -2, hi = 2) => arrays({ shape: [m, n], dtype: F64, elements: real(lo, hi) });

describe("control flow vs unrolled JS", () => {
  // Carry [c, s] with a closed-over parameter a; y per step.
  const body = (a: NDArray) => ([c, s]: [NDArray, NDArray], x: NDArray): [[NDArray, NDArray], NDArray] => {
    const c2 = c.mul(np.cos(x)).add(np.sin(c).mul(x).mul(a));
    return [[c2, s.add(np.sum(c2.mul(x)))], c.mul(x).add(np.square(x))];
  };
  const scanLoop = (a: NDArray, c: NDArray, s: NDArray, xs: NDArray, reverse: boolean): [[NDArray, NDArray], NDArray] => {
    const L = xs.shape[0];
    const ys: NDArray[] = new Array(L);
    let carry: [NDArray, NDArray] = [c, s];
    for (let k = 0; k < L; k++) {
      const i = reverse ? L - 1 - k : k;
      const [next, y] = body(a)(carry, xs.slice(i));
      carry = next;
      ys[i] = y;
    }
    return [carry, L ? np.stack(ys, 0) : np.zeros([0, ...xs.shape.slice(1)], { dtype: F64 })];
  };
  const scanCases = fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.boolean()).chain(([L, d, reverse]) =>
    fc.tuple(vec(d, -1, 1), vec(d), arrays({ shape: [], dtype: F64, elements: real(-2, 2) }), mat(L, d), fc.constant(reverse)));

  it("lax.scan (forward and reverse): values, grads, jvps and jit equal the unrolled loop", () => {
    fc.assert(fc.property(scanCases, ([a, c, s, xs, reverse]) => {
      const viaScan = (a: NDArray, c: NDArray, s: NDArray, xs: NDArray) => lax.scan(body(a), [c, s], xs, { reverse }) as [[NDArray, NDArray], NDArray];
      const viaLoop = (a: NDArray, c: NDArray, s: NDArray, xs: NDArray) => scanLoop(a, c, s, xs, reverse);
      const [[c1, s1], ys1] = viaScan(a, c, s, xs);
      const [[c2, s2], ys2] = viaLoop(a, c, s, xs);
      expectSame(c1, c2, "carry c"); expectSame(s1, s2, "carry s"); expectSame(ys1, ys2, "ys");
      const [[c3, s3], ys3] = jit(viaScan)(a, c, s, xs);
      expectSame(c3, c2, "jit carry c"); expectSame(s3, s2, "jit carry s"); expectSame(ys3, ys2, "jit ys");
      // A scalar loss weighting every output differently.
      const loss = (run: typeof viaScan) => (a: NDArray, c: NDArray, s: NDArray, xs: NDArray) => {
        const [[cc, ss], ys] = run(a, c, s, xs);
        return np.sum(cc.mul(np.arange(1, cc.size + 1, 1, { dtype: F64 }))).add(ss.mul(0.7)).add(np.sum(np.sin(ys)));
      };
      const argnums = [0, 1, 2, 3];
      const gS = grad(loss(viaScan), { argnums })(a, c, s, xs) as NDArray[];
      const gL = grad(loss(viaLoop), { argnums })(a, c, s, xs) as NDArray[];
      gS.forEach((g, i) => expectSame(g, gL[i], `grad wrt argument ${i}`, 1e-10));
      const tangents = [a, c, s, xs].map((x) => np.cos(x.mul(3)));
      expectSame(jvp(loss(viaScan), [a, c, s, xs], tangents)[1], jvp(loss(viaLoop), [a, c, s, xs], tangents)[1], "jvp", 1e-10);
      checkGrads(viaScan, [a, c, s, xs], { order: 2 });
    }), opts);
  });

  it("vmap of lax.scan over initial carries and xs equals a loop over the batch", () => {
    const batchCases = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 3 })).chain(([B, L, d]) =>
      fc.tuple(arrays({ shape: [], dtype: F64, elements: real(-2, 2) }),
        fc.array(fc.tuple(vec(d, -1, 1), arrays({ shape: [], dtype: F64, elements: real(-2, 2) }), mat(L, d)), { minLength: B, maxLength: B })));
    fc.assert(fc.property(batchCases, ([a, members]) => {
      const run = (c: NDArray, s: NDArray, xs: NDArray) => lax.scan(body(a), [c, s], xs) as [[NDArray, NDArray], NDArray];
      const stacked = [0, 1, 2].map((k) => np.stack(members.map((m) => m[k]), 0));
      const got = vmap(run)(stacked[0], stacked[1], stacked[2]);
      const want = members.map(([c, s, xs]) => scanLoop(a, c, s, xs, false));
      expectSame(got[0][0], np.stack(want.map((w) => w[0][0]), 0), "carry c");
      expectSame(got[0][1], np.stack(want.map((w) => w[0][1]), 0), "carry s");
      expectSame(got[1], np.stack(want.map((w) => w[1]), 0), "ys");
    }), opts);
  });

  const foriBody = (a: NDArray) => (i: NDArray, v: NDArray) => v.mul(np.cos(v)).add(i.astype(F64).mul(0.25).mul(a));
  it("lax.foriLoop with static bounds: values and grads equal the JS loop", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 4 }), fc.integer({ min: -1, max: 5 }), fc.integer({ min: 1, max: 3 }).chain((d) => vec(d)),
      arrays({ shape: [], dtype: F64, elements: real(-2, 2) }), (lo, hi, v0, a) => {
        const viaFori = (a: NDArray, v: NDArray) => lax.foriLoop(lo, hi, foriBody(a), v) as NDArray;
        const viaLoop = (a: NDArray, v: NDArray) => {
          for (let i = lo; i < hi; i++) v = foriBody(a)(np.array(i, { dtype: "int32" }), v);
          return v;
        };
        expectSame(viaFori(a, v0), viaLoop(a, v0), "value");
        expectSame(jit(viaFori)(a, v0), viaLoop(a, v0), "jit value");
        const loss = (run: typeof viaFori) => (a: NDArray, v: NDArray) => np.sum(np.sin(run(a, v)));
        const gF = grad(loss(viaFori), { argnums: [0, 1] })(a, v0) as NDArray[];
        const gL = grad(loss(viaLoop), { argnums: [0, 1] })(a, v0) as NDArray[];
        expectSame(gF[0], gL[0], "grad a", 1e-10); expectSame(gF[1], gL[1], "grad v0", 1e-10);
        checkGrads(viaFori, [a, v0], { order: 1 });
      }), opts);
  });

  const whileBody = (a: NDArray) => ([i, v]: [NDArray, NDArray]): [NDArray, NDArray] => [i.add(1), np.sin(v).mul(a).add(v.mul(0.5))];
  it("lax.whileLoop (forward mode): values and jvps equal the JS loop", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 3 }).chain((d) => fc.tuple(vec(d), vec(d))),
      arrays({ shape: [], dtype: F64, elements: real(-2, 2) }), fc.double({ min: -1, max: 1, noNaN: true }), (n, [v0, tv], a, ta) => {
        const viaWhile = (a: NDArray, v: NDArray) =>
          (lax.whileLoop(([i]: [NDArray, NDArray]) => i.lt(n), whileBody(a), [np.array(0, { dtype: "int32" }), v]) as [NDArray, NDArray])[1];
        const viaLoop = (a: NDArray, v: NDArray) => {
          for (let i = 0; i < n; i++) v = whileBody(a)([np.array(i, { dtype: "int32" }), v])[1];
          return v;
        };
        expectSame(viaWhile(a, v0), viaLoop(a, v0), "value");
        expectSame(jit(viaWhile)(a, v0), viaLoop(a, v0), "jit value");
        const [yW, tW] = jvp(viaWhile, [a, v0], [f64(ta), tv]);
        const [yL, tL] = jvp(viaLoop, [a, v0], [f64(ta), tv]);
        expectSame(yW, yL, "jvp primal"); expectSame(tW, tL, "jvp tangent", 1e-10);
        checkGrads(viaWhile, [a, v0], { order: 2, modes: ["fwd"] });
      }), opts);
  });

  it("vmap of lax.whileLoop with a batched trip count equals a loop over the batch", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3 }).chain((d) => fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), vec(d)), { minLength: 1, maxLength: 3 })),
      arrays({ shape: [], dtype: F64, elements: real(-2, 2) }), (members, a) => {
        const run = (n: NDArray, v: NDArray) =>
          (lax.whileLoop(([i]: [NDArray, NDArray]) => i.lt(n), whileBody(a), [np.array(0, { dtype: "int32" }), v]) as [NDArray, NDArray])[1];
        const ns = np.array(members.map(([n]) => n), { dtype: "int32" });
        const got = vmap(run)(ns, np.stack(members.map(([, v]) => v), 0));
        const want = members.map(([n, v]) => {
          for (let i = 0; i < n; i++) v = whileBody(a)([np.array(i, { dtype: "int32" }), v])[1];
          return v;
        });
        expectSame(got, np.stack(want, 0), "vmap(whileLoop)");
      }), opts);
  });

  const trueFn = (a: NDArray, b: NDArray) => a.mul(np.sin(b)).add(np.exp(a.mul(0.3)));
  const falseFn = (a: NDArray, b: NDArray) => np.square(a).sub(b.mul(np.cos(a)));
  const condArgs = fc.integer({ min: 1, max: 3 }).chain((d) => fc.tuple(vec(d), vec(d)));

  it("lax.cond (both branches): values, grads and jvps equal a JS if", () => {
    fc.assert(fc.property(fc.boolean(), condArgs, (p, [a, b]) => {
      const viaCond = (a: NDArray, b: NDArray) => lax.cond(np.array(p), trueFn, falseFn, a, b) as NDArray;
      const viaIf = (a: NDArray, b: NDArray) => (p ? trueFn(a, b) : falseFn(a, b));
      expectSame(viaCond(a, b), viaIf(a, b), "value");
      expectSame(jit(viaCond)(a, b), viaIf(a, b), "jit value");
      const loss = (run: typeof viaCond) => (a: NDArray, b: NDArray) => np.sum(np.sin(run(a, b)));
      const gC = grad(loss(viaCond), { argnums: [0, 1] })(a, b) as NDArray[];
      const gI = grad(loss(viaIf), { argnums: [0, 1] })(a, b) as NDArray[];
      expectSame(gC[0], gI[0], "grad a"); expectSame(gC[1], gI[1], "grad b");
      const ts = [np.cos(a), np.sin(b)];
      expectSame(jvp(viaCond, [a, b], ts)[1], jvp(viaIf, [a, b], ts)[1], "jvp");
      checkGrads(viaCond, [a, b], { order: 2 });
    }), opts);
  });

  it("lax.cond with a data-dependent predicate, under grad and vmap, equals a JS if per example", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3 }).chain((d) => fc.array(fc.tuple(vec(d), vec(d)), { minLength: 1, maxLength: 3 })), (members) => {
      const f = (a: NDArray, b: NDArray) => np.sum(lax.cond(np.sum(a).gt(0), trueFn, falseFn, a, b) as NDArray);
      // The JS if decides on concrete values, outside the traced function.
      const branchFor = (a: NDArray) => ((np.sum(a).item() as number) > 0 ? trueFn : falseFn);
      const fIf = (a: NDArray, b: NDArray) => np.sum(branchFor(a)(a, b));
      const as = np.stack(members.map(([a]) => a), 0), bs = np.stack(members.map(([, b]) => b), 0);
      expectSame(vmap(f)(as, bs), np.stack(members.map(([a, b]) => fIf(a, b)), 0), "vmap(cond)");
      const gv = vmap(grad(f, { argnums: [0, 1] }))(as, bs) as NDArray[];
      members.forEach(([a, b], k) => {
        const branch = branchFor(a);
        const gi = grad((a: NDArray, b: NDArray) => np.sum(branch(a, b)), { argnums: [0, 1] })(a, b) as NDArray[];
        expectSame(gv[0].slice(k), gi[0], `vmap(grad) a, member ${k}`);
        expectSame(gv[1].slice(k), gi[1], `vmap(grad) b, member ${k}`);
      });
    }), opts);
  });

  it("lax.switch picks branch clamp(index) and differentiates like the JS choice", () => {
    const branches = [trueFn, falseFn, (a: NDArray, b: NDArray) => np.tanh(a.mul(b))];
    fc.assert(fc.property(fc.integer({ min: -2, max: 4 }), condArgs, (index, [a, b]) => {
      const pick = branches[Math.min(Math.max(index, 0), 2)];
      const viaSwitch = (a: NDArray, b: NDArray) => lax.switch(np.array(index, { dtype: "int32" }), branches, a, b) as NDArray;
      expectSame(viaSwitch(a, b), pick(a, b), "value");
      const gS = grad((a: NDArray, b: NDArray) => np.sum(viaSwitch(a, b)), { argnums: [0, 1] })(a, b) as NDArray[];
      const gP = grad((a: NDArray, b: NDArray) => np.sum(pick(a, b)), { argnums: [0, 1] })(a, b) as NDArray[];
      expectSame(gS[0], gP[0], "grad a"); expectSame(gS[1], gP[1], "grad b");
    }), opts);
  });
});

// ---------------------------------------------------------------------------------------
// Nested transforms: no perturbation confusion, and transform pairs that must commute.

describe("nested transforms", () => {
  const scalar = real(-5, 5);
  const x64 = (v: number) => f64(v);

  it("grad(x => x * grad(y => x * y)(3))(x) == 2x (no perturbation confusion)", () => {
    fc.assert(fc.property(scalar, (v) => {
      const x = x64(v);
      expect(grad((x: NDArray) => x.mul(grad((y: NDArray) => x.mul(y))(x64(3))))(x).item()).toBeCloseTo(2 * v, 12);
    }), opts);
  });

  it("d/dx [x * d/dy (x + y) at y = 1] == 1 (Siskind and Pearlmutter), in grad and jvp forms", () => {
    fc.assert(fc.property(scalar, (v) => {
      const x = x64(v);
      expect(grad((x: NDArray) => x.mul(grad((y: NDArray) => x.add(y))(x64(1))))(x).item()).toBeCloseTo(1, 12);
      const inner = (x: NDArray) => jvp((y: NDArray) => x.add(y), [x64(1)], [x64(1)])[1] as NDArray;
      expect(jvp((x: NDArray) => x.mul(inner(x)), [x], [x64(1)])[1].item()).toBeCloseTo(1, 12);
      expect(jvp((x: NDArray) => x.mul(jvp((y: NDArray) => x.mul(y), [x64(3)], [x64(1)])[1]), [x], [x64(1)])[1].item()).toBeCloseTo(2 * v, 12);
    }), opts);
  });

  it("grad(x => grad(y => x y^2)(x))(x) == 4x; vmap over a closed-over batched value", () => {
    fc.assert(fc.property(scalar, fc.array(scalar, { minLength: 1, maxLength: 4 }), (v, vs) => {
      expect(grad((x: NDArray) => grad((y: NDArray) => x.mul(y).mul(y))(x))(x64(v)).item()).toBeCloseTo(4 * v, 11);
      const got = vmap((x: NDArray) => grad((y: NDArray) => x.mul(y).mul(y))(x))(f64(vs));
      expectSame(got, f64(vs.map((t) => 2 * t * t)), "vmap(x => grad(y => x y^2)(x))");
      const gotGrad = vmap(grad((x: NDArray) => grad((y: NDArray) => x.mul(y).mul(y))(x)))(f64(vs));
      expectSame(gotGrad, f64(vs.map((t) => 4 * t)), "vmap(grad(x => grad(y => x y^2)(x)))");
    }), opts);
  });

  it("nested jvp: d/dx d/dy sin(x y) == cos(x y) - x y sin(x y)", () => {
    fc.assert(fc.property(real(-2, 2), real(-2, 2), (xv, yv) => {
      const inner = (x: NDArray) => jvp((y: NDArray) => np.sin(x.mul(y)), [x64(yv)], [x64(1)])[1] as NDArray;
      const got = jvp(inner, [x64(xv)], [x64(1)])[1].item() as number;
      expect(got).toBeCloseTo(Math.cos(xv * yv) - xv * yv * Math.sin(xv * yv), 12);
      expect(grad(inner)(x64(xv)).item()).toBeCloseTo(got, 12);
    }), opts);
  });

  it.each(VEC_FNS)("%s: grad(sum(vmap f)) == vmap(grad f); vmap(jvp f) == jvp(vmap f); jit(grad f) == grad(jit f) == grad f", (_, f) => {
    fc.assert(fc.property(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 })).chain(([B, n]) =>
      fc.tuple(arrays({ shape: [B, n], dtype: F64, elements: nonZero }), arrays({ shape: [B, n], dtype: F64, elements: real(-1, 1) }))), ([xs, ts]) => {
      const perExample = vmap(grad(f))(xs);
      expectSame(grad((xs: NDArray) => np.sum(vmap(f)(xs)))(xs), perExample, "grad of sum(vmap f)", 1e-10);
      const [yv, tv] = vmap((x: NDArray, t: NDArray) => jvp(f, [x], [t]))(xs, ts) as [NDArray, NDArray];
      const [yj, tj] = jvp(vmap(f), [xs], [ts]);
      expectSame(yv, yj, "vmap(jvp) primal"); expectSame(tv, tj, "vmap(jvp) tangent", 1e-10);
      const x = xs.slice(0);
      expectSame(jit(grad(f))(x), grad(f)(x), "jit(grad f)", 1e-10);
      expectSame(grad(jit(f))(x), grad(f)(x), "grad(jit f)", 1e-10);
      expectSame(jit(vmap(grad(f)))(xs), perExample, "jit(vmap(grad f))", 1e-10);
      const [, back] = vjp(vmap(f), xs);
      expectSame(back(np.ones([xs.shape[0]], { dtype: F64 }))[0], perExample, "vjp(vmap f)", 1e-10);
    }), opts);
  });
});
