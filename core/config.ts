// Global configuration (`config.update(name, value)`), as jax.config.
import type { DType } from "./dtype";

export interface ConfigValues { enableX64: boolean; debugNans: boolean }
const values: ConfigValues = { enableX64: false, debugNans: false };

export const config = {
  /** @example config.update("enableX64", true) // float64 becomes the default float */
  update<K extends keyof ConfigValues>(name: K, value: ConfigValues[K]): void {
    if (!(name in values)) {
      throw new TypeError(`config.update: unknown option ${JSON.stringify(name)}; options are ${Object.keys(values).join(", ")}.`);
    }
    if (typeof value !== "boolean") throw new TypeError(`config.update: ${name} takes a boolean, got ${String(value)}.`);
    values[name] = value;
  },
  get<K extends keyof ConfigValues>(name: K): ConfigValues[K] { return values[name]; },
  get values(): Readonly<ConfigValues> { return { ...values }; },
};

export const defaultFloat = (): DType => (values.enableX64 ? "float64" : "float32");
