#include "tests/golden_data.h"

#include <fstream>

#include "tests/shared_data.h"

namespace tinyforge::test {

nlohmann::json readManifest(const std::string& stem) {
  std::ifstream in(sharedDir() / "golden" / stem / "manifest.json");
  return nlohmann::json::parse(in);
}

std::vector<std::vector<uint8_t>> caseInputs(const std::string& stem, const nlohmann::json& manifest,
                                             const nlohmann::json& c) {
  std::vector<std::vector<uint8_t>> inputs;
  for (const auto& idx : manifest["subgraph_inputs"]) {
    for (const auto& t : c["tensors"]) {
      if (t["index"] == idx) {
        inputs.push_back(readFileBytes(sharedDir() / "golden" / stem / t["file"].get<std::string>()));
      }
    }
  }
  return inputs;
}

std::string compareCase(const Graph& g, const std::string& stem, const nlohmann::json& c,
                        const TensorValues& values, const std::set<TensorId>& skip, int* compared) {
  for (const auto& t : c["tensors"]) {
    const auto index = t["index"].get<TensorId>();
    if (skip.count(index)) continue;
    const std::vector<uint8_t> expected =
        readFileBytes(sharedDir() / "golden" / stem / t["file"].get<std::string>());
    const std::vector<uint8_t>& got = values.at(size_t(index));
    const int producer = t["producer_op"].get<int>();
    const std::string where =
        (producer >= 0 ? "op " + std::to_string(producer) : std::string("model input")) +
        ", tensor " + std::to_string(index) + " '" + t["name"].get<std::string>() + "'";
    if (got.size() != expected.size()) {
      return where + ": " + std::to_string(got.size()) + " bytes, expected " +
             std::to_string(expected.size());
    }
    for (size_t i = 0; i < got.size(); ++i) {
      if (got[i] != expected[i]) {
        return where + ", byte " + std::to_string(i) + ": got " + std::to_string(int8_t(got[i])) +
               ", expected " + std::to_string(int8_t(expected[i]));
      }
    }
    ++*compared;
  }
  (void)g;
  return "";
}

std::vector<uint8_t> splitmixInt8(uint64_t seed, size_t n) {
  std::vector<uint8_t> out(n);
  uint64_t state = seed;
  for (size_t i = 0; i < n; ++i) {
    state += 0x9E3779B97F4A7C15ull;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    out[i] = uint8_t((z ^ (z >> 31)) & 0xFF);
  }
  return out;
}

}  // namespace tinyforge::test
