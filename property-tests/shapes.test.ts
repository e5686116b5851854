// Shape manipulation laws: round trips (transpose, reshape, moveaxis, split/concatenate,
// flip), basic slicing against a naive Python-slice-semantics reference, functional updates
// with `at().set()`, and sort/argsort (sorted, NaN last, a stable permutation).
import { describe, expect, it } from "vitest";
import fc, { type Arbitrary } from "fast-check";
import { np, type IndexEntry, type NDArray } from "graft";
import { arrays } from "graft/testing";
import {
  RUNS, elementAt, expectSameValues, flat, inversePermutation, maybeNegative, permutation, pySliceSelect,
  reductionGroups, sizeOf, testShapes, unravel,
} from "./util";

const opts = { numRuns: RUNS };
const anyArray = arrays({ shape: testShapes({ maxRank: 4, maxSide: 4 }) });
const nonScalar = arrays({ shape: testShapes({ minRank: 1, maxRank: 4, maxSide: 4 }) });

/** Same shape, dtype and stored values (NaN-aware). */
function expectSameArray(actual: NDArray, expected: NDArray, what: string): void {
  expect(actual.shape, `${what}: shape`).toEqual(expected.shape);
  expect(actual.dtype, `${what}: dtype`).toBe(expected.dtype);
  expectSameValues(flat(actual), flat(expected), what);
}

describe("transpose / reshape / moveaxis round trips", () => {
  it("transpose(transpose(x, p), inverse(p)) is x, and transpose moves elements as p says", () => {
    fc.assert(fc.property(anyArray.chain((x) => fc.tuple(fc.constant(x), permutation(x.ndim))), ([x, p]) => {
      const y = np.transpose(x, p);
      const shape = p.map((a) => x.shape[a]);
      expect(y.shape).toEqual(shape);
      const d = flat(x);
      expectSameValues(flat(y), Array.from({ length: y.size }, (_, i) => {
        const idx = unravel(i, shape);
        const src = new Array<number>(x.ndim);
        p.forEach((a, k) => { src[a] = idx[k]; });
        return elementAt(d, x.shape, src);
      }), "transpose");
      expectSameArray(np.transpose(y, inversePermutation(p)), x, "transpose round trip");
    }), opts);
  });

  /** A random shape with `size` elements: prime factors dealt into up to 4 axes, maybe one -1. */
  function factorisation(size: number): Arbitrary<{ target: number[]; resolved: number[] }> {
    if (size === 0) {
      return fc.tuple(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }), fc.nat()).map(([rest, at]) => {
        const s = [...rest];
        s.splice(at % (rest.length + 1), 0, 0);
        return { target: s, resolved: s };
      });
    }
    const primes: number[] = [];
    for (let n = size, p = 2; n > 1; ) { if (n % p === 0) { primes.push(p); n /= p; } else p++; }
    return fc.integer({ min: primes.length ? 1 : 0, max: 4 }).chain((axes) =>
      fc.tuple(
        fc.array(fc.integer({ min: 0, max: Math.max(0, axes - 1) }), { minLength: primes.length, maxLength: primes.length }),
        fc.option(fc.integer({ min: 0, max: Math.max(0, axes - 1) })),
      ).map(([deal, infer]) => {
        const resolved = new Array<number>(axes).fill(1);
        primes.forEach((p, k) => { resolved[deal[k]] *= p; });
        const target = resolved.map((d, i) => (i === infer ? -1 : d));
        return { target, resolved };
      }));
  }

  it("reshape(reshape(x, s2), x.shape) is x for a random factorisation s2 of x.size", () => {
    fc.assert(fc.property(anyArray.chain((x) => fc.tuple(fc.constant(x), factorisation(x.size))), ([x, { target, resolved }]) => {
      const y = np.reshape(x, target);
      expect(y.shape).toEqual(resolved);
      expectSameValues(flat(y), flat(x), "reshape keeps row-major order");
      expectSameArray(np.reshape(y, x.shape), x, "reshape round trip");
    }), opts);
  });

  it("moveaxis(moveaxis(x, src, dst), dst, src) is x", () => {
    const cases = anyArray.chain((x) => {
      const all = [...Array(x.ndim).keys()];
      return fc.shuffledSubarray(all).chain((src) =>
        fc.tuple(
          fc.constant(x),
          fc.tuple(...src.map((a) => maybeNegative(a, x.ndim))),
          fc.shuffledSubarray(all, { minLength: src.length, maxLength: src.length })
            .chain((dst) => fc.tuple(...dst.map((a) => maybeNegative(a, x.ndim)))),
        ));
    });
    fc.assert(fc.property(cases, ([x, src, dst]) => {
      const y = np.moveaxis(x, src, dst);
      const norm = (a: number) => (a < 0 ? a + x.ndim : a);
      src.forEach((s, k) => expect(y.shape[norm(dst[k])]).toBe(x.shape[norm(s)]));
      expectSameArray(np.moveaxis(y, dst, src), x, "moveaxis round trip");
    }), opts);
  });
});

