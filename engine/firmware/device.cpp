#include "engine/firmware/device.h"

#include <nlohmann/json.hpp>

#include "engine/firmware/embedded.h"

namespace tinyforge {
namespace {

constexpr const char* kDeviceDir = "resources/devices/";

Result<DeviceProfile> parseDevice(const EmbeddedFile& f) {
  try {
    const nlohmann::json j = nlohmann::json::parse(std::string(f.data, f.size));
    DeviceProfile d;
    d.name = j.at("name").get<std::string>();
    d.description = j.value("description", d.name);
    d.core = j.at("core").get<std::string>();
    d.sramBytes = j.at("sram_bytes").get<int64_t>();
    d.flashBytes = j.at("flash_bytes").get<int64_t>();
    d.clockMhz = j.value("clock_mhz", 0);
    d.cflags = j.at("cflags").get<std::vector<std::string>>();
    d.dsp = j.value("dsp", false);
    d.machine = j.at("emulator").at("machine").get<std::string>();
    d.flashOrigin = j.value("flash_origin", d.flashOrigin);
    d.sramOrigin = j.value("sram_origin", d.sramOrigin);
    return d;
  } catch (const std::exception& e) {
    return Result<DeviceProfile>::failure(std::string("device profile ") + f.path + ": " + e.what());
  }
}

}  // namespace

std::vector<std::string> deviceNames() {
  std::vector<std::string> names;
  for (const EmbeddedFile* f : embeddedFilesUnder(kDeviceDir)) {
    Result<DeviceProfile> d = parseDevice(*f);
    if (d) names.push_back(d.value().name);
  }
  return names;
}

Result<DeviceProfile> findDevice(const std::string& name) {
  for (const EmbeddedFile* f : embeddedFilesUnder(kDeviceDir)) {
    Result<DeviceProfile> d = parseDevice(*f);
    if (!d) return d;
    if (d.value().name == name) return d;
  }
  std::string known;
  for (const std::string& n : deviceNames()) known += (known.empty() ? "" : ", ") + n;
  return Result<DeviceProfile>::failure("unknown device '" + name + "' (known: " + known + ")");
}

}  // namespace tinyforge
