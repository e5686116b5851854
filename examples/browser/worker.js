// Runs in a dedicated module worker (worker.html). Import maps do not reach workers, so the
// build is imported by path. Everything here reads GPU data synchronously.
import { defaultDevice, devices, init, jit, lax, np } from "../../dist/index.js";

try {
  await init("webgpu");
  defaultDevice("webgpu");
  const t0 = performance.now();

  // Newton's method for sqrt(2), stopping on a value read back each step.
  let x = np.array(1), newton = 0;
  while (Math.abs(x.mul(x).sub(2).item()) > 1e-6 && newton < 50) { x = x.add(np.divide(2, x)).mul(0.5); newton++; }

  // Collatz from 27: a data-dependent loop, eagerly (the predicate is read each trip) and jitted.
  const cond = ([v]) => np.notEqual(v, 1);
  const body = ([v, n]) => [np.where(np.equal(np.remainder(v, 2), 0), np.floorDivide(v, 2), v.mul(3).add(1)), n.add(1)];
  const start = [np.array(27, { dtype: "int32" }), np.array(0, { dtype: "int32" })];
  const eager = lax.whileLoop(cond, body, start)[1].item();
  const jitted = jit((a, b) => lax.whileLoop(cond, body, [a, b])[1])(...start).item();

  // lax.cond on a value computed on the GPU.
  const s = np.sum(np.arange(10));
  const branch = lax.cond(np.greater(s, 40), (v) => v.mul(2), (v) => v.neg(), s).item();

  // eigh runs on the CPU with automatic transfer (a blocking read of its operand).
  const a = np.array([[2, 1, 0], [1, 2, 1], [0, 1, 2]]);
  const [eigenvalues] = np.linalg.eigh(a);
  const w = Array.from(eigenvalues.dataSync());

  postMessage({
    status: "done", devices: devices(), device: x.device, ms: performance.now() - t0,
    newton: { value: x.item(), steps: newton }, collatz: { eager, jitted }, branch, eigenvalues: w,
  });
} catch (e) {
  postMessage({ status: "error", error: String(e?.stack ?? e) });
}
