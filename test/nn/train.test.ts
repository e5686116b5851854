// Training utilities: trainStep (eager = jit, hasAux, line-search optimisers via its extras),
// batches (deterministic shuffles that cover every example once, dropLast), accuracy and
// running means, EarlyStopping (patience, minDelta, min/max) and the progress bar's modes
// (bar on a TTY, plain lines in CI, nothing in "none", no crash without `process`).
import { describe, expect, it } from "vitest";
import { jit, np, random, tree, vmap, type NDArray } from "graft";
import * as nn from "graft/nn";

const flat = (t: unknown): number[] => tree.leaves<NDArray>(t).flatMap((l) => Array.from(l.dataSync()));

describe("trainStep", () => {
  const model = new nn.MLP({ inSize: 2, outSize: 1, widthSize: 8, depth: 1, activation: "tanh", key: random.key(0) });
  const x = random.normal(random.key(1), [16, 2]);
  const y = np.sum(x, 1, { keepdims: true });
  const loss = (m: nn.MLP, xb: NDArray, yb: NDArray) => np.mean(np.square(vmap((xi: NDArray) => m.forward(xi))(xb).sub(yb)));

  it("jitted equals eager and lowers the loss", () => {
    const opt = nn.optim.adam(1e-2);
    const eager = nn.trainStep(loss, opt), compiled = jit(nn.trainStep(loss, opt));
    let [pe, se] = [model, opt.init(model)];
    let [pj, sj] = [model, opt.init(model)];
    const losses: number[] = [];
    for (let i = 0; i < 20; i++) {
      let l: NDArray;
      [pe, se, l] = eager(pe, se, x, y);
      [pj, sj] = compiled(pj, sj, x, y);
      losses.push(l.item());
    }
    flat(pe).forEach((v, i) => expect(v).toBeCloseTo(flat(pj)[i]!, 5));
    expect(losses[19]).toBeLessThan(losses[0]!);
    expect(pj).toBeInstanceOf(nn.MLP);
  });

  it("returns aux with hasAux, and drives lbfgs through its extras", () => {
    const opt = nn.optim.sgd(0.1);
    const step = jit(nn.trainStep((m: nn.MLP, xb: NDArray, yb: NDArray): [NDArray, NDArray] => [loss(m, xb, yb), np.array(7)], opt, { hasAux: true }));
    const [, , l, aux] = step(model, opt.init(model), x, y);
    expect(aux.item()).toBe(7);
    expect(l.item()).toBeCloseTo(loss(model, x, y).item(), 5);
    const lb = nn.optim.lbfgs();
    const lstep = jit(nn.trainStep(loss, lb));
    let [p, s] = [model, lb.init(model)] as [nn.MLP, any];
    const first = loss(model, x, y).item();
    for (let i = 0; i < 10; i++) [p, s] = lstep(p, s, x, y);
    expect(loss(p, x, y).item()).toBeLessThan(0.05 * first);
  });
});

describe("batches", () => {
  const n = 10;
  const data = { x: np.arange(n).reshape([n, 1]), y: np.arange(n, undefined, 1, { dtype: "int32" }) };

  it("yields ordered batches, keeping the structure, with the last one short", () => {
    const bs = nn.batches(data, { batchSize: 4 });
    expect(bs.length).toBe(3);
    const got = [...bs];
    expect(got.map((b) => b.y.js())).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(got[0]!.x.shape).toEqual([4, 1]);
    expect([...nn.batches(data, { batchSize: 4, dropLast: true })].length).toBe(2);
  });

  it("shuffles by key: deterministic, a permutation, different for different keys, x and y aligned", () => {
    const a = [...nn.batches(data, { batchSize: 3, key: random.key(5) })];
    const b = [...nn.batches(data, { batchSize: 3, key: random.key(5) })];
    const c = [...nn.batches(data, { batchSize: 3, key: random.key(6) })];
    const ys = (bs: typeof a) => bs.flatMap((q) => q.y.js() as number[]);
    expect(ys(a)).toEqual(ys(b));
    expect(ys(a)).not.toEqual(ys(c));
    expect([...ys(a)].sort((p, q) => p - q)).toEqual([...Array(n).keys()]);
    expect(ys(a)).not.toEqual([...Array(n).keys()]);
    for (const q of a) expect((q.x.js() as number[][]).map((r) => r[0])).toEqual(q.y.js());
    expect(ys(a)).toEqual(random.permutation(random.key(5), n).js());
  });

  it("rejects mismatched leading lengths and bad sizes", () => {
    expect(() => nn.batches({ x: np.zeros([3]), y: np.zeros([4]) }, { batchSize: 2 })).toThrow(/leading length/);
    expect(() => nn.batches([np.zeros([3])], { batchSize: 0 })).toThrow(/batchSize/);
  });
});

