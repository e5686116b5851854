// Laws of np.linalg on random shapes (batched, tall, wide, 1×1) and values: solve solves,
// factorizations reconstruct their input with orthonormal / triangular factors (qr, svd,
// eigh, cholesky, lu via det), triangular solves for every option, least squares satisfies
// the normal equations, pinv the Penrose conditions; derivatives agree with central finite
// differences (checkGrads, float64, on inputs whose spectra are well separated so the
// eigen/singular vectors are smooth); vmap over any axis equals a loop; jit equals eager.
import { describe, expect, it } from "vitest";
import fc, { type Arbitrary } from "fast-check";
import { jit, np, vmap, type NDArray } from "graft";
import { checkGrads } from "graft/testing";
import { RUNS, sizeOf } from "./util";

type DT = "float32" | "float64";
const TOL: Record<DT, number> = { float64: 1e-11, float32: 2e-4 };

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => { a = (Math.imul(a, 1664525) + 1013904223) >>> 0; return (a / 2 ** 32) * 2 - 1; };
}
const randArr = (shape: number[], seed: number, dtype: DT = "float64"): NDArray =>
  np.array(Float64Array.from({ length: sizeOf(shape) }, rng(seed)), { shape, dtype: "float64" }).astype(dtype);
const eye = (n: number, dtype: DT = "float64") => np.eye(n, undefined, 0, { dtype });
const mT = (x: NDArray) => np.swapaxes(x, -1, -2);
/** max |a - b| <= tol * (1 + max |b|), over every element. */
function expectNear(a: NDArray, b: NDArray, tol: number, what: string): void {
  expect(a.shape, what).toEqual(b.shape);
  const x = a.astype("float64").dataSync(), y = b.astype("float64").dataSync();
  let err = 0, scale = 0;
  for (let i = 0; i < y.length; i++) { err = Math.max(err, Math.abs(x[i] - y[i])); scale = Math.max(scale, Math.abs(y[i])); }
  expect(err, `${what}: max error ${err}`).toBeLessThanOrEqual(tol * (1 + scale));
}
const batchOf = (): Arbitrary<number[]> => fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 });
const spec = <T>(extra: Arbitrary<T>) => fc.record({ batch: batchOf(), seed: fc.integer({ min: 1, max: 2 ** 30 }), dtype: fc.constantFrom<DT>("float64", "float32"), x: extra });

/** A well-conditioned square matrix: random plus (n + 1) on the diagonal. */
const wellConditioned = (shape: number[], seed: number, dtype: DT) =>
  np.add(randArr(shape, seed, dtype), np.multiply(eye(shape.at(-1)!, dtype), shape.at(-1)! + 1));
const spdOf = (shape: number[], seed: number, dtype: DT = "float64") => {
  const r = randArr(shape, seed, dtype);
  return np.add(np.matmul(r, mT(r)), np.multiply(eye(shape.at(-1)!, dtype), shape.at(-1)!));
};
/** Q diag(d) Qᵀ with eigenvalues at least 1 apart (so eigenvectors are smooth in the input). */
function separatedSym(n: number, seed: number): NDArray {
  const [q] = np.linalg.qr(randArr([n, n], seed));
  const d = np.array(Array.from({ length: n }, (_, i) => 1.5 * i - n / 2 + 0.1 * rng(seed + 1)()), { dtype: "float64" });
  return np.matmul(np.multiply(q, d), mT(q));
}
/** U diag(s) Vᵀ with singular values at least 1 apart and >= 1. */
function separatedSv(m: number, n: number, seed: number): NDArray {
  const k = Math.min(m, n);
  const [u] = np.linalg.qr(randArr([m, k], seed)), [v] = np.linalg.qr(randArr([n, k], seed + 7));
  const s = np.array(Array.from({ length: k }, (_, i) => 1 + 1.3 * (k - i)), { dtype: "float64" });
  return np.matmul(np.multiply(u, s), mT(v));
}

