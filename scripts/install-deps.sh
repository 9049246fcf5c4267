#!/usr/bin/env bash
# Installs the Debian packages TinyForge needs, only those that are missing.
# Usage: scripts/install-deps.sh [core|all]
set -euo pipefail
want=(cmake g++ make pkg-config libflatbuffers-dev flatbuffers-compiler nlohmann-json3-dev
      libgtest-dev googletest clang libclang-rt-14-dev
      gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi qemu-system-arm
      zlib1g-dev dataset-fashion-mnist libtorch-dev libeigen3-dev
      qt6-base-dev qt6-charts-dev libqt6opengl6-dev libgl-dev libxkbcommon-dev
      xvfb xauth fonts-dejavu-core)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing missing Debian packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "install-deps: not root and no sudo; please install: ${missing[*]}" >&2; exit 1; fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
