// Broadcasting laws for elementwise binary ops and `where`: values agree with a plain-JS
// reference that maps each output index to its input indices (size-1 dims pinned to 0), the
// result has the broadcast shape, and incompatible shapes raise an error naming the op and
// both shapes.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { np, type NDArray } from "graft";
import { arrays, broadcastableShapes, shapes } from "graft/testing";
import { RUNS, broadcastSource, expectSameValues, flat, naiveBroadcast, sizeOf, unravel } from "./util";

type DT = "float32" | "int32" | "uint32" | "bool";
const DTYPES: DT[] = ["float32", "int32", "uint32", "bool"];

// float32 elements include NaN and infinities now and then; int32 elements include the full
// range so that add/multiply must wrap like C.
const elementsOf: Record<DT, fc.Arbitrary<number | boolean>> = {
  float32: fc.oneof(
    { weight: 12, arbitrary: fc.float({ min: -10, max: 10, noNaN: true }) },
    { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity) },
  ),
  int32: fc.oneof(fc.integer({ min: -100, max: 100 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
  uint32: fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 2 ** 32 - 1 })),
  bool: fc.boolean(),
};

interface BinOp {
  name: string;
  fn: (x: NDArray, y: NDArray) => NDArray;
  /** Reference on stored values (bool as 0/1); returns the stored result. */
  ref: Record<DT, (a: number, b: number) => number>;
  /** Result dtype given the (common) input dtype. */
  outDType: (d: DT) => string;
}

const OPS: BinOp[] = [
  {
    name: "add",
    fn: np.add,
    ref: { float32: (a, b) => Math.fround(a + b), int32: (a, b) => (a + b) | 0, uint32: (a, b) => (a + b) >>> 0, bool: (a, b) => a | b },
    outDType: (d) => d,
  },
  {
    name: "multiply",
    fn: np.multiply,
    ref: { float32: (a, b) => Math.fround(a * b), int32: (a, b) => Math.imul(a, b), uint32: (a, b) => Math.imul(a, b) >>> 0, bool: (a, b) => a & b },
    outDType: (d) => d,
  },
  {
    name: "maximum",
    fn: np.maximum,
    // NaN propagates (Math.max does too).
    ref: { float32: Math.max, int32: Math.max, uint32: Math.max, bool: (a, b) => a | b },
    outDType: (d) => d,
  },
  {
    name: "equal",
    fn: np.equal,
    ref: { float32: (a, b) => Number(a === b), int32: (a, b) => Number(a === b), uint32: (a, b) => Number(a === b), bool: (a, b) => Number(a === b) },
    outDType: () => "bool",
  },
];

/** Arrays of one dtype with the given shapes. */
const arraysOf = (dtype: DT, shps: number[][]) =>
  fc.tuple(...shps.map((shape) => arrays({ shape, dtype, elements: elementsOf[dtype] })));

const shapeStr = (s: readonly number[]) => `[${s.join(",")}]`;

/** n broadcastable shapes, mostly non-empty (zero-length sides in a fifth of cases). */
const bshapes = (n: number) =>
  fc.oneof({ weight: 4, arbitrary: broadcastableShapes(n, { minSide: 1 }) }, { weight: 1, arbitrary: broadcastableShapes(n) });

