// Laws of complex arithmetic and complex autodiff on random complex128 arrays: arithmetic
// agrees with a plain-JS reference; exp/log, sqrt/square and conj invert; for random
// compositions, vjp is the transpose of jvp under JAX's pairing Re(sum(ct * t)); grad of a
// real loss is dL/dx - i dL/dy (central differences); holomorphic grad is f'(z), the jvp
// along 1.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { grad, jit, jvp, lax, np, vjp, vmap, type NDArray } from "graft";
import { RUNS } from "./util";

const shape = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 3 });
const vals = (n: number, lo = -3, hi = 3) => fc.array(fc.double({ min: lo, max: hi, noNaN: true }), { minLength: n, maxLength: n });
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const complexArray = (s: number[], lo = -3, hi = 3) => fc.tuple(vals(size(s), lo, hi), vals(size(s), lo, hi)).map(([re, im]) =>
  lax.complex(np.array(Float64Array.from(re), { shape: s, dtype: "float64" }), np.array(Float64Array.from(im), { shape: s, dtype: "float64" })));
const pairs = (x: NDArray) => { const d = x.dataSync(); return Array.from({ length: d.length / 2 }, (_, i) => [d[2 * i], d[2 * i + 1]] as const); };

function expectClose(a: NDArray, b: NDArray, rel = 1e-12): void {
  expect(a.shape).toEqual(b.shape);
  const pa = Array.from(a.dataSync()), pb = Array.from(b.dataSync());
  const scale = Math.max(1, ...pb.map(Math.abs));
  pa.forEach((v, i) => { if (!(Math.abs(v - pb[i]) <= rel * scale)) expect.fail(`element ${i}: ${v} vs ${pb[i]}`); });
}

describe("complex arithmetic", () => {
  it("add, sub, mul, div agree with a plain-JS reference", () => {
    fc.assert(fc.property(shape.chain((s) => fc.tuple(complexArray(s), complexArray(s, 0.5, 3))), ([a, b]) => {
      const A = pairs(a), B = pairs(b);
      const ref = {
        add: A.map(([x, y], i) => [x + B[i][0], y + B[i][1]]),
        sub: A.map(([x, y], i) => [x - B[i][0], y - B[i][1]]),
        mul: A.map(([x, y], i) => [x * B[i][0] - y * B[i][1], x * B[i][1] + y * B[i][0]]),
        div: A.map(([x, y], i) => { const [u, v] = B[i], d = u * u + v * v; return [(x * u + y * v) / d, (y * u - x * v) / d]; }),
      };
      for (const [name, f] of [["add", np.add], ["sub", np.subtract], ["mul", np.multiply], ["div", np.divide]] as const) {
        const got = pairs(f(a, b));
        got.forEach(([x, y], i) => {
          const [rx, ry] = ref[name][i];
          const tol = 1e-13 * Math.max(1, Math.abs(rx), Math.abs(ry));
          if (!(Math.abs(x - rx) <= tol && Math.abs(y - ry) <= tol)) expect.fail(`${name} element ${i}: ${x}+${y}j vs ${rx}+${ry}j`);
        });
      }
    }), { numRuns: RUNS });
  });

  it("exp(log z) = z, sqrt(z)^2 = z, z conj(z) = |z|^2, conj(conj z) = z", () => {
    fc.assert(fc.property(shape.chain((s) => complexArray(s)), (z) => {
      expectClose(np.exp(np.log(z)), z, 1e-13);
      expectClose(np.square(np.sqrt(z)), z, 1e-13);
      expectClose(np.real(np.multiply(z, np.conj(z))), np.square(np.abs(z)), 1e-13);
      expectClose(np.conj(np.conj(z)), z, 0);
      expectClose(jit((v: NDArray) => np.multiply(v, v))(z), np.multiply(z, z), 0);
    }), { numRuns: RUNS });
  });
});

describe("complex autodiff", () => {
  /** Functions C^n -> C^n or -> R^n, composed from the complex-capable primitives. */
  const fns: [string, (z: NDArray) => NDArray][] = [
    ["z^2 + exp(z)", (z) => np.add(np.square(z), np.exp(z))],
    ["sin(z) / (2 + z conj z)", (z) => np.divide(np.sin(z), np.add(2, np.multiply(z, np.conj(z))))],
    ["log(1 + |z|^2) * z", (z) => np.multiply(np.log(np.add(1, np.square(np.abs(z)))), z)],
    ["sqrt(z^2 + 4) + tanh(z)", (z) => np.add(np.sqrt(np.add(np.square(z), 4)), np.tanh(z))],
    ["real(z)^2 - imag(z) * angle(2 + z)", (z) => np.subtract(np.square(np.real(z)), np.multiply(np.imag(z), np.angle(np.add(2, z))))],
    ["cumsum, prod and matmul", (z) => { const v = np.ravel(z); return np.add(np.cumsum(v), np.multiply(np.prod(v), np.matmul(np.outer(v, v), v))); }],
    ["mean and power", (z) => np.power(np.add(z, np.mean(z)), 3)],
  ];
  const pair = (a: NDArray, b: NDArray) => np.real(np.sum(np.multiply(a, b))).item();

  for (const [name, f] of fns) {
    it(`vjp is the transpose of jvp (Re pairing): ${name}`, () => {
      fc.assert(fc.property(shape.chain((s) => fc.tuple(complexArray(s, -1, 1), complexArray(s, -1, 1))), ([z, t]) => {
        const [y, back] = vjp(f, z);
        const [, ty] = jvp(f, [z], [t]);
        const u = y.dtype === "complex128" ? np.conj(y) : np.multiply(y, 0.5);
        const lhs = pair(u, ty), rhs = pair(back(u)[0], t);
        expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-10 * Math.max(1, Math.abs(lhs)));
      }), { numRuns: RUNS });
    });
  }

  it("grad of a real loss is dL/dx - i dL/dy (central differences)", () => {
    fc.assert(fc.property(shape.chain((s) => complexArray(s, -1, 1)), (z) => {
      const L = (v: NDArray) => np.sum(np.add(np.square(np.abs(np.sin(v))), np.real(np.multiply(np.exp(v), np.conj(v)))));
      const g = pairs(grad(L)(z));
      const zs = pairs(z), h = 1e-6;
      const at = (k: number, dx: number, dy: number) =>
        L(np.array(zs.map(([x, y], i) => ({ re: x + (i === k ? dx : 0), im: y + (i === k ? dy : 0) })), { dtype: "complex128" }).reshape(z.shape)).item();
      g.forEach(([gx, gy], k) => {
        const dLdx = (at(k, h, 0) - at(k, -h, 0)) / (2 * h), dLdy = (at(k, 0, h) - at(k, 0, -h)) / (2 * h);
        expect(gx).toBeCloseTo(dLdx, 5);
        expect(gy).toBeCloseTo(-dLdy, 5);
      });
    }), { numRuns: Math.max(10, Math.floor(RUNS / 2)) });
  });

  it("holomorphic grad equals the jvp along 1, and vmaps", () => {
    const f = (z: NDArray) => np.add(np.multiply(np.exp(z), np.cos(z)), np.power(z, 3));
    fc.assert(fc.property(complexArray([3], -1, 1), (zs) => {
      const gs = vmap(grad(f, { holomorphic: true }))(zs);
      const [, d] = jvp((v: NDArray) => f(v), [zs], [np.ones([3], { dtype: "complex128" })]);
      expectClose(gs, d, 1e-13);
    }), { numRuns: RUNS });
  });
});
