// threefry2x32 (20 rounds) per element: bit-exact with the CPU kernel and JAX.
import type { ShapedArray } from "../../../core/aval";
import { bindings, grid, KernelBuilder, type KernelCode, module, WORKGROUP } from "../emit";

export function threefryKernel(ins: readonly ShapedArray[], _p: unknown, outs: readonly ShapedArray[]): KernelCode {
  const n = outs[0].size;
  const k = new KernelBuilder({}, [...ins]);
  k.line(`let i = (wid.y * nwg.x + wid.x) * ${WORKGROUP}u + lid.x;`);
  k.line(`if (i >= ${n}u) { return; }`);
  const at = (j: number) => `in${j}[${ins[j].size === 1 ? "0u" : "i"}]`;
  k.line(`let k0 = ${at(0)}; let k1 = ${at(1)};`);
  k.line(`var ks = array<u32, 3>(k0, k1, k0 ^ k1 ^ 0x1BD11BDAu);`);
  k.line(`var x0 = ${at(2)} + k0; var x1 = ${at(3)} + k1;`);
  const R = [[13, 15, 26, 6], [17, 29, 16, 24]];
  for (let s = 1; s <= 5; s++) {
    for (const r of R[(s + 1) % 2]) k.line(`x0 = x0 + x1; x1 = ((x1 << ${r}u) | (x1 >> ${32 - r}u)) ^ x0;`);
    k.line(`x0 = x0 + ks[${s % 3}]; x1 = x1 + ks[${(s + 1) % 3}] + ${s}u;`);
  }
  k.line("out0[i] = x0; out1[i] = x1;");
  return { code: module(bindings(ins, outs), k.body()), wg: grid(Math.ceil(n / WORKGROUP)) };
}
