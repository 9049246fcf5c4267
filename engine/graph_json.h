// JSON round trip of a whole graph (nlohmann-json); constant data is base64.
//
//   nlohmann::json j = graphToJson(graph);
//   Result<Graph> back = graphFromJson(j);   // back.value() == graph
#pragma once

#include <nlohmann/json.hpp>

#include "engine/graph.h"
#include "engine/status.h"

namespace tinyforge {

nlohmann::json graphToJson(const Graph& graph);
Result<Graph> graphFromJson(const nlohmann::json& json);

}  // namespace tinyforge
