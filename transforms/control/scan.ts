// lax.scan: a loop with a carry and stacked per-iteration outputs, as the `scan`
// primitive carrying its body jaxpr (inputs: consts ++ carry ++ x slices; outputs:
// carry ++ y slices). jvp runs a jvp'd body; reverse mode splits the body into a known
// scan (which also stacks the residuals) and an unknown scan, and transposes the latter
// into a scan running the other way (JAX: lax/control_flow/loops.py).
import type { NDArray } from "../../core/array";
import { ShapedArray, avalsStr } from "../../core/aval";
import { msg, ShapeError } from "../../core/errors";
import type { Jaxpr } from "../../core/jaxpr";
import { definePrimitive, type Primitive, type Tangent, UndefinedPrimal, Zero } from "../../core/primitive";
import { add, instantiate, zeros } from "../../core/primitives/ops";
import { batchFirst, moveAxis } from "../../core/primitives/batching";
import { withTrace } from "../../core/trace";
import { partialEvalJaxpr } from "../partial-eval";
import { vmapFlat } from "../vmap";
import { carryFixpoint, indexAxis0, jvpJaxpr, run, stack0, stage, transposeJaxpr } from "./util";

export interface ScanParams { jaxpr: Jaxpr; numConsts: number; numCarry: number; length: number; reverse: boolean }

const split3 = <T>(xs: T[], a: number, b: number): [T[], T[], T[]] => [xs.slice(0, a), xs.slice(a, a + b), xs.slice(a + b)];

