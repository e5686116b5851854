// A browser-style `Worker` global over node:worker_threads, enough for jax-js's wasm backend
// to run its kernels on threads in Node (it starts workers from a Blob URL holding the worker
// source, talks through onmessage/postMessage, and shares one WebAssembly.Memory). Node can
// neither start a worker from a blob: URL nor read a Blob synchronously, so Blobs built from
// strings remember their text and URL.createObjectURL remembers which URL names which text.
import { Worker as NodeWorker } from "node:worker_threads";

// Browser workers see `self`, a global `postMessage` and `self.onmessage`.
const PRELUDE = `const { parentPort } = require("node:worker_threads");
globalThis.self = globalThis;
globalThis.postMessage = (m) => parentPort.postMessage(m);
parentPort.on("message", (data) => self.onmessage?.({ data }));
`;

let installed = false;

/** Installs the shim (once); must run before the library that looks for `Worker` loads. */
export function installWorkerShim(): void {
  if (installed || typeof (globalThis as any).Worker !== "undefined") return;
  installed = true;
  const texts = new WeakMap<Blob, string>(), sources = new Map<string, string>();
  const NodeBlob = globalThis.Blob;
  globalThis.Blob = class extends NodeBlob {
    constructor(...[parts, opts]: ConstructorParameters<typeof Blob>) {
      super(parts, opts);
      if (parts?.every((p) => typeof p === "string")) texts.set(this, parts.join(""));
    }
  };
  const createObjectURL = URL.createObjectURL;
  URL.createObjectURL = (b: Blob) => {
    const url = createObjectURL(b);
    const text = texts.get(b);
    if (text !== undefined) sources.set(url, text);
    return url;
  };
  (globalThis as any).Worker = class {
    onmessage: ((e: { data: unknown }) => void) | null = null;
    onerror: ((e: Error) => void) | null = null;
    #w: NodeWorker;
    constructor(url: string | URL) {
      const src = sources.get(String(url));
      if (src === undefined) throw new Error(`Worker shim: only Blob URLs made from strings are supported, got ${String(url)}`);
      this.#w = new NodeWorker(PRELUDE + src, { eval: true });
      this.#w.on("message", (data) => this.onmessage?.({ data }));
      this.#w.on("error", (e) => this.onerror?.(e));
    }
    postMessage(m: unknown): void { this.#w.postMessage(m); }
    terminate(): void { void this.#w.terminate(); }
  };
}
