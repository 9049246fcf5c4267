#!/usr/bin/env bash
# Starts the studio under Xvfb, opens each view (memory timeline alone, side by side and
# overlaid; model graph + layer table; deploy) on the default project and on person_detect,
# at 1280x800 and 1920x1080, and saves the screenshots. Prints the time from launch to a drawn
# memory timeline for each run.
# Usage: tests/studio_screenshots.sh [BUILD_DIR] [OUT_DIR]
set -euo pipefail
build=${1:-build}
out=${2:-$build/screenshots}
studio="$build/app/tinyforge"
[ -x "$studio" ] || { echo "no studio at $studio: build first (make)" >&2; exit 1; }
command -v xvfb-run >/dev/null || { echo "xvfb-run missing: apt-get install xvfb xauth" >&2; exit 1; }
mkdir -p "$out"
home=$(mktemp -d)  # a first start: no settings, the default project copied fresh
trap 'rm -rf "$home"' EXIT
shared_person=../shared/models/tflm_person_detect.tflite
for size in 1280x800 1920x1080; do
  screen="-screen 0 ${size}x24"
  echo "== default project at $size"
  HOME="$home" XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" \
    xvfb-run -a -s "$screen" "$studio" --screenshots "$out/default" --size "$size"
  model=resources/models/person_detect.tflite
  [ -f "$shared_person" ] && model=$shared_person
  echo "== $model at $size"
  HOME="$home" XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" \
    xvfb-run -a -s "$screen" "$studio" "$model" --screenshots "$out/person_detect" --size "$size"
done
echo "screenshots in $out"
