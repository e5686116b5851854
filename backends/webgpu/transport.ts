// How the frontend reaches the GPU runtime (runtime.ts). In Node the runtime lives in a
// worker thread, so the main thread can block on a SharedArrayBuffer until a read is done:
// that is what makes `dataSync()`, printing and `item()` work on WebGPU arrays. In a
// browser the runtime runs on the page's thread and only asynchronous reads exist.
import { type GpuCommand, type GpuReply, gpuRuntime, SYNC_HEADER } from "./runtime";

export interface AdapterDescription {
  description: string;
  features: string[];
  limits: Record<string, number>;
}

export interface Transport {
  readonly adapter: AdapterDescription;
  /** Queues a command; queued commands are sent together at the next microtask or read. */
  push(c: GpuCommand): void;
  read(id: number, size: number): Promise<ArrayBuffer>;
  /** Blocks until the bytes are read; null where the runtime cannot block (a page's main thread). */
  readSync: ((id: number, size: number) => ArrayBuffer) | null;
  /** GPU errors reported since the last call (validation errors are asynchronous in WebGPU). */
  takeErrors(): string[];
}

const LIMITS = [
  "maxStorageBuffersPerShaderStage", "maxStorageBufferBindingSize", "maxBufferSize",
  "maxComputeWorkgroupStorageSize", "maxComputeInvocationsPerWorkgroup", "maxComputeWorkgroupSizeX",
  "maxComputeWorkgroupsPerDimension",
];

/** Shared by both transports: batching, pending reads, error collection. */
abstract class BaseTransport implements Transport {
  private queue: GpuCommand[] = [];
  private scheduled = false;
  private nextRead = 0;
  protected pending = new Map<number, { resolve: (b: ArrayBuffer) => void; reject: (e: Error) => void }>();
  protected errors: string[] = [];
  abstract readonly adapter: AdapterDescription;
  abstract readSync: ((id: number, size: number) => ArrayBuffer) | null;
  protected abstract send(batch: GpuCommand[]): void;
  push(c: GpuCommand): void {
    this.queue.push(c);
    if (!this.scheduled) { this.scheduled = true; queueMicrotask(() => this.flush()); }
  }
  flush(): void {
    this.scheduled = false;
    if (!this.queue.length) return;
    const batch = this.queue;
    this.queue = [];
    this.send(batch);
  }
  read(id: number, size: number): Promise<ArrayBuffer> {
    const rid = this.nextRead++;
    const p = new Promise<ArrayBuffer>((resolve, reject) => this.pending.set(rid, { resolve, reject }));
    this.push({ t: "read", rid, id, size });
    this.flush();
    return p;
  }
  protected onReply(m: GpuReply): void {
    if (m.t === "error") { this.errors.push(m.message); return; }
    const p = this.pending.get(m.rid);
    if (!p) return;
    this.pending.delete(m.rid);
    if (m.data) p.resolve(m.data);
    else p.reject(new Error(`webgpu: ${m.error}`));
  }
  takeErrors(): string[] { return this.errors.splice(0); }
}

class DirectTransport extends BaseTransport {
  readonly readSync = null;
  private handle: (b: GpuCommand[]) => void;
  /** `gpu` is held so that Node's Dawn does not collect its instance under a live device. */
  constructor(readonly gpu: GPU, device: GPUDevice, readonly adapter: AdapterDescription) {
    super();
    this.handle = gpuRuntime(device, (m) => this.onReply(m));
  }
  protected send(batch: GpuCommand[]): void { this.handle(batch); }
}

/** The runtime in the browser's own thread. */
export async function browserTransport(gpu: GPU): Promise<Transport> {
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) throw new Error(noAdapter("navigator.gpu.requestAdapter() returned null"));
  const requiredLimits: Record<string, number> = {};
  for (const k of LIMITS) requiredLimits[k] = (adapter.limits as unknown as Record<string, number>)[k];
  const requiredFeatures = (["shader-f16"] as GPUFeatureName[]).filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  const info = adapter.info;
  const limits: Record<string, number> = {};
  for (const k of LIMITS) limits[k] = (device.limits as unknown as Record<string, number>)[k];
  return new DirectTransport(gpu, device, {
    description: [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(" ") || "WebGPU adapter",
    features: [...device.features], limits,
  });
}

export function noAdapter(why: string): string {
  return `init("webgpu"): no WebGPU adapter (${why}). In Node, install the \`webgpu\` package; on a machine ` +
    `without a GPU, run Dawn on SwiftShader: eval "$(bash scripts/webgpu-env.sh)" (installs Debian's chromium, ` +
    `which ships SwiftShader, and exports VK_ICD_FILENAMES). In a browser, use one with WebGPU enabled ` +
    `(Chrome/Edge 113+, or --enable-unsafe-webgpu).`;
}

