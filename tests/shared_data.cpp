#include "tests/shared_data.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace tinyforge::test {

std::filesystem::path sharedDir() {
  if (const char* env = std::getenv("TINYFORGE_SHARED"); env && *env) return env;
  return TINYFORGE_SHARED_DIR;
}

bool sharedAvailable() {
  std::error_code ec;
  return std::filesystem::is_directory(sharedDir() / "models", ec) &&
         std::filesystem::is_directory(sharedDir() / "golden", ec);
}

bool runningInCi() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}

std::vector<uint8_t> readFileBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<std::string> sharedModelStems() {
  std::vector<std::string> stems;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(sharedDir() / "models", ec)) {
    if (e.path().extension() == ".tflite") stems.push_back(e.path().stem().string());
  }
  std::sort(stems.begin(), stems.end());
  return stems;
}

}  // namespace tinyforge::test
