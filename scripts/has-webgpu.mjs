// Exit status 0 when Dawn (npm `webgpu`) finds an adapter here; scripts/test.sh asks before
// its WebGPU pass.
try {
  const { create } = await import("webgpu");
  const adapter = await create([]).requestAdapter();
  process.exit(adapter ? 0 : 1);
} catch {
  process.exit(1);
}
