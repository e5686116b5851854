// Random convolutions for the property tests (conv.test.ts against direct loops,
// matmul-cpu.test.ts for the im2col fast path): 1-3 spatial dims, feature or batch groups,
// strides, padding (negative too), lhs/rhs dilation and random axis layouts.
import fc, { type Arbitrary } from "fast-check";

export interface ConvSpec {
  nd: number;
  N: number; G: number; groupKind: "feature" | "batch"; I: number; Og: number;
  inSp: number[]; kSp: number[]; strides: number[]; pads: [number, number][]; ld: number[]; rd: number[];
  lhsSpec: number[]; rhsSpec: number[]; outSpec: number[];
  seed: number;
}

/** Extent of `d` points dilated by `r`. */
export const dil = (d: number, r: number) => (d === 0 ? 0 : 1 + r * (d - 1));
export const perm = (n: number): Arbitrary<number[]> => fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n });

export interface ConvBounds {
  maxN: number; maxI: number;
  /** Most output features per group, for 1-2 and for 3 spatial dims. */
  maxOg: [number, number];
  /** Largest spatial input side, for 1-2 and for 3 spatial dims. */
  maxIn: [number, number];
  /** Every spatial dim holds at least one window (else only a non-negative padded size). */
  fullWindows: boolean;
}

export function convSpecs(b: ConvBounds): Arbitrary<ConvSpec> {
  return fc.integer({ min: 1, max: 3 }).chain((nd) => fc.record({
    nd: fc.constant(nd),
    N: fc.integer({ min: 1, max: b.maxN }),
    G: fc.integer({ min: 1, max: 3 }),
    groupKind: fc.constantFrom("feature" as const, "batch" as const),
    I: fc.integer({ min: 1, max: b.maxI }),
    Og: fc.integer({ min: 1, max: nd === 3 ? b.maxOg[1] : b.maxOg[0] }),
    inSp: fc.array(fc.integer({ min: 1, max: nd === 3 ? b.maxIn[1] : b.maxIn[0] }), { minLength: nd, maxLength: nd }),
    kSp: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: nd, maxLength: nd }),
    strides: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: nd, maxLength: nd }),
    pads: fc.array(fc.tuple(fc.integer({ min: -1, max: 3 }), fc.integer({ min: -1, max: 3 })), { minLength: nd, maxLength: nd }),
    ld: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: nd, maxLength: nd }),
    rd: fc.array(fc.integer({ min: 1, max: 2 }), { minLength: nd, maxLength: nd }),
    lhsSpec: perm(nd + 2), rhsSpec: perm(nd + 2), outSpec: perm(nd + 2),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  })).filter((s) => s.inSp.every((n, i) => dil(n, s.ld[i]) + s.pads[i][0] + s.pads[i][1] >= (b.fullWindows ? dil(s.kSp[i], s.rd[i]) : 0)));
}

/** Feature/batch group counts and canonical operand shapes: lhs [N, C, ...], rhs [O, I, ...]. */
export function groupShapes(s: ConvSpec) {
  const fg = s.groupKind === "feature" ? s.G : 1, bg = s.groupKind === "batch" ? s.G : 1;
  return { fg, bg, lhs: [s.N * bg, s.I * fg, ...s.inSp], rhs: [s.Og * s.G, s.I, ...s.kSp] };
}
