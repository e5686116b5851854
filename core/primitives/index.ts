// Every primitive, by name. Backend lowering tables are typed `{ [N in PrimName]: ... }`
// over this object, so `tsc` names any backend that lacks a new primitive.
import type { Primitive } from "../primitive";
import { adPrims } from "./ad";
import { complexPrims } from "./complex";
import { convPrims } from "./conv";
import { dotPrims } from "./dot";
import { elementwisePrims } from "./elementwise";
import { fftPrims } from "./fft";
import { gatherPrims } from "./gather";
import { indexPrims } from "./index-ops";
import { linalgPrims } from "./linalg";
import { randomPrims } from "./random-bits";
import { reducePrims } from "./reduce";
import { shapePrims } from "./shape";
import { sortPrims } from "./sort";
import { specialPrims } from "./special";

export const prims = {
  ...elementwisePrims,
  ...shapePrims,
  ...reducePrims,
  ...dotPrims,
  ...convPrims,
  ...indexPrims,
  ...linalgPrims,
  ...gatherPrims,
  ...sortPrims,
  ...adPrims,
  ...specialPrims,
  ...randomPrims,
  ...complexPrims,
  ...fftPrims,
};

export type PrimName = keyof typeof prims;
export type ParamsOf<N extends PrimName> = (typeof prims)[N] extends Primitive<infer P> ? P : never;

export type { ConvertParams, IntegerPowParams } from "./elementwise";
export type { BroadcastInDimParams, ReshapeParams, TransposeParams, SliceParams, PadParams, ConcatenateParams, RevParams } from "./shape";
export type { ReduceParams, ArgReduceParams, CumulativeParams } from "./reduce";
export type { DotGeneralParams, DotDimensionNumbers } from "./dot";
export type { AlongAxisParams, ScatterAlongAxisParams, ScatterMode } from "./index-ops";
export type { SortParams } from "./sort";
export type { CholeskyParams, TriangularSolveParams, EighParams, SvdParams, QrParams } from "./linalg";
export type { GatherParams, ScatterParams, GatherDimensionNumbers, ScatterDimensionNumbers, GatherMode, ScatterKind } from "./gather";
export type { ConvGeneralDilatedParams, ConvDimensionNumbers, ReduceWindowParams, SelectAndGatherAddParams, Padding } from "./conv";
export type { RandomGammaParams } from "./random-bits";
export type { FftParams, FftType } from "./fft";
