// Firmware benchmark: for every model in ../shared/models that fits the 4 MB of the emulated
// board, the generated code with TinyForge's kernels against the same model built with the
// plain reference kernels (both measured here, in the same run, as exact instruction counts
// in QEMU mps2-an386 under -icount), plus flash/RAM, and the TFLM + CMSIS-NN anchors measured
// on the same emulator (../shared/docs/anchors.md). Where the patch planner plans a smaller arena
// than best, a second line measures the generated code with it ("(patch)"): RAM against the
// instructions that recomputing the patches' overlaps costs.
//
//   ./bench/firmware_bench [MODEL_STEM ...]
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
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
  if (stems.empty()) {
    for (const auto& [stem, anchor] : kAnchors) stems.push_back(stem);
  }
  std::printf("%-38s %12s %12s %12s %8s %8s %9s %9s %8s %8s\n", "model", "ours", "plain", "cmsis-nn",
              "ours/pl", "ours/cm", "flash", "RAM+stk", "fl/cm", "ram/cm");
  for (const std::string& stem : stems) {
    Result<Graph> g = importTfliteFile((shared / "models" / (stem + ".tflite")).string());
    if (!g) {
      std::printf("%-38s %s\n", stem.c_str(), g.error().c_str());
      continue;
    }
    // runs[0]: plain kernels, runs[1]: ours (planner best), runs[2]: ours with the patch planner,
    // measured where it plans a smaller arena than best (the RAM it buys, the instructions it costs).
    VerifyReport runs[3];
    bool ok = true, patch = false;
    int64_t bestArena = 0;
    for (int run = 1; run < 3 && ok; ++run) {
      for (int fast = 1; fast >= (run == 1 ? 0 : 1) && ok; --fast) {
        ExportOptions o;
        o.device = "mps2-an386";
        o.fastKernels = fast == 1;
        o.planner = run == 1 ? "best" : "patch";
        const auto dir = std::filesystem::temp_directory_path() /
                         ("tinyforge_bench_" + stem + (fast ? "_fast" : "_plain") + (run == 2 ? "_patch" : ""));
        std::filesystem::remove_all(dir);
        Result<ExportSummary> e = exportFirmware(g.value(), o, dir.string());
        if (e && run == 1 && fast) bestArena = e.value().arenaBytes;
        if (e && run == 2 && e.value().arenaBytes >= bestArena) break;  // patch plans no less: not run
        Result<VerifyReport> v = e ? verifyFirmware(dir.string()) : Result<VerifyReport>(e.status());
        if (!v || !v.value().match) {
          std::printf("%-38s %s%s\n", stem.c_str(), run == 2 ? "(patch) " : "", v ? "MISMATCH" : v.error().c_str());
          ok = false;
        } else {
          runs[run == 1 ? fast : 2] = v.value();
          patch = patch || run == 2;
        }
      }
    }
    if (!ok && !runs[1].match) continue;
    const Anchor& a = kAnchors.count(stem) ? kAnchors.at(stem) : Anchor{0, 0, 0, 0};
    for (int run = 1; run <= (patch ? 2 : 1); ++run) {
      const VerifyReport& ours = runs[run];
      const int64_t ram = ours.ramBytes + ours.stackBytes;
      const std::string name = run == 1 ? stem : "  " + stem + " (patch)";
      std::printf("%-38s %12lld %12lld %12lld %8.3f %8.3f %9lld %9lld %8.3f %8.3f\n", name.c_str(),
                  (long long)ours.instructions, (long long)runs[0].instructions, (long long)a.cmsisInstructions,
                  double(ours.instructions) / double(runs[0].instructions),
                  a.cmsisInstructions ? double(ours.instructions) / double(a.cmsisInstructions) : 0.0,
                  (long long)ours.flashBytes, (long long)ram,
                  a.flashBytes ? double(ours.flashBytes) / double(a.flashBytes) : 0.0,
                  a.ramBytes ? double(ram) / double(a.ramBytes) : 0.0);
    }
  }
  return 0;
}
