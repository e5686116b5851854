// lax.convGeneralDilated and lax.reduceWindow agree with direct loops written here from
// XLA's semantics (independently of the library's window tables), on random ranks (1-3
// spatial dims), sizes, strides, padding (negative too), lhs/rhs dilation, feature or batch
// groups and axis layouts; their vjps are the transposes of their jvps (<u, J v> =
// <J^T u, v>, for both conv operands at once); vmap over either or both operands equals a
// loop over examples.
import { describe, expect, it } from "vitest";
import fc, { type Arbitrary } from "fast-check";
import { jvp, lax, np, vjp, vmap, type NDArray } from "graft";
import { type ConvSpec, convSpecs, dil, groupShapes } from "./conv-spec";
import { RUNS, expectClose, flat, sizeOf, unravel } from "./util";

/** Elementwise |a - e| <= tol * (1 + |e|). */
const near = (a: ArrayLike<number>, e: ArrayLike<number>, tol: number) =>
  expectClose(a, e, Array.from(e, (v) => tol * (1 + Math.abs(v))));


// ---- a random conv ---------------------------------------------------------------------

const convSpec = convSpecs({ maxN: 2, maxI: 3, maxOg: [5, 3], maxIn: [7, 4], fullWindows: false });


function rng(seed: number) {
  let a = seed >>> 0;
  return () => { a = (Math.imul(a, 1664525) + 1013904223) >>> 0; return a / 2 ** 32 * 2 - 1; };
}
const randArr = (shape: number[], next: () => number) => np.array(Float64Array.from({ length: sizeOf(shape) }, next), { shape, dtype: "float64" });
const inverse = (p: number[]) => { const q = p.slice(); p.forEach((v, i) => { q[v] = i; }); return q; };
/** A canonical array laid out so that canonical dim i sits at axis spec[i]. */
const toLayout = (a: NDArray, spec: number[]) => np.transpose(a, inverse(spec));
const fromLayout = (a: NDArray, spec: number[]) => np.transpose(a, spec);

/** XLA conv semantics as a direct loop over canonical data (lhs [N, C, ...], rhs [O, I, ...]). */
function convRef(s: ConvSpec, lhs: number[], rhs: number[]): { shape: number[]; data: number[] } {
  const { fg, bg, lhs: ls, rhs: rs } = groupShapes(s);
  const outSp = s.inSp.map((n, i) => {
    const padded = dil(n, s.ld[i]) + s.pads[i][0] + s.pads[i][1], k = dil(s.kSp[i], s.rd[i]);
    return padded < k ? 0 : Math.floor((padded - k) / s.strides[i]) + 1;
  });
  const Nout = ls[0] / bg, O = rs[0], Og = O / Math.max(fg, bg);
  const shape = [Nout, O, ...outSp];
  const data = new Array<number>(sizeOf(shape)).fill(0);
  const K = sizeOf(s.kSp);
  data.forEach((_, flatOut) => {
    const [n, o, ...q] = unravel(flatOut, shape);
    const g = Math.floor(o / Og);
    const nb = bg > 1 ? g * Nout + n : n;
    let acc = 0;
    for (let c = 0; c < s.I; c++) {
      const cl = fg > 1 ? g * s.I + c : c;
      for (let kf = 0; kf < K; kf++) {
        const k = unravel(kf, s.kSp);
        const idx: number[] = [];
        let ok = true;
        for (let d = 0; d < s.nd && ok; d++) {
          const pos = q[d] * s.strides[d] + k[d] * s.rd[d] - s.pads[d][0];
          if (pos < 0 || pos >= dil(s.inSp[d], s.ld[d]) || pos % s.ld[d] !== 0) ok = false;
          else idx.push(pos / s.ld[d]);
        }
        if (!ok) continue;
        const li = [nb, cl, ...idx].reduce((a, v, i) => a * ls[i] + v, 0);
        const ri = [o, c, ...k].reduce((a, v, i) => a * rs[i] + v, 0);
        acc += lhs[li] * rhs[ri];
      }
    }
    data[flatOut] = acc;
  });
  return { shape, data };
}

const convOf = (s: ConvSpec) => {
  const { fg, bg } = groupShapes(s);
  return (x: NDArray, w: NDArray) => lax.convGeneralDilated(x, w, s.strides, s.pads, {
    lhsDilation: s.ld, rhsDilation: s.rd, featureGroupCount: fg, batchGroupCount: bg,
    dimensionNumbers: { lhsSpec: s.lhsSpec, rhsSpec: s.rhsSpec, outSpec: s.outSpec },
  });
};
const inputs = (s: ConvSpec, next = rng(s.seed)) => {
  const { lhs, rhs } = groupShapes(s);
  const a = randArr(lhs, next), b = randArr(rhs, next);
  return { a, b, x: toLayout(a, s.lhsSpec), w: toLayout(b, s.rhsSpec) };
};
const dot = (a: NDArray, b: NDArray) => { const x = flat(a), y = flat(b); return x.reduce((t, v, i) => t + v * y[i], 0); };

