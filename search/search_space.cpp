#include "search/search_space.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "engine/firmware/code_size.h"
#include "engine/pipeline.h"
#include "search/arch_choice.h"

namespace tinyforge {

SearchSpace mcunetSpace(int32_t height, int32_t width, int32_t channels, int32_t classes) {
  SearchSpace s;
  s.inputH = height;
  s.inputW = width;
  s.inputC = channels;
  s.classes = classes;
  const bool small = std::min(height, width) <= 48;
  // MCUNet's six ImageNet stages; for small inputs (28x28 Fashion-MNIST, 32x32 CIFAR) four
  // narrower stages (14 -> 14 -> 7 -> 4 -> 4 after the stride-2 stem): 10 classes of small
  // images within a 64 KB flash budget, where six stages of depth >= 2 do not fit at any width.
  const std::vector<int32_t> base = small ? std::vector<int32_t>{16, 24, 40, 64}
                                          : std::vector<int32_t>{16, 24, 40, 80, 96, 160};
  const std::vector<int32_t> strides = small ? std::vector<int32_t>{1, 2, 2, 1}
                                             : std::vector<int32_t>{2, 2, 2, 1, 2, 1};
  for (size_t i = 0; i < base.size(); ++i) s.stages.push_back({base[i], strides[i]});
  if (small) {
    for (int32_t r = std::min(height, width); r >= 16; r -= 4) s.resolutions.insert(s.resolutions.begin(), r);
  } else {
    for (int32_t r = 48; r <= std::min(224, std::min(height, width)); r += 16) s.resolutions.push_back(r);
  }
  s.widths = {0.25, 0.35, 0.5, 0.6, 0.75, 1.0};
  return s;
}

Status setSpaceLayout(SearchSpace* space, int32_t stemStride, const std::vector<int32_t>& stageStrides) {
  auto valid = [](int32_t stride) { return stride == 1 || stride == 2; };
  if (stemStride != 0 && !valid(stemStride)) {
    return Status::error("stem_stride must be 1 or 2 (got " + std::to_string(stemStride) + ")");
  }
  if (!stageStrides.empty()) {
    if (stageStrides.size() != space->stages.size()) {
      return Status::error("stage_strides needs " + std::to_string(space->stages.size()) + " strides, one per stage (got " +
                           std::to_string(stageStrides.size()) + ")");
    }
    for (int32_t s : stageStrides) {
      if (!valid(s)) return Status::error("stage_strides must be 1 or 2 (got " + std::to_string(s) + ")");
    }
    for (size_t i = 0; i < stageStrides.size(); ++i) space->stages[i].stride = stageStrides[i];
  }
  if (stemStride != 0) space->stemStride = stemStride;
  return Status::ok();
}

nlohmann::json searchSpaceToJson(const SearchSpace& s) {
  nlohmann::json stages = nlohmann::json::array();
  for (const SpaceStage& st : s.stages) stages.push_back({{"channels", st.channels}, {"stride", st.stride}});
  return {{"input", {s.inputH, s.inputW, s.inputC}}, {"classes", s.classes}, {"resolutions", s.resolutions},
          {"widths", s.widths}, {"stem_channels", s.stemChannels}, {"stem_stride", s.stemStride},
          {"first_block_channels", s.firstBlockChannels},
          {"stages", stages}, {"kernels", s.kernels}, {"expands", s.expands}, {"depths", s.depths}};
}

int32_t makeDivisible(double channels, int32_t divisor) {
  int32_t v = std::max(divisor, int32_t(channels + divisor / 2.0) / divisor * divisor);
  if (v < 0.9 * channels) v += divisor;
  return v;
}

ArchSpec sampleArch(const SearchSpace& space, double width, int32_t resolution, std::mt19937_64* rng) {
  return choiceToSpec(space, sampleChoice(space, width, resolution, rng));
}

Result<CandidateCost> evaluateArch(const ArchSpec& spec, const DeviceBudget& budget) {
  Result<Graph> g = archToGraph(spec);
  if (!g) return g.status();
  Result<PlannedModel> m = planModel(g.value(), budget.planner);
  if (!m) return m.status();
  CandidateCost c;
  const ArchCost cost = archCost(spec);
  c.macs = cost.macs;
  c.params = cost.params;
  c.peakBytes = m.value().plan.arenaBytes;
  Result<int64_t> flash = estimateLibraryFlash(budget.core, m.value());
  if (!flash) return flash.status();
  c.flashBytes = flash.value();
  c.fits = c.peakBytes + budget.stackBytes <= budget.sramBytes && c.flashBytes <= budget.flashBytes;
  return c;
}

SpaceReport optimizeSpace(const SearchSpace& space, const DeviceBudget& budget,
                          const SpaceOptions& options,
                          const std::function<void(int32_t, int32_t)>& progress,
                          const std::atomic<bool>* cancel) {
  const auto start = std::chrono::steady_clock::now();
  SpaceReport report;
  const auto total = int32_t(space.widths.size() * space.resolutions.size());
  std::mt19937_64 rng(options.seed);
  for (double w : space.widths) {
    for (int32_t r : space.resolutions) {
      if (cancel && cancel->load()) break;
      PairReport p;
      p.width = w;
      p.resolution = r;
      double sum = 0;
      for (int32_t i = 0; i < options.samples; ++i) {
        Result<CandidateCost> c = evaluateArch(sampleArch(space, w, r, &rng), budget);
        ++p.sampled;
        ++report.evaluations;
        if (c && c.value().fits) {
          ++p.fitting;
          p.macsSorted.push_back(c.value().macs);
          sum += double(c.value().macs);
        }
      }
      std::sort(p.macsSorted.begin(), p.macsSorted.end());
      p.meanMacs = p.fitting ? sum / p.fitting : 0;
      report.pairs.push_back(std::move(p));
      if (progress) progress(int32_t(report.pairs.size()), total);
    }
  }
  for (size_t i = 0; i < report.pairs.size(); ++i) {
    if (report.pairs[i].fitting > 0 &&
        (report.best < 0 || report.pairs[i].meanMacs > report.pairs[size_t(report.best)].meanMacs)) {
      report.best = int32_t(i);
    }
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

int32_t stage1Samples(const std::string& preset) { return preset == "quick" ? 200 : 1000; }

nlohmann::json spaceReportToJson(const SpaceReport& r) {
  nlohmann::json pairs = nlohmann::json::array();
  for (const PairReport& p : r.pairs) {
    pairs.push_back({{"width", p.width}, {"resolution", p.resolution}, {"sampled", p.sampled},
                     {"fitting", p.fitting}, {"fit_fraction", p.sampled ? double(p.fitting) / p.sampled : 0.0},
                     {"mean_macs", p.meanMacs}, {"macs_cdf", p.macsSorted}});
  }
  nlohmann::json j = {{"pairs", pairs}, {"evaluations", r.evaluations}, {"seconds", r.seconds},
                      {"evaluations_per_second", r.seconds > 0 ? double(r.evaluations) / r.seconds : 0.0}};
  if (r.best >= 0) {
    j["best"] = {{"width", r.pairs[size_t(r.best)].width}, {"resolution", r.pairs[size_t(r.best)].resolution},
                 {"mean_macs", r.pairs[size_t(r.best)].meanMacs}};
  }
  return j;
}

}  // namespace tinyforge
