// Firmware benchmark: for every model in ../shared/models that fits the 4 MB of the emulated
// board (one that does not says which limit), the generated code with TinyForge's kernels against
// the same model built with the plain reference kernels (both measured here, in the same run, as
// exact instruction counts in QEMU mps2-an386 under -icount), plus flash/RAM, and the TFLM +
// CMSIS-NN anchors measured on the same emulator (../shared/docs/anchors.md). Where the patch
// planner plans a smaller arena than best, a second line measures the generated code with it
// ("(patch)"): RAM against the instructions that recomputing the patches' overlaps costs.
//
//   ./bench/firmware_bench [MODEL_STEM ...]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/firmware/exporter.h"
#include "engine/firmware/verifier.h"
#include "engine/io/tflite_import.h"

namespace {

struct Anchor {
  int64_t cmsisInstructions, referenceInstructions, ramBytes, flashBytes;
};

// ../shared/docs/anchors.md: TFLM + CMSIS-NN in QEMU mps2-an386; RAM = arena + static + stack.
const std::map<std::string, Anchor> kAnchors = {
    {"tflm_person_detect", {22928383, 95887905, 82848 + 1236, 375584}},
    {"mlperftiny_vww_96_int8", {24101894, 100485282, 101280 + 1244, 422144}},
    {"mlperftiny_kws_ref_model", {7697333, 43111455, 23392 + 1244, 142792}},
    {"mlperftiny_ic_pretrainedResnet_quant", {29864421, 107486652, 55568 + 1244, 182196}},
    {"mlperftiny_ad01_int8", {582926, 1953881, 3304 + 748, 312976}},
    {"tflm_micro_speech_quantized", {1495354, 9314482, 7344 + 1236, 80908}},
    {"tflm_hello_world_int8", {3517, 5257, 772, 38592}},
};

}  // namespace