describe("conv_general_dilated", () => {
  it("agrees with a direct loop (any rank, layout, strides, padding, dilations, groups)", () => {
    fc.assert(fc.property(convSpec, (s) => {
      const { a, b, x, w } = inputs(s);
      const ref = convRef(s, flat(a), flat(b));
      const y = fromLayout(convOf(s)(x, w), s.outSpec);
      expect(y.shape).toEqual(ref.shape);
      near(flat(y), ref.data, 1e-12);
      // float32 operands accumulate in float64 and round once.
      const y32 = fromLayout(convOf(s)(x.astype("float32"), w.astype("float32")), s.outSpec);
      expect(y32.dtype).toBe("float32");
      const ref32 = convRef(s, flat(a.astype("float32")), flat(b.astype("float32")));
      near(flat(y32), ref32.data.map(Math.fround), 1e-6);
    }), { numRuns: RUNS });
  });

  it("vjp is the transpose of jvp in both operands", () => {
    fc.assert(fc.property(convSpec, (s) => {
      const next = rng(s.seed + 1);
      const { x, w } = inputs(s);
      const tx = randArr(x.shape, next), tw = randArr(w.shape, next);
      const f = convOf(s);
      const [y, tOut] = jvp(f, [x, w], [tx, tw]) as [NDArray, NDArray];
      const u = randArr(y.shape, next);
      const [, back] = vjp(f, x, w);
      const [cx, cw] = back(u) as NDArray[];
      expect(cx.shape).toEqual(x.shape);
      expect(cw.shape).toEqual(w.shape);
      const lhs = dot(u, tOut), rhs = dot(cx, tx) + dot(cw, tw);
      expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-10 * (1 + Math.abs(lhs)));
    }), { numRuns: RUNS });
  });

  it("vmap over lhs, rhs or both equals a loop over examples", () => {
    const arb = fc.tuple(convSpec, fc.constantFrom("lhs", "rhs", "both"), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 4 }));
    fc.assert(fc.property(arb, ([s, which, B, axSeed]) => {
      const next = rng(s.seed + 2);
      const { x, w } = inputs(s);
      const f = convOf(s);
      const ax = (nd: number) => axSeed % (nd + 1);
      const stackAt = (make: () => NDArray, axis: number) => np.stack(Array.from({ length: B }, make), axis);
      const xs = which === "rhs" ? x : stackAt(() => randArr(x.shape, next), ax(x.ndim));
      const ws = which === "lhs" ? w : stackAt(() => randArr(w.shape, next), ax(w.ndim));
      const inAxes = [which === "rhs" ? null : ax(x.ndim), which === "lhs" ? null : ax(w.ndim)];
      const got = vmap(f, { inAxes })(xs, ws) as NDArray;
      const loop = np.stack(Array.from({ length: B }, (_, i) =>
        f(inAxes[0] === null ? xs : np.take(xs, i, inAxes[0]), inAxes[1] === null ? ws : np.take(ws, i, inAxes[1]))), 0);
      expect(got.shape).toEqual(loop.shape);
      near(flat(got), flat(loop), 1e-12);
    }), { numRuns: RUNS });
  });
});

// ---- reduce_window ---------------------------------------------------------------------

interface WindowSpec {
  shape: number[]; window: number[]; strides: number[]; pads: [number, number][]; bd: number[]; wd: number[]; seed: number;
}
const windowSpec: Arbitrary<WindowSpec> = fc.integer({ min: 1, max: 4 }).chain((nd) => {
  const ints = (min: number, max: number) => fc.array(fc.integer({ min, max }), { minLength: nd, maxLength: nd });
  return fc.record({
    shape: ints(1, nd === 4 ? 3 : 6), window: ints(1, 3), strides: ints(1, 3),
    pads: fc.array(fc.tuple(fc.integer({ min: -1, max: 2 }), fc.integer({ min: -1, max: 2 })), { minLength: nd, maxLength: nd }),
    bd: ints(1, 2), wd: ints(1, 2), seed: fc.integer({ min: 1, max: 2 ** 30 }),
  });
}).filter((s) => s.shape.every((n, i) => dil(n, s.bd[i]) + s.pads[i][0] + s.pads[i][1] >= 0));

