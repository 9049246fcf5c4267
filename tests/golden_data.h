// Golden cases of ../shared/golden: inputs and the byte-exact comparison of every tensor.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "engine/executor.h"
#include "engine/graph.h"

namespace tinyforge::test {

nlohmann::json readManifest(const std::string& stem);
// Input bytes of one case, in graph input order (read from the case's input tensor files).
std::vector<std::vector<uint8_t>> caseInputs(const std::string& stem, const nlohmann::json& manifest,
                                             const nlohmann::json& goldenCase);
// "" when every golden tensor of the case (except those in `skip`) equals `values`; else the
// first mismatch: "op 3 CONV_2D, tensor 7 'name', byte 12: got 5, expected 6".
std::string compareCase(const Graph& g, const std::string& stem, const nlohmann::json& goldenCase,
                        const TensorValues& values, const std::set<TensorId>& skip, int* compared);
// The golden README's splitmix64 int8 input generator.
std::vector<uint8_t> splitmixInt8(uint64_t seed, size_t n);

}  // namespace tinyforge::test
