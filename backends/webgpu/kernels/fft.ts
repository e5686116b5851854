// The fft primitive on WebGPU: one workgroup per transform holds the whole multi-dimensional
// block (all `fftLengths` axes, complex64 as vec2<f32>) in workgroup memory and runs
// in-place radix-2 decimation-in-time passes, one barrier per pass. The block is loaded
// with every axis's coordinate bit-reversed; DIT passes along one axis only mix elements of
// that axis's lines, so the bit reversals of different axes commute and every axis's
// passes leave it in natural order.
// Handles power-of-two lengths with a block of at most 2048 complex numbers (16 KiB, the
// WebGPU minimum of maxComputeWorkgroupStorageSize); other lengths return null and are
// composed from this kernel on the GPU (../fft-composite.ts).
// RFFT runs the full complex transform of the zero-imaginary block and keeps the half
// spectrum; IRFFT follows the CPU kernel: inverse passes over the leading axes of the half
// spectrum, then per last-axis line the Hermitian extension X[n-k] = conj X[k] (imaginary
// parts of the DC and Nyquist terms dropped) and the inverse pass, keeping the real part.
import type { ShapedArray } from "../../../core/aval";
import type { FftParams } from "../../../core/primitives";
import { bindings, grid, KernelBuilder, type KernelCode, module, strides, WORKGROUP } from "../emit";

/** The largest block (complex elements) a workgroup transforms. */
export const FFT_MAX_BLOCK = 2048;
const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);
const log2 = (n: number) => Math.round(Math.log2(n));
const isPow2 = (n: number) => n >= 1 && (n & (n - 1)) === 0;

/**
 * (cos, sin) of 2 pi t / n for t < n / 2, to about an ulp: GPU sin/cos are only required to
 * be within 2^-11 absolutely (SwiftShader is ~2e-4 off), so the angle is folded into
 * [0, pi/4] with exact integer symmetries and evaluated by the Cephes sinf/cosf polynomials.
 */
const TWIDDLE = /* wgsl */ `
fn fft_twiddle(t: u32, n: u32, step: f32) -> vec2<f32> {
  var a = t; var negCos = false; var swap = false;
  if (a * 4u > n) { a = n / 2u - a; negCos = true; }   // theta -> pi - theta
  if (a * 8u > n) { a = n / 4u - a; swap = true; }     // theta -> pi/2 - theta
  let r = f32(a) * step;
  let z = r * r;
  let s = r + r * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
  let c = 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
  var cs = vec2<f32>(c, s);
  if (swap) { cs = vec2<f32>(s, c); }
  if (negCos) { cs.x = -cs.x; }
  return cs;
}
`;

/** `c` (u32 expression, < 2^bits) with its low `bits` bits reversed. */
const rev = (c: string, bits: number) => (bits === 0 ? "0u" : `(reverseBits(${c}) >> ${32 - bits}u)`);

/**
 * Radix-2 DIT passes along axis `a` of the row-major block `lens` (input bit-reversed along
 * it). Stage s pairs element grp*2h + pos of each line with the one h = 2^s further, with
 * twiddle exp(-+2 pi i pos / 2h). The stage loop runs in WGSL (unrolled stages make the
 * shader compile several times slower on SwiftShader).
 */
function passes(k: KernelBuilder, lens: readonly number[], a: number, inverse: boolean): void {
  const n = lens[a], L = prod(lens), st = strides(lens)[a], half = n / 2;
  if (n === 1) return;
  k.open(`for (var s: u32 = 0u; s < ${log2(n)}u; s = s + 1u)`);
  k.line("let h = 1u << s;");
  // pi / h exactly (a power-of-two scaling of f32 pi).
  k.line("let step = ldexp(3.1415927410125732, -i32(s));");
  k.open(`for (var b: u32 = lid.x; b < ${L / 2}u; b = b + ${WORKGROUP}u)`);
  // b = (outer * n/2 + j) * st + inner, j = grp * h + pos.
  k.line(`let inner = b % ${st}u; let j = (b / ${st}u) % ${half}u; let outer = b / ${st * half}u;`);
  k.line("let pos = j & (h - 1u);");
  k.line(`let i0 = outer * ${n * st}u + ((j >> s) * 2u * h + pos) * ${st}u + inner;`);
  k.line(`let i1 = i0 + h * ${st}u;`);
  k.line("let w = fft_twiddle(pos, 2u * h, step);");
  k.line(`let v = c_mul(buf[i1], vec2<f32>(w.x, ${inverse ? "" : "-"}w.y));`);
  k.line("let u = buf[i0];");
  k.line("buf[i0] = u + v; buf[i1] = u - v;");
  k.close();
  k.line("workgroupBarrier();");
  k.close();
}