describe("split / concatenate / flip", () => {
  it("concatenate(split(x, k, axis), axis) is x, in k equal pieces", () => {
    const cases = nonScalar.chain((x) =>
      fc.integer({ min: 0, max: x.ndim - 1 }).chain((ax) => {
        const n = x.shape[ax];
        const ks = [1, 2, 3, 4].filter((k) => n % k === 0);
        return fc.tuple(fc.constant(x), maybeNegative(ax, x.ndim), fc.constantFrom(...ks));
      }));
    fc.assert(fc.property(cases, ([x, axis, k]) => {
      const parts = np.split(x, k, axis);
      const ax = axis < 0 ? axis + x.ndim : axis;
      expect(parts).toHaveLength(k);
      for (const p of parts) expect(p.shape).toEqual(x.shape.map((d, i) => (i === ax ? d / k : d)));
      expectSameArray(np.concatenate(parts, axis), x, "split/concatenate round trip");
    }), opts);
  });

  it("concatenate(split(x, cuts, axis), axis) is x for sorted cut indices", () => {
    const cases = nonScalar.chain((x) =>
      fc.integer({ min: 0, max: x.ndim - 1 }).chain((ax) =>
        fc.tuple(fc.constant(x), fc.constant(ax), fc.array(fc.integer({ min: 0, max: x.shape[ax] }), { maxLength: 3 }).map((c) => c.sort((a, b) => a - b)))));
    fc.assert(fc.property(cases, ([x, ax, cuts]) => {
      const parts = np.split(x, cuts, ax);
      expect(parts).toHaveLength(cuts.length + 1);
      expectSameArray(np.concatenate(parts, ax), x, "split at indices round trip");
    }), opts);
  });

  it("flip twice is the identity, and flip once reverses the named axes", () => {
    const cases = anyArray.chain((x) =>
      fc.tuple(fc.constant(x), fc.oneof(
        fc.constant<number[] | null>(null),
        fc.shuffledSubarray([...Array(x.ndim).keys()]).chain((s) => fc.tuple(...s.map((a) => maybeNegative(a, x.ndim)))),
      )));
    fc.assert(fc.property(cases, ([x, axis]) => {
      const y = np.flip(x, axis);
      const axes = axis === null ? [...Array(x.ndim).keys()] : axis.map((a) => (a < 0 ? a + x.ndim : a));
      const d = flat(x);
      expectSameValues(flat(y), Array.from({ length: x.size }, (_, i) =>
        elementAt(d, x.shape, unravel(i, x.shape).map((v, k) => (axes.includes(k) ? x.shape[k] - 1 - v : v)))), "flip");
      expectSameArray(np.flip(y, axis), x, "flip twice");
    }), opts);
  });
});

// ---------------------------------------------------------------- slicing

/** One generated index: the entries, and per entry what the reference does with it. */
type Ref = { kind: "new" } | { kind: "int"; i: number } | { kind: "range"; sel: number[] };

/** An entry for an axis of size n: an int, a pair, a triple (any sign of step), or []. */
function axisEntry(n: number): Arbitrary<IndexEntry> {
  const bound = fc.option(fc.integer({ min: -n - 2, max: n + 2 }), { freq: 3 });
  const step = fc.option(fc.integer({ min: -3, max: 3 }).filter((s) => s !== 0), { freq: 4 });
  const options: Arbitrary<IndexEntry>[] = [
    fc.tuple(bound, bound),
    fc.tuple(bound, bound, step),
    fc.constant([]),
  ];
  if (n > 0) options.push(fc.integer({ min: -n, max: n - 1 }));
  return fc.oneof(...options);
}