type Op = "add" | "max" | "min";
/** XLA ReduceWindow as a direct loop; also the flat input index each window selects (first max/min). */
function windowRef(s: WindowSpec, x: number[], op: Op, init: number) {
  const outShape = s.shape.map((n, i) => {
    const padded = dil(n, s.bd[i]) + s.pads[i][0] + s.pads[i][1], k = dil(s.window[i], s.wd[i]);
    return padded < k ? 0 : Math.floor((padded - k) / s.strides[i]) + 1;
  });
  const data: number[] = [], sel: number[] = [], taps: number[][] = [];
  for (let f = 0; f < sizeOf(outShape); f++) {
    const q = unravel(f, outShape);
    let acc = init, best = -1;
    const covered: number[] = [];
    for (let kf = 0; kf < sizeOf(s.window); kf++) {
      const k = unravel(kf, s.window);
      const idx: number[] = [];
      for (let d = 0; d < q.length; d++) {
        const pos = q[d] * s.strides[d] + k[d] * s.wd[d] - s.pads[d][0];
        if (pos >= 0 && pos < dil(s.shape[d], s.bd[d]) && pos % s.bd[d] === 0) idx.push(pos / s.bd[d]);
      }
      const inside = idx.length === q.length, at = idx.reduce((a, i, d) => a * s.shape[d] + i, 0);
      const v = inside ? x[at] : init;
      if (inside) covered.push(at);
      if (inside && (best < 0 || (op === "max" ? v > x[best] : v < x[best]))) best = at;
      acc = op === "add" ? acc + v : op === "max" ? Math.max(acc, v) : Math.min(acc, v);
    }
    data.push(acc);
    sel.push(best);
    taps.push(covered);
  }
  return { outShape, data, sel, taps };
}
const windowOf = (s: WindowSpec, op: Op, init: number) => (x: NDArray) =>
  lax.reduceWindow(x, init, op, s.window, s.strides, s.pads, { baseDilation: s.bd, windowDilation: s.wd });

describe("reduce_window", () => {
  const cases: [Op, number][] = [["add", 0], ["max", -Infinity], ["min", Infinity], ["add", 0.5], ["max", 0.25]];
  for (const [op, init] of cases) {
    it(`${op} (init ${init}) agrees with a direct loop, and its vjp with the selected-element rule`, () => {
      fc.assert(fc.property(windowSpec, (s) => {
        const next = rng(s.seed);
        const x = randArr(s.shape, next);
        const ref = windowRef(s, flat(x), op, init);
        const f = windowOf(s, op, init);
        const [y, back] = vjp(f, x);
        expect((y as NDArray).shape).toEqual(ref.outShape);
        near(flat(y as NDArray), ref.data, 1e-12);
        const u = randArr(ref.outShape, next);
        const [ct] = back(u) as NDArray[];
        // Reference cotangent: sum windows (add), or route to the selected element when
        // the result came from the operand (not from init).
        const want = new Array<number>(x.size).fill(0);
        const uf = flat(u), xf = flat(x);
        if (op === "add") {
          ref.taps.forEach((covered, o) => covered.forEach((i) => { want[i] += uf[o]; }));
        } else {
          ref.sel.forEach((j, o) => { if (j >= 0 && ref.data[o] === xf[j]) want[j] += uf[o]; });
        }
        near(flat(ct), want, 1e-12);
      }), { numRuns: RUNS });
    });
  }

  it("max/min: jvp picks the selected element's tangent; vjp transposes it", () => {
    fc.assert(fc.property(windowSpec, fc.constantFrom<Op>("max", "min"), (s, op) => {
      const next = rng(s.seed + 3);
      const x = randArr(s.shape, next), t = randArr(s.shape, next);
      const f = windowOf(s, op, op === "max" ? -Infinity : Infinity);
      const [y, dy] = jvp(f, [x], [t]) as [NDArray, NDArray];
      const ref = windowRef(s, flat(x), op, op === "max" ? -Infinity : Infinity);
      const tf = flat(t);
      near(flat(dy), ref.sel.map((j) => (j >= 0 ? tf[j] : 0)), 0);
      const u = randArr(y.shape, next);
      const [ct] = (vjp(f, x)[1](u)) as NDArray[];
      expect(Math.abs(dot(u, dy) - dot(ct, t))).toBeLessThanOrEqual(1e-10);
    }), { numRuns: RUNS });
  });

  it("vmap equals a loop over examples", () => {
    fc.assert(fc.property(windowSpec, fc.constantFrom<Op>("add", "max"), fc.integer({ min: 0, max: 4 }), (s, op, axSeed) => {
      const next = rng(s.seed + 4);
      const f = windowOf(s, op, op === "max" ? -Infinity : 0);
      const axis = axSeed % (s.shape.length + 1);
      const xs = np.stack([randArr(s.shape, next), randArr(s.shape, next)], axis);
      const got = vmap(f, { inAxes: axis })(xs) as NDArray;
      const loop = np.stack([0, 1].map((i) => f(np.take(xs, i, axis))), 0);
      near(flat(got), flat(loop), 0);
    }), { numRuns: RUNS });
  });
});
