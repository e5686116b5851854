// Backends available in this process and the default device new arrays live on.
import type { Backend } from "../backends/backend";

const backends = new Map<string, Backend>();
const initializers = new Map<string, () => Promise<Backend>>();
let defaultName = "cpu";

/** Called by each backend module when it is imported. */
export function registerBackend(b: Backend): void { backends.set(b.name, b); }
/** A backend that needs async set-up (e.g. WebGPU) registers how to make it. */
export function registerBackendInit(name: string, make: () => Promise<Backend>): void { initializers.set(name, make); }

export function getBackend(name?: string): Backend {
  const n = name ?? defaultName;
  const b = backends.get(n);
  if (b) return b;
  const hint = initializers.has(n) ? ` Call \`await init("${n}")\` first.` : "";
  throw new TypeError(`device: backend "${n}" is not available; available: ${[...backends.keys()].join(", ")}.${hint}`);
}

/** Names of the ready backends. @example devices() // ["cpu"] */
export function devices(): string[] { return [...backends.keys()]; }

/** Prepares a backend. @example await init("cpu") */
export async function init(name = "cpu"): Promise<string[]> {
  if (!backends.has(name)) {
    const make = initializers.get(name);
    if (!make) throw new TypeError(`init: unknown backend "${name}"; known backends: ${[...new Set([...backends.keys(), ...initializers.keys()])].join(", ")}.`);
    registerBackend(await make());
  }
  return devices();
}

/** Sets (and returns) the device new arrays are created on. @example defaultDevice("cpu") */
export function defaultDevice(name?: string): string {
  if (name !== undefined) { getBackend(name); defaultName = name; }
  return defaultName;
}

/**
 * Device memory held by arrays and by the buffer pool (backends with device memory; the
 * CPU's arrays belong to the garbage collector and report zeros).
 * @example memoryStats("webgpu").liveBytes
 */
export function memoryStats(device?: string): { liveBytes: number; liveBuffers: number; pooledBytes: number; pooledBuffers: number } {
  return getBackend(device).memory?.() ?? { liveBytes: 0, liveBuffers: 0, pooledBytes: 0, pooledBuffers: 0 };
}
