#!/usr/bin/env bash
# TinyNAS against its two baselines on one project: the evolution's winner, random search with
# exactly as many measured candidates on the same supernet, and a hand design, all three trained
# from scratch with `tinyforge-cli train`'s recipe for the project's "retrain_epochs" (the same
# seed and images), converted to int8, exported for the project's device and verified in QEMU.
# Prints one row each and the accuracy differences to the evolution's winner (points of int8 test
# accuracy, measured in this run).
# Usage: bench/tinynas_compare.sh PROJECT.json [OUT_DIR] [HAND_SPEC.json] [BUILD_DIR]
# SEEDS="2 3" trains the three networks again with those seeds (the same epochs and recipe) and
# prints each method's mean and standard deviation over all seeds: one seed cannot separate
# networks a few test images apart.
# Every step resumes after a kill (the supernet per epoch, the evolution per generation, each
# training per epoch): run the same command again. Hours on 2 cores with the full preset.
set -euo pipefail
project=${1:?usage: bench/tinynas_compare.sh PROJECT.json [OUT_DIR] [HAND_SPEC.json] [BUILD_DIR]}
out=${2:-build/bench-tinynas}
hand=${3:-resources/specs/mbv2_fmnist_64kflash.json}
build=${4:-build}
cli="$build/app/tinyforge-cli"
[ -x "$cli" ] || { echo "no $cli: build first (make)" >&2; exit 1; }
read -r epochs device < <(python3 - "$project" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
e = p.get("search", {}).get("retrain_epochs", 0)
if not e:
    sys.exit("the project must set \"search\": {\"retrain_epochs\": N}: the epochs all three train for")
print(e, p.get("device", "stm32f746"))
PY
)
mkdir -p "$out"
step() { echo "== $1 ($(date +%H:%M:%S))"; }

step "evolution: $out/evolution"
if [ ! -f "$out/evolution/report.json" ]; then
  "$cli" search --project "$project" --out "$out/evolution" > "$out/evolution.log" 2>&1 ||
    { echo "failed: see $out/evolution.log" >&2; exit 1; }
fi
measured=$(python3 - "$out/evolution" <<'PY'
import json, sys
# Reports before "candidates_measured" existed: the measured entries of the history.
r = json.load(open(f"{sys.argv[1]}/report.json"))
h = json.load(open(f"{sys.argv[1]}/history.json"))
print(r.get("candidates_measured", sum(c["accuracy"] >= 0 for c in h)))
PY
)

step "random search, $measured candidates on the same supernet: $out/random"
if [ ! -f "$out/random/report.json" ]; then
  mkdir -p "$out/random"
  python3 - "$project" "$measured" "$out/random-project.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p.setdefault("search", {})["candidates"] = int(sys.argv[2])
json.dump(p, open(sys.argv[3], "w"), indent=1)
PY
  if [ ! -f "$out/random/supernet.pt" ]; then  # the checkpoint and its signature
    cp "$out/evolution/supernet.pt.spec.json" "$out/random/"
    cp "$out/evolution/supernet.pt" "$out/random/"
  fi
  "$cli" search --project "$out/random-project.json" --out "$out/random" --method random \
    > "$out/random.log" 2>&1 || { echo "failed: see $out/random.log" >&2; exit 1; }
fi

step "hand design $hand, $epochs epochs: $out/hand"
if [ ! -f "$out/hand/report.json" ]; then
  "$cli" train "$hand" --out "$out/hand" --epochs "$epochs" > "$out/hand.log" 2>&1 ||
    { echo "failed: see $out/hand.log" >&2; exit 1; }
fi
if [ ! -f "$out/hand/verify.json" ]; then
  "$cli" export "$out/hand/model.tflite" --device "$device" --out "$out/hand/firmware" > /dev/null
  "$cli" verify "$out/hand/firmware" --json > "$out/hand/verify.json.tmp"
  mv "$out/hand/verify.json.tmp" "$out/hand/verify.json"
fi

