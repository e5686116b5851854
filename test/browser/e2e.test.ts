// End to end in a real browser: serves dist/ and examples/browser/ over HTTP, opens the
// example pages in Debian's headless chromium (playwright-core) with WebGPU on SwiftShader,
// and checks the numbers they write: the WebGPU fit agrees with the CPU fit and with the
// known answer; in a worker, graft reads GPU data synchronously. Skipped when chromium is not installed, unless GRAFT_REQUIRE_WEBGPU is
// set (as in CI), where that fails.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

function findChromium(): string | null {
  if (process.env.GRAFT_CHROMIUM) return process.env.GRAFT_CHROMIUM;
  try { return execFileSync("which", ["chromium"], { encoding: "utf8" }).trim() || null; } catch { return null; }
}
const chromiumPath = findChromium();
const required = !!process.env.GRAFT_REQUIRE_WEBGPU;

/**
 * Flags for WebGPU in headless chromium without a GPU. Chromium falls back to its bundled
 * SwiftShader Vulkan adapter by itself once WebGPU is enabled; the page must be a secure
 * context (http://127.0.0.1 is; about:blank is not, and has no navigator.gpu).
 */
const CHROMIUM_ARGS = [
  "--enable-unsafe-webgpu", "--no-sandbox", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run",
];

const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".map": "application/json", ".json": "application/json" };

