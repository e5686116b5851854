// The device a test pass puts arrays on by default. `npm test` (scripts/test.sh) runs the
// whole suite on the CPU, then the layer and library suites a second time with
// GRAFT_TEST_DEVICE=webgpu (test/setup-device.ts makes WebGPU the default device), so the
// same fixtures check both backends. WebGPU has no float64: tests of float64 behaviour run
// on the CPU in both passes (`itF64`, `onCpu`).
import { defaultDevice } from "graft";
import { afterAll, beforeAll, it } from "vitest";

export const TEST_DEVICE = (process.env.GRAFT_TEST_DEVICE ?? "cpu") as "cpu" | "webgpu";

/** Runs `fn` with the CPU as the default device, restoring the previous one after (also for async `fn`). */
export function onCpu<T>(fn: () => T): T {
  const prev = defaultDevice();
  defaultDevice("cpu");
  let out: T;
  try { out = fn(); } catch (e) { defaultDevice(prev); throw e; }
  if (out instanceof Promise) return out.finally(() => defaultDevice(prev)) as T;
  defaultDevice(prev);
  return out;
}

/** A test of float64 behaviour: it runs on the CPU in every pass. */
export const itF64 = (name: string, fn: () => unknown, timeout?: number): void => {
  it(name, () => onCpu(fn), timeout);
};

/** Called in a describe block whose tests need float64: they run on the CPU in every pass. */
export function cpuBlock(): void {
  let prev: ReturnType<typeof defaultDevice>;
  beforeAll(() => { prev = defaultDevice(); defaultDevice("cpu"); });
  afterAll(() => { defaultDevice(prev); });
}

/** `fn` on the CPU when `dtype` is float64, else on the pass's default device. */
export const forDtype = <T>(dtype: string, fn: () => T): T => (dtype === "float64" ? onCpu(fn) : fn());
