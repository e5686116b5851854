// Control flow (lax.cond, switch, whileLoop, foriLoop, scan, map) alone and under
// jvp/grad/vmap/jit, with exact expected values (float64, small integers), plus a
// 1000-step RK4 scan whose gradient is checked against a float64 oracle
// (test/fixtures/gen_rk4.py -> rk4.json).
import { describe, expect, it } from "vitest";
import { grad, jacfwd, jit, jvp, lax, makeJaxpr, np, valueAndGrad, vmap, type NDArray } from "graft";
import rk4 from "../fixtures/rk4.json";

const f64 = (v: number | number[] | number[][]) => np.array(v, { dtype: "float64" });
const i32 = (v: number | number[]) => np.array(v, { dtype: "int32" });
const js = (x: NDArray) => x.js();
/** The printed program of `f` at `args`. */
const text = (f: (...a: any[]) => any, ...args: unknown[]) => makeJaxpr(f)(...args).toString();
/** Names of the primitives in a printed program (outer and nested). */
const prims = (s: string) => new Set([...s.matchAll(/= ([a-z_]+)[[ ]/g)].map((m) => m[1]));

describe("lax.cond / lax.switch", () => {
  const branches = [(x: NDArray) => x.add(1), (x: NDArray) => x.mul(2), (x: NDArray) => x.neg()];

  it("picks the branch by predicate, eagerly and under jit", () => {
    const f = (p: NDArray | boolean, x: NDArray) => lax.cond(p, (v: NDArray) => v.mul(v), (v: NDArray) => v.sub(10), x);
    expect(js(f(true, f64(3)))).toBe(9);
    expect(js(f(false, f64(3)))).toBe(-7);
    expect(js(f(f64(3).gt(0), f64(3)))).toBe(9);
    const jf = jit(f);
    expect(js(jf(np.array(true), f64(4)))).toBe(16);
    expect(js(jf(np.array(false), f64(4)))).toBe(-6);
    // A numeric predicate means "nonzero".
    expect(js(lax.cond(f64(-2), (v: NDArray) => v.add(1), (v: NDArray) => v.sub(1), f64(0)))).toBe(1);
  });

  it("switch clamps the index into range (eager, jit, vmap)", () => {
    expect([-3, 0, 1, 2, 5].map((i) => js(lax.switch(i, branches, f64(3))))).toEqual([4, 4, 6, -3, -3]);
    const jf = jit((i: NDArray, x: NDArray) => lax.switch(i, branches, x));
    expect([-1, 1, 7].map((i) => js(jf(i32(i), f64(3))))).toEqual([4, 6, -3]);
    const vf = vmap((i: NDArray, x: NDArray) => lax.switch(i, branches, x));
    expect(js(vf(i32([-5, 0, 1, 2, 9]), f64([1, 2, 3, 4, 5])))).toEqual([2, 3, 6, -4, -5]);
    // A float index is converted to int32 (truncation) before clamping.
    expect(js(lax.switch(f64(1.7), branches, f64(3)))).toBe(6);
  });

  it("takes and returns pytrees of operands", () => {
    const out = lax.cond(true,
      (a: NDArray, p: { b: NDArray[] }) => ({ s: a.add(p.b[0]), d: [a.sub(p.b[1])] }),
      (a: NDArray, p: { b: NDArray[] }) => ({ s: a.mul(p.b[0]), d: [a.div(p.b[1])] }),
      f64(6), { b: [f64(2), f64(4)] });
    expect({ s: js(out.s), d: js(out.d[0]) }).toEqual({ s: 8, d: 2 });
    const out2 = lax.switch(1, [(t: [NDArray, NDArray]) => [t[1], t[0]], (t: [NDArray, NDArray]) => [t[0].mul(t[1]), t[1]]], [f64(3), f64(5)]);
    expect(out2.map(js)).toEqual([15, 5]);
  });

  it("branches returning different structures or avals raise a clear error", () => {
    expect(() => lax.cond(true, (x: NDArray) => [x, x], (x: NDArray) => x, f64(1))).toThrow(/same pytree structure/);
    expect(() => lax.switch(0, [(x: NDArray) => ({ a: x }), (x: NDArray) => ({ b: x })], f64(1))).toThrow(/same pytree structure/);
    expect(() => lax.switch(0, [], f64(1))).toThrow(/at least one branch/);
    expect(() => lax.cond(np.array([true, false]), (x: NDArray) => x, (x: NDArray) => x, f64(1))).toThrow(/scalar/);
    // Shape / dtype mismatches are errors eagerly and when staged (jit, makeJaxpr, vmap).
    expect(() => lax.cond(true, (x: NDArray) => x, () => np.ones([2]), f64(1))).toThrow(/same shapes and dtypes/);
    const shapes = (p: NDArray, x: NDArray) => lax.cond(p, (v: NDArray) => v, () => np.ones([2], { dtype: "float64" }), x);
    expect(() => makeJaxpr(shapes)(np.array(true), f64(1))).toThrow(/cond: all branches must return the same shapes and dtypes, got f64\[2\] and f64\[\]/);
    const dtypes = (p: NDArray, x: NDArray) => lax.cond(p, (v: NDArray) => v, (v: NDArray) => v.astype("int32"), x);
    expect(() => jit(dtypes)(np.array(true), f64(1))).toThrow(TypeError);
  });

  it("jvp and grad follow the taken branch", () => {
    const f = (x: NDArray) => lax.cond(x.gt(0), (v: NDArray) => v.mul(v), (v: NDArray) => v.mul(-3), x);
    expect(jvp(f, [f64(3)], [f64(1)]).map(js)).toEqual([9, 6]);
    expect(jvp(f, [f64(-2)], [f64(1)]).map(js)).toEqual([6, -3]);
    expect(js(grad(f)(f64(3)))).toBe(6);
    expect(js(grad(f)(f64(-2)))).toBe(-3);
    expect(js(vmap(grad(f))(f64([-2, 3, 5])))).toEqual([-3, 6, 10]);
    expect(js(jit(grad(f))(f64(4)))).toBe(8);
  });

  it("vmap with a batched predicate becomes a select over both branches", () => {
    const vf = vmap((p: NDArray, x: NDArray) => lax.cond(p, (v: NDArray) => v.mul(2), (v: NDArray) => v.neg(), x));
    const p = np.array([true, false, true]), x = f64([1, 2, 3]);
    expect(js(vf(p, x))).toEqual([2, -2, 6]);
    const names = prims(text(vf, p, x));
    expect(names.has("select_n")).toBe(true);
    expect(names.has("cond")).toBe(false);
    // An unbatched predicate keeps the cond.
    const vu = vmap((x: NDArray, q: NDArray) => lax.cond(q, (v: NDArray) => v.mul(2), (v: NDArray) => v.neg(), x), { inAxes: [0, null] });
    expect(js(vu(x, np.array(false)))).toEqual([-1, -2, -3]);
    const un = prims(text(vu, x, np.array(false)));
    expect(un.has("cond")).toBe(true);
    expect(un.has("select_n")).toBe(false);
  });
});

describe("lax.whileLoop", () => {
  it("runs a pytree carry to completion", () => {
    const out = lax.whileLoop((c: { i: NDArray; s: NDArray }) => c.i.lt(5),
      (c: { i: NDArray; s: NDArray }) => ({ i: c.i.add(1), s: c.s.mul(2) }), { i: i32(0), s: f64(1) });
    expect({ i: js(out.i), s: js(out.s) }).toEqual({ i: 5, s: 32 });
    // The condition is checked first: zero trips returns init.
    expect(js(lax.whileLoop((c: NDArray) => c.lt(0), (c: NDArray) => c.add(1), f64(3)))).toBe(3);
    const jw = jit((n: NDArray) => lax.whileLoop(([i, s]: NDArray[]) => i.lt(n), ([i, s]: NDArray[]) => [i.add(1), s.add(i)], [i32(0), i32(0)]));
    expect(jw(i32(5)).map(js)).toEqual([5, 10]);
  });

  it("rejects a body that changes the carry structure", () => {
    expect(() => lax.whileLoop((c: NDArray[]) => c[0].lt(3), (c: NDArray[]) => c[0], [f64(0)])).toThrow(/structure of init/);
    expect(() => lax.whileLoop((c: NDArray) => c, (c: NDArray) => c.add(1), f64(0))).toThrow(/scalar boolean/);
    expect(() => makeJaxpr((x: NDArray) => lax.whileLoop((c: NDArray) => c, (c: NDArray) => c.add(1), x))(f64(0))).toThrow(/scalar boolean/);
    expect(() => makeJaxpr((x: NDArray) => lax.whileLoop((c: NDArray) => c.sum().lt(9), (c: NDArray) => np.concatenate([c, c]), x))(f64([1]))).toThrow(/carry component 0 with the init.s shape/);
  });

  it("jvp and jacfwd differentiate through it", () => {
    // Repeated multiplication by x until the value reaches 10: from 1 at x = 2, 4 trips, so
    // the value is x^4 and its derivative 4x^3 = 32.
    const f = (x: NDArray) => lax.whileLoop((c: NDArray[]) => c[0].lt(10), (c: NDArray[]) => [c[0].mul(x), c[1].add(1)], [f64(1), i32(0)]);
    const [[v, n], [dv, dn]] = jvp(f, [f64(2)], [f64(1)]);
    expect([js(v), js(n), js(dv), js(dn)]).toEqual([16, 4, 32, 0]);
    // Fixed trip count (3): x -> x^4 elementwise, Jacobian diag(4x^3).
    const g = (x: NDArray) => lax.whileLoop((c: NDArray[]) => c[1].lt(3), (c: NDArray[]) => [c[0].mul(x), c[1].add(1)], [x, i32(0)])[0];
    expect(js(jacfwd(g)(f64([1, 2])))).toEqual([[4, 0], [0, 32]]);
  });

  it("grad raises a reverse-mode error that points to scan", () => {
    const f = (x: NDArray) => lax.whileLoop((c: NDArray[]) => c[1].lt(3), (c: NDArray[]) => [c[0].mul(x), c[1].add(1)], [f64(1), i32(0)])[0];
    expect(() => grad(f)(f64(2))).toThrow(/reverse-mode/);
    expect(() => grad(f)(f64(2))).toThrow(/scan/);
  });

  it("vmap with a batched predicate runs until every member is done", () => {
    // Each member counts to its own n, summing 0..n-1, and records its own trip count.
    const f = (n: NDArray) => lax.whileLoop((c: NDArray[]) => c[0].lt(n),
      ([i, s, trips]: NDArray[]) => [i.add(1), s.add(i), trips.add(1)], [i32(0), i32(0), i32(0)]);
    const [i, s, trips] = vmap(f)(i32([0, 3, 5, 1]));
    expect([js(i), js(s), js(trips)]).toEqual([[0, 3, 5, 1], [0, 3, 10, 0], [0, 3, 5, 1]]);
    const names = prims(text(vmap(f), i32([0, 3, 5, 1])));
    expect(names.has("while")).toBe(true);
    expect(names.has("select_n")).toBe(true);
    // An unbatched predicate with a batched body: one shared trip count.
    const g = (x: NDArray) => lax.whileLoop((c: NDArray[]) => c[0].lt(3), ([k, v]: NDArray[]) => [k.add(1), v.mul(x)], [i32(0), f64(1)])[1];
    expect(js(vmap(g)(f64([1, 2, 3])))).toEqual([1, 8, 27]);
  });
});

describe("lax.foriLoop", () => {
  it("iterates i over [lower, upper)", () => {
    expect(js(lax.foriLoop(2, 5, (i: NDArray, acc: NDArray) => acc.mul(10).add(i), f64(0)))).toBe(234);
    expect(js(lax.foriLoop(5, 2, (i: NDArray, acc: NDArray) => acc.add(1), f64(7)))).toBe(7);
    const out = lax.foriLoop(0, 4, (i: NDArray, c: { a: NDArray; b: NDArray }) => ({ a: c.a.add(i), b: c.b.mul(2) }), { a: f64(0), b: f64(1) });
    expect({ a: js(out.a), b: js(out.b) }).toEqual({ a: 6, b: 16 });
  });

  it("static bounds lower to scan, so grad works", () => {
    const f = (x: NDArray) => lax.foriLoop(0, 3, (_i: NDArray, acc: NDArray) => acc.mul(x), f64(1));
    expect(js(f(f64(2)))).toBe(8);
    expect(js(grad(f)(f64(2)))).toBe(12);
    expect(js(jit(grad(f))(f64(3)))).toBe(27);
    const fwd = prims(text(f, f64(2)));
    expect(fwd.has("scan")).toBe(true);
    expect(fwd.has("while")).toBe(false);
    const rev = prims(text(grad(f), f64(2)));
    expect(rev.has("scan")).toBe(true);
    expect(rev.has("while")).toBe(false);
  });

  it("traced bounds lower to while (forward mode only)", () => {
    const f = (x: NDArray, n: NDArray) => lax.foriLoop(0, n, (_i: NDArray, acc: NDArray) => acc.mul(x), f64(1));
    const names = prims(text(f, f64(2), i32(3)));
    expect(names.has("while")).toBe(true);
    expect(names.has("scan")).toBe(false);
    expect(js(jit(f)(f64(2), i32(3)))).toBe(8);
    expect(js(jit((lo: NDArray, hi: NDArray) => lax.foriLoop(lo, hi, (i: NDArray, acc: NDArray) => acc.mul(10).add(i), f64(0)))(i32(2), i32(5)))).toBe(234);
    expect(js(vmap((n: NDArray) => lax.foriLoop(0, n, (i: NDArray, acc: NDArray) => acc.add(i), f64(0)))(i32([0, 3, 5])))).toEqual([0, 3, 10]);
    expect(jvp((x: NDArray) => f(x, i32(3)), [f64(2)], [f64(1)]).map(js)).toEqual([8, 12]);
    expect(() => grad(f)(f64(2), i32(3))).toThrow(/reverse-mode/);
  });
});

describe("lax.scan", () => {
  const cumsum = (c: NDArray, x: NDArray): [NDArray, NDArray] => [c.add(x), c];

  it("returns the final carry and stacked ys", () => {
    const [c, ys] = lax.scan((c: NDArray, x: NDArray) => [c.add(x), c.mul(x)], f64(0), f64([1, 2, 3, 4]));
    expect([js(c), js(ys)]).toEqual([10, [0, 2, 9, 24]]);
    const [c2, ys2] = lax.scan(cumsum, f64([0, 0]), f64([[1, 2], [3, 4], [5, 6]]));
    expect([js(c2), js(ys2)]).toEqual([[9, 12], [[0, 0], [1, 2], [4, 6]]]);
    expect(ys2.shape).toEqual([3, 2]);
  });

  it("reverse scans from the end, ys keep their positions", () => {
    const [c, ys] = lax.scan(cumsum, f64(0), f64([1, 2, 3, 4]), { reverse: true });
    expect([js(c), js(ys)]).toEqual([10, [9, 7, 4, 0]]);
  });

  it("length with xs = null, and length checks", () => {
    const [c, ys] = lax.scan((c: NDArray, _x: null) => [c.mul(2), c], f64(1), null, { length: 5 });
    expect([js(c), js(ys)]).toEqual([32, [1, 2, 4, 8, 16]]);
    const [c0, ys0] = lax.scan(cumsum, f64(5), np.zeros([0], { dtype: "float64" }));
    expect([js(c0), ys0.shape]).toEqual([5, [0]]);
    expect(() => lax.scan(cumsum, f64(0), null)).toThrow(/no xs and no length/);
    expect(() => lax.scan(cumsum, f64(0), f64([1, 2]), { length: 3 })).toThrow(/leading length/);
    expect(() => lax.scan((c: NDArray) => [c, c], f64(0), [f64([1, 2]), f64([1, 2, 3])])).toThrow(/leading length/);
    expect(() => lax.scan((c: NDArray) => c as any, f64(0), f64([1, 2]))).toThrow(/must return \[carry, y\]/);
    expect(() => lax.scan((c: NDArray) => [[c], c], f64(0), f64([1, 2]))).toThrow(/init's structure/);
  });

  it("pytree carry, xs and ys", () => {
    type C = { a: NDArray; b: NDArray[] };
    const [c, ys] = lax.scan((c: C, x: { u: NDArray; v: NDArray }) => [{ a: c.a.add(x.u), b: [c.b[0].mul(x.v)] }, { s: c.a.add(c.b[0]), t: [x.u] }],
      { a: f64(0), b: [f64(1)] }, { u: f64([1, 2, 3]), v: f64([2, 2, 2]) });
    expect({ a: js(c.a), b: js(c.b[0]), s: js(ys.s), t: js(ys.t[0]) }).toEqual({ a: 6, b: 8, s: [1, 3, 7], t: [1, 2, 3] });
  });

  it("grad through scan (carry, ys, reverse, pytrees)", () => {
    // c_{t+1} = w c_t + x_t from c_0 = 1 over x = [1, 2, 3]: c_3 = w^3 + w^2 + 2w + 3.
    const body = (w: NDArray) => (c: NDArray, x: NDArray): [NDArray, NDArray] => [c.mul(w).add(x), c.mul(c)];
    const last = (w: NDArray) => lax.scan(body(w), f64(1), f64([1, 2, 3]))[0];
    expect(js(last(f64(2)))).toBe(19);
    expect(js(grad(last)(f64(2)))).toBe(18);                    // 3w^2 + 2w + 2
    // sum of ys = 1 + (w+1)^2 + (w^2+w+2)^2; derivative 2(w+1) + 2(w^2+w+2)(2w+1) = 86 at 2.
    expect(js(grad((w: NDArray) => np.sum(lax.scan(body(w), f64(1), f64([1, 2, 3]))[1]))(f64(2)))).toBe(86);
    // reverse: sum ys = x_1 + 1.5 x_2.
    expect(js(grad((xs: NDArray) => np.sum(lax.scan((c: NDArray, x: NDArray) => [c.mul(0.5).add(x), c], f64(0), xs, { reverse: true })[1]))(f64([1, 2, 3])))).toEqual([0, 1, 1.5]);
    // a_{t+1} = a_t u_t, b_{t+1} = b_t + a_t, ys = a_t: loss = 2 (a + a u0 + a u0 u1).
    const loss = (p: { a: NDArray; u: NDArray }) => {
      const [c, ys] = lax.scan((c: { a: NDArray; b: NDArray }, x: NDArray) => [{ a: c.a.mul(x), b: c.b.add(c.a) }, c.a], { a: p.a, b: f64(0) }, p.u);
      return c.b.add(np.sum(ys));
    };
    const g = grad(loss)({ a: f64(2), u: f64([1, 2, 3]) });
    expect({ a: js(g.a), u: js(g.u) }).toEqual({ a: 8, u: [12, 4, 0] });
    const [v, gv] = valueAndGrad(loss)({ a: f64(2), u: f64([1, 2, 3]) });
    expect([js(v), js(gv.a)]).toEqual([16, 8]);
  });

  it("jit and vmap of scan, and their compositions with grad", () => {
    const f = (w: NDArray, xs: NDArray) => lax.scan((c: NDArray, x: NDArray) => [c.mul(w).add(x), c], f64(1), xs);
    const xs = f64([1, 2, 3]);
    const [c, ys] = jit(f)(f64(2), xs);
    expect([js(c), js(ys)]).toEqual([19, [1, 3, 8]]);
    const [vc, vys] = vmap(f, { inAxes: [0, null] })(f64([1, 2, 3]), xs);
    expect([js(vc), js(vys)]).toEqual([[7, 19, 45], [[1, 2, 4], [1, 3, 8], [1, 4, 14]]]);
    const [bc, bys] = vmap((x: NDArray) => lax.scan((c: NDArray, xi: NDArray) => [c.add(xi), c], f64(0), x))(f64([[1, 2, 3], [4, 5, 6]]));
    expect([js(bc), js(bys)]).toEqual([[6, 15], [[0, 1, 3], [0, 4, 9]]]);
    const last = (w: NDArray) => f(w, xs)[0];
    expect(js(grad(jit(last))(f64(2)))).toBe(18);
    expect(js(jit(grad(last))(f64(2)))).toBe(18);
    expect(js(vmap(grad(last))(f64([0, 1, 2])))).toEqual([2, 7, 18]);
    // d/dw sum_rows(w x_0 + x_1) = x_00 + x_10.
    expect(js(grad((w: NDArray) => np.sum(vmap((x: NDArray) => lax.scan((c: NDArray, xi: NDArray) => [c.mul(w).add(xi), c], f64(0), x)[0])(f64([[1, 2], [3, 4]]))))(f64(2)))).toBe(4);
  });

  it("the traced program is one scan, whatever the length", () => {
    const f = (n: number) => (x: NDArray) => lax.scan((c: NDArray, _: null) => [np.sin(c).add(x), null], f64(0), null, { length: n })[0];
    const a = makeJaxpr(grad(f(10)))(f64(1)).jaxpr.eqns.length;
    const b = makeJaxpr(grad(f(1000)))(f64(1)).jaxpr.eqns.length;
    expect(a).toBe(b);
  });

  it("gradients through a 1000-step RK4 scan match a float64 reference", () => {
    // x'' = -k x - c x' as y = (x, v), RK4 with dt = 0.01; loss = x after 1000 steps.
    const p = rk4.params;
    type S = { x: NDArray; v: NDArray };
    const simulate = (k: NDArray, c: NDArray, x0: NDArray, v0: NDArray) => {
      const f = (s: S): S => ({ x: s.v, v: k.neg().mul(s.x).sub(c.mul(s.v)) });
      const axpy = (s: S, h: number, d: S): S => ({ x: s.x.add(d.x.mul(h)), v: s.v.add(d.v.mul(h)) });
      const comb = (a: NDArray, b: NDArray, c3: NDArray, d: NDArray) => a.add(b.mul(2)).add(c3.mul(2)).add(d).mul(p.dt / 6);
      const step = (s: S): [S, null] => {
        const k1 = f(s), k2 = f(axpy(s, p.dt / 2, k1)), k3 = f(axpy(s, p.dt / 2, k2)), k4 = f(axpy(s, p.dt, k3));
        return [{ x: s.x.add(comb(k1.x, k2.x, k3.x, k4.x)), v: s.v.add(comb(k1.v, k2.v, k3.v, k4.v)) }, null];
      };
      return lax.scan(step, { x: x0, v: v0 }, null, { length: p.steps })[0].x;
    };
    const args = [f64(p.k), f64(p.c), f64(p.x0), f64(p.v0)] as const;
    const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
    const [loss, [gk, gc, gx0, gv0]] = valueAndGrad(simulate, { argnums: [0, 1, 2, 3] })(...args) as [NDArray, NDArray[]];
    expect(rel(js(loss) as number, rk4.loss)).toBeLessThan(1e-9);
    expect(rel(js(gc) as number, rk4.grad.c)).toBeLessThan(1e-9);
    expect(rel(js(gk) as number, rk4.grad.k)).toBeLessThan(1e-9);
    expect(rel(js(gx0) as number, rk4.grad.x0)).toBeLessThan(1e-9);
    expect(rel(js(gv0) as number, rk4.grad.v0)).toBeLessThan(1e-9);
    expect(rel(js(jit(grad(simulate, { argnums: 1 }))(...args)) as number, rk4.grad.c)).toBeLessThan(1e-9);
  });
});

describe("lax.map", () => {
  it("maps over the leading axis, as a scan", () => {
    expect(js(lax.map((r: NDArray) => np.sum(r), f64([[1, 2], [3, 4]])))).toEqual([3, 7]);
    const out = lax.map((r: { a: NDArray; b: NDArray }) => ({ p: r.a.mul(r.b) }), { a: f64([1, 2]), b: f64([3, 4]) });
    expect(js(out.p)).toEqual([3, 8]);
    expect(prims(text((m: NDArray) => lax.map((r: NDArray) => r.mul(r), m), f64([1, 2])))).toEqual(new Set(["scan", "mul"]));
  });

  it("composes with grad, vmap and jit", () => {
    expect(js(grad((w: NDArray) => np.sum(lax.map((r: NDArray) => np.sum(r.mul(w)), f64([[1, 2], [3, 4]]))))(f64([1, 1])))).toEqual([4, 6]);
    expect(js(vmap((m: NDArray) => lax.map((r: NDArray) => r.mul(r), m))(f64([[1, 2], [3, 4]])))).toEqual([[1, 4], [9, 16]]);
    expect(js(jit((m: NDArray) => lax.map((r: NDArray) => np.max(r), m))(f64([[1, 5], [7, 2]])))).toEqual([5, 7]);
  });
});

describe("carry dtypes", () => {
  it("a weakly typed init is promoted to the body's dtype; other mismatches raise", () => {
    expect(lax.scan((c: NDArray, x: NDArray) => [c.add(x), c], 0, f64([1.5, 2.5]))[0].item()).toBe(4);
    expect(lax.foriLoop(0, 3, (_i: NDArray, c: NDArray) => c.add(0.5), 0).item()).toBe(1.5);
    expect(lax.whileLoop((c: NDArray) => c.lt(3), (c: NDArray) => c.add(0.5), 0).item()).toBe(3);
    expect(() => lax.scan((c: NDArray, x: NDArray) => [c.add(x), c], np.array(0, { dtype: "int32" }), f64([1.5, 2.5])))
      .toThrow(/carry component 0 .*f64\[\] for init i32\[\]/);
    expect(() => lax.scan((c: NDArray, x: NDArray) => [np.concatenate([c, c]), x], f64([1]), f64([1, 2]))).toThrow(/carry/);
  });
});
