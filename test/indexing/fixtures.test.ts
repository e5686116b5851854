/**
 * NumPy reference fixtures for indexing: lax.gather / lax.scatter*, lax.dynamicSlice /
 * dynamicUpdateSlice, advanced indexing through `x.slice(...)` / `x.at(...)`, and
 * np.searchsorted / nonzero / flatnonzero / argwhere / where(cond) / unique.
 *
 * Cases live in test/fixtures/indexing.json, written by test/fixtures/gen_indexing.py
 * (`/usr/bin/python3 test/fixtures/gen_indexing.py`). Every case runs eagerly and under jit
 * (functions with data-dependent sizes only when a static `size` is given); results must
 * match the expected shape and dtype exactly and the values within the case's tolerance
 * (NaN equals NaN; integers and booleans exactly).
 */
import { describe, expect, it } from "vitest";
import { devicePut, jit, lax, np, type NDArray } from "graft";
import cases from "../fixtures/indexing.json";
import { startWebgpu, usesFloat64 } from "../webgpu/setup";

type DType = "float32" | "float64" | "int32" | "uint32" | "bool";
type Num = number | string | boolean;
interface Encoded { array: Num[]; shape: number[]; dtype: DType }
interface Case { fn: string; id: string; args: unknown[]; kwargs: Record<string, any>; expected: unknown; rtol: number; atol: number }

const CASES = cases as unknown as Case[];
const SPECIAL: Record<string, number> = { nan: NaN, inf: Infinity, "-inf": -Infinity };
const num = (v: Num): number => (typeof v === "boolean" ? Number(v) : typeof v === "string" ? SPECIAL[v] : v);
const isEncoded = (v: unknown): v is Encoded => typeof v === "object" && v !== null && !Array.isArray(v) && "array" in v;

/** The values stored in the dtype (float32 fixtures round to float32). */
const typed = (v: Encoded) => ({ float32: Float32Array, float64: Float64Array, int32: Int32Array, uint32: Uint32Array, bool: Uint8Array })[v.dtype].from(v.array.map(num));

function decode(v: unknown): any {
  if (isEncoded(v)) return np.array(typed(v), { shape: v.shape, dtype: v.dtype });
  if (Array.isArray(v)) return v.map(decode);
  if (typeof v === "string" && v in SPECIAL) return SPECIAL[v];
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]));
  return v;
}

/** Each case as a function of its array arguments (so it can be jitted); other args are closed over. */
function call(c: Case): { f: (...xs: NDArray[]) => NDArray | NDArray[]; arrays: NDArray[]; jittable: boolean } {
  const args = decode(c.args) as any[];
  const kw = decode(c.kwargs) as Record<string, any>;
  const fn = c.fn;
  if (fn === "gather") {
    return { f: (x, i) => lax.gather(x, i, kw.dimensionNumbers, kw.sliceSizes, { mode: kw.mode, fillValue: kw.fillValue }), arrays: args, jittable: true };
  }
  if (fn.startsWith("scatter")) {
    const op = (lax as any)[fn] as typeof lax.scatter;
    return { f: (x, i, u) => op(x, i, u, kw.dimensionNumbers, { mode: kw.mode }), arrays: args, jittable: true };
  }
  if (fn === "dynamicSlice") return { f: (x) => lax.dynamicSlice(x, args[1], args[2]), arrays: [args[0]], jittable: true };
  if (fn === "dynamicUpdateSlice") return { f: (x, u) => lax.dynamicUpdateSlice(x, u, args[2]), arrays: [args[0], args[1]], jittable: true };
  if (fn === "getitem") {
    // The index is closed over (bool masks need concrete values), so jit traces only x.
    return { f: (x) => x.slice(...args[1]), arrays: [args[0]], jittable: true };
  }
  if (fn.startsWith("at-")) {
    const mode = fn.slice(3) as "set" | "add" | "mul" | "min" | "max";
    const v = args[2];
    return typeof v === "number"
      ? { f: (x) => x.at(...args[1])[mode](v), arrays: [args[0]], jittable: true }
      : { f: (x, u) => x.at(...args[1])[mode](u), arrays: [args[0], v], jittable: true };
  }
  if (fn === "searchsorted") return { f: (a, v) => np.searchsorted(a, v, kw), arrays: args, jittable: true };
  const sized = kw.size !== undefined;
  if (fn === "nonzero") return { f: (x) => np.nonzero(x, kw), arrays: args, jittable: sized };
  if (fn === "flatnonzero") return { f: (x) => np.flatnonzero(x, kw), arrays: args, jittable: sized };
  if (fn === "argwhere") return { f: (x) => np.argwhere(x, kw), arrays: args, jittable: sized };
  if (fn === "where1") return { f: (x) => np.where(x), arrays: args, jittable: false };
  if (fn === "unique") return { f: (x) => np.unique(x, kw), arrays: args, jittable: sized };
  throw new Error(`fixture: unknown function ${fn}`);
}