// ---- Node: the runtime in a worker thread ------------------------------------------------

interface NodeWorker {
  postMessage(m: unknown, transfer?: ArrayBuffer[]): void;
  on(ev: "message", f: (m: unknown) => void): void;
  on(ev: "error", f: (e: Error) => void): void;
  ref(): void;
  unref(): void;
}

class WorkerTransport extends BaseTransport {
  constructor(private readonly worker: NodeWorker, readonly adapter: AdapterDescription) {
    super();
    worker.on("message", (m) => {
      this.onReply(m as GpuReply);
      // The worker only keeps the process alive while someone awaits its answer.
      if (!this.pending.size) worker.unref();
    });
  }
  protected send(batch: GpuCommand[]): void {
    const transfer: ArrayBuffer[] = [];
    for (const c of batch) if (c.t === "write") transfer.push(c.data);
    this.worker.postMessage(batch, transfer);
  }
  override read(id: number, size: number): Promise<ArrayBuffer> {
    this.worker.ref();
    return super.read(id, size);
  }
  readonly readSync = (id: number, size: number): ArrayBuffer => {
    const sab = new SharedArrayBuffer(SYNC_HEADER + Math.max(size, 1024));
    const flag = new Int32Array(sab, 0, 2);
    this.push({ t: "read", rid: -1, id, size, sab });
    this.flush();
    while (Atomics.load(flag, 0) === 0) Atomics.wait(flag, 0, 0, 1000);
    if (flag[0] === 2) {
      const msg = new TextDecoder().decode(new Uint8Array(sab, SYNC_HEADER, flag[1]).slice());
      throw new Error(`webgpu: ${msg}`);
    }
    return new Uint8Array(sab, SYNC_HEADER, size).slice().buffer;
  };
}

// \`__name\`: bundlers that keep function names (esbuild keepNames, tsx) wrap nested
// functions in a module-level helper that the worker's copy of the runtime does not have.
const BOOT = `
var __name = (f) => f;
const { parentPort, workerData } = require("node:worker_threads");
const run = async () => {
  const { create, globals } = require(workerData.webgpuPath);
  Object.assign(globalThis, globals);
  const gpu = create(workerData.flags);
  // Dawn destroys its instance when the GPU object is collected, even with a live device.
  globalThis.graftGpu = gpu;
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) { parentPort.postMessage({ t: "ready", error: "requestAdapter() returned null" }); return; }
  const requiredLimits = {};
  for (const k of workerData.limits) requiredLimits[k] = adapter.limits[k];
  const requiredFeatures = ["shader-f16"].filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  const handle = (RUNTIME)(device, (m, transfer) => parentPort.postMessage(m, transfer));
  parentPort.on("message", handle);
  const limits = {};
  for (const k of workerData.limits) limits[k] = device.limits[k];
  const info = adapter.info || {};
  const description = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(" ") || "WebGPU adapter";
  parentPort.postMessage({ t: "ready", adapter: { description, features: [...device.features], limits } });
};
run().catch((e) => parentPort.postMessage({ t: "ready", error: String((e && e.message) || e) }));
`;

/** Starts the runtime in a worker thread with Dawn (npm `webgpu`). */
export async function nodeTransport(flags: string[] = []): Promise<Transport> {
  const { Worker } = await import("node:worker_threads");
  const { createRequire } = await import("node:module");
  const { join } = await import("node:path");
  let webgpuPath: string | null = null;
  // The user's project first, then graft's own dependencies.
  for (const base of [join(process.cwd(), "index.js"), typeof __filename === "string" ? __filename : import.meta.url]) {
    try { webgpuPath = createRequire(base).resolve("webgpu"); break; } catch { /* try the next */ }
  }
  if (!webgpuPath) throw new Error(noAdapter("the `webgpu` package is not installed: npm install webgpu"));
  const code = BOOT.replace("(RUNTIME)", `(${gpuRuntime.toString()})`);
  const worker = new Worker(code, { eval: true, workerData: { webgpuPath, flags, limits: LIMITS } }) as unknown as NodeWorker;
  const ready = await new Promise<{ adapter?: AdapterDescription; error?: string }>((resolve) => {
    worker.on("message", (m) => resolve(m as { adapter?: AdapterDescription; error?: string }));
    worker.on("error", (e) => resolve({ error: e.message }));
  });
  if (!ready.adapter) {
    (worker as unknown as { terminate(): void }).terminate();
    throw new Error(noAdapter(ready.error ?? "unknown"));
  }
  worker.unref();
  return new WorkerTransport(worker, ready.adapter);
}
