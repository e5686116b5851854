// graft's CPU worker threads in a browser: in a cross-origin-isolated page (SharedArrayBuffer
// exists) a big matmul on the CPU backend runs on `cpuThreads` threads, on the page's main
// thread (which may not block: it spins while the workers finish) and in a dedicated worker.
// The check watches from outside: the Workers graft starts, and the Atomics.notify with which
// the caller wakes them for a parallel run. Results must equal a single-threaded run bit for bit.
import { config, np, random } from "../../dist/index.js";

export async function run() {
  const NativeWorker = globalThis.Worker, nativeNotify = Atomics.notify;
  let spawned = 0, wakes = 0;
  globalThis.Worker = class extends NativeWorker { constructor(...a) { super(...a); spawned++; } };
  Atomics.notify = (ta, i, n) => { if (ta.buffer instanceof SharedArrayBuffer) wakes++; return nativeNotify(ta, i, n); };
  try {
    const threadsBefore = config.get("cpuThreads");
    // 384^3 multiply-adds: above the size where matmul hands work to the pool.
    const a = random.normal(random.key(0), [384, 384]), b = random.normal(random.key(1), [384, 384]);
    config.update("cpuThreads", 1);
    const single = np.matmul(a, b).dataSync();
    config.update("cpuThreads", 2);
    // Workers are ready a few milliseconds after they start; until then work runs on one thread.
    let threaded, tries = 0;
    do {
      threaded = np.matmul(a, b).dataSync();
      if (wakes === 0) await new Promise((r) => setTimeout(r, 20));
    } while (wakes === 0 && ++tries < 200);
    config.update("cpuThreads", threadsBefore);
    return {
      isolated: crossOriginIsolated, spawned, wakes, tries,
      equal: threaded.length === single.length && threaded.every((v, i) => Object.is(v, single[i])),
      sample: [threaded[0], threaded[12345]],
    };
  } finally {
    globalThis.Worker = NativeWorker;
    Atomics.notify = nativeNotify;
  }
}
