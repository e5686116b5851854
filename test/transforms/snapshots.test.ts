// Printed jaxprs of representative transformed programs, as inline snapshots (jax-js
// test/tracing.test.ts style): a change in what a transform stages shows up here as a
// readable diff. Regenerate with `npx vitest run test/transforms/snapshots.test.ts -u`
// and read the new text before accepting it.
import { describe, expect, it } from "vitest";
import { grad, jit, jvp, lax, makeJaxpr, np, vjp, vmap, type NDArray } from "graft";

const x3 = np.ones([3]);
const f = (x: NDArray) => np.sin(x).mul(x);

describe("printed jaxprs", () => {
  it("jvp of a small function: primal and tangent interleaved", () => {
    expect(makeJaxpr((x: NDArray, t: NDArray) => jvp(f, [x], [t]))(x3, x3).toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[3] b:f32[3]. let
          c:f32[3] = sin a
          d:f32[3] = cos a
          e:f32[3] = mul b d
          f:f32[3] = mul c a
          g:f32[3] = mul e a
          h:f32[3] = mul b c
          i:f32[3] = add g h
        in (f, i) }"
    `);
  });

  it("a vjp backward function: residuals are constants, only linear ops remain", () => {
    expect(makeJaxpr(vjp(f, x3)[1])(x3).toString()).toMatchInlineSnapshot(`
      "{ lambda a:f32[3] b:f32[3] c:f32[3]; d:f32[3]. let
          e:f32[3] = mul d a
          f:f32[3] = mul d b
          g:f32[3] = mul f c
          h:f32[3] = add e g
        in (h) }"
    `);
  });

  it("a vmap'd function: the batch axis folds into the primitives", () => {
    const g = (a: NDArray, b: NDArray) => np.tanh(np.dot(a, b)).add(b.sum());
    expect(makeJaxpr(vmap(g, { inAxes: [0, null] }))(np.ones([2, 3]), x3).toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[2,3] b:f32[3]. let
          c:f32[2] = dot_general[dimension_numbers=(((1,), (0,)), ((), ())) preferred_element_type=None] a b
          d:f32[2] = tanh c
          e:f32[] = reduce_sum[axes=(0,)] b
          f:f32[2] = add d e
        in (f) }"
    `);
  });

  it("a jit'd function: one pjit carrying the simplified body", () => {
    const g = jit(function model(a: NDArray) { return np.tanh(a.mul(2).add(a.mul(2))).sum(); });
    expect(makeJaxpr((a: NDArray) => g(a).mul(3))(x3).toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[3]. let
          g:f32[] = pjit[jaxpr={ lambda ; b:f32[3]. let
            c:f32[3] = mul b 2.0:f32[]
            d:f32[3] = add c c
            e:f32[3] = tanh d
            f:f32[] = reduce_sum[axes=(0,)] e
          in (f) } name=model] a
          h:f32[] = mul g 3.0:f32[]
        in (h) }"
    `);
  });

  it("a scan program", () => {
    const cumprod = (xs: NDArray) => lax.scan((c: NDArray, x: NDArray) => [c.mul(x), c], np.array(1), xs);
    expect(makeJaxpr(cumprod)(x3).toString()).toMatchInlineSnapshot(`"{ lambda ; a:f32[3]. let e:f32[] f:f32[3] = scan[jaxpr={ lambda ; b:f32[] c:f32[]. let d:f32[] = mul b c in (d, b) } num_consts=0 num_carry=1 length=3 reverse=False] 1.0:f32[] a in (e, f) }"`);
  });

  it("grad of a scan: a forward scan stacking residuals, a reversed scan for cotangents", () => {
    const last = (xs: NDArray) => lax.scan((c: NDArray, x: NDArray) => [np.sin(c.mul(x)), null], np.array(1), xs)[0];
    expect(makeJaxpr(grad(last))(x3).toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[3]. let
          g:f32[] h:f32[3] i:f32[3] j:f32[3] = scan[jaxpr={ lambda ; b:f32[] c:f32[]. let
            d:f32[] = mul b c
            e:f32[] = sin d
            f:f32[] = cos d
          in (e, c, b, f) } num_consts=0 num_carry=1 length=3 reverse=False] 1.0:f32[] a
          r:f32[] s:f32[3] = scan[jaxpr={ lambda ; k:f32[] l:f32[] m:f32[] n:f32[]. let
            o:f32[] = mul k n
            p:f32[] = mul o m
            q:f32[] = mul o l
          in (q, p) } num_consts=0 num_carry=1 length=3 reverse=True] 1.0:f32[] h i j
        in (s) }"
    `);
  });

  it("a cond program", () => {
    const g = (p: NDArray, x: NDArray) => lax.cond(p, (v: NDArray) => v.mul(2), (v: NDArray) => np.sin(v), x);
    expect(makeJaxpr(g)(np.array(true), x3).toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:bool[] b:f32[3]. let
          c:i32[] = convert_element_type[new_dtype=int32 weak_type=False] a
          d:i32[] = min c 1:i32[]
          e:i32[] = max d 0:i32[]
          j:f32[3] = cond[branches=({ lambda ; f:f32[3]. let g:f32[3] = sin f in (g) }, { lambda ; h:f32[3]. let i:f32[3] = mul h 2.0:f32[] in (i) })] e b
        in (j) }"
    `);
  });

  it("vmap of a cond with a batched predicate: a select_n", () => {
    const g = (p: NDArray, x: NDArray) => lax.cond(p, (v: NDArray) => v.mul(2), (v: NDArray) => np.sin(v), x);
    expect(makeJaxpr(vmap(g))(np.array([true, false]), np.ones([2])).toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:bool[2] b:f32[2]. let
          c:i32[2] = convert_element_type[new_dtype=int32 weak_type=False] a
          d:i32[2] = min c 1:i32[]
          e:i32[2] = max d 0:i32[]
          f:f32[2] = sin b
          g:f32[2] = mul b 2.0:f32[]
          h:i32[2] = min e 1:i32[]
          i:i32[2] = max h 0:i32[]
          j:f32[2] = select_n i f g
        in (j) }"
    `);
  });

  it("a while program", () => {
    const g = (x: NDArray) => lax.whileLoop((c: NDArray) => c.lt(10), (c: NDArray) => c.mul(x), np.array(1));
    expect(makeJaxpr(g)(np.array(2)).toString()).toMatchInlineSnapshot(`"{ lambda ; a:f32[]. let g:f32[] = while[cond={ lambda ; b:f32[]. let c:bool[] = lt b 10.0:f32[] in (c) } body={ lambda ; d:f32[] e:f32[]. let f:f32[] = mul e d in (f) } cond_consts=0 body_consts=1] a 1.0:f32[] in (g) }"`);
  });
});
