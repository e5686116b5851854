#!/usr/bin/env bash
# Runs vitest with WebGPU available where SwiftShader (or a GPU) is: the webgpu suites run
# when an adapter exists; GRAFT_REQUIRE_WEBGPU=1 (set by .ci/run) makes a missing one fail.
# With no arguments, a second pass runs the nn, random and science suites again with WebGPU as the
# default device (GRAFT_TEST_DEVICE=webgpu, test/device.ts), against the same fixtures.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash scripts/webgpu-env.sh --no-install)"
if [ $# -gt 0 ]; then exec npx vitest run "$@"; fi
npx vitest run
# float64 suites (nn/checkpoint, nn/lbfgs) stay CPU-only; float64 tests elsewhere run on the CPU in both passes.
WEBGPU_PASS=(test/webgpu/pass-device.test.ts test/science test/random
  test/nn/{activations,attention,conv,examples,losses,modules,norm,optim-wrappers,optim,partition,pool,recurrent,train}.test.ts)
if [ -n "${GRAFT_REQUIRE_WEBGPU:-}" ] || node scripts/has-webgpu.mjs; then
  GRAFT_TEST_DEVICE=webgpu npx vitest run "${WEBGPU_PASS[@]}"
else
  echo "no WebGPU adapter: the WebGPU pass of the nn and science suites is skipped" >&2
fi
