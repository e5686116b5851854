# PyTorch CPU (Debian's python3-torch with native BLAS) on the workloads of bench/workloads.ts:
# the native reference column of `npm run bench`. bench/run-all.ts runs it with
# /usr/bin/python3 and the sizes as a JSON argument; it prints {"version", "values": {row id:
# median ms per call}} as one JSON line. Two threads, as the 2-core machine the figures in
# ../shared/PEERS.md come from. torch 1.13 has no torch.func: per-example gradients use
# Debian's functorch (vmap of grad).
import json
import statistics
import sys
import time

import torch

torch.set_num_threads(2)
S = json.loads(sys.argv[1])
QUICK = S.get("quick", False)
ADAM, RK4 = S["adam"], S["rk4"]


def median_ms(f):
    """Median ms per call after >= 2 untimed calls and ~300 ms (as bench/common.ts medianMs)."""
    t0 = time.perf_counter()
    f()
    first = time.perf_counter() - t0
    i = 1
    while first < 1 and (i < 2 or time.perf_counter() - t0 < (0.05 if QUICK else 0.3)):
        f()
        i += 1
    reps = 3 if first > 1 or QUICK else 7
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        ts.append((time.perf_counter() - t) * 1e3)
    return statistics.median(ts)


def rand(*shape, scale=1.0):
    return (torch.rand(*shape) - 0.5) * scale


def matmul(n):
    a, b = rand(n, n), rand(n, n)
    return lambda: torch.mm(a, b)


def chain(n):
    x = rand(n, scale=6)
    return lambda: torch.tanh(x * 1.5 + 0.5) * 2


def total(n):
    x = rand(n)
    return lambda: x.sum()


def mlp():
    d = S["mlp"]
    model = torch.nn.Sequential(torch.nn.Linear(d["D"], d["H"]), torch.nn.ReLU(), torch.nn.Linear(d["H"], d["H"]),
                                torch.nn.ReLU(), torch.nn.Linear(d["H"], d["C"]))
    opt = torch.optim.Adam(model.parameters(), lr=ADAM["lr"], betas=(ADAM["b1"], ADAM["b2"]), eps=ADAM["eps"])
    x, y = rand(d["B"], d["D"]), torch.randint(0, d["C"], (d["B"],))

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def adds():
    x = rand(10)

    def run():
        y = x
        for _ in range(S["adds"]):
            y = y + x
        return y
    return run


def perex():
    from functorch import grad, vmap
    p = S["perExample"]
    n, d, w = p["n"], p["inSize"], p["width"]
    params = (rand(d, w, scale=0.3), torch.zeros(w), rand(w, scale=0.3), torch.zeros(()))
    xs, ys = rand(n, d), rand(n)

    def loss(q, x, y):
        w1, b1, w2, b2 = q
        return (torch.tanh(x @ w1 + b1) @ w2 + b2 - y) ** 2
    f = vmap(grad(loss), in_dims=(None, 0, 0))
    return lambda: f(params, xs, ys)


def rk4():
    k, dt = RK4["k"], RK4["dt"]

    def run():
        c = torch.tensor(RK4["c"], requires_grad=True)
        x, v = torch.tensor(1.0), torch.tensor(0.0)

        def f(x, v):
            return v, -k * x - c * v
        for _ in range(S["rk4Steps"]):
            a1, b1 = f(x, v)
            a2, b2 = f(x + a1 * (dt / 2), v + b1 * (dt / 2))
            a3, b3 = f(x + a2 * (dt / 2), v + b2 * (dt / 2))
            a4, b4 = f(x + a3 * dt, v + b3 * dt)
            x, v = x + (a1 + 2 * a2 + 2 * a3 + a4) * (dt / 6), v + (b1 + 2 * b2 + 2 * b3 + b4) * (dt / 6)
        (g,) = torch.autograd.grad(x, c)
        return g
    return run


torch.manual_seed(0)
cases = [(f"matmul-{n}", lambda n=n: matmul(n)) for n in S["matmul"]]
cases += [(f"chain-{n}", lambda n=n: chain(n)) for n in S["chain"]]
cases += [("sum", lambda: total(S["sum"])), ("mlp", mlp), ("adds", adds), ("perex", perex), ("rk4", rk4)]
values, notes = {}, {}
for name, make in cases:
    try:
        values[name] = median_ms(make())
    except Exception as e:  # a missing piece (functorch) skips one row, not the column
        notes[name] = f"failed: {type(e).__name__}: {str(e).splitlines()[0][:80] if str(e) else ''}"
print(json.dumps({"version": torch.__version__, "threads": torch.get_num_threads(), "values": values, "notes": notes}))
