#!/usr/bin/env bash
# Prints the environment that lets Dawn (npm `webgpu`) find a Vulkan driver on a machine
# without a GPU: SwiftShader from Debian's chromium package (installed if missing, which
# needs apt). Use: eval "$(bash scripts/webgpu-env.sh)"
# With --no-install it only looks, and prints nothing when SwiftShader is absent.
set -euo pipefail
find_icd() { dpkg -L chromium-common chromium 2>/dev/null | grep -m1 'vk_swiftshader_icd\.json$' || true; }
ICD=$(find_icd)
if [ -z "$ICD" ] || [ ! -f "$ICD" ]; then
  [ "${1:-}" = "--no-install" ] && exit 0
  SHARED="$(dirname "$0")/../../shared/scripts/webgpu-env.sh"
  if [ -f "$SHARED" ]; then bash "$SHARED" >/dev/null; else
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >&2
  fi
  ICD=$(find_icd)
fi
[ -n "$ICD" ] && [ -f "$ICD" ] || { echo "webgpu-env: no SwiftShader Vulkan driver" >&2; exit 1; }
echo "export VK_ICD_FILENAMES=$ICD"
# Dawn dlopens libvulkan.so.1; chromium ships one next to SwiftShader when the system has none.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
  echo "export LD_LIBRARY_PATH=$(dirname "$ICD")\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
fi
