// Memory planning benchmark.
//  1. Plans per second on valid MobileNetV2-like graphs of 30..60 ops for the tflm, best and
//     patch planners, with the lifetime pass alone as the baseline measured in the same run
//     (the search calls the planner thousands of times).
//  2. With ../shared/models present (or TINYFORGE_SHARED): every model under every planner:
//     peak bytes, ratio to tflm and to the lower bound, patch recomputation, planning time.
//
//   ./bench/plan_bench            # prints tables; no assertions
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "engine/io/tflite_import.h"
#include "engine/ops/op_def.h"
#include "engine/pipeline.h"
#include "engine/plan/best_planner.h"
#include "engine/plan/lifetimes.h"
#include "engine/plan/patch_planner.h"
#include "engine/plan/tflm_planner.h"
#include "tests/random_graphs.h"

namespace tinyforge {
namespace {

template <typename F>
double perSecond(F&& run) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  int64_t runs = 0;
  double seconds = 0;
  do {
    for (int i = 0; i < 10; ++i) run();
    runs += 10;
    seconds = std::chrono::duration<double>(Clock::now() - start).count();
  } while (seconds < 0.3);
  return double(runs) / seconds;
}

void plansPerSecond() {
  std::printf("plans per second on MobileNetV2-like graphs (one core)\n");
  std::printf("%-5s %12s %12s %12s %12s %10s %10s %10s\n", "ops", "lifetimes/s", "tflm/s",
              "best/s", "patch/s", "best/lifet", "tflm KiB", "best KiB");
  std::mt19937 rng(7);
  for (int32_t target : {30, 40, 50, 60}) {
    const Graph g = test::randomMobileNetGraph(&rng, target, 64);
    const std::vector<int32_t> order = fileOrder(g);
    const TflmPlanner tflm;
    const BestPlanner best;
    const PatchPlanner patch;
    volatile int64_t sink = 0;
    const double lifetimes = perSecond([&] { sink = sink + int64_t(tensorLifetimes(g, order).value().size()); });
    const double tflmRate = perSecond([&] { sink = sink + tflm.plan(g, order).value().arenaBytes; });
    const double bestRate = perSecond([&] { sink = sink + best.plan(g, order).value().arenaBytes; });
    const double patchRate = perSecond([&] { sink = sink + patch.plan(g, order).value().arenaBytes; });
    std::printf("%-5zu %12.0f %12.0f %12.0f %12.0f %9.1fx %10.1f %10.1f\n", g.ops.size(), lifetimes,
                tflmRate, bestRate, patchRate, lifetimes / bestRate,
                double(tflm.plan(g, order).value().arenaBytes) / 1024.0,
                double(best.plan(g, order).value().arenaBytes) / 1024.0);
  }
}

int64_t modelMacs(const Graph& g) {
  int64_t macs = 0;
  for (const Op& op : g.ops) macs += opDef(op.kind).macs(g, op);
  return macs;
}

void modelsTable(const std::filesystem::path& shared) {
  std::printf("\nevery model under every planner (peak = arena incl. scratch)\n");
  std::printf("%-48s %10s %10s %10s %7s %7s %9s %9s %10s %9s\n", "model", "tflm", "best", "patch",
              "best/t", "patch/t", "best/LB", "patch/LB", "patch+MAC", "plan ms");
  std::vector<std::filesystem::path> models;
  for (const auto& e : std::filesystem::directory_iterator(shared / "models")) {
    if (e.path().extension() == ".tflite") models.push_back(e.path());
  }
  std::sort(models.begin(), models.end());
  for (const auto& path : models) {
    Result<Graph> g = importTfliteFile(path.string());
    if (!g) {
      std::printf("%-48s import failed: %s\n", path.stem().c_str(), g.error().c_str());
      continue;
    }
    int64_t arena[3] = {0, 0, 0}, lower[3] = {0, 0, 0}, extra = 0;
    double ms[3] = {0, 0, 0};
    const char* names[3] = {"tflm", "best", "patch"};
    for (int i = 0; i < 3; ++i) {
      const auto start = std::chrono::steady_clock::now();
      Result<PlannedModel> m = planModel(g.value(), names[i]);
      ms[i] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      if (!m) continue;
      arena[i] = m.value().plan.arenaBytes;
      lower[i] = m.value().plan.lowerBoundBytes;
      for (const PatchStage& p : m.value().plan.patches) extra += p.tiledMacs - p.stageMacs;
    }
    const double t = double(arena[0]);
    std::printf("%-48s %10lld %10lld %10lld %7.3f %7.3f %9.3f %9.3f %9.1f%% %9.1f\n",
                path.stem().c_str(), (long long)arena[0], (long long)arena[1], (long long)arena[2],
                double(arena[1]) / t, double(arena[2]) / t, double(arena[1]) / double(lower[1]),
                double(arena[2]) / double(lower[2]), 100.0 * double(extra) / double(modelMacs(g.value())),
                ms[0] + ms[1] + ms[2]);
  }
}

}  // namespace
}  // namespace tinyforge

int main() {
  tinyforge::plansPerSecond();
  const char* env = std::getenv("TINYFORGE_SHARED");
  const std::filesystem::path shared = env && *env ? env : TINYFORGE_SHARED_DIR;
  if (std::filesystem::is_directory(shared / "models")) {
    tinyforge::modelsTable(shared);
  } else {
    std::printf("\n(no shared models at %s: model table skipped)\n", shared.c_str());
  }
  return 0;
}
