// Every primitive, by name. Backend lowering tables are typed `{ [N in PrimName]: ... }`
// over this object, so `tsc` names any backend that lacks a new primitive.
import type { Primitive } from "../primitive";
import { adPrims } from "./ad";
import { dotPrims } from "./dot";
import { elementwisePrims } from "./elementwise";
import { indexPrims } from "./index-ops";
import { reducePrims } from "./reduce";
import { shapePrims } from "./shape";
import { sortPrims } from "./sort";

export const prims = {
  ...elementwisePrims,
  ...shapePrims,
  ...reducePrims,
  ...dotPrims,
  ...indexPrims,
  ...sortPrims,
  ...adPrims,
};

export type PrimName = keyof typeof prims;
export type ParamsOf<N extends PrimName> = (typeof prims)[N] extends Primitive<infer P> ? P : never;

export type { ConvertParams, IntegerPowParams } from "./elementwise";
export type { BroadcastInDimParams, ReshapeParams, TransposeParams, SliceParams, PadParams, ConcatenateParams, RevParams } from "./shape";
export type { ReduceParams, ArgReduceParams, CumulativeParams } from "./reduce";
export type { DotGeneralParams, DotDimensionNumbers } from "./dot";
export type { AlongAxisParams, ScatterAlongAxisParams, ScatterMode } from "./index-ops";
export type { SortParams } from "./sort";