/** Random basic indices for `shape`: entries for a prefix (and, with "...", a suffix) of the
 * axes, with new axes (null) sprinkled in. */
function basicIndex(shape: readonly number[]): Arbitrary<IndexEntry[]> {
  const nd = shape.length;
  return fc.integer({ min: 0, max: nd }).chain((p) =>
    fc.tuple(fc.integer({ min: 0, max: nd - p }), fc.boolean()).chain(([q0, ellipsis]) => {
      const q = ellipsis ? q0 : 0;
      const head = shape.slice(0, p).map(axisEntry), tail = shape.slice(nd - q).map(axisEntry);
      return fc.tuple(fc.tuple(...head), fc.tuple(...tail), fc.array(fc.nat(), { maxLength: 2 })).map(([h, t, news]) => {
        const entries: IndexEntry[] = ellipsis ? [...h, "...", ...t] : [...h];
        for (const at of news) entries.splice(at % (entries.length + 1), 0, null);
        return entries;
      });
    }));
}

/** The reference: what each entry does to each axis (Python slice semantics), independently of the library. */
function resolveIndex(shape: readonly number[], index: readonly IndexEntry[]): Ref[] {
  const consuming = index.filter((e) => e !== null && e !== "...").length;
  const refs: Ref[] = [];
  let d = 0;
  const full = (n: number): Ref => ({ kind: "range", sel: [...Array(n).keys()] });
  for (const e of index) {
    if (e === null) refs.push({ kind: "new" });
    else if (e === "...") for (let k = 0; k < shape.length - consuming; k++) refs.push(full(shape[d++]));
    else if (typeof e === "number") refs.push({ kind: "int", i: e < 0 ? e + shape[d++] : (d++, e) });
    else {
      const n = shape[d++];
      refs.push(e.length === 0 ? full(n) : { kind: "range", sel: pySliceSelect(n, e[0] ?? null, e[1] ?? null, e[2] ?? null) });
    }
  }
  while (d < shape.length) refs.push(full(shape[d++]));
  return refs;
}

/** The flat input positions an index selects, in output row-major order, and the output shape. */
function selectPositions(shape: readonly number[], refs: readonly Ref[]): { outShape: number[]; positions: number[] } {
  const outShape: number[] = [];
  for (const r of refs) if (r.kind === "new") outShape.push(1); else if (r.kind === "range") outShape.push(r.sel.length);
  const positions = Array.from({ length: sizeOf(outShape) }, (_, o) => {
    const oi = unravel(o, outShape);
    let k = 0;
    const src: number[] = [];
    for (const r of refs) {
      if (r.kind === "new") k++;
      else if (r.kind === "int") src.push(r.i);
      else src.push(r.sel[oi[k++]]);
    }
    return src.reduce((f, v, i) => f * shape[i] + v, 0);
  });
  return { outShape, positions };
}

describe("basic indexing", () => {
  const cases = anyArray.chain((x) => fc.tuple(fc.constant(x), basicIndex(x.shape)));

  it("x.slice(...) agrees with Python slice semantics", () => {
    fc.assert(fc.property(cases, ([x, index]) => {
      const { outShape, positions } = selectPositions(x.shape, resolveIndex(x.shape, index));
      const y = x.slice(...index);
      expect(y.shape).toEqual(outShape);
      expect(y.dtype).toBe(x.dtype);
      const d = flat(x);
      expectSameValues(flat(y), positions.map((p) => d[p]), `slice ${JSON.stringify(index)} of ${x.aval}`);
    }), opts);
  });

  it("x.at(idx).set(v) then .slice(idx) gives v, and other elements are unchanged", () => {
    const withValue = cases.chain(([x, index]) => {
      const { outShape } = selectPositions(x.shape, resolveIndex(x.shape, index));
      return fc.tuple(fc.constant(x), fc.constant(index), fc.oneof(
        arrays({ shape: outShape }),
        fc.integer({ min: -50, max: 50 }),
      ));
    });
    fc.assert(fc.property(withValue, ([x, index, v]) => {
      const { outShape, positions } = selectPositions(x.shape, resolveIndex(x.shape, index));
      const y = x.at(...index).set(v);
      expect(y.shape).toEqual(x.shape);
      expect(y.dtype).toBe(x.dtype);
      const vs = typeof v === "number" ? positions.map(() => v) : flat(v);
      const got = y.slice(...index);
      expect(got.shape).toEqual(outShape);
      expectSameValues(flat(got), vs, "slice after set");
      const expected = flat(x);
      positions.forEach((p, k) => { expected[p] = vs[k]; });
      expectSameValues(flat(y), expected, `at ${JSON.stringify(index)} of ${x.aval}: set`);
    }), opts);
  });
});

