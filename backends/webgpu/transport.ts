// How the frontend reaches the GPU runtime (runtime.ts). In Node the runtime lives in a
// worker thread, so the main thread can block on a SharedArrayBuffer until a read is done:
// that is what makes `dataSync()`, printing and `item()` work on WebGPU arrays. In a
// browser's cross-origin-isolated worker the runtime lives in a nested worker, the same
// way. On a page's main thread it runs on that thread and only asynchronous reads exist.
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

// ---- the runtime in a worker: Node's worker_threads, or a browser Worker ------------------

/** The two worker APIs, reduced to what the transport needs. */
interface Endpoint {
  post(m: unknown, transfer?: ArrayBuffer[]): void;
  listen(f: (m: unknown) => void): void;
  /** Node: whether a live worker keeps the process running (browsers have no such notion). */
  ref(): void;
  unref(): void;
  terminate(): void;
}

/**
 * Commands go to the worker as messages; a sync read waits on a SharedArrayBuffer the worker
 * fills (Atomics.wait: allowed on Node's main thread and in browser workers, never on a
 * page's main thread).
 */
class WorkerTransport extends BaseTransport {
  constructor(private readonly worker: Endpoint, readonly adapter: AdapterDescription) {
    super();
    worker.listen((m) => {
      this.onReply(m as GpuReply);
      // The worker only keeps the process alive while someone awaits its answer.
      if (!this.pending.size) worker.unref();
    });
  }
  protected send(batch: GpuCommand[]): void {
    const transfer: ArrayBuffer[] = [];
    for (const c of batch) if (c.t === "write") transfer.push(c.data);
    this.worker.post(batch, transfer);
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

// The worker's program: a prelude defines post/listen/makeGpu/LIMITS for its environment.
// \`__name\`: bundlers that keep function names (esbuild keepNames, tsx) wrap nested
// functions in a module-level helper that the worker's copy of the runtime does not have.
const BOOT = `
var __name = (f) => f;
const run = async () => {
  const gpu = makeGpu();
  // Dawn destroys its instance when the GPU object is collected, even with a live device.
  globalThis.graftGpu = gpu;
  if (!gpu) { post({ t: "ready", error: "navigator.gpu is undefined in a worker" }); return; }
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) { post({ t: "ready", error: "requestAdapter() returned null" }); return; }
  const requiredLimits = {};
  for (const k of LIMITS) requiredLimits[k] = adapter.limits[k];
  const requiredFeatures = ["shader-f16"].filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  listen((RUNTIME)(device, post));
  const limits = {};
  for (const k of LIMITS) limits[k] = device.limits[k];
  const info = adapter.info || {};
  const description = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(" ") || "WebGPU adapter";
  post({ t: "ready", adapter: { description, features: [...device.features], limits } });
};
run().catch((e) => post({ t: "ready", error: String((e && e.message) || e) }));
`;
const NODE_PRELUDE = `
const { parentPort, workerData } = require("node:worker_threads");
const post = (m, transfer) => parentPort.postMessage(m, transfer);
const listen = (f) => parentPort.on("message", f);
const LIMITS = workerData.limits;
const makeGpu = () => {
  const { create, globals } = require(workerData.webgpuPath);
  Object.assign(globalThis, globals);
  return create(workerData.flags);
};
`;
const BROWSER_PRELUDE = `
const post = (m, transfer) => self.postMessage(m, transfer || []);
const listen = (f) => { self.onmessage = (e) => f(e.data); };
const LIMITS = ${JSON.stringify(LIMITS)};
const makeGpu = () => navigator.gpu;
`;
const program = (prelude: string) => prelude + BOOT.replace("(RUNTIME)", `(${gpuRuntime.toString()})`);

/** Waits for the worker's "ready" message and wraps it in a transport. */
async function started(worker: Endpoint, failed: Promise<string>): Promise<Transport> {
  type Ready = { adapter?: AdapterDescription; error?: string };
  const ready = await Promise.race([
    new Promise<Ready>((resolve) => worker.listen((m) => resolve(m as Ready))),
    failed.then((error): Ready => ({ error })),
  ]);
  if (!ready.adapter) {
    worker.terminate();
    throw new Error(noAdapter(ready.error ?? "unknown"));
  }
  worker.unref();
  return new WorkerTransport(worker, ready.adapter);
}

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
  // execArgv: [] — a parent started with `--input-type=module` would make the eval'd
  // (CommonJS) worker code an ES module, where `require` does not exist.
  const w = new Worker(program(NODE_PRELUDE), { eval: true, execArgv: [], workerData: { webgpuPath, flags, limits: LIMITS } });
  let handler: ((m: unknown) => void) | null = null;
  w.on("message", (m) => handler?.(m));
  const endpoint: Endpoint = {
    post: (m, transfer) => w.postMessage(m, transfer),
    listen: (f) => { handler = f; },
    ref: () => w.ref(), unref: () => w.unref(), terminate: () => void w.terminate(),
  };
  return started(endpoint, new Promise((resolve) => w.on("error", (e) => resolve(e.message))));
}

interface BrowserWorker {
  postMessage(m: unknown, transfer: ArrayBuffer[]): void;
  onmessage: ((e: { data: unknown }) => void) | null;
  onerror: ((e: { message?: string }) => void) | null;
  terminate(): void;
}

/**
 * True in a browser's dedicated worker with cross-origin isolation: graft there may block
 * (Atomics.wait) while a nested worker owns the GPU, so sync reads work as in Node.
 */
export function canBlockInBrowser(): boolean {
  const g = globalThis as { crossOriginIsolated?: boolean; WorkerGlobalScope?: unknown; Worker?: unknown; Blob?: unknown };
  return g.crossOriginIsolated === true && typeof g.WorkerGlobalScope === "function" && typeof g.Worker === "function" && typeof g.Blob === "function";
}

/** The runtime in a nested browser worker (from a Blob URL), reached like Node's worker. */
export async function browserWorkerTransport(): Promise<Transport> {
  const g = globalThis as unknown as {
    Blob: new (parts: string[], o: { type: string }) => object;
    URL: { createObjectURL(b: object): string; revokeObjectURL(u: string): void };
    Worker: new (url: string) => BrowserWorker;
  };
  const url = g.URL.createObjectURL(new g.Blob([program(BROWSER_PRELUDE)], { type: "text/javascript" }));
  const w = new g.Worker(url);
  g.URL.revokeObjectURL(url);
  let handler: ((m: unknown) => void) | null = null;
  w.onmessage = (e) => handler?.(e.data);
  const endpoint: Endpoint = {
    post: (m, transfer) => w.postMessage(m, transfer ?? []),
    listen: (f) => { handler = f; },
    ref: () => {}, unref: () => {}, terminate: () => w.terminate(),
  };
  return started(endpoint, new Promise((resolve) => { w.onerror = (e) => resolve(e.message ?? "the GPU worker failed to start"); }));
}
