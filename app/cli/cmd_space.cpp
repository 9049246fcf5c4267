#include <cstdio>
#include <iostream>
#include <sstream>
#include <vector>

#include "app/cli/cli.h"
#include "engine/firmware/device.h"
#include "search/search_space.h"

namespace tinyforge::cli {

// tinyforge-cli space [--device DEV] [--sram B --flash B] [--samples N] [--planner P]
//                     [--stem-stride S] [--stage-strides A,B,C,D] [--json]
// The layout options are the project's "stem_stride" and "stage_strides" (setSpaceLayout).
int cmdSpace(const Args& args) {
  DeviceBudget budget;
  SpaceOptions options;
  std::string device = "stm32f412";
  bool json = false;
  int32_t stemStride = 0;
  std::vector<int32_t> stageStrides;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool hasValue = i + 1 < args.size();
    try {
      if (a == "--json") json = true;
      else if (a == "--device" && hasValue) device = args[++i];
      else if (a == "--sram" && hasValue) budget.sramBytes = std::stoll(args[++i]);
      else if (a == "--flash" && hasValue) budget.flashBytes = std::stoll(args[++i]);
      else if (a == "--samples" && hasValue) options.samples = std::stoi(args[++i]);
      else if (a == "--planner" && hasValue) budget.planner = args[++i];
      else if (a == "--stem-stride" && hasValue)
        stemStride = std::stoi(args[++i]);
      else if (a == "--stage-strides" && hasValue) {
        std::stringstream list(args[++i]);
        for (std::string item; std::getline(list, item, ',');)
          stageStrides.push_back(std::stoi(item));
      } else
        return fail("space: unknown option or missing value '" + a + "'", 2);
    } catch (const std::exception&) {
      return fail("space: '" + args[i] + "' is not a number", 2);
    }
  }
  if (options.samples < 1) return fail("space: --samples must be >= 1", 2);
  Result<DeviceProfile> d = findDevice(device);
  if (!d) return fail("space: " + d.error());
  if (budget.sramBytes == 0) budget.sramBytes = d.value().sramBytes;
  if (budget.flashBytes == 0) budget.flashBytes = d.value().flashBytes;
  budget.core = d.value().core;  // the code-size table of the flash estimate
  SearchSpace space = mcunetSpace(28, 28, 1, 10);
  if (Status st = setSpaceLayout(&space, stemStride, stageStrides); !st)
    return fail("space: " + st.message(), 2);
  const SpaceReport r = optimizeSpace(space, budget, options, [json](int32_t done, int32_t total) {
    if (!json) std::fprintf(stderr, "\r%d/%d (w, r) pairs", done, total);
  });
  if (json) {
    nlohmann::json j = spaceReportToJson(r);
    j["space"] = searchSpaceToJson(space);
    j["budget"] = {{"sram_bytes", budget.sramBytes},
                   {"flash_bytes", budget.flashBytes},
                   {"stack_bytes", budget.stackBytes},
                   {"planner", budget.planner},
                   {"core", budget.core}};
    std::cout << j.dump(1) << "\n";
    return 0;
  }
  std::fprintf(stderr, "\n");
  std::printf("%-6s %-5s %9s %12s %12s %12s\n", "width", "res", "fit", "mean MACs", "p50 MACs", "max MACs");
  for (const PairReport& p : r.pairs) {
    const int64_t p50 = p.macsSorted.empty() ? 0 : p.macsSorted[p.macsSorted.size() / 2];
    std::printf("%-6.2f %-5d %8.1f%% %12.0f %12lld %12lld\n", p.width, p.resolution,
                100.0 * p.fitting / std::max(1, p.sampled), p.meanMacs, (long long)p50,
                (long long)(p.macsSorted.empty() ? 0 : p.macsSorted.back()));
  }
  std::printf("%lld networks evaluated in %.1f s (%.0f/s)\n", (long long)r.evaluations, r.seconds,
              r.seconds > 0 ? double(r.evaluations) / r.seconds : 0.0);
  if (r.best >= 0) {
    std::printf("chosen: width %.2f, resolution %d (largest mean MACs of fitting networks)\n",
                r.pairs[size_t(r.best)].width, r.pairs[size_t(r.best)].resolution);
  } else {
    std::printf("no sampled network fits the budget\n");
  }
  return 0;
}

}  // namespace tinyforge::cli