/** Emits the block position (u32) of flat index `e` of `lens` with the axes in `revAxes` bit-reversed. */
function permuted(k: KernelBuilder, e: string, lens: readonly number[], revAxes: readonly number[]): string {
  const cs = k.coords(e, lens).map((c, d) => (revAxes.includes(d) ? k.let(rev(c, log2(lens[d]))) : c));
  return k.flat(cs, lens);
}

export function fftKernel([x]: readonly ShapedArray[], p: FftParams, [out]: readonly ShapedArray[]): KernelCode | null {
  const { fftType, fftLengths: lens } = p;
  const L = prod(lens), r = lens.length, last = r - 1, n = lens[last];
  if (!lens.every(isPow2) || L > FFT_MAX_BLOCK) return null;
  const want = { FFT: ["complex64", "complex64"], IFFT: ["complex64", "complex64"], RFFT: ["float32", "complex64"], IRFFT: ["complex64", "float32"] }[fftType];
  if (!want || x.dtype !== want[0] || out.dtype !== want[1]) return null;
  const m = Math.floor(n / 2) + 1;   // half-spectrum length
  const halfLens = [...lens.slice(0, last), fftType === "IRFFT" || fftType === "RFFT" ? Math.floor(n / 2) + 1 : n];
  const inLens = fftType === "IRFFT" ? halfLens : lens;
  const outLens = fftType === "RFFT" ? halfLens : lens;
  const batches = fftType === "IRFFT" ? x.size / prod(inLens) : out.size / prod(outLens);
  const inverse = fftType === "IFFT" || fftType === "IRFFT";
  const allAxes = lens.map((_, d) => d);

  const k = new KernelBuilder({}, [x]);
  k.decls.push(`var<workgroup> buf: array<vec2<f32>, ${L}>;`);
  k.line("let bt = wid.y * nwg.x + wid.x;");
  k.line(`if (bt >= ${batches}u) { return; }`);
  // Load (bit-reversed along every axis); IRFFT's half spectrum sits in the first m columns.
  const Lin = prod(inLens);
  k.open(`for (var e: u32 = lid.x; e < ${Lin}u; e = e + ${WORKGROUP}u)`);
  const src = `in0[bt * ${Lin}u + e]`;
  const val = fftType === "RFFT" ? `vec2<f32>(${src}, 0.0)` : src;
  if (fftType === "IRFFT") {
    const cs = k.coords("e", inLens).map((c, d) => k.let(rev(c, log2(lens[d]))));
    k.line(`buf[${k.flat(cs, lens)}] = ${val};`);
  } else k.line(`buf[${permuted(k, "e", lens, allAxes)}] = ${val};`);
  k.close();
  k.line("workgroupBarrier();");
  if (fftType !== "IRFFT") {
    for (let a = last; a >= 0; a--) passes(k, lens, a, inverse);
  } else {
    for (let a = last - 1; a >= 0; a--) passes(k, lens, a, true);
    // Hermitian extension of each last-axis line (slots hold bit-reversed frequencies).
    const lines = L / n, bits = log2(n);
    k.open(`for (var t: u32 = lid.x; t < ${lines * m}u; t = t + ${WORKGROUP}u)`);
    k.line(`let base = (t / ${m}u) * ${n}u; let f = t % ${m}u;`);
    k.line(`let sf = base + ${rev("f", bits)};`);
    k.line("let v = buf[sf];");
    k.line(`if (f == 0u || f * 2u == ${n}u) { buf[sf] = vec2<f32>(v.x, 0.0); }`);
    k.line(`else { buf[base + ${rev(`(${n}u - f)`, bits)}] = vec2<f32>(v.x, -v.y); }`);
    k.close();
    k.line("workgroupBarrier();");
    passes(k, lens, last, true);
  }
  // Store: natural order; inverse transforms carry the 1/prod(lengths) factor.
  const scale = inverse && L > 1 ? ` * ${1 / L}` : "";
  const Lout = prod(outLens);
  k.open(`for (var e: u32 = lid.x; e < ${Lout}u; e = e + ${WORKGROUP}u)`);
  const at = fftType === "RFFT" ? k.flat(k.coords("e", outLens), lens) : "e";
  k.line(`out0[bt * ${Lout}u + e] = buf[${at}]${fftType === "IRFFT" ? ".x" : ""}${scale};`);
  k.close();
  return { code: module(bindings([x], [out]), k.body(), [...k.decls, TWIDDLE]), wg: grid(batches) };
}
