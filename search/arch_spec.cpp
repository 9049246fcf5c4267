#include "search/arch_spec.h"

#include <map>

namespace tinyforge {
namespace {

const std::map<std::string, LayerType> kTypes = {
    {"conv", LayerType::kConv},          {"dwsep", LayerType::kDepthwiseSeparable},
    {"mbconv", LayerType::kMbConv},      {"pool", LayerType::kPool},
    {"global_pool", LayerType::kGlobalPool}, {"fc", LayerType::kFullyConnected}};

std::string typeName(LayerType t) {
  for (const auto& [name, type] : kTypes) {
    if (type == t) return name;
  }
  return "?";
}

int32_t sameOut(int32_t in, int32_t stride) { return (in + stride - 1) / stride; }

}  // namespace

Result<ArchSpec> archSpecFromJson(const nlohmann::json& j) {
  try {
    ArchSpec s;
    s.name = j.value("name", "");
    const auto input = j.at("input").get<std::vector<int32_t>>();
    if (input.size() != 3) return Result<ArchSpec>::failure("\"input\" must be [height, width, channels]");
    s.inputH = input[0];
    s.inputW = input[1];
    s.inputC = input[2];
    s.classes = j.value("classes", 10);
    for (const auto& l : j.at("layers")) {
      LayerSpec layer;
      const std::string type = l.at("type").get<std::string>();
      if (!kTypes.count(type)) return Result<ArchSpec>::failure("unknown layer type '" + type + "'");
      layer.type = kTypes.at(type);
      layer.out = l.value("out", 0);
      layer.kernel = l.value("kernel", layer.type == LayerType::kPool ? 2 : 3);
      layer.stride = l.value("stride", layer.type == LayerType::kPool ? 2 : 1);
      layer.expand = l.value("expand", 1);
      layer.maxPool = l.value("mode", "max") == std::string("max");
      const std::string act = l.value("act", layer.type == LayerType::kFullyConnected ? "none" : "relu6");
      layer.activation = act == "relu" ? Activation::kRelu : act == "none" ? Activation::kNone : Activation::kRelu6;
      s.layers.push_back(layer);
    }
    if (Status st = validateArchSpec(s); !st) return st;
    return s;
  } catch (const std::exception& e) {
    return Result<ArchSpec>::failure(std::string("architecture spec: ") + e.what());
  }
}

nlohmann::json archSpecToJson(const ArchSpec& s) {
  nlohmann::json layers = nlohmann::json::array();
  for (const LayerSpec& l : s.layers) {
    nlohmann::json j = {{"type", typeName(l.type)}};
    if (l.type != LayerType::kPool && l.type != LayerType::kGlobalPool) j["out"] = l.out;
    if (l.type != LayerType::kGlobalPool && l.type != LayerType::kFullyConnected) {
      j["kernel"] = l.kernel;
      j["stride"] = l.stride;
    }
    if (l.type == LayerType::kMbConv) j["expand"] = l.expand;
    if (l.type == LayerType::kPool) j["mode"] = l.maxPool ? "max" : "avg";
    if (l.type != LayerType::kPool && l.type != LayerType::kGlobalPool) {
      j["act"] = l.activation == Activation::kRelu ? "relu" : l.activation == Activation::kNone ? "none" : "relu6";
    }
    layers.push_back(j);
  }
  return {{"name", s.name}, {"input", {s.inputH, s.inputW, s.inputC}}, {"classes", s.classes}, {"layers", layers}};
}

Status validateArchSpec(const ArchSpec& s) {
  if (s.inputH < 1 || s.inputW < 1 || s.inputC < 1 || s.inputH > 4096 || s.inputW > 4096 || s.inputC > 4096) {
    return Status::error("input shape must be within [1, 4096]");
  }
  if (s.layers.empty() || s.layers.back().type != LayerType::kFullyConnected || s.layers.back().out != s.classes) {
    return Status::error("the last layer must be fc with out = classes (" + std::to_string(s.classes) + ")");
  }
  int32_t h = s.inputH, w = s.inputW;
  bool flat = false;
  for (size_t i = 0; i < s.layers.size(); ++i) {
    const LayerSpec& l = s.layers[i];
    const std::string where = "layer " + std::to_string(i) + " (" + typeName(l.type) + ")";
    const bool hasOut = l.type != LayerType::kPool && l.type != LayerType::kGlobalPool;
    if (hasOut && (l.out < 1 || l.out > 4096)) return Status::error(where + ": out " + std::to_string(l.out));
    if (l.kernel < 1 || l.kernel > 11 || l.stride < 1 || l.stride > 4) {
      return Status::error(where + ": kernel " + std::to_string(l.kernel) + " stride " + std::to_string(l.stride));
    }
    if (l.type == LayerType::kMbConv && (l.expand < 1 || l.expand > 8)) return Status::error(where + ": expand " + std::to_string(l.expand));
    if (flat && l.type != LayerType::kFullyConnected) return Status::error(where + ": spatial layer after fc");
    if (l.type == LayerType::kPool) {
      if (h < l.kernel || w < l.kernel) return Status::error(where + ": " + std::to_string(h) + "x" + std::to_string(w) + " input is smaller than the window");
      h = (h - l.kernel) / l.stride + 1;
      w = (w - l.kernel) / l.stride + 1;
    } else if (l.type == LayerType::kGlobalPool) {
      h = w = 1;
    } else if (l.type == LayerType::kFullyConnected) {
      flat = true;
    } else {
      h = sameOut(h, l.stride);
      w = sameOut(w, l.stride);
    }
  }
  return Status::ok();
}

ArchCost archCost(const ArchSpec& s) {
  ArchCost cost;
  int64_t h = s.inputH, w = s.inputW, c = s.inputC;
  for (const LayerSpec& l : s.layers) {
    LayerCost lc;
    const int64_t k2 = int64_t(l.kernel) * l.kernel;
    if (l.type == LayerType::kConv) {
      const int64_t oh = sameOut(int32_t(h), l.stride), ow = sameOut(int32_t(w), l.stride);
      lc.macs = oh * ow * l.out * k2 * c;
      lc.params = l.out * k2 * c + l.out;
      h = oh, w = ow, c = l.out;
    } else if (l.type == LayerType::kDepthwiseSeparable) {
      const int64_t oh = sameOut(int32_t(h), l.stride), ow = sameOut(int32_t(w), l.stride);
      lc.macs = oh * ow * c * k2 + oh * ow * l.out * c;
      lc.params = c * k2 + c + l.out * c + l.out;
      h = oh, w = ow, c = l.out;
    } else if (l.type == LayerType::kMbConv) {
      const int64_t mid = c * l.expand;
      const int64_t oh = sameOut(int32_t(h), l.stride), ow = sameOut(int32_t(w), l.stride);
      if (l.expand > 1) {
        lc.macs += h * w * mid * c;
        lc.params += mid * c + mid;
      }
      lc.macs += oh * ow * mid * k2 + oh * ow * l.out * mid;
      lc.params += mid * k2 + mid + l.out * mid + l.out;
      lc.residual = l.stride == 1 && c == l.out;
      h = oh, w = ow, c = l.out;
    } else if (l.type == LayerType::kPool) {
      h = (h - l.kernel) / l.stride + 1;
      w = (w - l.kernel) / l.stride + 1;
    } else if (l.type == LayerType::kGlobalPool) {
      h = w = 1;
    } else {
      lc.macs = h * w * c * l.out;
      lc.params = h * w * c * l.out + l.out;
      h = w = 1;
      c = l.out;
    }
    lc.outputShape = l.type == LayerType::kFullyConnected ? std::vector<int32_t>{1, int32_t(c)}
                                                          : std::vector<int32_t>{1, int32_t(h), int32_t(w), int32_t(c)};
    cost.macs += lc.macs;
    cost.params += lc.params;
    cost.layers.push_back(lc);
  }
  return cost;
}

}  // namespace tinyforge
