// Cumulative reductions (cumsum/cumprod/cummax/cummin): one thread per line along the
// axis, running sequentially — O(n) work, parallel over all other elements.
import type { ShapedArray } from "../../../core/aval";
import type { CumulativeParams } from "../../../core/primitives";
import { bindings, grid, KernelBuilder, type KernelCode, module, strides, WORKGROUP } from "../emit";
import { load, store, valueType } from "../wgsl";

const STEP: Record<string, (d: string, a: string, v: string) => string> = {
  cumsum: (d, a, v) => (d === "bool" ? `${a} || ${v}` : `${a} + ${v}`),
  cumprod: (d, a, v) => (d === "bool" ? `${a} && ${v}` : `${a} * ${v}`),
  cummax: (d, a, v) => (d === "float32" ? `g_max(${a}, ${v})` : d === "bool" ? `${a} || ${v}` : `max(${a}, ${v})`),
  cummin: (d, a, v) => (d === "float32" ? `g_min(${a}, ${v})` : d === "bool" ? `${a} && ${v}` : `min(${a}, ${v})`),
};

export function cumulativeKernel(prim: string) {
  return ([x]: readonly ShapedArray[], p: CumulativeParams, [out]: readonly ShapedArray[]): KernelCode | null => {
    if (x.dtype === "complex64" && prim !== "cumsum") return null;
    const n = x.shape[p.axis], st = strides(x.shape)[p.axis];
    const lines = x.size / Math.max(n, 1);
    const k = new KernelBuilder({}, [x]);
    k.line(`let l = (wid.y * nwg.x + wid.x) * ${WORKGROUP}u + lid.x;`);
    k.line(`if (l >= ${lines}u) { return; }`);
    // Line l: outer part l / st and inner part l % st around the axis.
    k.line(`let base = (l / ${st}u) * ${n * st}u + l % ${st}u;`);
    k.line(`var acc: ${valueType(out.dtype)};`);
    k.open(`for (var j: u32 = 0u; j < ${n}u; j = j + 1u)`);
    k.line(`let e = base + ${p.reverse ? `(${n - 1}u - j)` : "j"} * ${st}u;`);
    k.line(`let v = ${load(x.dtype, "in0[e]")};`);
    k.line(`if (j == 0u) { acc = v; } else { acc = ${STEP[prim](x.dtype, "acc", "v")}; }`);
    k.line(`out0[e] = ${store(out.dtype, "acc")};`);
    k.close();
    return { code: module(bindings([x], [out]), k.body()), wg: grid(Math.ceil(lines / WORKGROUP)) };
  };
}
