#!/usr/bin/env bash
# SpArSe: the Bayesian search against random search with the same number of trained candidates,
# over several seeds, on Fashion-MNIST. Prints each run's final hypervolume, the Bayesian/random
# ratio per seed and the means (the baseline is measured in the same run).
# Usage: bench/sparse_seeds.sh [BUILD_DIR] [OUT_DIR] [POINTS] [TRAIN_IMAGES] [EPOCHS] [SEEDS...]
# The budgets (working memory and flash, default 64 KB each) come from MEMORY_BYTES and FLASH_BYTES;
# they are the hypervolume's reference point, and both methods propose only points within them.
set -euo pipefail
build=${1:-build}
out=${2:-$build/bench-sparse-seeds}
points=${3:-20}
images=${4:-4000}
epochs=${5:-1}
shift $(( $# < 5 ? $# : 5 ))
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3)
cli="$build/app/tinyforge-cli"
[ -x "$cli" ] || { echo "no $cli: build first (make)" >&2; exit 1; }
mkdir -p "$out"
memory=${MEMORY_BYTES:-65536}
flash=${FLASH_BYTES:-65536}
cat > "$out/project.json" <<JSON
{"device": "stm32f746",
 "search": {"iterations": $points, "train_images": $images, "epochs": $epochs, "verify": false,
            "sram_bytes": $memory, "flash_bytes": $flash}}
JSON
for seed in "${seeds[@]}"; do
  for method in bayes random; do
    dir="$out/$method-seed$seed"
    if [ -f "$dir/report.json" ]; then echo "== $dir: done before"; continue; fi
    echo "== $method, seed $seed ($points points, $images images, $epochs epochs, budgets $memory B / $flash B)"
    start=$(date +%s)
    "$cli" sparse-search --project "$out/project.json" --out "$dir" --method "$method" --seed "$seed" \
      > "$dir.log" 2>&1 || { echo "failed: see $dir.log" >&2; exit 1; }
    echo "   $(( $(date +%s) - start )) s"
  done
done
python3 - "$out" "${seeds[@]}" <<'PY'
import json, sys
out, seeds = sys.argv[1], sys.argv[2:]
def final(method, seed):
    r = json.load(open(f"{out}/{method}-seed{seed}/report.json"))
    return r["hypervolume"][-1], len(r["front"])
print(f"{'seed':>4} {'bayes HV':>9} {'random HV':>10} {'ratio':>6}  fronts")
sb = sr = 0.0
wins = 0
for s in seeds:
    (b, nb), (r, nr) = final("bayes", s), final("random", s)
    sb += b; sr += r; wins += b > r
    print(f"{s:>4} {b:9.4f} {r:10.4f} {b / r if r else float('inf'):6.3f}  {nb} / {nr}")
n = len(seeds)
print(f"mean {sb / n:9.4f} {sr / n:10.4f} {sb / sr if sr else float('inf'):6.3f}  bayes ahead on {wins} of {n} seeds")
PY
