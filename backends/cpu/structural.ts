// CPU kernels for shape, indexing and sorting primitives.
import type { AlongAxisParams, BroadcastInDimParams, ConcatenateParams, PadParams, ReshapeParams, RevParams,
  ScatterAlongAxisParams, SliceParams, SortParams, TransposeParams } from "../../core/primitives";
import { prod, strides } from "../../core/shape";
import { alloc, aroundAxis, type Kernel, permuted, stridedCopy } from "./util";

export const structuralKernels = {
  broadcast_in_dim: (([x], { broadcastDimensions: bd }, [outAval], outs) => {
    const st = strides(x.aval.shape);
    const outStrides = outAval.shape.map(() => 0);
    bd.forEach((d, i) => { outStrides[d] = x.aval.shape[i] === 1 ? 0 : st[i]; });
    return [stridedCopy(x.data, 0, outStrides, outAval.shape, outs?.[0] ?? alloc(outAval))];
  }) as Kernel<BroadcastInDimParams>,
  // CPU buffers are never written after creation, so a reshape shares its input's buffer.
  reshape: (([x]) => [x.data]) as Kernel<ReshapeParams>,
  transpose: (([x], { permutation }, _o, outs) => [permuted(x, permutation, outs?.[0])]) as Kernel<TransposeParams>,
  slice: (([x], { startIndices, strides: steps }, [outAval]) => {
    const st = strides(x.aval.shape);
    const offset = startIndices.reduce((a, s, i) => a + s * st[i], 0);
    return [stridedCopy(x.data, offset, st.map((s, i) => s * (steps ? steps[i] : 1)), outAval.shape, alloc(outAval))];
  }) as Kernel<SliceParams>,
  rev: (([x], { dimensions }, [outAval]) => {
    const st = strides(x.aval.shape);
    let offset = 0;
    const s2 = st.map((s, i) => {
      if (!dimensions.includes(i)) return s;
      offset += (x.aval.shape[i] - 1) * s;
      return -s;
    });
    return [stridedCopy(x.data, offset, s2, outAval.shape, alloc(outAval))];
  }) as Kernel<RevParams>,
  pad: (([x, v], { config }, [outAval]) => {
    const out = alloc(outAval).fill(v.data[0]);
    const inShape = x.aval.shape, outSt = strides(outAval.shape), rank = inShape.length;
    const idx = new Array<number>(rank).fill(0);
    for (let i = 0; i < x.data.length; i++) {
      let pos = 0, inside = true;
      for (let d = 0; d < rank; d++) {
        const o = config[d][0] + idx[d] * (config[d][2] + 1);
        if (o < 0 || o >= outAval.shape[d]) { inside = false; break; }
        pos += o * outSt[d];
      }
      if (inside) out[pos] = x.data[i];
      for (let d = rank - 1; d >= 0; d--) { if (++idx[d] < inShape[d]) break; idx[d] = 0; }
    }
    return [out];
  }) as Kernel<PadParams>,
  concatenate: ((xs, { dimension }, [outAval]) => {
    const out = alloc(outAval);
    const outer = prod(outAval.shape.slice(0, dimension));
    const chunks = xs.map((x) => prod(x.aval.shape.slice(dimension)));
    const row = chunks.reduce((a, b) => a + b, 0);
    for (let o = 0; o < outer; o++) {
      let pos = o * row;
      xs.forEach((x, k) => { out.set(x.data.subarray(o * chunks[k], (o + 1) * chunks[k]), pos); pos += chunks[k]; });
    }
    return [out];
  }) as Kernel<ConcatenateParams>,

  take_along_axis: (([x, idx], { axis }, [outAval]) => {
    const [outer, n, inner] = aroundAxis(x.aval.shape, axis);
    const m = idx.aval.shape[axis];
    const out = alloc(outAval);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < m; j++) {
        for (let i = 0; i < inner; i++) {
          const q = (o * m + j) * inner + i;
          const k = Math.min(Math.max(idx.data[q], 0), n - 1);
          out[q] = x.data[(o * n + k) * inner + i];
        }
      }
    }
    return [out];
  }) as Kernel<AlongAxisParams>,
  scatter_along_axis: (([x, idx, upd], { axis, mode }) => {
    const [outer, n, inner] = aroundAxis(x.aval.shape, axis);
    const m = idx.aval.shape[axis];
    const out = x.data.slice();
    // bool adds as logical or (stored 0/1), as in JAX.
    const combine = { set: (_a: number, b: number) => b, add: x.aval.dtype === "bool" ? (a: number, b: number) => (a || b ? 1 : 0) : (a: number, b: number) => a + b,
      mul: x.aval.dtype === "int32" || x.aval.dtype === "uint32" ? Math.imul : (a: number, b: number) => a * b,
      min: (a: number, b: number) => (a !== a || b !== b ? NaN : Math.min(a, b)), max: (a: number, b: number) => (a !== a || b !== b ? NaN : Math.max(a, b)) }[mode];
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < m; j++) {
        for (let i = 0; i < inner; i++) {
          const q = (o * m + j) * inner + i;
          const k = idx.data[q];
          if (k < 0 || k >= n) continue;
          const p = (o * n + k) * inner + i;
          out[p] = combine(out[p], upd.data[q]);
        }
      }
    }
    return [out];
  }) as Kernel<ScatterAlongAxisParams>,

  sort: ((xs, { dimension, numKeys }, outAvals) => {
    const [outer, n, inner] = aroundAxis(xs[0].aval.shape, dimension);
    const outs = outAvals.map(alloc);
    const order = new Array<number>(n);
    // NaN sorts after everything (NumPy); ties keep their order (Array.prototype.sort is stable).
    const cmp1 = (a: number, b: number) => (a !== a ? (b !== b ? 0 : 1) : b !== b ? -1 : a < b ? -1 : a > b ? 1 : 0);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * n * inner + i;
        for (let j = 0; j < n; j++) order[j] = j;
        order.sort((p, q) => {
          for (let k = 0; k < numKeys; k++) {
            const c = cmp1(xs[k].data[base + p * inner], xs[k].data[base + q * inner]);
            if (c !== 0) return c;
          }
          return 0;
        });
        xs.forEach((x, k) => { for (let j = 0; j < n; j++) outs[k][base + j * inner] = x.data[base + order[j] * inner]; });
      }
    }
    return outs;
  }) as Kernel<SortParams>,
};
