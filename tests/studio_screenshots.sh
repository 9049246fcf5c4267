#!/usr/bin/env bash
# Starts the studio under Xvfb, opens each view (memory timeline alone, side by side and
# overlaid; model graph + layer table; deploy) on the default project and on person_detect,
# at 1280x800 and 1920x1080, and saves the screenshots. Prints the time from launch to a drawn
# memory timeline for each run. Then a first-time user's search (--search-tour, needs
# Fashion-MNIST and libtorch; skipped without them): Search tab, Start search with the default
# project's quick TinyNAS settings, a Pareto-front point, Export firmware; screenshots of the
# Space and Search tabs while it runs, the clicks, the wall time and the worst event-loop stall.
# SEARCH_TOUR=0 skips it (it takes about two minutes).
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
if [ "${SEARCH_TOUR:-1}" != 0 ] && [ -x "$build/app/tinyforge-train" ] && \
   [ -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  echo "== search tour on the default project at 1280x800"
  rm -rf "$home/data"  # a first start
  HOME="$home" XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" \
    xvfb-run -a -s "-screen 0 1280x800x24" "$studio" --search-tour "$out/search" --size 1280x800 \
    | grep -v "^evolution\|^supernet\|^qat"
else
  echo "== search tour skipped (SEARCH_TOUR=0, no tinyforge-train or no Fashion-MNIST)"
fi
echo "screenshots in $out"
