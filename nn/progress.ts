// graft/nn progress: a progress bar for long loops (training epochs, sampling) showing the
// count, elapsed/remaining time, throughput and the latest loss-like values. On a terminal it
// redraws one line in place (throttled); in CI (env CI set) or when stdout is not a TTY it
// prints an occasional plain line instead (at the next 10% of a known total, at most one per
// 10 s by default) and a final line, and it never
// touches `process` where there is none (browsers: plain lines on console.log).
import { isArray, type NDArray } from "graft";

/** How a `ProgressBar` reports. */
export type ProgressMode = "auto" | "bar" | "lines" | "none";

/** Options of `ProgressBar` / `progress`. */
export interface ProgressOptions {
  /** Number of steps expected (for the percentage and time left); unknown when omitted. */
  total?: number;
  /** Text before the bar, e.g. "epoch 3". */
  label?: string;
  /** "auto" (default): a bar on a TTY outside CI, otherwise plain lines. */
  mode?: ProgressMode;
  /** Unit of a step in the throughput, "it" by default. */
  unit?: string;
  /** Items per step for the throughput (e.g. the batch size, with `unit: "samples"`). */
  unitScale?: number;
  /** Least time between two redraws of the bar (ms, default 100). */
  minIntervalMs?: number;
  /** Least time between two plain lines (ms, default 10 s). */
  lineIntervalMs?: number;
  /** Where text goes (default: process.stdout.write, or console.log without `process`). */
  write?: (text: string) => void;
}

type Postfix = Record<string, number | NDArray>;

// Reads the environment without assuming Node: `process` is absent in browsers.
function environment(): { tty: boolean; ci: boolean; columns: number; write: ((s: string) => void) | null } {
  const proc = (globalThis as { process?: any }).process;
  const out = proc?.stdout;
  const ciVar = proc?.env?.CI;
  return {
    tty: Boolean(out?.isTTY),
    ci: ciVar !== undefined && ciVar !== "" && ciVar !== "0" && ciVar !== "false",
    columns: typeof out?.columns === "number" ? out.columns : 80,
    write: typeof out?.write === "function" ? (s: string) => out.write(s) : null,
  };
}

