#!/usr/bin/env bash
# `make run`: the studio on the bundled default project; without a display, the same default
# pipeline headless with tinyforge-cli, and where its report went.
# Usage: scripts/run-studio.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
model=resources/models/mbv2_fmnist_64k.tflite
device=stm32f746
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -x "$build/app/tinyforge" ]; then
  echo "Starting TinyForge Studio on the default project (mbv2_fmnist_64k on $device)."
  exec "$build/app/tinyforge"
fi
out="$build/headless-report"
echo "No display (DISPLAY and WAYLAND_DISPLAY are unset): running the default pipeline headless"
echo "with tinyforge-cli (the studio's default project: $model on $device, planner best)."
rm -rf "$out"
mkdir -p "$out"
cli="$build/app/tinyforge-cli"
"$cli" inspect "$model" | tee "$out/inspect.txt"
"$cli" inspect "$model" --json > "$out/inspect.json"
for planner in tflm best patch; do
  "$cli" plan "$model" --planner "$planner" | tee "$out/plan-$planner.txt"
  "$cli" plan "$model" --planner "$planner" --json > "$out/plan-$planner.json"
done
"$cli" export "$model" --device "$device" --planner best --out "$out/firmware" | tee "$out/export.txt"
echo "Building the firmware with arm-none-eabi-gcc and running it in QEMU..."
"$cli" verify "$out/firmware" | tee "$out/verify.txt"
"$cli" verify "$out/firmware" --json > "$out/verify.json"
echo
echo "Report: $out/ (inspect, plan-{tflm,best,patch}, export, verify as .txt and .json;"
echo "        the firmware project in $out/firmware)"
