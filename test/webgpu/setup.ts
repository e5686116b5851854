// Starts the WebGPU backend for a test file. Without an adapter the webgpu suites are
// skipped locally (with a warning) and fail under GRAFT_REQUIRE_WEBGPU=1, as in CI.
import { init } from "graft";

export async function startWebgpu(): Promise<boolean> {
  try {
    await init("webgpu");
    return true;
  } catch (e) {
    if (process.env.GRAFT_REQUIRE_WEBGPU) throw e;
    console.warn(`webgpu tests skipped: ${(e as Error).message}`);
    return false;
  }
}

/** Whether a fixture case mentions float64 anywhere (WebGPU has none: such cases stay CPU-only). */
export const usesFloat64 = (v: unknown): boolean =>
  v === "float64" || (Array.isArray(v) ? v.some(usesFloat64) : typeof v === "object" && v !== null && Object.values(v).some(usesFloat64));
