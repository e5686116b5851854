// Convolution and pooling on the CPU backend: a 2-d conv (batch 8, 32 -> 64 channels,
// 32x32, 3x3, SAME) forward and backward (gradients for input and kernel), a depthwise
// conv, and 3x3/stride-2 max pooling, in float32. TensorFlow.js (cpu backend) runs the same
// work when installed in the folder named by GRAFT_PEERS (see ../shared/PEERS.md).
// Run: npm run build && tsx --tsconfig bench/tsconfig.json bench/conv.ts (imports the built package).
import { grad, jit, lax, np, type NDArray } from "graft";
import { medianMs, peer } from "./common";

/** Median ms per call (see common.ts medianMs: a call slower than 2 s is timed 3 times). */
async function time(label: string, f: () => unknown, gflop?: number): Promise<number> {
  const ms = await medianMs(f, { reps: 5, warmupMs: 500, minWarmup: 3, slowMs: 2000 });
  console.log(`${label.padEnd(52)} ${ms.toFixed(1).padStart(8)} ms${gflop ? `  ${(gflop / ms * 1e3).toFixed(2)} GFLOP/s` : ""}`);
  return ms;
}

const [B, Cin, Cout, H, K] = [8, 32, 64, 32, 3];
const flops = 2 * B * Cout * H * H * Cin * K * K / 1e9;
const rnd = (shape: number[]) => np.array(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.random() - 0.5), { shape });
const x = rnd([B, Cin, H, H]), w = rnd([Cout, Cin, K, K]), wd = rnd([Cin, 1, K, K]);

const conv = (a: NDArray, b: NDArray) => lax.convGeneralDilated(a, b, [1, 1], "SAME");
const loss = (a: NDArray, b: NDArray) => np.sum(conv(a, b));
const convGrads = grad(loss, { argnums: [0, 1] });
const depthwise = (a: NDArray, b: NDArray) => lax.convGeneralDilated(a, b, [1, 1], "SAME", { featureGroupCount: Cin });
const pool = (a: NDArray) => lax.reduceWindow(a, -Infinity, "max", [1, 1, 3, 3], [1, 1, 2, 2], "SAME");
const poolGrad = grad((a: NDArray) => np.sum(pool(a)));
const sync = (r: unknown) => { for (const a of ([] as NDArray[]).concat(r as NDArray)) a.dataSync(); };

console.log(`graft cpu, float32: conv ${B}x${Cin}x${H}x${H} * ${Cout}x${Cin}x${K}x${K} (${flops.toFixed(2)} GFLOP forward)`);
const gFwd = await time("conv2d forward (eager)", () => sync(conv(x, w)), flops);
await time("conv2d forward (jit)", () => sync(jit(conv)(x, w)), flops);
const gBwd = await time("conv2d grad wrt input and kernel (eager)", () => sync(convGrads(x, w)));
await time("conv2d grad wrt input and kernel (jit)", () => sync(jit(convGrads)(x, w)));
const gDw = await time("depthwise conv2d forward (groups = 32)", () => sync(depthwise(x, wd)));
const gPool = await time("max pool 3x3 stride 2 forward", () => sync(pool(x)));
const gPoolB = await time("max pool 3x3 stride 2 gradient", () => sync(poolGrad(x)));

const tf = await peer("@tensorflow/tfjs");
if (tf) {
  await tf.setBackend("cpu"); await tf.ready();
  // tfjs wants NHWC / HWIO.
  const tx = tf.tensor(x.transpose([0, 2, 3, 1]).dataSync(), [B, H, H, Cin]);
  const tw = tf.tensor(w.transpose([2, 3, 1, 0]).dataSync(), [K, K, Cin, Cout]);
  const twd = tf.tensor(wd.transpose([2, 3, 0, 1]).dataSync(), [K, K, Cin, 1]);
  const tGrads = tf.grads((a: any, b: any) => tf.sum(tf.conv2d(a, b, 1, "same")));
  console.log("\ntfjs-cpu (same work, NHWC)");
  const tFwd = await time("conv2d forward", () => tf.tidy(() => { tf.conv2d(tx, tw, 1, "same").dataSync(); }), flops);
  const tBwd = await time("conv2d grad wrt input and kernel", () => tf.tidy(() => { tGrads([tx, tw]).forEach((g: any) => g.dataSync()); }));
  const tDw = await time("depthwise conv2d forward", () => tf.tidy(() => { tf.depthwiseConv2d(tx, twd, 1, "same").dataSync(); }));
  const tPool = await time("max pool 3x3 stride 2 forward", () => tf.tidy(() => { tf.maxPool(tx, 3, 2, "same").dataSync(); }));
  const tPoolG = tf.grad((a: any) => tf.sum(tf.maxPool(a, 3, 2, "same")));
  const tPoolB = await time("max pool 3x3 stride 2 gradient", () => tf.tidy(() => { tPoolG(tx).dataSync(); }));
  console.log(`\nratios graft/tfjs-cpu (lower is better): conv fwd ${(gFwd / tFwd).toFixed(2)}, conv bwd ${(gBwd / tBwd).toFixed(2)}, ` +
    `depthwise ${(gDw / tDw).toFixed(2)}, pool fwd ${(gPool / tPool).toFixed(2)}, pool grad ${(gPoolB / tPoolB).toFixed(2)}`);
} else {
  console.log("\n(@tensorflow/tfjs not installed: no peer column this run; set GRAFT_PEERS)");
}
