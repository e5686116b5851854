#!/usr/bin/env bash
# Runs vitest with WebGPU available where SwiftShader (or a GPU) is: the webgpu suites run
# when an adapter exists; GRAFT_REQUIRE_WEBGPU=1 (set by .ci/run) makes a missing one fail.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash scripts/webgpu-env.sh --no-install)"
exec npx vitest run "$@"