# The same three networks trained with other seeds.
seeds=(${SEEDS:-})
for seed in "${seeds[@]}"; do
  mkdir -p "$out/seeds"
  for method in evolution random; do
    result="$out/seeds/$method-$seed.json"
    [ -f "$result" ] && continue
    step "$method winner, seed $seed"
    index=$(python3 - "$out/$method" <<'PY'
import json, sys
r = json.load(open(f"{sys.argv[1]}/report.json"))
h = json.load(open(f"{sys.argv[1]}/history.json"))
print(next(i for i, c in enumerate(h) if c["choice"] == r["winner"]["choice"]))
PY
)
    "$cli" search-export --run "$out/$method" --candidate "$index" --epochs "$epochs" --seed "$seed" \
      --out "$out/seeds/$method-$seed.tflite" --json > "$result.tmp" 2> "$out/seeds/$method-$seed.log" ||
      { echo "failed: see $out/seeds/$method-$seed.log" >&2; exit 1; }
    mv "$result.tmp" "$result"
  done
  if [ ! -f "$out/seeds/hand-$seed/report.json" ]; then
    step "hand design, seed $seed"
    "$cli" train "$hand" --out "$out/seeds/hand-$seed" --epochs "$epochs" --seed "$seed" \
      > "$out/seeds/hand-$seed.log" 2>&1 || { echo "failed: see $out/seeds/hand-$seed.log" >&2; exit 1; }
  fi
done

python3 - "$out" "${seeds[@]}" <<'PY'
import json, statistics, sys
out, seeds = sys.argv[1], sys.argv[2:]
def load(path):
    return json.load(open(f"{out}/{path}"))
rows = []
for name in ("evolution", "random"):
    r = load(f"{name}/report.json")
    fw = r["firmware"]
    rows.append((name, r["int8_test_accuracy"], r["float_test_accuracy"], r["params"], r["macs"],
                 fw["arena_bytes"], r["ram_bytes"], r["library_flash_bytes"], r["instructions"],
                 r.get("candidates_measured", sum(c["accuracy"] >= 0 for c in load(f"{name}/history.json"))),
                 r["winner"]["supernet_validation_accuracy"],
                 all(r["fits_measured"].values()) and r["firmware_match"]))
h, v = load("hand/report.json"), load("hand/verify.json")
c = json.load(open(f"{out}/evolution/report.json"))["constraints"]
ram = v["ram_bytes"] + v["stack_bytes"]
fits = ram <= c["sram_bytes"] and v["library_flash_bytes"] <= c["flash_bytes"] and v["match"]
rows.append(("hand", h["int8_test_accuracy"], h["float_test_accuracy"], h["params"], h["macs"],
             v["arena_bytes"], ram, v["library_flash_bytes"], v["instructions"], "-", "-", fits))
print(f"{'':10} {'int8':>7} {'float':>7} {'params':>7} {'MACs':>10} {'arena':>7} {'RAM+stack':>9} "
      f"{'flash':>7} {'instructions':>12} {'measured':>8} {'supernet':>8}  fits+match")
for n, i8, f, p, m, a, ram, fl, ins, cm, sv, ok in rows:
    sv = f"{sv:.4f}" if isinstance(sv, float) else sv
    print(f"{n:10} {i8:7.4f} {f:7.4f} {p:7} {m:10} {a:7} {ram:9} {fl:7} {ins:12} {cm:>8} {sv:>8}  {ok}")
best = rows[0][1]
for n, i8, *_ in rows[1:]:
    print(f"evolution - {n}: {100 * (best - i8):+.2f} points of int8 test accuracy "
          f"({round((best - i8) * 10000)} of 10,000 test images)")
if seeds:
    acc = {"evolution": [rows[0][1]], "random": [rows[1][1]], "hand": [rows[2][1]]}
    for seed in seeds:
        for m in ("evolution", "random"):
            acc[m].append(json.load(open(f"{out}/seeds/{m}-{seed}.json"))["int8_test_accuracy"])
        acc["hand"].append(json.load(open(f"{out}/seeds/hand-{seed}/report.json"))["int8_test_accuracy"])
    print(f"int8 test accuracy over seeds 1 {' '.join(seeds)}:")
    for m, a in acc.items():
        print(f"{m:10} mean {statistics.mean(a):.4f} sd {statistics.stdev(a):.4f}  " + " ".join(f"{x:.4f}" for x in a))
    for m in ("random", "hand"):
        d = [e - x for e, x in zip(acc["evolution"], acc[m])]
        # Paired by seed (the same images and order): the spread of the differences, not of the
        # accuracies, says how far apart the two methods are.
        se = statistics.stdev(d) / len(d) ** 0.5
        print(f"evolution - {m}: mean {100 * statistics.mean(d):+.2f} points (standard error "
              f"{100 * se:.2f}; per seed " + " ".join(f"{100 * x:+.2f}" for x in d) +
              f"), ahead on {sum(x > 0 for x in d)} of {len(d)} seeds")
PY