/** A static server for the page and the build only (nothing else of the repository). */
async function serve(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)).replace(/^[/\\]+/, "");
    if (!["dist", "examples/browser"].some((d) => path === d || path.startsWith(d + sep))) {
      res.writeHead(404).end();
      return;
    }
    path = join(root, path);
    if (existsSync(path) && statSync(path).isDirectory()) path = join(path, "index.html");
    if (!existsSync(path)) { res.writeHead(404).end(); return; }
    // Cross-origin isolation (SharedArrayBuffer, blocking in workers: worker.html needs it).
    res.writeHead(200, {
      "content-type": TYPES[extname(path)] ?? "application/octet-stream",
      "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp",
    }).end(readFileSync(path));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/examples/browser/` };
}

interface Fit {
  device: string;
  linear: { loss: number; curve: number[]; w: number[]; b: number };
  mlp: { loss: number; curve: number[]; probe: number[] };
  ms: { linear: number; mlp: number };
}
interface PageResult { devices: string[]; adapter: Record<string, unknown> | null; webgpu: Fit; cpu: Fit }
interface ThreadsCheck { isolated: boolean; spawned: number; wakes: number; tries: number; equal: boolean; sample: number[] }
interface ThreadsResult { main: ThreadsCheck; worker: ThreadsCheck }
interface WorkerResult {
  devices: string[]; device: string; newton: { value: number; steps: number };
  collatz: { eager: number; jitted: number }; branch: number; eigenvalues: number[];
}

it("chromium is installed where WebGPU is required", () => {
  if (required && !chromiumPath) throw new Error("GRAFT_REQUIRE_WEBGPU is set but `which chromium` finds nothing: apt-get install chromium.");
});

/** Opens examples/browser/<file> in headless chromium and returns the JSON it writes into #result. */
async function runPage<T>(file: string): Promise<T & { status: string; error?: string }> {
  if (!existsSync(join(root, "dist/index.js"))) {
    throw new Error("dist/index.js is missing: build it first with `npx tsup` (`npm test` does).");
  }
  const { chromium } = await import("playwright-core");
  const { server, url } = await serve();
  const browser = await chromium.launch({ executablePath: chromiumPath!, args: CHROMIUM_ARGS });
  const log: string[] = [];
  let result: T & { status: string; error?: string };
  try {
    const page = await browser.newPage();
    page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") log.push(`console.${m.type()}: ${m.text()}`); });
    // An uncaught error or a missing file means the page will never write a result.
    const broken = new Promise<never>((_, reject) => {
      page.on("pageerror", (e) => reject(new Error(`the page threw: ${e.message}\n${log.join("\n")}`)));
      page.on("response", (r) => { if (r.status() >= 400) reject(new Error(`the page could not load ${r.url()} (HTTP ${r.status()})`)); });
    });
    broken.catch(() => {}); // handled by the race below
    await page.goto(url + file);
    // (a string: this file is compiled without the DOM's types)
    await Promise.race([broken, page.waitForFunction(`document.getElementById("result")?.textContent !== ""`, null, { timeout: 240_000 })]);
    result = JSON.parse((await page.textContent("#result"))!);
  } finally {
    await browser.close();
    server.close();
  }
  if (result.status !== "done") throw new Error(`the page failed: ${result.error}\n${log.join("\n")}`);
  return result;
}

describe.skipIf(!chromiumPath)("browser example (headless chromium, WebGPU)", () => {
  it("trains on WebGPU in the page and matches the CPU", async () => {
    // A browser cannot resolve Node built-ins: the bundle may load them only dynamically,
    // inside the Node path (backends/webgpu/transport.ts).
    const bundle = readFileSync(join(root, "dist/index.js"), "utf8");
    const nodeImport = /^\s*(?:import|export)\b[^;(]*?\bfrom\s*["']((?:node:)?(?:fs|path|url|module|os|worker_threads|child_process|crypto|util|http|net))["']/m.exec(bundle);
    expect(nodeImport?.[0] ?? null, "dist/index.js imports a Node built-in statically").toBeNull();
    const result = await runPage<PageResult>("index.html");
    expect(result.devices).toContain("webgpu");
    expect(result.adapter).not.toBeNull();
    const { webgpu: g, cpu: c } = result;

    // Linear regression: noise-free data, so gradient descent recovers the true weights.
    for (const fit of [g, c]) {
      fit.linear.w.forEach((w, i) => expect(w).toBeCloseTo([2, -3, 0.5, 1][i], 4));
      expect(fit.linear.b).toBeCloseTo(0.7, 4);
      expect(fit.linear.loss).toBeLessThan(1e-8);
    }
    g.linear.w.forEach((w, i) => expect(Math.abs(w - c.linear.w[i])).toBeLessThan(1e-5));

    // MLP: same start, same data, so the devices follow the same trajectory up to float32
    // rounding (relative 1e-6 measured; allow 1e-3), and the fit is good.
    const close = (a: number, b: number, rel: number, abs = 0) => Math.abs(a - b) <= abs + rel * Math.abs(b);
    expect(g.mlp.curve.length).toBe(c.mlp.curve.length);
    g.mlp.curve.forEach((l, i) => expect(close(l, c.mlp.curve[i], 1e-3), `loss curve [${i}]: ${l} vs ${c.mlp.curve[i]}`).toBe(true));
    expect(close(g.mlp.loss, c.mlp.loss, 1e-3), `final loss ${g.mlp.loss} vs ${c.mlp.loss}`).toBe(true);
    g.mlp.probe.forEach((p, i) => expect(Math.abs(p - c.mlp.probe[i])).toBeLessThan(1e-3));
    expect(g.mlp.loss).toBeLessThan(2e-3);
    expect(g.mlp.curve[0]).toBeGreaterThan(10 * g.mlp.loss);
    [-2, -1, 0, 1, 2].forEach((x, i) => expect(Math.abs(g.mlp.probe[i] - Math.sin(x))).toBeLessThan(0.1));
  }, 300_000);

  it("in a cross-origin-isolated worker, sync reads, eager while/cond and CPU routines work on WebGPU", async () => {
    const r = await runPage<WorkerResult>("worker.html");
    expect(r.devices).toContain("webgpu");
    expect(r.device).toBe("webgpu");
    expect(r.newton.value).toBeCloseTo(Math.SQRT2, 6);
    expect(r.newton.steps).toBe(4);   // 1, 1.5, 1.41667, 1.414216, 1.4142136
    // 27 reaches 1 after 111 Collatz steps.
    expect(r.collatz).toEqual({ eager: 111, jitted: 111 });
    expect(r.branch).toBe(90);
    // Eigenvalues of the tridiagonal [2 1 0; 1 2 1; 0 1 2]: 2 - sqrt(2), 2, 2 + sqrt(2).
    [2 - Math.SQRT2, 2, 2 + Math.SQRT2].forEach((w, i) => expect(r.eigenvalues[i]).toBeCloseTo(w, 5));
  }, 300_000);

  it("CPU worker threads run a matmul in a cross-origin-isolated page, on its main thread and in a worker", async () => {
    const r = await runPage<ThreadsResult>("threads.html");
    for (const [where, c] of Object.entries({ main: r.main, worker: r.worker })) {
      expect(c.isolated, where).toBe(true);
      expect(c.spawned, `${where}: worker threads started`).toBeGreaterThanOrEqual(1);
      expect(c.wakes, `${where}: parallel runs`).toBeGreaterThan(0);
      expect(c.equal, `${where}: threaded result equals the single-threaded one bit for bit`).toBe(true);
      c.sample.forEach((v) => expect(Number.isFinite(v)).toBe(true));
    }
  }, 300_000);
});