int main(int argc, char** argv) {
  using namespace tinyforge;
  const char* env = std::getenv("TINYFORGE_SHARED");
  const std::filesystem::path shared = env && *env ? env : TINYFORGE_SHARED_DIR;
  std::vector<std::string> stems(argv + 1, argv + argc);
  if (stems.empty()) {  // every model; one that does not fit the board says so
    for (const auto& entry : std::filesystem::directory_iterator(shared / "models")) {
      if (entry.path().extension() == ".tflite") stems.push_back(entry.path().stem().string());
    }
    std::sort(stems.begin(), stems.end());
  }
  // lib-cst: the model library's flash beyond its constants (the code); golden: the golden cases
  // whose output bytes the firmware matched in QEMU; "-": no anchor
  std::printf("%-38s %12s %12s %12s %8s %8s %9s %9s %8s %8s %8s %7s\n", "model", "ours", "plain",
              "cmsis-nn", "ours/pl", "ours/cm", "flash", "RAM+stk", "fl/cm", "ram/cm", "lib-cst",
              "golden");
  for (const std::string& stem : stems) {
    Result<Graph> g = importTfliteFile((shared / "models" / (stem + ".tflite")).string());
    if (!g) {
      std::printf("%-38s %s\n", stem.c_str(), g.error().c_str());
      continue;
    }
    struct Exported {
      std::filesystem::path dir;
      int64_t arena = 0;  // the plan's
    };
    // The golden cases (../shared/golden/<stem>/manifest.json): inputs and expected outputs.
    std::vector<std::vector<std::vector<uint8_t>>> caseInputs, caseOutputs;
    {
      std::ifstream f(shared / "golden" / stem / "manifest.json");
      const nlohmann::json manifest = nlohmann::json::parse(f, nullptr, false);
      auto bytesOf = [&](const nlohmann::json& c, TensorId index) {
        for (const auto& t : c["tensors"]) {
          if (t["index"].get<TensorId>() != index) continue;
          std::ifstream in(shared / "golden" / stem / t["file"].get<std::string>(),
                           std::ios::binary);
          return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
        }
        return std::vector<uint8_t>{};
      };
      if (manifest.is_object()) {
        for (const auto& c : manifest["cases"]) {
          caseInputs.emplace_back();
          caseOutputs.emplace_back();
          for (TensorId i : g.value().inputs) caseInputs.back().push_back(bytesOf(c, i));
          for (TensorId o : g.value().outputs) caseOutputs.back().push_back(bytesOf(c, o));
        }
      }
    }
    auto exportTo = [&](const std::string& planner, bool fast,
                        int goldenCase = -1) -> Result<Exported> {
      ExportOptions o;
      o.device = "mps2-an386";
      o.fastKernels = fast;
      o.planner = planner;
      if (goldenCase >= 0) {
        o.testInputs = caseInputs[size_t(goldenCase)];
        o.expectedOutputs = caseOutputs[size_t(goldenCase)];
      }
      Exported x;
      x.dir = std::filesystem::temp_directory_path() /
              ("tinyforge_bench_" + stem + (fast ? "_fast" : "_plain") +
               (planner == "best" ? "" : "_" + planner));
      std::filesystem::remove_all(x.dir);
      Result<ExportSummary> e = exportFirmware(g.value(), o, x.dir.string());
      if (!e) return e.status();
      x.arena = e.value().arenaBytes;
      return x;
    };
    auto verified = [](const Result<Exported>& x) -> Result<VerifyReport> {
      if (!x) return x.status();
      Result<VerifyReport> v = verifyFirmware(x.value().dir.string());
      if (v && !v.value().match) return Status::error("MISMATCH");
      return v;
    };
    const Anchor& a = kAnchors.count(stem) ? kAnchors.at(stem) : Anchor{0, 0, 0, 0};
    auto ratio = [](int64_t x, int64_t anchor) {
      char text[32] = "-";
      if (anchor) std::snprintf(text, sizeof text, "%.3f", double(x) / double(anchor));
      return std::string(text);
    };
    // Every golden case built with `planner` and run in QEMU against the golden output bytes.
    auto goldenMatches = [&](const std::string& planner) {
      int matched = 0;
      for (size_t c = 0; c < caseInputs.size(); ++c) {
        Result<Exported> x = exportTo(planner, true, int(c));
        Result<VerifyReport> v =
            x ? verifyFirmware(x.value().dir.string()) : Result<VerifyReport>(x.status());
        matched += v && v.value().match ? 1 : 0;
      }
      return std::to_string(matched) + "/" + std::to_string(caseInputs.size());
    };
    auto print = [&](const std::string& name, const VerifyReport& v, int64_t plain,
                     const std::string& planner) {
      const int64_t ram = v.ramBytes + v.stackBytes;
      std::printf(
          "%-38s %12lld %12lld %12s %8.3f %8s %9lld %9lld %8s %8s %8lld %7s\n", name.c_str(),
          (long long)v.instructions, (long long)plain,
          a.cmsisInstructions ? std::to_string(a.cmsisInstructions).c_str() : "-",
          double(v.instructions) / double(plain),
          ratio(v.instructions, a.cmsisInstructions).c_str(), (long long)v.flashBytes,
          (long long)ram, ratio(v.flashBytes, a.flashBytes).c_str(), ratio(ram, a.ramBytes).c_str(),
          (long long)(v.libraryFlashBytes - v.modelConstantBytes), goldenMatches(planner).c_str());
    };
    const Result<Exported> best = exportTo("best", true);
    const Result<VerifyReport> ours = verified(best);
    const Result<VerifyReport> plain = ours ? verified(exportTo("best", false)) : ours;
    if (!plain) {
      std::printf("%-38s %s\n", stem.c_str(), plain.error().c_str());
      continue;
    }
    const int64_t plainInstructions = plain.value().instructions;
    print(stem, ours.value(), plainInstructions, "best");
    // The patch planners where each plans a smaller arena than the one before: the RAM that
    // cached row strips buy (nothing computed twice), then the RAM that recomputing the tiles'
    // overlaps buys and the instructions it costs.
    int64_t arena = best.value().arena;
    for (const std::string planner : {"patch", "patch-recompute"}) {
      const Result<Exported> patch = exportTo(planner, true);
      if (!patch || patch.value().arena >= arena) continue;
      arena = patch.value().arena;
      const Result<VerifyReport> p = verified(patch);
      if (p)
        print("  " + stem + " (" + planner + ")", p.value(), plainInstructions, planner);
      else
        std::printf("  %-36s %s\n", (stem + " (" + planner + ")").c_str(), p.error().c_str());
    }
  }
  return 0;
}