describe("np.linalg laws", () => {
  it("a @ solve(a, b) == b (vector and matrix b, broadcast batch)", () => {
    fc.assert(fc.property(spec(fc.record({ n: fc.integer({ min: 1, max: 7 }), k: fc.integer({ min: 0, max: 3 }) })), ({ batch, seed, dtype, x: { n, k } }) => {
      const a = wellConditioned([...batch, n, n], seed, dtype);
      const b = randArr(k === 0 ? [...batch, n] : [...batch, n, k], seed + 1, dtype);
      const xs = np.linalg.solve(a, b);
      const ax = k === 0 ? np.squeeze(np.matmul(a, np.expandDims(xs, -1)), -1) : np.matmul(a, xs);
      expectNear(ax, b, TOL[dtype] * n, "a x");
      // Broadcasting: one matrix against a batch of right-hand sides.
      const b2 = randArr([2, n, 2], seed + 2, dtype), a1 = wellConditioned([n, n], seed + 3, dtype);
      expectNear(np.matmul(a1, np.linalg.solve(a1, b2)), b2, TOL[dtype] * n, "broadcast a x");
    }), { numRuns: RUNS });
  });

  it("inv(a) a == I and det(a b) == det(a) det(b), slogdet agrees with det", () => {
    fc.assert(fc.property(spec(fc.integer({ min: 1, max: 6 })), ({ batch, seed, dtype, x: n }) => {
      const a = wellConditioned([...batch, n, n], seed, dtype), b = wellConditioned([...batch, n, n], seed + 5, dtype);
      expectNear(np.matmul(np.linalg.inv(a), a), np.broadcastTo(eye(n, dtype), a.shape), TOL[dtype] * n, "inv(a) a");
      const da = np.linalg.det(a), db = np.linalg.det(b), dab = np.linalg.det(np.matmul(a, b));
      expectNear(np.divide(dab, np.multiply(da, db)), np.onesLike(dab), TOL[dtype] * n * 10, "det(ab) / (det a det b)");
      const [s, l] = np.linalg.slogdet(a);
      expectNear(np.multiply(s, np.exp(l)), da, TOL[dtype] * n * 10, "sign exp(logdet)");
    }), { numRuns: RUNS });
  });

  it("qr: q r == a, q orthonormal, r upper triangular (reduced and complete, any m, n)", () => {
    fc.assert(fc.property(spec(fc.record({ m: fc.integer({ min: 1, max: 6 }), n: fc.integer({ min: 1, max: 6 }), complete: fc.boolean() })),
      ({ batch, seed, dtype, x: { m, n, complete } }) => {
        const a = randArr([...batch, m, n], seed, dtype);
        const [q, r] = np.linalg.qr(a, complete ? "complete" : "reduced");
        const k = complete ? m : Math.min(m, n);
        expect(q.shape).toEqual([...batch, m, k]);
        expect(r.shape).toEqual([...batch, k, n]);
        expectNear(np.matmul(q, r), a, TOL[dtype] * 4, "q r");
        expectNear(np.matmul(mT(q), q), np.broadcastTo(eye(k, dtype), [...batch, k, k]), TOL[dtype] * 4, "qᵀ q");
        expect(np.arrayEqual(np.tril(r, -1), np.zerosLike(r))).toBe(true);
      }), { numRuns: RUNS });
  });

  it("svd: u diag(s) vh == a with orthonormal u, vh and s descending >= 0", () => {
    fc.assert(fc.property(spec(fc.record({ m: fc.integer({ min: 1, max: 6 }), n: fc.integer({ min: 1, max: 6 }), full: fc.boolean(), rank: fc.integer({ min: 0, max: 6 }) })),
      ({ batch, seed, dtype, x: { m, n, full, rank } }) => {
        // Optionally rank-deficient: a product through a rank-r inner dimension.
        const r = Math.min(rank, m, n);
        const a = rank < Math.min(m, n) ? np.matmul(randArr([...batch, m, r], seed, dtype), randArr([...batch, r, n], seed + 1, dtype)) : randArr([...batch, m, n], seed, dtype);
        const [u, s, vh] = np.linalg.svd(a, full);
        const k = Math.min(m, n);
        expect(u.shape).toEqual([...batch, m, full ? m : k]);
        expect(vh.shape).toEqual([...batch, full ? n : k, n]);
        const sv = s.dataSync();
        for (let i = 0; i < sv.length; i++) {
          expect(sv[i]).toBeGreaterThanOrEqual(0);
          if (i % k) expect(sv[i]).toBeLessThanOrEqual(sv[i - 1]);
        }
        const uk = u.slice("...", [0, k]), vk = vh.slice("...", [0, k], []);
        expectNear(np.matmul(np.multiply(uk, np.expandDims(s, -2)), vk), a, TOL[dtype] * 4, "u s vh");
        expectNear(np.matmul(mT(u), u), np.broadcastTo(eye(u.shape.at(-1)!, dtype), [...batch, u.shape.at(-1)!, u.shape.at(-1)!]), TOL[dtype] * 4, "uᵀ u");
        expectNear(np.matmul(vh, mT(vh)), np.broadcastTo(eye(vh.shape.at(-2)!, dtype), [...batch, vh.shape.at(-2)!, vh.shape.at(-2)!]), TOL[dtype] * 4, "vh vhᵀ");
        expectNear(np.linalg.svd(a, { computeUv: false }), s, TOL[dtype], "values only");
      }), { numRuns: RUNS });
  });

  it("eigh: v diag(w) vᵀ == (a + aᵀ)/2, v orthonormal, w ascending", () => {
    fc.assert(fc.property(spec(fc.integer({ min: 1, max: 7 })), ({ batch, seed, dtype, x: n }) => {
      const a = randArr([...batch, n, n], seed, dtype);
      const sym = np.multiply(np.add(a, mT(a)), 0.5);
      const [w, v] = np.linalg.eigh(a);
      expectNear(np.matmul(np.multiply(v, np.expandDims(w, -2)), mT(v)), sym, TOL[dtype] * n, "v w vᵀ");
      expectNear(np.matmul(mT(v), v), np.broadcastTo(eye(n, dtype), [...batch, n, n]), TOL[dtype] * n, "vᵀ v");
      const wv = w.dataSync();
      for (let i = 0; i < wv.length; i++) if (i % n) expect(wv[i]).toBeGreaterThanOrEqual(wv[i - 1]);
    }), { numRuns: RUNS });
  });

  it("cholesky: l lᵀ == a, l lower triangular with a positive diagonal", () => {
    fc.assert(fc.property(spec(fc.integer({ min: 1, max: 8 })), ({ batch, seed, dtype, x: n }) => {
      const a = spdOf([...batch, n, n], seed, dtype);
      const l = np.linalg.cholesky(a);
      expectNear(np.matmul(l, mT(l)), a, TOL[dtype] * n, "l lᵀ");
      expect(np.arrayEqual(np.triu(l, 1), np.zerosLike(l))).toBe(true);
      expect(Array.from(np.diagonal(l, 0, -2, -1).dataSync()).every((d) => d > 0)).toBe(true);
    }), { numRuns: RUNS });
  });

  it("triangularSolve: op(t) x == b or x op(t) == b for every option", () => {
    fc.assert(fc.property(spec(fc.record({ n: fc.integer({ min: 1, max: 6 }), k: fc.integer({ min: 1, max: 10 }), leftSide: fc.boolean(), lower: fc.boolean(), transposeA: fc.boolean(), unitDiagonal: fc.boolean() })),
      ({ batch, seed, dtype, x: { n, k, ...opts } }) => {
        const a = wellConditioned([...batch, n, n], seed, dtype);
        const b = randArr(opts.leftSide ? [...batch, n, k] : [...batch, k, n], seed + 1, dtype);
        const x = np.linalg.triangularSolve(a, b, opts);
        let t = opts.lower ? np.tril(a) : np.triu(a);
        if (opts.unitDiagonal) t = np.add(np.multiply(t, np.subtract(1, eye(n, dtype))), eye(n, dtype));
        if (opts.transposeA) t = mT(t);
        expectNear(opts.leftSide ? np.matmul(t, x) : np.matmul(x, t), b, TOL[dtype] * n, "op(t) x");
      }), { numRuns: RUNS });
  });

  it("lstsq satisfies the normal equations; pinv the Penrose conditions", () => {
    fc.assert(fc.property(fc.record({ seed: fc.integer({ min: 1, max: 2 ** 30 }), m: fc.integer({ min: 1, max: 7 }), n: fc.integer({ min: 1, max: 7 }) }), ({ seed, m, n }) => {
      const a = randArr([m, n], seed), b = randArr([m], seed + 1);
      const [x, , rank] = np.linalg.lstsq(a, b);
      expect(rank.item()).toBe(Math.min(m, n));
      const r = np.subtract(np.matmul(a, x), b);
      expectNear(np.matmul(mT(a), r), np.zeros([n], { dtype: "float64" }), 1e-10, "aᵀ (a x - b)");
      const p = np.linalg.pinv(a);
      expectNear(np.matmul(np.matmul(a, p), a), a, 1e-10, "a p a");
      expectNear(np.matmul(np.matmul(p, a), p), p, 1e-10, "p a p");
      const ap = np.matmul(a, p), pa = np.matmul(p, a);
      expectNear(ap, mT(ap), 1e-10, "(a p)ᵀ");
      expectNear(pa, mT(pa), 1e-10, "(p a)ᵀ");
    }), { numRuns: RUNS });
  });
});