function expectMatches(got: unknown, want: unknown, c: Case, where: string): void {
  if (Array.isArray(want)) {
    expect(Array.isArray(got), `${where}: expected a list of arrays`).toBe(true);
    expect((got as unknown[]).length).toBe(want.length);
    want.forEach((w, k) => expectMatches((got as unknown[])[k], w, c, `${where}[${k}]`));
    return;
  }
  const w = want as Encoded, g = got as NDArray;
  expect({ shape: g.shape, dtype: g.dtype }, where).toEqual({ shape: w.shape, dtype: w.dtype });
  const gv = Array.from(g.dataSync() as ArrayLike<number>), wv = Array.from(typed(w) as ArrayLike<number>);
  const bad = gv.findIndex((v, k) => {
    const e = wv[k];
    if (Number.isNaN(e)) return !Number.isNaN(v);
    if (!Number.isFinite(e)) return v !== e;
    return !(Math.abs(v - e) <= c.atol + c.rtol * Math.abs(e));
  });
  expect(bad, `${where}: element ${bad} is ${gv[bad]}, expected ${wv[bad]}\n got  ${gv.slice(0, 12)}\n want ${wv.slice(0, 12)}`).toBe(-1);
}

const byFn = new Map<string, Case[]>();
for (const c of CASES) byFn.set(c.fn, [...(byFn.get(c.fn) ?? []), c]);

describe.each([...byFn.keys()])("%s", (fn) => {
  it.each(byFn.get(fn)!.map((c) => [c.id, c] as const))("%s", (_id, c) => {
    const { f, arrays, jittable } = call(c);
    expectMatches(f(...arrays), c.expected, c, "eager");
    if (jittable) expectMatches(jit(f)(...arrays), c.expected, c, "jit");
  });
});

it("covers every fixture function", () => {
  expect([...byFn.keys()].sort()).toEqual(["argwhere", "at-add", "at-max", "at-min", "at-mul", "at-set", "dynamicSlice", "dynamicUpdateSlice",
    "flatnonzero", "gather", "getitem", "nonzero", "scatter", "scatterAdd", "scatterMax", "scatterMin", "scatterMul", "searchsorted", "unique", "where1"]);
});

// On WebGPU (cases without float64): the array arguments live on the GPU; closed-over
// index arrays are CPU constants, copied over automatically. Eager and jit.
const hasGpu = await startWebgpu();
describe.skipIf(!hasGpu)("indexing fixtures on webgpu", () => {
  it.each(CASES.filter((c) => !usesFloat64([c.args, c.kwargs, c.expected])).map((c) => [`${c.fn} ${c.id}`, c] as const))("%s", (_id, c) => {
    const { f, arrays, jittable } = call(c);
    const onGpu = arrays.map((a) => devicePut(a, "webgpu"));
    const out = f(...onGpu);
    for (const o of Array.isArray(out) ? out : [out]) expect(o.device).toBe("webgpu");
    expectMatches(out, c.expected, c, "eager");
    if (jittable) expectMatches(jit(f)(...onGpu), c.expected, c, "jit");
  });
});