describe("broadcasting: values agree with a naive reference", () => {
  for (const op of OPS) {
    for (const dtype of DTYPES) {
      it(`${op.name} ${dtype}`, () => {
        fc.assert(
          fc.property(
            bshapes(2).chain((s) => arraysOf(dtype, s)),
            fc.boolean(),
            ([x, y], swap) => {
              const [a, b] = swap ? [y, x] : [x, y];
              const out = op.fn(a, b);
              const shape = naiveBroadcast(a.shape, b.shape)!;
              expect(out.shape).toEqual(shape);
              expect(out.dtype).toBe(op.outDType(dtype));
              const da = flat(a), db = flat(b);
              const expected = Array.from({ length: sizeOf(shape) }, (_, i) => {
                const idx = unravel(i, shape);
                return op.ref[dtype](da[broadcastSource(idx, a.shape)], db[broadcastSource(idx, b.shape)]);
              });
              expectSameValues(flat(out), expected, `${op.name}(${a.aval}, ${b.aval})`);
            },
          ),
          { numRuns: RUNS },
        );
      });
    }
  }

  for (const dtype of DTYPES) {
    it(`where with a bool condition and ${dtype} branches`, () => {
      fc.assert(
        fc.property(
          bshapes(3).chain(([sc, sx, sy]) =>
            fc.tuple(arrays({ shape: sc, dtype: "bool" }), arraysOf(dtype, [sx, sy]))),
          ([c, [x, y]]) => {
            const out = np.where(c, x, y);
            const shape = naiveBroadcast(c.shape, x.shape, y.shape)!;
            expect(out.shape).toEqual(shape);
            expect(out.dtype).toBe(dtype);
            const dc = flat(c), dx = flat(x), dy = flat(y);
            const expected = Array.from({ length: sizeOf(shape) }, (_, i) => {
              const idx = unravel(i, shape);
              return dc[broadcastSource(idx, c.shape)]
                ? dx[broadcastSource(idx, x.shape)]
                : dy[broadcastSource(idx, y.shape)];
            });
            expectSameValues(flat(out), expected, `where(${c.aval}, ${x.aval}, ${y.aval})`);
          },
        ),
        { numRuns: RUNS },
      );
    });
  }

  it("the result shape is the broadcast shape, whatever the order of operands", () => {
    fc.assert(
      fc.property(bshapes(2), ([s, t]) => {
        const shape = naiveBroadcast(s, t);
        expect(np.add(np.zeros(s), np.zeros(t)).shape).toEqual(shape);
        expect(np.add(np.zeros(t), np.zeros(s)).shape).toEqual(shape);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("broadcasting: incompatible shapes", () => {
  const incompatible = fc
    .tuple(shapes({ minRank: 1, maxRank: 3 }), shapes({ minRank: 1, maxRank: 3 }))
    .filter(([a, b]) => naiveBroadcast(a, b) === null);

  const binary: [string, (x: NDArray, y: NDArray) => NDArray][] = [
    ["add", np.add],
    ["multiply", np.multiply],
    ["maximum", np.maximum],
    ["equal", np.equal],
  ];
  for (const [name, fn] of binary) {
    it(`${name} throws an error naming the op and both shapes`, () => {
      fc.assert(
        fc.property(incompatible, fc.constantFrom<DT>(...DTYPES), ([a, b], dtype) => {
          const x = np.zeros(a, { dtype }), y = np.zeros(b, { dtype });
          let err: unknown;
          try { fn(x, y); } catch (e) { err = e; }
          expect(err).toBeInstanceOf(TypeError);
          const message = (err as Error).message;
          expect(message).toContain(name);
          expect(message).toContain(shapeStr(a));
          expect(message).toContain(shapeStr(b));
          expect(message).toContain(`${String(x.aval)}`);
          expect(message).toContain(`${String(y.aval)}`);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it("where throws an error naming the op and the clashing shapes", () => {
    fc.assert(
      fc.property(incompatible, fc.integer({ min: 0, max: 2 }), ([a, b], which) => {
        // The clashing pair sits at two of the three operand slots; the third is a scalar.
        const s = which === 0 ? [a, b, []] : which === 1 ? [a, [], b] : [[], a, b];
        const [c, x, y] = [np.zeros(s[0], { dtype: "bool" }), np.zeros(s[1]), np.zeros(s[2])];
        expect(() => np.where(c, x, y)).toThrow(TypeError);
        let message = "";
        try { np.where(c, x, y); } catch (e) { message = (e as Error).message; }
        expect(message).toContain("where");
        expect(message).toContain(shapeStr(a));
        expect(message).toContain(shapeStr(b));
      }),
      { numRuns: RUNS },
    );
  });
});
