#include "search/run_files.h"

#include <filesystem>
#include <fstream>

#include "engine/firmware/exporter.h"
#include "engine/firmware/verifier.h"
#include "search/float_net.h"

namespace tinyforge {

Status writeTextFile(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp);
    if (!(f << text)) return Status::error("cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return ec ? Status::error("cannot write " + path + ": " + ec.message()) : Status::ok();
}

Status writeJsonFile(const std::string& path, const nlohmann::json& json) {
  return writeTextFile(path, json.dump(2) + "\n");
}

Result<nlohmann::json> exportAndVerify(const Graph& graph, const Dataset& test, const FirmwareTarget& target,
                                       const std::string& dir, bool verify, const std::atomic<bool>* cancel) {
  ExportOptions eo;
  eo.device = target.device;
  eo.planner = target.planner;
  eo.stackBytes = target.stackBytes;
  std::vector<uint8_t> image(test.imageBytes());
  for (size_t i = 0; i < image.size(); ++i) image[i] = uint8_t(int8_t(int(test.image(0)[i]) + kInputZeroPoint));
  eo.testInputs = {image};
  Result<ExportSummary> e = exportFirmware(graph, eo, dir);
  if (!e) return e.status();
  nlohmann::json summary = {{"directory", dir}, {"device", e.value().device}, {"machine", e.value().machine},
                            {"arena_bytes", e.value().arenaBytes}, {"constant_bytes", e.value().constantBytes}};
  if (!verify) return summary;
  VerifyOptions vo;
  vo.cancel = cancel;
  Result<VerifyReport> v = verifyFirmware(dir, vo);
  if (!v) return v.status();
  return verifyReportJson(v.value());
}

}  // namespace tinyforge