export const scanPrim: Primitive<ScanParams> = definePrimitive<ScanParams>("scan", {
  abstractEval: (avals, { jaxpr, numConsts, numCarry, length }) => {
    const [, carry, xs] = split3(avals, numConsts, numCarry);
    const bodyIn = jaxpr.inAvals;
    const xsOk = xs.every((x, i) => x.ndim >= 1 && x.shape[0] === length && bodyIn[numConsts + numCarry + i].sameType(new ShapedArray(x.shape.slice(1), x.dtype)));
    if (avals.length !== bodyIn.length || !xsOk || !avals.slice(0, numConsts + numCarry).every((a, i) => a.sameType(bodyIn[i]))) {
      throw new ShapeError(msg("scan", `inputs must match the body (${avalsStr(bodyIn)}) with xs of leading length ${length}`, avalsStr(avals)));
    }
    const outs = jaxpr.outAvals;
    const carryOut = outs.slice(0, numCarry);
    if (!carryOut.every((c, i) => c.sameType(carry[i]))) {
      throw new TypeError(msg("scan", "the body must return a carry with the same shapes and dtypes as init", `${avalsStr(carryOut)} for init ${avalsStr(carry)}`));
    }
    return [...carry.map((c) => c.strong()), ...outs.slice(numCarry).map((y) => new ShapedArray([length, ...y.shape], y.dtype))];
  },
  impl: (args, { jaxpr, numConsts, numCarry, length, reverse }) => {
    const [consts, init, xs] = split3(args as NDArray[], numConsts, numCarry);
    let carry = init;
    const yAvals = jaxpr.outAvals.slice(numCarry);
    const ys: NDArray[][] = yAvals.map(() => new Array(length));
    for (let k = 0; k < length; k++) {
      const i = reverse ? length - 1 - k : k;
      const outs = run(jaxpr, [...consts, ...carry, ...xs.map((x) => indexAxis0(x, i))]);
      carry = outs.slice(0, numCarry);
      outs.slice(numCarry).forEach((y, j) => { ys[j][i] = y; });
    }
    return [...carry, ...ys.map((list, j) => stack0(list, yAvals[j], length))];
  },
  jvp: (primals, tangents, p) => {
    const { jaxpr, numConsts: nc, numCarry: nk } = p;
    const nz = tangents.map((t) => !(t instanceof Zero));
    const [nzC, nzInit, nzX] = split3(nz, nc, nk);
    // The carry's tangent pattern must be a fixed point of the body.
    const [J, nzCarry] = carryFixpoint(nzInit, (nzK) => {
      const r = jvpJaxpr(jaxpr, [...nzC, ...nzK, ...nzX], [...nzK, ...jaxpr.outvars.slice(nk).map(() => true)]);
      return [r, r.nzOut.slice(0, nk)];
    });
    const [pc, pk, px] = split3(primals, nc, nk);
    const tin = tangents.map((t, i) => (t instanceof Zero ? zeros(t.aval) : t));
    const [tc, tk, tx] = split3(tin, nc, nk);
    const sel = <T>(xs: T[], m: boolean[]) => xs.filter((_, i) => m[i]);
    const ny = jaxpr.outvars.length - nk;
    const nJc = J.consts.length, ntc = sel(tc, nzC).length, ntk = sel(tk, nzCarry).length;
    // Reorder the jvp body (consts', primals, tangents) into scan order.
    const body = stage((...xs) => {
      const [jc, rest1] = [xs.slice(0, nJc), xs.slice(nJc)];
      const [cc, ctc] = [rest1.slice(0, nc), rest1.slice(nc, nc + ntc)];
      const rest2 = rest1.slice(nc + ntc);
      const [kk, ktk] = [rest2.slice(0, nk), rest2.slice(nk, nk + ntk)];
      const rest3 = rest2.slice(nk + ntk);
      const [xx, xtx] = [rest3.slice(0, px.length), rest3.slice(px.length)];
      const outs = run(J.jaxpr, [...jc, ...cc, ...kk, ...xx, ...ctc, ...ktk, ...xtx]);
      const [carryP, ysP, tans] = [outs.slice(0, nk), outs.slice(nk, nk + ny), outs.slice(nk + ny)];
      return [...carryP, ...tans.slice(0, ntk), ...ysP, ...tans.slice(ntk)];
    }, [...J.consts.map((c) => c.aval), ...pc.map((x) => x.aval), ...sel(tc, nzC).map((x) => x.aval),
        ...pk.map((x) => x.aval), ...sel(tk, nzCarry).map((x) => x.aval.strong()),
        ...px.map((x) => x.aval.withShape(x.aval.shape.slice(1))), ...sel(tx, nzX).map((x) => x.aval.withShape(x.aval.shape.slice(1)))]);
    const outs = scanPrim.bind([...body.consts, ...J.consts, ...pc, ...sel(tc, nzC), ...pk, ...sel(tk, nzCarry), ...px, ...sel(tx, nzX)],
      { ...p, jaxpr: body.jaxpr, numConsts: body.consts.length + nJc + nc + ntc, numCarry: nk + ntk });
    const carryOut = outs.slice(0, nk), carryT = outs.slice(nk, nk + ntk), ysOut = outs.slice(nk + ntk, nk + ntk + ny), ysT = outs.slice(nk + ntk + ny);
    let k = 0;
    const carryTan: Tangent[] = carryOut.map((c, i) => (nzCarry[i] ? carryT[k++] : new Zero(c.aval)));
    return [[...carryOut, ...ysOut], [...carryTan, ...ysT]];
  },
  batch: (args, dims, p, size) => {
    const { jaxpr, numConsts: nc, numCarry: nk } = p;
    // Batch everything: consts and carry along axis 0, xs along axis 1 (axis 0 is time).
    const moved = args.map((a, i) => (i < nc + nk ? batchFirst(a, dims[i], size) : moveAxis(batchFirst(a, dims[i], size), 0, 1)));
    const body = stage((...xs) => vmapFlat((...ys) => run(jaxpr, ys), xs, xs.map(() => 0), size, (td) => new Array(td.numLeaves).fill(0)).outs,
      moved.map((a, i) => (i < nc + nk ? a.aval : a.aval.withShape(a.aval.shape.slice(1)))));
    const outs = scanPrim.bind([...body.consts, ...moved], { ...p, jaxpr: body.jaxpr, numConsts: body.consts.length + nc });
    return [outs, outs.map((_, i) => (i < nk ? 0 : 1))];
  },
  partialEval: (trace, args, p) => {
    const { jaxpr, numConsts: nc, numCarry: nk, length } = p;
    const unknown = args.map((a) => trace.isOwn(a));
    const [uC, uInit, uX] = split3(unknown, nc, nk);
    const [S, uCarry] = carryFixpoint(uInit, (uK) => {
      const r = partialEvalJaxpr(jaxpr, [...uC, ...uK, ...uX], [...uK, ...jaxpr.outvars.slice(nk).map(() => false)]);
      return [r, r.unknownOuts.slice(0, nk)];
    });
    const [c, k, x] = split3(args, nc, nk);
    const known = <T>(xs: T[], u: boolean[]) => xs.filter((_, i) => !u[i]);
    const unk = <T>(xs: T[], u: boolean[]) => xs.filter((_, i) => u[i]);
    // Unknown carries start from known values when only later iterations make them unknown.
    const kOuts = withTrace(trace.parent!, () => scanPrim.bind(
      [...S.knownConsts, ...known(c, uC), ...known(k, uCarry), ...known(x, uX)],
      { ...p, jaxpr: S.known, numConsts: S.knownConsts.length + known(c, uC).length, numCarry: known(k, uCarry).length }));
    const nkK = known(k, uCarry).length;
    const uOutsMask = S.unknownOuts;
    const nyK = uOutsMask.slice(nk).filter((u) => !u).length;
    const carryK = kOuts.slice(0, nkK), ysK = kOuts.slice(nkK, nkK + nyK), residuals = kOuts.slice(nkK + nyK);
    // Unknown body: (residuals ++ unknown inputs) -> reorder to scan order with residuals as xs.
    const nRes = S.numRes;
    const uc = unk(c, uC), ukk = unk(k, uCarry), ux = unk(x, uX);
    const body = stage((...xs) => {
      const cc = xs.slice(0, uc.length), kk = xs.slice(uc.length, uc.length + ukk.length);
      const res = xs.slice(uc.length + ukk.length, uc.length + ukk.length + nRes), xx = xs.slice(uc.length + ukk.length + nRes);
      return run(S.unknown, [...res, ...cc, ...kk, ...xx]);
    }, [...uc.map((a) => a.aval), ...ukk.map((a) => a.aval.strong()), ...residuals.map((r) => r.aval.withShape(r.aval.shape.slice(1))), ...ux.map((a) => a.aval.withShape(a.aval.shape.slice(1)))]);
    const ukInit = k.filter((_, i) => uCarry[i]);
    const uOuts = trace.processPrimitiveRecord(scanPrim, [...body.consts, ...uc, ...ukInit, ...residuals, ...ux],
      { ...p, jaxpr: body.jaxpr, numConsts: body.consts.length + uc.length, numCarry: ukInit.length, length });
    let ki = 0, ui = 0, yk = 0;
    const outs: NDArray[] = [];
    for (let i = 0; i < nk; i++) outs.push(uCarry[i] ? uOuts[ui++] : carryK[ki++]);
    for (let i = nk; i < uOutsMask.length; i++) outs.push(uOutsMask[i] ? uOuts[ui++] : ysK[yk++]);
    return outs;
  },
  transpose: (cts, args, p) => {
    const { jaxpr, numConsts: nc, numCarry: nk, length, reverse } = p;
    const lin = args.map((a) => a instanceof UndefinedPrimal);
    const [lc, lk, lx] = split3(lin, nc, nk);
    // Carries are linear even when their initial value is a known constant (a tangent that
    // starts at zero and becomes nonzero inside the loop); such inits get no cotangent.
    const [ac, , ax] = split3(args, nc, nk);
    const kc = ac.filter((_, i) => !lc[i]) as NDArray[], kx = ax.filter((_, i) => !lx[i]) as NDArray[];
    const linC = ac.filter((_, i) => lc[i]) as UndefinedPrimal[];
    const carryAvals = jaxpr.inAvals.slice(nc, nc + nk);
    const ctCarry = cts.slice(0, nk).map((c, i) => (c instanceof Zero ? zeros(carryAvals[i]) : c));
    const ctYs = cts.slice(nk).map((c) => instantiate(c));
    const linear = jaxpr.invars.map((_, i) => (i < nc ? lc[i] : i < nc + nk ? true : lx[i - nc - nk]));
    // Transposed body: consts kc; carry (ct carry, ct accumulators of linear consts); xs (kx, ct ys).
    const body = stage((...xs) => {
      const kcv = xs.slice(0, kc.length);
      const ck = xs.slice(kc.length, kc.length + nk);
      const acc = xs.slice(kc.length + nk, kc.length + nk + linC.length);
      const kxv = xs.slice(kc.length + nk + linC.length, kc.length + nk + linC.length + kx.length);
      const cy = xs.slice(kc.length + nk + linC.length + kx.length);
      const knownVals: NDArray[] = [];
      let a = 0, b = 0;
      jaxpr.invars.forEach((_, i) => { if (!linear[i]) knownVals.push(i < nc ? kcv[a++] : kxv[b++]); });
      const ctsIn = transposeJaxpr(jaxpr, linear, knownVals, [...ck, ...cy]);
      const inst = ctsIn.map((c) => instantiate(c));
      const nLinC = linC.length;
      const ctC = inst.slice(0, nLinC), ctK = inst.slice(nLinC, nLinC + nk), ctX = inst.slice(nLinC + nk);
      return [...ctK, ...acc.map((v, i) => add(v, ctC[i])), ...ctX];
    }, [...kc.map((v) => v.aval), ...carryAvals.map((a) => a.strong()), ...linC.map((u) => u.aval),
        ...kx.map((v) => v.aval.withShape(v.aval.shape.slice(1))), ...ctYs.map((c) => c.aval.withShape(c.aval.shape.slice(1)))]);
    const outs = scanPrim.bind([...body.consts, ...kc, ...ctCarry, ...linC.map((u) => zeros(u.aval)), ...kx, ...ctYs],
      { jaxpr: body.jaxpr, numConsts: body.consts.length + kc.length, numCarry: nk + linC.length, length, reverse: !reverse });
    const ctInit = outs.slice(0, nk), ctLinC = outs.slice(nk, nk + linC.length), ctLinX = outs.slice(nk + linC.length);
    let ci = 0, xi = 0;
    return args.map((_, i) => (i < nc ? (lc[i] ? ctLinC[ci++] : null) : i < nc + nk ? (lk[i - nc] ? ctInit[i - nc] : null) : lx[i - nc - nk] ? ctLinX[xi++] : null));
  },
});
