// float16 on WebGPU, on every adapter: a float16 array lives on the GPU as f32 values that are
// exactly representable in binary16 (4 bytes per element, not 2). Each primitive with a
// float16 result runs as its float32 version and then rounds the result to binary16 (round to
// nearest even) in place, which is what the CPU backend does per operation (compute in
// float32, round the result), so results agree with it wherever the f32 operation does.
// WGSL's own f16 (the `shader-f16` feature) is not used: SwiftShader lacks it and Dawn does
// not expose it on NVIDIA's Vulkan driver (crbug.com/tint/2164), so no adapter we test on has it.
import { grid, type KernelCode, WORKGROUP } from "./emit";

/** Primitives that only move or select existing values: their float16 results need no rounding. */
export const MOVES_VALUES = new Set([
  "reshape", "slice", "concatenate", "transpose", "broadcast_in_dim", "rev", "squeeze", "expand_dims", "select_n",
  "gather", "dynamic_slice", "dynamic_update_slice", "stop_gradient", "copy", "pad", "sort", "max", "min", "neg", "abs",
]);

/**
 * Rounds n f32 values in place to the nearest binary16 value, ties to even: overflow (from
 * 65520 up) to infinity, the subnormal range to multiples of 2^-24 (WGSL's round() is
 * round-half-even), NaN and infinities unchanged.
 */
export function roundKernel(n: number): KernelCode {
  // arrayLength, not n, bounds it: one pipeline for every size (pooled buffers may be longer
  // than n; rounding their tail is harmless).
  const code = `@group(0) @binding(0) var<storage, read_write> out0: array<f32>;
fn half_round(x: f32) -> f32 {
  let b = bitcast<u32>(x);
  let s = b & 0x80000000u;
  let a = b & 0x7fffffffu;
  if (a >= 0x7f800000u) { return x; }
  if (a >= 0x477ff000u) { return bitcast<f32>(s | 0x7f800000u); }
  if (a < 0x38800000u) { return bitcast<f32>(s | bitcast<u32>(round(bitcast<f32>(a) * 16777216.0) / 16777216.0)); }
  return bitcast<f32>(s | ((a + 0xfffu + ((a >> 13u) & 1u)) & 0xffffe000u));
}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * ${WORKGROUP}u;
  if (i >= arrayLength(&out0)) { return; }
  out0[i] = half_round(out0[i]);
}
`;
  return { code, wg: grid(Math.ceil(n / WORKGROUP)) };
}