describe("np.linalg derivatives vs finite differences (float64)", () => {
  const runs = Math.max(6, Math.floor(RUNS / 4));
  const sq = (x: NDArray) => np.square(x);
  const cases: [string, (seed: number, n: number) => NDArray[], (...xs: NDArray[]) => unknown][] = [
    ["cholesky", (s, n) => [spdOf([n, n], s)], (a) => np.linalg.cholesky(a)],
    ["triangularSolve (a and b)", (s, n) => [wellConditioned([n, n], s, "float64"), randArr([n, 2], s + 1)],
      (a, b) => np.linalg.triangularSolve(a, b, { leftSide: true, lower: true })],
    ["triangularSolve right side transposed", (s, n) => [wellConditioned([n, n], s, "float64"), randArr([3, n], s + 1)],
      (a, b) => np.linalg.triangularSolve(a, b, { transposeA: true })],
    ["solve", (s, n) => [wellConditioned([n, n], s, "float64"), randArr([n], s + 1)], (a, b) => np.linalg.solve(a, b)],
    ["inv", (s, n) => [wellConditioned([n, n], s, "float64")], (a) => np.linalg.inv(a)],
    ["det and slogdet", (s, n) => [wellConditioned([n, n], s, "float64")], (a) => [np.linalg.det(a), np.linalg.slogdet(a)[1]]],
    ["eigh (values, squared vectors)", (s, n) => [separatedSym(n, s)], (a) => { const [w, v] = np.linalg.eigh(a); return [w, sq(v)]; }],
    ["svd tall (s, squared u and vh)", (s, n) => [separatedSv(n + 1, n, s)], (a) => { const [u, sv, vh] = np.linalg.svd(a, false); return [sv, sq(u), sq(vh)]; }],
    ["svd wide", (s, n) => [separatedSv(n, n + 2, s)], (a) => { const [u, sv, vh] = np.linalg.svd(a, false); return [sv, sq(u), sq(vh)]; }],
    ["qr", (s, n) => [randArr([n + 1, n], s)], (a) => np.linalg.qr(a)],
    ["lstsq and pinv", (s, n) => [separatedSv(n + 2, n, s), randArr([n + 2], s + 1)], (a, b) => [np.linalg.lstsq(a, b)[0], np.linalg.pinv(a)]],
    ["norm 2, nuc, fro", (s, n) => [separatedSv(n, n + 1, s)], (a) => [np.linalg.norm(a, 2), np.linalg.norm(a, "nuc"), np.linalg.norm(a, "fro")]],
  ];
  for (const [name, make, f] of cases) {
    it(name, () => {
      fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 30 }), fc.integer({ min: 1, max: 4 }), (seed, n) => {
        checkGrads(f, make(seed, n), { seed, atol: 1e-6, rtol: 1e-5 });
      }), { numRuns: runs });
    });
  }
});

