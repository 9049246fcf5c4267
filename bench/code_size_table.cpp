// Code-size tables of the model library (engine/firmware/code_size.h), one per core: compiles
// the kernels with the firmware's flags for the core's emulated board (measureKernelCode), then
// exports and builds networks (TinyNAS samples, and the models of ../shared/models when present
// for other op kinds) and fits the library flash that the const data and the linked functions
// do not explain: fixed + per_call x invoke statements.
// The fit is made on half the networks and raised to the largest fitted residual plus 64 bytes
// (section alignment the line does not model), so that it does not under-estimate them; the
// other half is held out and its error printed.
//
//   ./bench/code_size_table [--out resources/codesize] [--networks 16] [--core cortex-m4]
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "engine/codegen/model_emitter.h"
#include "engine/firmware/code_size.h"
#include "engine/firmware/exporter.h"
#include "engine/firmware/verifier.h"
#include "engine/io/tflite_import.h"
#include "engine/pipeline.h"
#include "search/arch_spec.h"
#include "search/search_space.h"

namespace fs = std::filesystem;
using namespace tinyforge;

namespace {

struct Network {
  std::string name, set;  // set: "fit" or "heldout"
  Graph graph;
  std::string planner = "best";
};

struct Row {
  std::string name, set;
  int32_t calls = 0;
  int64_t known = 0;     // const data + linked functions
  int64_t measured = 0;  // library_flash_bytes
};

std::vector<Network> networks(int32_t count, uint64_t seed) {
  std::vector<Network> out;
  const SearchSpace space = mcunetSpace(28, 28, 1, 10);
  std::mt19937_64 rng(seed);
  for (int32_t i = 0; i < count; ++i) {
    const double w = space.widths[size_t(rng() % space.widths.size())];
    const int32_t r = space.resolutions[size_t(rng() % space.resolutions.size())];
    const ArchSpec spec = sampleArch(space, w, r, &rng);
    Result<Graph> g = archToGraph(spec);
    if (g) out.push_back({spec.name, i % 2 ? "heldout" : "fit", std::move(g).value()});
  }
#ifdef TINYFORGE_SHARED_DIR
  // Real models: other op kinds (softmax, im2col convolutions, pooling, adds), held out; and
  // again with each patch planner where it plans a smaller arena (tile by tile calls, copies and
  // the moves of cached strips).
  const fs::path models = fs::path(TINYFORGE_SHARED_DIR) / "models";
  for (const char* stem :
       {"tflm_hello_world_int8", "tflm_micro_speech_quantized", "mlperftiny_kws_ref_model",
        "mlperftiny_ad01_int8", "mlperftiny_ic_pretrainedResnet_quant", "mlperftiny_vww_96_int8",
        "tflm_person_detect"}) {
    const fs::path p = models / (std::string(stem) + ".tflite");
    if (!fs::exists(p)) continue;
    Result<Graph> g = importTfliteFile(p.string());
    if (!g) continue;
    Result<PlannedModel> best = planModel(g.value(), "best");
    int64_t arena = best ? best.value().plan.arenaBytes : 0;
    for (const std::string planner : {"patch", "patch-recompute"}) {
      Result<PlannedModel> patch = planModel(g.value(), planner);
      if (!best || !patch || patch.value().plan.arenaBytes >= arena) continue;
      arena = patch.value().plan.arenaBytes;
      out.push_back({std::string(stem) + " (" + planner + ")", "heldout", g.value(), planner});
    }
    out.push_back({stem, "heldout", std::move(g).value()});
  }
#endif
  return out;
}

Result<Row> measure(const Network& n, const DeviceProfile& device, const CodeSizeTable& table,
                    const fs::path& dir) {
  Result<PlannedModel> planned = planModel(n.graph, n.planner);
  if (!planned) return planned.status();
  Result<CodeFootprint> f = emitFootprint(planned.value());
  if (!f) return f.status();
  Row row{n.name, n.set, f.value().calls, estimateLibraryFlash(table, f.value()), 0};
  ExportOptions eo;
  eo.device = device.name;
  eo.planner = n.planner;
  fs::remove_all(dir);
  Result<ExportSummary> e = exportFirmware(n.graph, eo, dir.string());
  if (!e) return Status::error("export: " + e.error());
  Result<VerifyReport> v = verifyFirmware(dir.string());
  fs::remove_all(dir);
  if (!v) return Status::error("verify: " + v.error());
  if (!v.value().match) return Status::error("verify: outputs differ from the host reference");
  row.measured = v.value().libraryFlashBytes;
  return row;
}

// Least squares of residual = a + b x calls over `rows`, with a >= 0 (a library has at least
// its accessors: a negative intercept would under-estimate models with few calls).
void fitLine(const std::vector<const Row*>& rows, double* a, double* b) {
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const Row* r : rows) {
    const double x = r->calls, y = double(r->measured - r->known);
    n += 1, sx += x, sy += y, sxx += x * x, sxy += x * y;
  }
  const double d = n * sxx - sx * sx;
  *b = d > 0 ? (n * sxy - sx * sy) / d : 0;
  *a = n > 0 ? (sy - *b * sx) / n : 0;
  if (*a < 0) {  // through the origin
    *a = 0;
    *b = sxx > 0 ? sxy / sxx : 0;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string out, onlyCore;
  int32_t count = 16;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--out" && i + 1 < argc)
      out = argv[++i];
    else if (a == "--networks" && i + 1 < argc)
      count = std::atoi(argv[++i]);
    else if (a == "--core" && i + 1 < argc)
      onlyCore = argv[++i];
    else {
      std::fprintf(stderr, "usage: code_size_table [--out DIR] [--networks N] [--core CORE]\n");
      return 2;
    }
  }
  const std::vector<Network> nets = networks(count, 7);
  const std::vector<std::pair<std::string, std::string>> cores = {
      {"cortex-m4", "mps2-an386"}, {"cortex-m7", "mps2-an500"}, {"cortex-m0plus", "rp2040"}};
  const fs::path work =
      fs::temp_directory_path() / ("tinyforge_codesize_" + std::to_string(::getpid()));
  int failures = 0;
  for (const auto& [core, deviceName] : cores) {
    if (!onlyCore.empty() && core != onlyCore) continue;
    Result<DeviceProfile> device = findDevice(deviceName);
    if (!device) return std::fprintf(stderr, "%s\n", device.error().c_str()), 1;
    Result<CodeSizeTable> table = measureKernelCode(device.value(), (work / "kernels").string());
    if (!table) return std::fprintf(stderr, "%s: %s\n", core.c_str(), table.error().c_str()), 1;
    CodeSizeTable& t = table.value();
    std::printf("%s (%s): %zu functions measured\n", core.c_str(), deviceName.c_str(),
                t.functions.size());
    std::vector<Row> rows;
    for (const Network& n : nets) {
      Result<Row> r = measure(n, device.value(), t, work / "fw");
      if (!r) {
        std::printf("  %s: %s\n", n.name.c_str(), r.error().c_str());
        ++failures;
        continue;
      }
      rows.push_back(r.value());
    }
    std::vector<const Row*> fit;
    for (const Row& r : rows) {
      if (r.set == "fit") fit.push_back(&r);
    }
    double a = 0, b = 0;
    fitLine(fit, &a, &b);
    t.perCallBytes = std::max<int64_t>(0, int64_t(std::ceil(b)));
    double worst = -1e18;  // raise the line to the largest fitted residual
    for (const Row* r : fit)
      worst = std::max(worst, double(r->measured - r->known - t.perCallBytes * r->calls));
    t.fixedBytes = int64_t(std::ceil(worst)) + 64;
    nlohmann::json list = nlohmann::json::array();
    double maxFit = 0, maxHeld = 0, maxUnder = 0;
    std::printf("  %-60s %-8s %6s %9s %9s %8s\n", "network", "set", "calls", "measured", "estimate",
                "error");
    for (const Row& r : rows) {
      const int64_t estimate = r.known + t.fixedBytes + t.perCallBytes * r.calls;
      const double err = double(estimate - r.measured) / double(r.measured);
      (r.set == "fit" ? maxFit : maxHeld) =
          std::max(r.set == "fit" ? maxFit : maxHeld, std::fabs(err));
      if (estimate < r.measured) maxUnder = std::max(maxUnder, double(r.measured - estimate));
      std::printf("  %-60s %-8s %6d %9lld %9lld %+7.2f%%\n", r.name.c_str(), r.set.c_str(), r.calls,
                  (long long)r.measured, (long long)estimate, 100 * err);
      list.push_back({{"name", r.name},
                      {"set", r.set},
                      {"calls", r.calls},
                      {"library_flash_bytes", r.measured},
                      {"estimate_bytes", estimate}});
    }
    std::printf(
        "  fixed %lld B + %lld B per call; max |error| fit %.2f%%, held out %.2f%%; largest "
        "under-estimate %.0f B\n",
        (long long)t.fixedBytes, (long long)t.perCallBytes, 100 * maxFit, 100 * maxHeld, maxUnder);
    t.calibration = {{"tool", "bench/code_size_table"},
                     {"networks", list},
                     {"max_abs_relative_error_fit", maxFit},
                     {"max_abs_relative_error_heldout", maxHeld},
                     {"largest_underestimate_bytes", maxUnder}};
    if (!out.empty()) {
      fs::create_directories(out);
      std::ofstream(fs::path(out) / (core + ".json")) << codeSizeToJson(t).dump(1) << "\n";
    }
  }
  fs::remove_all(work);
  return failures ? 1 : 0;
}
