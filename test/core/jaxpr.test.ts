// Tracing into jaxprs: printed form (snapshots), the type checker, evalShape, evalJaxpr.
import { describe, expect, it } from "vitest";
import { checkJaxpr, ClosedJaxpr, ConcretizationError, evalJaxpr, evalShape, Jaxpr, JaxprTypeError, makeJaxpr, np, type NDArray } from "graft";

describe("makeJaxpr", () => {
  it("prints one equation on one line", () => {
    expect(makeJaxpr((x: NDArray) => np.sin(x))(np.ones([3])).toString()).toBe("{ lambda ; a:f32[3]. let b:f32[3] = sin a in (b) }");
  });
  it("prints programs with broadcasts, literals and params", () => {
    const f = (x: NDArray, y: NDArray) => np.sum(x.mul(2).add(y), 1);
    expect(makeJaxpr(f)(np.ones([2, 3]), np.ones([3])).toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[2,3] b:f32[3]. let
          c:f32[2,3] = mul a 2.0:f32[]
          d:f32[2,3] = broadcast_in_dim[shape=(2, 3) broadcast_dimensions=(1,)] b
          e:f32[2,3] = add c d
          f:f32[2] = reduce_sum[axes=(1,)] e
        in (f) }"
    `);
  });
  it("lifts closed-over arrays to constvars and keeps int dtypes", () => {
    const c = np.arange(3);
    const closed = makeJaxpr((x: NDArray) => x.add(c).mul(3))(np.ones([3], { dtype: "int32" }));
    expect(closed.toString()).toMatchInlineSnapshot(`
      "{ lambda a:i32[3]; b:i32[3]. let
          c:i32[3] = add b a
          d:i32[3] = mul c 3:i32[]
        in (d) }"
    `);
    expect(closed.consts).toHaveLength(1);
    checkJaxpr(closed.jaxpr);
  });
  it("takes and returns pytrees", () => {
    const closed = makeJaxpr(({ a, b }: { a: NDArray; b: NDArray }) => [a.add(b), { s: np.sum(a) }])({ a: np.ones([2]), b: np.zeros([2]) });
    expect(closed.jaxpr.invars).toHaveLength(2);
    expect(closed.outAvals.map(String)).toEqual(["f32[2]", "f32[]"]);
  });
  it("raises ConcretizationError when a traced value is used as a JS value", () => {
    expect(() => makeJaxpr((x: NDArray) => (x.sum().item() > 0 ? x : x.neg()))(np.ones([2]))).toThrow(ConcretizationError);
    expect(() => makeJaxpr((x: NDArray) => (+x > 0 ? x : x))(np.ones([]))).toThrow(/lax.cond/);
  });
  it("leaves the trace stack clean after an error", () => {
    expect(() => makeJaxpr((x: NDArray) => np.add(x, np.ones([5])))(np.ones([3, 4]))).toThrow(/add: shapes must broadcast/);
    expect(np.ones([2]).add(1).js()).toEqual([2, 2]);
  });
  it("detects a tracer that escapes its trace", () => {
    let leaked: NDArray | undefined;
    makeJaxpr((x: NDArray) => { leaked = x.mul(2); return x; })(np.ones([2]));
    expect(() => np.add(leaked!, 1)).toThrow(/escaped/);
  });
});

describe("evalShape and evalJaxpr", () => {
  it("evalShape computes shapes without data", () => {
    const out = evalShape((x: NDArray) => ({ m: np.matmul(x, x.T), s: x.sum(0) }))(np.ones([4, 3]));
    expect(out.m.shape).toEqual([4, 4]);
    expect(out.s.shape).toEqual([3]);
    expect(out.s.dtype).toBe("float32");
  });
  it("evalJaxpr reproduces the eager result", () => {
    const f = (x: NDArray) => np.tanh(np.matmul(x, x)).sum(0);
    const x = np.array([[1, 2], [3, -4]]);
    const closed = makeJaxpr(f)(x);
    const [out] = evalJaxpr(closed.jaxpr, closed.consts, [x]);
    expect(out.js()).toEqual(f(x).js());
  });
});

describe("checkJaxpr", () => {
  it("rejects a jaxpr whose equation types are wrong", () => {
    const good = makeJaxpr((x: NDArray) => np.sin(x))(np.ones([3])).jaxpr;
    const e = good.eqns[0];
    const bad = new Jaxpr([], good.invars, [{ ...e, outvars: [new (e.outvars[0].constructor as any)(np.ones([4]).aval)] }], good.outvars);
    expect(() => checkJaxpr(bad)).toThrow(JaxprTypeError);
  });
  it("rejects use before definition", () => {
    const good = makeJaxpr((x: NDArray) => np.cos(np.sin(x)))(np.ones([3])).jaxpr;
    const swapped = new Jaxpr([], good.invars, [good.eqns[1], good.eqns[0]], good.outvars);
    expect(() => checkJaxpr(swapped)).toThrow(/used before it is defined/);
    expect(new ClosedJaxpr(good, []).toString()).toContain("cos");
  });
});
