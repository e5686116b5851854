// Global configuration (`config.update(name, value)`), as jax.config.
import type { DType } from "./dtype";

export interface ConfigValues {
  enableX64: boolean;
  debugNans: boolean;
  /**
   * Threads the CPU backend may use for large products (matmul, conv): the calling thread
   * plus `cpuThreads - 1` workers. Default: the number of cores, at most 8; 1 means no workers.
   */
  cpuThreads: number;
}

/** Cores this runtime reports (Node's os.availableParallelism, a browser's navigator.hardwareConcurrency), at most 8. */
function defaultThreads(): number {
  const g = globalThis as {
    navigator?: { hardwareConcurrency?: number };
    process?: { getBuiltinModule?: (id: string) => { availableParallelism?: () => number; cpus?: () => unknown[] } | undefined };
  };
  let n = g.navigator?.hardwareConcurrency ?? 0;
  if (!n) {
    try {
      const os = g.process?.getBuiltinModule?.("node:os");
      n = os?.availableParallelism?.() ?? os?.cpus?.().length ?? 1;
    } catch { n = 1; }
  }
  return Math.max(1, Math.min(8, Math.floor(n) || 1));
}

const values: ConfigValues = { enableX64: false, debugNans: false, cpuThreads: defaultThreads() };
const numeric: { [K in keyof ConfigValues]: ConfigValues[K] extends number ? true : false } = { enableX64: false, debugNans: false, cpuThreads: true };

export const config = {
  /**
   * Sets an option: `enableX64` and `debugNans` take booleans, `cpuThreads` a positive integer.
   * @example config.update("enableX64", true) // float64 becomes the default float
   * @example config.update("cpuThreads", 1) // the CPU backend stays on the calling thread
   */
  update<K extends keyof ConfigValues>(name: K, value: ConfigValues[K]): void {
    if (!(name in values)) {
      throw new TypeError(`config.update: unknown option ${JSON.stringify(name)}; options are ${Object.keys(values).join(", ")}.`);
    }
    if (numeric[name]) {
      if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
        throw new TypeError(`config.update: ${name} takes a positive integer, got ${typeof value === "string" ? JSON.stringify(value) : String(value)}.`);
      }
    } else if (typeof value !== "boolean") throw new TypeError(`config.update: ${name} takes a boolean, got ${String(value)}.`);
    values[name] = value;
  },
  get<K extends keyof ConfigValues>(name: K): ConfigValues[K] { return values[name]; },
  get values(): Readonly<ConfigValues> { return { ...values }; },
};

export const defaultFloat = (): DType => (values.enableX64 ? "float64" : "float32");