describe("np.linalg under vmap and jit", () => {
  const FNS: [string, (m: number, n: number, seed: number) => NDArray[], (...xs: NDArray[]) => NDArray | NDArray[]][] = [
    ["cholesky", (_m, n, s) => [spdOf([n, n], s)], (a) => np.linalg.cholesky(a)],
    ["solve", (_m, n, s) => [wellConditioned([n, n], s, "float64"), randArr([n, 2], s + 1)], (a, b) => np.linalg.solve(a, b)],
    ["triangularSolve", (_m, n, s) => [wellConditioned([n, n], s, "float64"), randArr([2, n], s + 1)], (a, b) => np.linalg.triangularSolve(a, b)],
    ["inv and det", (_m, n, s) => [wellConditioned([n, n], s, "float64")], (a) => [np.linalg.inv(a), np.linalg.det(a)]],
    ["eigh values", (_m, n, s) => [randArr([n, n], s)], (a) => np.linalg.eigh(a)[0]],
    ["svd values", (m, n, s) => [randArr([m, n], s)], (a) => np.linalg.svd(a, { computeUv: false })],
    ["qr", (m, n, s) => [randArr([m, n], s)], (a) => np.linalg.qr(a)],
    ["pinv", (m, n, s) => [randArr([m, n], s)], (a) => np.linalg.pinv(a)],
  ];
  for (const [name, make, f] of FNS) {
    it(`${name}: vmap over any axis == loop, jit == eager`, () => {
      fc.assert(fc.property(fc.record({ m: fc.integer({ min: 1, max: 4 }), n: fc.integer({ min: 1, max: 4 }), size: fc.integer({ min: 1, max: 3 }),
        seed: fc.integer({ min: 1, max: 2 ** 30 }), axisSeed: fc.integer({ min: 0, max: 100 }), outAxis: fc.integer({ min: 0, max: 1 }) }),
      ({ m, n, size, seed, axisSeed, outAxis }) => {
        const examples = [...Array(size).keys()].map((i) => make(m, n, seed + 17 * i));
        const nargs = examples[0].length;
        // Each operand batched on a random axis, or (when others are batched) not at all.
        const axes = examples[0].map((x, k) => (k > 0 && (axisSeed >> k) % 3 === 0 ? null : (axisSeed + k) % (x.ndim + 1)));
        const ins = [...Array(nargs).keys()].map((k) => (axes[k] === null ? examples[0][k] : np.stack(examples.map((e) => e[k]), axes[k]!)));
        const per = examples.map((e) => f(...e.map((x, k) => (axes[k] === null ? examples[0][k] : x))));
        // Output axis per output, at most its per-example rank.
        const outAxes = Array.isArray(per[0]) ? per[0].map((o) => Math.min(outAxis, o.ndim)) : Math.min(outAxis, per[0].ndim);
        const got = vmap(f, { inAxes: axes, outAxes })(...ins);
        const gots = Array.isArray(got) ? got : [got];
        gots.forEach((g, j) => {
          const want = np.stack(per.map((p) => (Array.isArray(p) ? p[j] : p)), Array.isArray(outAxes) ? outAxes[j] : outAxes);
          expectNear(g, want, 1e-12, `vmap output ${j}`);
        });
        const eager = f(...examples[0]), jitted = jit(f)(...examples[0]);
        (Array.isArray(eager) ? eager : [eager]).forEach((e, j) => expectNear((Array.isArray(jitted) ? jitted : [jitted])[j], e, 1e-14, "jit"));
      }), { numRuns: Math.max(8, Math.floor(RUNS / 2)) });
    });
  }
});
