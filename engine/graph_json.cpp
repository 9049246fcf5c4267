#include "engine/graph_json.h"

#include <array>

#include "engine/validate.h"

namespace tinyforge {
namespace {

using nlohmann::json;

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64Encode(const std::vector<uint8_t>& in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t v = uint32_t(in[i]) << 16;
    if (i + 1 < in.size()) v |= uint32_t(in[i + 1]) << 8;
    if (i + 2 < in.size()) v |= in[i + 2];
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += i + 1 < in.size() ? kB64[(v >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kB64[v & 63] : '=';
  }
  return out;
}

bool base64Decode(const std::string& in, std::vector<uint8_t>* out) {
  std::array<int, 256> rev{};
  rev.fill(-1);
  for (int i = 0; i < 64; ++i) rev[size_t(uint8_t(kB64[i]))] = i;
  if (in.size() % 4 != 0) return false;
  out->clear();
  out->reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    uint32_t v = 0;
    int pad = 0;
    for (size_t k = 0; k < 4; ++k) {
      const char c = in[i + k];
      if (c == '=' && k >= 2 && i + 4 == in.size()) {
        ++pad;
        v <<= 6;
        continue;
      }
      const int d = rev[size_t(uint8_t(c))];
      if (d < 0 || pad) return false;
      v = (v << 6) | uint32_t(d);
    }
    out->push_back(uint8_t(v >> 16));
    if (pad < 2) out->push_back(uint8_t(v >> 8));
    if (pad < 1) out->push_back(uint8_t(v));
  }
  return true;
}

const std::array<DType, 7> kAllTypes = {DType::kInt8,  DType::kInt32, DType::kFloat32, DType::kUInt8,
                                        DType::kInt16, DType::kInt64, DType::kBool};

json tensorToJson(const Tensor& t) {
  json j = {{"name", t.name}, {"shape", t.shape}, {"type", dtypeName(t.type)}};
  if (!t.quant.empty()) {
    j["quant"] = {{"scale", t.quant.scale}, {"zero_point", t.quant.zeroPoint}, {"axis", t.quant.axis}};
  }
  if (t.isConstant) j["data"] = base64Encode(t.data);
  return j;
}

json paramsToJson(const OpParams& p) {
  return {{"padding", paddingName(p.padding)},   {"activation", activationName(p.activation)},
          {"stride", {p.strideH, p.strideW}},    {"dilation", {p.dilationH, p.dilationW}},
          {"filter", {p.filterH, p.filterW}},    {"depth_multiplier", p.depthMultiplier},
          {"axis", p.axis},                      {"keep_dims", p.keepDims},
          {"align_corners", p.alignCorners},     {"half_pixel_centers", p.halfPixelCenters},
          {"beta", p.beta},                      {"fused_pad", p.fusedPad}};
}

Tensor tensorFromJson(const json& j) {
  Tensor t;
  t.name = j.at("name").get<std::string>();
  t.shape = j.at("shape").get<std::vector<int32_t>>();
  const auto type = j.at("type").get<std::string>();
  bool known = false;
  for (DType d : kAllTypes) {
    if (type == dtypeName(d)) {
      t.type = d;
      known = true;
    }
  }
  if (!known) throw std::runtime_error("tensor '" + t.name + "': unknown type '" + type + "'");
  if (j.contains("quant")) {
    t.quant.scale = j["quant"].at("scale").get<std::vector<float>>();
    t.quant.zeroPoint = j["quant"].at("zero_point").get<std::vector<int64_t>>();
    t.quant.axis = j["quant"].value("axis", 0);
  }
  if (j.contains("data")) {
    t.isConstant = true;
    if (!base64Decode(j["data"].get<std::string>(), &t.data)) {
      throw std::runtime_error("tensor '" + t.name + "': data is not valid base64");
    }
  }
  return t;
}

OpParams paramsFromJson(const json& j) {
  OpParams p;
  p.padding = j.value("padding", "SAME") == std::string("VALID") ? Padding::kValid : Padding::kSame;
  const std::string act = j.value("activation", "NONE");
  for (Activation a : {Activation::kNone, Activation::kRelu, Activation::kReluN1To1, Activation::kRelu6}) {
    if (act == activationName(a)) p.activation = a;
  }
  p.strideH = j.at("stride").at(0).get<int32_t>();
  p.strideW = j.at("stride").at(1).get<int32_t>();
  p.dilationH = j.at("dilation").at(0).get<int32_t>();
  p.dilationW = j.at("dilation").at(1).get<int32_t>();
  p.filterH = j.at("filter").at(0).get<int32_t>();
  p.filterW = j.at("filter").at(1).get<int32_t>();
  p.depthMultiplier = j.value("depth_multiplier", 1);
  p.axis = j.value("axis", 0);
  p.keepDims = j.value("keep_dims", false);
  p.alignCorners = j.value("align_corners", false);
  p.halfPixelCenters = j.value("half_pixel_centers", false);
  p.beta = j.value("beta", 1.0f);
  if (j.contains("fused_pad")) p.fusedPad = j["fused_pad"].get<std::array<int32_t, 4>>();
  return p;
}

}  // namespace

json graphToJson(const Graph& graph) {
  json tensors = json::array();
  for (const Tensor& t : graph.tensors) tensors.push_back(tensorToJson(t));
  json ops = json::array();
  for (const Op& op : graph.ops) {
    ops.push_back({{"kind", opKindName(op.kind)}, {"name", op.name}, {"inputs", op.inputs},
                   {"outputs", op.outputs}, {"params", paramsToJson(op.params)}});
  }
  return {{"format", "tinyforge-graph"}, {"version", 1},     {"name", graph.name},
          {"description", graph.description}, {"inputs", graph.inputs}, {"outputs", graph.outputs},
          {"tensors", tensors},      {"ops", ops}};
}

Result<Graph> graphFromJson(const json& j) {
  try {
    if (j.value("format", "") != "tinyforge-graph") {
      return Result<Graph>::failure("not a tinyforge graph (missing \"format\": \"tinyforge-graph\")");
    }
    Graph g;
    g.name = j.value("name", "");
    g.description = j.value("description", "");
    g.inputs = j.at("inputs").get<std::vector<TensorId>>();
    g.outputs = j.at("outputs").get<std::vector<TensorId>>();
    for (const json& t : j.at("tensors")) g.tensors.push_back(tensorFromJson(t));
    for (const json& o : j.at("ops")) {
      Op op;
      const auto kind = o.at("kind").get<std::string>();
      if (!opKindFromName(kind, &op.kind)) return Result<Graph>::failure("unknown op kind '" + kind + "'");
      op.name = o.value("name", "");
      op.inputs = o.at("inputs").get<std::vector<TensorId>>();
      op.outputs = o.at("outputs").get<std::vector<TensorId>>();
      op.params = paramsFromJson(o.at("params"));
      g.ops.push_back(std::move(op));
    }
    if (Status s = validateGraph(g); !s) return s;
    return g;
  } catch (const std::exception& e) {
    return Result<Graph>::failure(std::string("graph JSON: ") + e.what());
  }
}

}  // namespace tinyforge
