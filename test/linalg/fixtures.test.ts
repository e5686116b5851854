// np.linalg against NumPy/SciPy references: values (float64 tight, float32 looser) and
// gradients (float64, finite differences computed in Python) for every function, including
// batched inputs, every triangularSolve option, norms over axes, and rank-deficient cases.
// Eigenvectors and singular vectors are compared up to sign; singular vectors of zero
// singular values only for orthonormality and reconstruction. Fixtures:
// test/fixtures/linalg.json, written by test/fixtures/gen_linalg.py.
import { describe, expect, it } from "vitest";
import { devicePut, grad, np, type NDArray } from "graft";
import fixtures from "../fixtures/linalg.json";
import { startWebgpu } from "../webgpu/setup";

type Num = number | string;
interface Enc { shape: number[]; data: Num[] }
interface Case {
  fn: string; id: string; dtype: "float32" | "float64"; args: Enc[]; opts: Record<string, any>;
  expected: Enc[]; rtol: number; atol: number;
  grad?: { loss: ("lin" | "sq" | null)[]; weights: (Enc | null)[]; expected: Enc[]; rtol: number; atol: number };
}
const CASES = (fixtures as unknown as { cases: Case[] }).cases;

const SPECIAL: Record<string, number> = { nan: NaN, inf: Infinity, "-inf": -Infinity };
const vals = (e: Enc): number[] => e.data.map((v) => (typeof v === "string" ? SPECIAL[v] : v));
const arr = (e: Enc, dtype: "float32" | "float64"): NDArray =>
  np.array(Float64Array.from(vals(e)), { shape: e.shape, dtype: "float64" }).astype(dtype);
const ordOf = (o: unknown): any => (o === "inf" ? Infinity : o === "-inf" ? -Infinity : o);

const CALL: Record<string, (args: NDArray[], o: Record<string, any>) => NDArray[]> = {
  cholesky: ([a], o) => [np.linalg.cholesky(a, { upper: o.upper })],
  triangularSolve: ([a, b], o) => [np.linalg.triangularSolve(a, b, o)],
  solve: ([a, b]) => [np.linalg.solve(a, b)],
  inv: ([a]) => [np.linalg.inv(a)],
  det: ([a]) => [np.linalg.det(a)],
  slogdet: ([a]) => np.linalg.slogdet(a),
  eigh: ([a]) => np.linalg.eigh(a),
  svd: ([a], o) => {
    const r = np.linalg.svd(a, { fullMatrices: o.fullMatrices ?? true, computeUv: o.computeUv ?? true });
    return Array.isArray(r) ? r : [r];
  },
  qr: ([a], o) => { const r = np.linalg.qr(a, o.mode ?? "reduced"); return Array.isArray(r) ? r : [r]; },
  norm: ([x], o) => [np.linalg.norm(x, ordOf(o.ord), o.axis ?? null, { keepdims: o.keepdims })],
  lstsq: ([a, b], o) => np.linalg.lstsq(a, b, o.rcond ?? null),
  pinv: ([a]) => [np.linalg.pinv(a)],
};

/** Index of the worst violation of |got - want| <= atol + rtol |want| (NaN matches NaN), or -1. */
function worst(got: ArrayLike<number>, want: number[], rtol: number, atol: number): number {
  let at = -1, worstErr = 0;
  want.forEach((w, i) => {
    const g = got[i];
    if (Number.isNaN(w) && Number.isNaN(g)) return;
    if (w === g) return;
    const err = Math.abs(g - w) - (atol + rtol * Math.abs(w));
    if (!(err <= worstErr)) { worstErr = err; at = i; }
  });
  return at;
}
function expectClose(got: ArrayLike<number>, want: number[], rtol: number, atol: number, what: string): void {
  const at = worst(got, want, rtol, atol);
  expect(at, `${what}: flat index ${at}: got ${got[at]}, want ${want[at]}`).toBe(-1);
}

/** Columns (axis -1 index j of a [..., r, c] matrix) of got flipped to agree in sign with want. */
function alignSigns(got: Float64Array, want: number[], shape: number[], byColumn: boolean, count: number, signs?: number[]): number[] {
  const [r, c] = shape.slice(-2);
  const batch = got.length / (r * c || 1);
  const used: number[] = [];
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < count; j++) {
      const idx = (i: number) => b * r * c + (byColumn ? i * c + j : j * c + i);
      const len = byColumn ? r : c;
      let s = signs ? signs[b * count + j] : 0;
      if (!signs) { let d = 0; for (let i = 0; i < len; i++) d += got[idx(i)] * want[idx(i)]; s = d < 0 ? -1 : 1; }
      used.push(s);
      for (let i = 0; i < len; i++) got[idx(i)] *= s;
    }
  }
  return used;
}