const pad2 = (n: number) => String(n).padStart(2, "0");
function formatTime(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${pad2(m)}:${pad2(s % 60)}` : `${pad2(m)}:${pad2(s % 60)}`;
}
function formatNumber(v: number): string {
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(3) : Number(v.toPrecision(4)).toString();
}

/**
 * A progress bar with loss and throughput. `update(steps, { loss })` after each step (arrays
 * are read back only when a line is drawn), `close()` at the end.
 * @example
 * const bar = new nn.ProgressBar({ total: 1000, label: "train" }); bar.update(1, { loss }); bar.close();
 */
export class ProgressBar {
  readonly total: number | undefined;
  readonly mode: "bar" | "lines" | "none";
  /** Steps done so far. */
  n = 0;
  readonly #opts: ProgressOptions;
  readonly #write: (s: string) => void;
  readonly #columns: number;
  readonly #start = performance.now();
  #lastDraw = -Infinity;
  #nextDecile = 1;
  #postfix: Postfix = {};
  #closed = false;

  constructor(opts: ProgressOptions = {}) {
    const env = environment();
    const mode = opts.mode ?? "auto";
    if (!["auto", "bar", "lines", "none"].includes(mode)) throw new TypeError(`ProgressBar: mode must be auto, bar, lines or none, got ${JSON.stringify(mode)}.`);
    if (opts.total !== undefined && !(opts.total >= 0)) throw new RangeError(`ProgressBar: total must be >= 0, got ${opts.total}.`);
    this.total = opts.total;
    this.mode = mode === "auto" ? (env.tty && !env.ci ? "bar" : "lines") : mode;
    this.#opts = opts;
    this.#columns = env.columns;
    const consoleLine = (s: string) => console.log(s.replace(/\n$/, ""));
    this.#write = opts.write ?? env.write ?? consoleLine;
  }

  /**
   * Advances by `steps` and records the latest values to show (e.g. `{ loss }`).
   * @example
   * bar.update(1, { loss: l, acc });
   */
  update(steps = 1, postfix?: Postfix): void {
    this.n += steps;
    if (postfix) this.#postfix = { ...this.#postfix, ...postfix };
    if (this.mode === "none" || this.#closed) return;
    const now = performance.now();
    if (this.mode === "bar") {
      if (now - this.#lastDraw >= (this.#opts.minIntervalMs ?? 100) || (this.total !== undefined && this.n >= this.total)) {
        this.#lastDraw = now;
        this.#write(`\r${this.render(now)}\x1b[K`);
      }
      return;
    }
    // Plain lines, at most one per lineIntervalMs: at the next 10% of a known total, else
    // whenever the interval has passed. Short loops thus print only their final line.
    if (now - Math.max(this.#lastDraw, this.#start) < (this.#opts.lineIntervalMs ?? 10_000)) return;
    if (this.total !== undefined && this.total > 0) {
      const decile = Math.floor((10 * this.n) / this.total);
      if (decile < this.#nextDecile || this.n >= this.total) return;
      this.#nextDecile = decile + 1;
    }
    this.#lastDraw = now;
    this.#write(`${this.render(now)}\n`);
  }

  /**
   * Sets the values shown without advancing.
   * @example
   * bar.setPostfix({ valLoss: 0.12 });
   */
  setPostfix(postfix: Postfix): void {
    this.#postfix = { ...this.#postfix, ...postfix };
  }

  /** Steps per second since the start (times `unitScale`). */
  get rate(): number {
    const elapsed = (performance.now() - this.#start) / 1000;
    return elapsed > 0 ? (this.n * (this.#opts.unitScale ?? 1)) / elapsed : 0;
  }

  /**
   * The current line, e.g. `train  45%|████▌     | 450/1000 [00:03<00:04, 130.2 it/s, loss=0.0123]`.
   * @example
   * console.log(bar.render());
   */
  render(now = performance.now()): string {
    const elapsed = (now - this.#start) / 1000;
    const scale = this.#opts.unitScale ?? 1;
    const rate = elapsed > 0 ? (this.n * scale) / elapsed : 0;
    const unit = this.#opts.unit ?? "it";
    const extras = Object.entries(this.#postfix).map(([k, v]) => `${k}=${formatNumber(isArray(v) ? v.item() : v)}`);
    const label = this.#opts.label ? `${this.#opts.label} ` : "";
    const rateText = `${rate >= 100 ? rate.toFixed(0) : rate.toFixed(2)} ${unit}/s`;
    if (this.total === undefined || this.total === 0) {
      return `${label}${this.n} [${formatTime(elapsed)}, ${[rateText, ...extras].join(", ")}]`;
    }
    const frac = Math.min(1, this.n / this.total);
    const left = this.n > 0 ? (elapsed * (this.total - this.n)) / this.n : Infinity;
    const tail = ` ${this.n}/${this.total} [${formatTime(elapsed)}<${formatTime(left)}, ${[rateText, ...extras].join(", ")}]`;
    const head = `${label}${String(Math.floor(frac * 100)).padStart(3)}%`;
    if (this.mode !== "bar") return head + tail;
    const width = Math.max(10, Math.min(30, this.#columns - head.length - tail.length - 3));
    // Eighth-block characters give sub-cell resolution, as tqdm's bar does.
    const cells = frac * width, full = Math.floor(cells), part = Math.floor((cells - full) * 8);
    const bar = "█".repeat(full) + (full < width ? (part > 0 ? " ▏▎▍▌▋▊▉"[part] : " ") + " ".repeat(width - full - 1) : "");
    return `${head}|${bar}|${tail}`;
  }

  /**
   * Draws the final state and ends the line (idempotent).
   * @example
   * bar.close();
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.mode === "bar") this.#write(`\r${this.render()}\x1b[K\n`);
    else if (this.mode === "lines") this.#write(`${this.render()}\n`);
  }
}

/**
 * Yields the items of `items`, advancing a `ProgressBar` after each (its total is the
 * iterable's `length` when it has one) and closing it when the loop ends or breaks.
 * `opts.bar` receives the bar, so the loop body can show values with `bar.setPostfix`.
 * @example
 * for (const batch of nn.progress(nn.batches(data, { batchSize: 64 }), { label: "epoch 1" })) step(batch);
 */
export function* progress<T>(items: Iterable<T>, opts: ProgressOptions & { bar?: (bar: ProgressBar) => void } = {}): Generator<T> {
  const len = (items as { length?: unknown }).length;
  const bar = new ProgressBar({ ...opts, total: opts.total ?? (typeof len === "number" ? len : undefined) });
  opts.bar?.(bar);
  try {
    for (const item of items) {
      yield item;
      bar.update(1);
    }
  } finally {
    bar.close();
  }
}