// ---------------------------------------------------------------- sorting

describe("sort / argsort", () => {
  // Few distinct values (ties), NaN, and signed zeros.
  const elems = fc.oneof(
    { weight: 6, arbitrary: fc.float({ min: -10, max: 10, noNaN: true }) },
    { weight: 3, arbitrary: fc.constantFrom(-1, 0, -0, 2) },
    { weight: 1, arbitrary: fc.constant(NaN) },
  );
  const cases = fc.oneof(
    arrays({ shape: testShapes({ minRank: 1, maxRank: 3, maxSide: 5 }), elements: elems }),
    arrays({ shape: testShapes({ minRank: 1, maxRank: 3, maxSide: 5 }), dtype: "int32", elements: fc.integer({ min: -3, max: 3 }) }),
  ).chain((x) => fc.tuple(fc.constant(x), fc.oneof(
    fc.constant<number | null>(null),
    fc.integer({ min: 0, max: x.ndim - 1 }).chain((a) => maybeNegative(a, x.ndim)),
  )));

  /** Lanes along the sort axis: flat positions of each 1-D run, in order. */
  function lanes(x: NDArray, axis: number | null): { shape: number[]; lanes: number[][] } {
    if (axis === null) return { shape: [x.size], lanes: [[...Array(x.size).keys()]] };
    const ax = axis < 0 ? axis + x.ndim : axis;
    return { shape: x.shape, lanes: x.size === 0 ? [] : reductionGroups(x.shape, [ax]) };
  }
  const byValueNaNLast = (a: number, b: number) => (a !== a ? (b !== b ? 0 : 1) : b !== b ? -1 : a - b);

  it("np.sort gives sorted lanes, NaN last, that are a permutation of the input", () => {
    fc.assert(fc.property(cases, ([x, axis]) => {
      const y = np.sort(x, axis);
      const { shape, lanes: ls } = lanes(x, axis);
      expect(y.shape).toEqual(shape);
      expect(y.dtype).toBe(x.dtype);
      const dx = flat(x), dy = flat(y);
      for (const lane of ls) {
        const got = lane.map((i) => dy[i]);
        for (let k = 1; k < got.length; k++) {
          const ok = got[k] !== got[k] || (got[k - 1] === got[k - 1] && got[k - 1] <= got[k]);
          if (!ok) expect.fail(`lane ${JSON.stringify(got)} is not sorted with NaN last`);
        }
        expectSameValues(got, lane.map((i) => dx[i]).sort(byValueNaNLast), "sort is a permutation");
      }
    }), opts);
  });

  it("takeAlongAxis(x, argsort(x)) equals sort(x), and argsort is a stable permutation", () => {
    fc.assert(fc.property(cases, ([x, axis]) => {
      const idx = np.argsort(x, axis);
      const { shape, lanes: ls } = lanes(x, axis);
      expect(idx.shape).toEqual(shape);
      expect(idx.dtype).toBe("int32");
      expectSameValues(flat(np.takeAlongAxis(x, idx, axis)), flat(np.sort(x, axis)), "takeAlongAxis(x, argsort(x))");
      const dx = flat(x), di = flat(idx);
      for (const lane of ls) {
        const perm = lane.map((i) => di[i]);
        expect([...perm].sort((a, b) => a - b)).toEqual([...Array(lane.length).keys()]);
        const vals = perm.map((p) => dx[lane[p]]);
        for (let k = 1; k < perm.length; k++) {
          // Stable: equal keys (NaN with NaN, 0 with -0) keep their input order.
          if (byValueNaNLast(vals[k - 1], vals[k]) === 0 && !(perm[k - 1] < perm[k])) {
            expect.fail(`argsort is not stable: ${JSON.stringify(perm)} for ${JSON.stringify(lane.map((i) => dx[i]))}`);
          }
        }
      }
    }), opts);
  });
});