describe("metrics", () => {
  it("accuracy from integer and one-hot labels", () => {
    const logits = np.array([[2, 1, 0], [0, 3, 1], [1, 0, 4], [5, 0, 0]]);
    expect(nn.accuracy(logits, np.array([0, 1, 0, 1], { dtype: "int32" })).item()).toBe(0.5);
    expect(nn.accuracy(logits, nn.oneHot(np.array([0, 1, 2, 0], { dtype: "int32" }), 3)).item()).toBe(1);
    expect(() => nn.accuracy(logits, np.zeros([2, 2, 2]))).toThrow(/labels/);
  });

  it("running means, weighted, from numbers and arrays", () => {
    const m = new nn.Mean();
    expect(Number.isNaN(m.value)).toBe(true);
    m.update(1, 2).update(np.array(4), 1);
    expect(m.value).toBeCloseTo(2, 6);
    expect(m.count).toBe(3);
    const ms = new nn.Metrics();
    ms.update({ loss: np.array(1), acc: 0.5 }, 10).update({ loss: np.array(3), acc: 1 }, 30);
    const r = ms.compute();
    expect(r.loss).toBeCloseTo(2.5, 6);
    expect(r.acc).toBeCloseTo(0.875, 6);
    ms.reset();
    expect(ms.compute()).toEqual({});
  });
});

describe("EarlyStopping", () => {
  it("stops after `patience` updates without improvement beyond minDelta (min mode)", () => {
    const es = new nn.EarlyStopping({ patience: 2, minDelta: 0.01 });
    const stops = [1, 0.5, 0.495, 0.496].map((v) => es.update(v));
    expect(stops).toEqual([false, false, false, true]);
    expect(es.best).toBe(0.5);
    expect(es.bestStep).toBe(1);
    expect(es.update(0.3)).toBe(true); // stopping is final; the record still follows
    expect(es.best).toBe(0.3);
  });

  it("max mode with a baseline, arrays accepted", () => {
    const es = new nn.EarlyStopping({ patience: 1, mode: "max", baseline: 0.8 });
    expect(es.update(np.array(0.7))).toBe(true);
    const es2 = new nn.EarlyStopping({ patience: 3, mode: "max" });
    [0.1, 0.2, 0.3].forEach((v) => expect(es2.update(v)).toBe(false));
    expect(es2.improved).toBe(true);
    expect(es2.best).toBeCloseTo(0.3);
    expect(() => new nn.EarlyStopping({ mode: "up" as any })).toThrow(/mode/);
  });
});

describe("ProgressBar", () => {
  const collect = () => { const out: string[] = []; return { out, write: (s: string) => { out.push(s); } }; };

  it("bar mode redraws one line in place and ends it on close", () => {
    const { out, write } = collect();
    const bar = new nn.ProgressBar({ total: 4, label: "train", mode: "bar", minIntervalMs: 0, write });
    for (let i = 0; i < 4; i++) bar.update(1, { loss: np.array(0.5 / (i + 1)) });
    bar.close();
    bar.close();
    expect(out.every((s) => s.startsWith("\r"))).toBe(true);
    expect(out.at(-1)!.endsWith("\n")).toBe(true);
    expect(out.filter((s) => s.endsWith("\n")).length).toBe(1);
    expect(out.at(-1)).toMatch(/train 100%\|█+\| 4\/4 \[\d\d:\d\d<00:00, [\d.]+ it\/s, loss=0\.125\]/);
  });

  it("lines mode prints occasional plain lines (deciles, throttled) and a final line", () => {
    const { out, write } = collect();
    const bar = new nn.ProgressBar({ total: 100, mode: "lines", lineIntervalMs: 0, unit: "samples", unitScale: 32, write });
    for (let i = 0; i < 100; i++) bar.update();
    bar.close();
    expect(out.length).toBe(10); // 10%..90% plus the final line
    expect(out.every((s) => !s.includes("\r") && s.endsWith("\n"))).toBe(true);
    expect(out.at(-1)).toMatch(/100% 100\/100 .* samples\/s/);
    const quiet = collect();
    const slow = new nn.ProgressBar({ total: 100, mode: "lines", write: quiet.write });
    for (let i = 0; i < 100; i++) slow.update();
    slow.close();
    expect(quiet.out.length).toBe(1); // a fast loop only prints its final line
  });

  it("auto mode: plain lines when CI is set; none prints nothing; no crash without process", () => {
    const saved = process.env.CI;
    process.env.CI = "true";
    try {
      expect(new nn.ProgressBar({ write: () => {} }).mode).toBe("lines");
    } finally {
      if (saved === undefined) delete process.env.CI; else process.env.CI = saved;
    }
    const { out, write } = collect();
    const none = new nn.ProgressBar({ total: 3, mode: "none", write });
    none.update(3);
    none.close();
    expect(out).toEqual([]);
    const g = globalThis as { process?: unknown };
    const proc = g.process;
    let mode = "";
    const logged: string[] = [];
    const log = console.log;
    try {
      g.process = undefined;
      console.log = (s: string) => { logged.push(s); };
      const bar = new nn.ProgressBar({ total: 2 });
      mode = bar.mode;
      bar.update(2, { loss: 1 });
      bar.close();
    } finally {
      g.process = proc;
      console.log = log;
    }
    expect(mode).toBe("lines");
    expect(logged.length).toBe(1);
    expect(logged[0]).toMatch(/100% 2\/2/);
  });

  it("progress() wraps an iterable and takes its length as the total", () => {
    const { out, write } = collect();
    const seen: number[] = [];
    for (const v of nn.progress([1, 2, 3], { mode: "lines", write, label: "it" })) seen.push(v);
    expect(seen).toEqual([1, 2, 3]);
    expect(out.at(-1)).toMatch(/it 100% 3\/3/);
    const out2 = collect();
    for (const b of nn.progress(nn.batches([np.zeros([10])], { batchSize: 5 }), { mode: "lines", write: out2.write })) void b;
    expect(out2.out.at(-1)).toMatch(/2\/2/);
  });
});