function checkValues(c: Case, outs: NDArray[]): void {
  expect(outs.length, "number of outputs").toBe(c.expected.length);
  outs.forEach((o, i) => {
    expect(o.shape, `output ${i} shape`).toEqual(c.expected[i].shape);
    if (!(c.fn === "lstsq" && i === 2)) expect(o.dtype, `output ${i} dtype`).toBe(c.dtype);
  });
  const got = outs.map((o) => Float64Array.from(o.dataSync()));
  const want = c.expected.map(vals);
  const { rtol, atol } = c;
  if (c.fn === "eigh") {
    expectClose(got[0], want[0], rtol, atol, "w");
    alignSigns(got[1], want[1], c.expected[1].shape, true, c.expected[1].shape.at(-1)!);
    expectClose(got[1], want[1], rtol * 10, atol * 10, "v (up to sign)");
    return;
  }
  if (c.fn === "svd" && outs.length === 3) {
    const [u, s, vh] = outs;
    expectClose(got[1], want[1], rtol, atol, "s");
    const k = s.shape.at(-1)!;
    // Vectors of (numerically) zero singular values are arbitrary: compare the rest.
    const sv = want[1], rank = sv.filter((x, i) => x > 1e-6 * sv[i - (i % k)]).length / (sv.length / k || 1);
    const signs = alignSigns(got[0], want[0], u.shape, true, rank);
    alignSigns(got[2], want[2], vh.shape, false, rank, signs);
    const pick = (g: Float64Array, w: number[], shape: number[], byColumn: boolean) => {
      const [r, cc] = shape.slice(-2), gs: number[] = [], ws: number[] = [];
      for (let b = 0; b < g.length / (r * cc); b++) for (let i = 0; i < r; i++) for (let j = 0; j < cc; j++) {
        if ((byColumn ? j : i) < rank) { gs.push(g[b * r * cc + i * cc + j]); ws.push(w[b * r * cc + i * cc + j]); }
      }
      return [gs, ws] as const;
    };
    const [gu, wu] = pick(got[0], want[0], u.shape, true), [gv, wv] = pick(got[2], want[2], vh.shape, false);
    expectClose(gu, wu, rtol * 10, atol * 10, "u (up to sign)");
    expectClose(gv, wv, rtol * 10, atol * 10, "vh (up to sign)");
    // Orthonormal factors that reconstruct the input.
    const tol = c.dtype === "float64" ? 1e-12 : 1e-5;
    const eyeU = np.matmul(np.swapaxes(u, -1, -2), u), eyeV = np.matmul(vh, np.swapaxes(vh, -1, -2));
    expectClose(Float64Array.from(eyeU.dataSync()), Array.from(np.broadcastTo(np.eye(u.shape.at(-1)!), eyeU.shape).dataSync()), 0, tol * 10, "uᵀu = I");
    expectClose(Float64Array.from(eyeV.dataSync()), Array.from(np.broadcastTo(np.eye(vh.shape.at(-2)!), eyeV.shape).dataSync()), 0, tol * 10, "vh vhᵀ = I");
    const uk = u.slice("...", [0, k]), vk = vh.slice("...", [0, k], []);
    const rec = np.matmul(np.multiply(uk, np.expandDims(s, -2)), vk);
    expectClose(Float64Array.from(rec.dataSync()), vals(c.args[0]), 0, tol * 10 * Math.max(1, want[1][0]), "u s vh = a");
    return;
  }
  got.forEach((g, i) => expectClose(g, want[i], rtol, atol, `output ${i}`));
}

describe.each(["float64", "float32"] as const)("np.linalg vs NumPy (%s)", (dtype) => {
  for (const c of CASES.filter((k) => k.dtype === dtype)) {
    it(`${c.fn}: ${c.id}`, () => {
      const args = c.args.map((a) => arr(a, dtype));
      checkValues(c, CALL[c.fn](args, c.opts));
    });
  }
});

// The float32 cases on WebGPU: cholesky/triangularSolve and the elementwise/reduction parts
// run there; lu/qr/eigh/svd run on the CPU with automatic transfer. Results stay on the GPU.
const hasGpu = await startWebgpu();
describe.skipIf(!hasGpu)("np.linalg on webgpu vs NumPy (float32)", () => {
  for (const c of CASES.filter((k) => k.dtype === "float32")) {
    it(`${c.fn}: ${c.id}`, () => {
      const outs = CALL[c.fn](c.args.map((a) => devicePut(arr(a, "float32"), "webgpu")), c.opts);
      for (const o of outs) expect(o.device).toBe("webgpu");
      checkValues(c, outs);
    });
  }
});

describe("np.linalg gradients vs finite differences (float64)", () => {
  for (const c of CASES.filter((k) => k.grad)) {
    it(`${c.fn}: ${c.id}`, () => {
      const g = c.grad!;
      const args = c.args.map((a) => arr(a, "float64"));
      const weights = g.weights.map((w) => (w ? arr(w, "float64") : null));
      const loss = (...xs: NDArray[]) => {
        const outs = CALL[c.fn](xs, c.opts);
        let total: NDArray = np.array(0, { dtype: "float64" });
        outs.forEach((o, i) => {
          const kind = g.loss[i];
          if (!kind) return;
          total = np.add(total, np.sum(np.multiply(weights[i]!, kind === "sq" ? np.square(o) : o)));
        });
        return total;
      };
      const grads = grad(loss, { argnums: args.map((_, i) => i) })(...args) as NDArray[];
      grads.forEach((gi, i) => {
        expect(gi.shape).toEqual(g.expected[i].shape);
        expectClose(gi.dataSync(), vals(g.expected[i]), g.rtol, g.atol * Math.max(1, ...vals(g.expected[i]).map(Math.abs)), `d/d arg ${i}`);
      });
    });
  }
});
