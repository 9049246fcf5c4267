// Architecture specs: JSON round trip, validation errors, MACs/params from the spec, and the
// engine graph built from it agreeing with the spec's own counts.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "engine/model_summary.h"
#include "engine/pipeline.h"
#include "search/arch_spec.h"

namespace tinyforge {
namespace {

ArchSpec exampleSpec() {
  std::ifstream in(std::string(TINYFORGE_SOURCE_DIR) + "/resources/specs/mbv2_fmnist_64k.json");
  Result<ArchSpec> s = archSpecFromJson(nlohmann::json::parse(in));
  EXPECT_TRUE(s.ok()) << s.error();
  return s.value();
}

TEST(ArchSpec, JsonRoundTrip) {
  const ArchSpec s = exampleSpec();
  Result<ArchSpec> back = archSpecFromJson(archSpecToJson(s));
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(archSpecToJson(back.value()), archSpecToJson(s));
  EXPECT_EQ(s.layers.size(), 9u);
}

TEST(ArchSpec, ErrorsNameTheLayer) {
  nlohmann::json j = archSpecToJson(exampleSpec());
  j["layers"][2]["expand"] = 0;
  Result<ArchSpec> s = archSpecFromJson(j);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().find("layer 2 (mbconv): expand 0"), std::string::npos) << s.error();
  j = archSpecToJson(exampleSpec());
  j["layers"][0]["type"] = "lstm";
  EXPECT_NE(archSpecFromJson(j).error().find("unknown layer type 'lstm'"), std::string::npos);
  j = archSpecToJson(exampleSpec());
  j["layers"].erase(j["layers"].size() - 1);
  EXPECT_NE(archSpecFromJson(j).error().find("last layer must be fc"), std::string::npos);
  j = archSpecToJson(exampleSpec());
  j["layers"].insert(j["layers"].begin() + 7, nlohmann::json{{"type", "pool"}, {"kernel", 9}});  // at 4x4
  EXPECT_NE(archSpecFromJson(j).error().find("smaller than the window"), std::string::npos);
}

TEST(ArchSpec, CostsFromTheSpecMatchTheEngineGraph) {
  const ArchSpec s = exampleSpec();
  const ArchCost cost = archCost(s);
  Result<Graph> g = archToGraph(s);
  ASSERT_TRUE(g.ok()) << g.error();
  const ModelSummary summary = summarizeModel(g.value());
  EXPECT_EQ(summary.totalMacs, cost.macs);
  int64_t weights = 0;
  for (const Tensor& t : g.value().tensors) weights += t.isConstant ? t.elementCount() : 0;
  EXPECT_EQ(weights, cost.params);
  EXPECT_EQ(g.value().tensor(g.value().outputs[0]).shape, (std::vector<int32_t>{1, 10}));
  // The cost queries a search makes: every planner accepts the graph.
  for (const std::string& planner : plannerNames()) {
    Result<PlannedModel> m = planModel(g.value(), planner);
    ASSERT_TRUE(m.ok()) << planner << ": " << m.error();
    EXPECT_GT(m.value().plan.arenaBytes, 0);
  }
  // mbv2_fmnist_64k's budget: peak memory and model size under 64,000 bytes.
  EXPECT_LT(planModel(g.value(), "best").value().plan.arenaBytes, 64000);
  EXPECT_LT(cost.params, 64000);
}

TEST(ArchSpec, EveryBundledSpecIsValidAndCostsMatch) {
  int specs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(TINYFORGE_SOURCE_DIR) + "/resources/specs")) {
    if (entry.path().extension() != ".json") continue;
    ++specs;
    std::ifstream in(entry.path());
    Result<ArchSpec> s = archSpecFromJson(nlohmann::json::parse(in));
    ASSERT_TRUE(s.ok()) << entry.path() << ": " << s.error();
    Result<Graph> g = archToGraph(s.value());
    ASSERT_TRUE(g.ok()) << entry.path() << ": " << g.error();
    EXPECT_EQ(summarizeModel(g.value()).totalMacs, archCost(s.value()).macs) << entry.path();
  }
  EXPECT_GE(specs, 2);
}

}  // namespace
}  // namespace tinyforge
