#include "engine/io/tflite_import.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <new>

#include "engine/io/tflite_options.h"
#include "engine/io/tflite_tensors.h"
#include "engine/validate.h"
#include "tflite_subset_generated.h"

namespace tinyforge {
namespace {

constexpr size_t kMaxFileBytes = size_t(1) << 30;

// Tensor indices of an op or of the graph; -1 (an absent optional input) only where allowed.
Status readIndices(const flatbuffers::Vector<int32_t>* v, size_t tensorCount, bool allowAbsent,
                   const std::string& where, ImportBudget* budget, std::vector<TensorId>* out) {
  if (!v) return Status::ok();
  if (!budget->take(uint64_t(v->size()) * sizeof(TensorId))) {
    return Status::error(where + ": " + budget->exceeded());
  }
  out->reserve(v->size());
  for (int32_t id : *v) {
    if (allowAbsent && id == -1) {
      out->push_back(kNoTensor);
      continue;
    }
    if (id < 0 || size_t(id) >= tensorCount) {
      return Status::error(where + " refers to tensor " + std::to_string(id) + ", subgraph has " +
                           std::to_string(tensorCount));
    }
    out->push_back(id);
  }
  return Status::ok();
}

Result<OpKind> mapOpKind(int32_t code, int32_t opIndex) {
#define TINYFORGE_TFLITE_KIND(e, n, c) \
  if (code == (c)) return OpKind::k##e;
  TINYFORGE_OP_KINDS(TINYFORGE_TFLITE_KIND)
#undef TINYFORGE_TFLITE_KIND
  return Result<OpKind>::failure("unsupported operator " + tfliteOpName(code) + " (builtin code " +
                                 std::to_string(code) + ") at op " + std::to_string(opIndex));
}

// The op code rule of schema_utils.cc: max(builtin_code, deprecated_builtin_code), because old
// converters write only the deprecated byte and codes above 127 store 127 there.
Result<OpKind> readOpKind(const tflite::Model& model, const tflite::Operator& src, int32_t index) {
  const auto* codes = model.operator_codes();
  if (!codes || src.opcode_index() >= codes->size()) {
    return Result<OpKind>::failure(
        "op " + std::to_string(index) + ": opcode index " + std::to_string(src.opcode_index()) +
        " out of range (" + std::to_string(codes ? codes->size() : 0) + " operator codes)");
  }
  const tflite::OperatorCode* code = codes->Get(src.opcode_index());
  if (!code) return Result<OpKind>::failure("op " + std::to_string(index) + ": missing opcode");
  return mapOpKind(std::max<int32_t>(code->builtin_code(), code->deprecated_builtin_code()), index);
}

Status readOperator(const tflite::Model& model, const tflite::Operator* src, int32_t index,
                    const Graph& g, ImportBudget* budget, Op* op) {
  const std::string where = "op " + std::to_string(index);
  if (!src) return Status::error(where + ": missing");
  Result<OpKind> kind = readOpKind(model, *src, index);
  if (!kind) return kind.status();
  op->kind = kind.value();
  const std::string label = where + " " + opKindName(op->kind);
  const size_t n = g.tensors.size();
  if (Status s = readIndices(src->inputs(), n, true, label + " input", budget, &op->inputs); !s) {
    return s;
  }
  if (Status s = readIndices(src->outputs(), n, false, label + " output", budget, &op->outputs);
      !s) {
    return s;
  }
  if (op->outputs.empty()) return Status::error(label + ": no outputs");
  const std::string& name = g.tensor(op->outputs[0]).name;
  if (!budget->take(name.size())) return Status::error(label + ": " + budget->exceeded());
  op->name = name;
  return readTfliteOptions(*src, index, op);
}

Status readTensors(const tflite::Model& model, const tflite::SubGraph& sg, ImportBudget* budget,
                   Graph* g) {
  const auto* tensors = sg.tensors();
  if (!tensors) return Status::ok();
  if (!budget->take(uint64_t(tensors->size()) * sizeof(Tensor))) {
    return Status::error("subgraph 0 with " + std::to_string(tensors->size()) + " tensors: " +
                         budget->exceeded());
  }
  g->tensors.resize(tensors->size());
  for (flatbuffers::uoffset_t i = 0; i < tensors->size(); ++i) {
    if (Status s = readTfliteTensor(model, tensors->Get(i), i, budget, &g->tensors[i]); !s) {
      return s;
    }
  }
  return Status::ok();
}

Status readOperators(const tflite::Model& model, const tflite::SubGraph& sg, ImportBudget* budget,
                     Graph* g) {
  const auto* ops = sg.operators();
  if (!ops) return Status::ok();
  if (!budget->take(uint64_t(ops->size()) * sizeof(Op))) {
    return Status::error("subgraph 0 with " + std::to_string(ops->size()) + " operators: " +
                         budget->exceeded());
  }
  g->ops.resize(ops->size());
  for (flatbuffers::uoffset_t i = 0; i < ops->size(); ++i) {
    if (Status s = readOperator(model, ops->Get(i), int32_t(i), *g, budget, &g->ops[i]); !s) {
      return s;
    }
  }
  return Status::ok();
}

Result<Graph> buildGraph(const tflite::Model& model, const std::string& name, size_t fileBytes) {
  if (!model.subgraphs() || model.subgraphs()->size() == 0) {
    return Result<Graph>::failure("model has no subgraphs");
  }
  const tflite::SubGraph* sg = model.subgraphs()->Get(0);
  if (!sg) return Result<Graph>::failure("subgraph 0 is missing");
  ImportBudget budget(fileBytes);
  Graph g;
  g.name = name;
  if (model.description()) g.description = model.description()->str();
  const size_t n = sg->tensors() ? sg->tensors()->size() : 0;
  Status s = readTensors(model, *sg, &budget, &g);
  if (s) s = readIndices(sg->inputs(), n, false, "graph input", &budget, &g.inputs);
  if (s) s = readIndices(sg->outputs(), n, false, "graph output", &budget, &g.outputs);
  if (s) s = readOperators(model, *sg, &budget, &g);
  if (s) s = validateGraph(g);
  if (!s) return s;
  return g;
}

// File identifier and the flatbuffer verifier, before anything is read from the bytes.
Status checkContainer(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return Status::error("empty file");
  if (bytes.size() < 8) {
    return Status::error("too small to be a .tflite file (" + std::to_string(bytes.size()) +
                         " bytes)");
  }
  if (bytes.size() > kMaxFileBytes) return Status::error("file larger than 1 GiB");
  if (!tflite::ModelBufferHasIdentifier(bytes.data())) {
    std::string id;
    for (size_t i = 4; i < 8; ++i) id += (bytes[i] >= 32 && bytes[i] < 127) ? char(bytes[i]) : '?';
    return Status::error("not a .tflite file (identifier '" + id + "', expected 'TFL3')");
  }
  // Depth 64 is far more than the schema nests; the table cap bounds the verifier's time when a
  // hostile file points many vector entries at the same subtree.
  flatbuffers::Verifier verifier(bytes.data(), bytes.size(), /*max_depth=*/64,
                                 /*max_tables=*/4000000);
  if (!tflite::VerifyModelBuffer(verifier)) {
    return Status::error(
        "corrupt .tflite file: the flatbuffer verifier rejected it (truncated or damaged)");
  }
  return Status::ok();
}

}  // namespace

Result<Graph> importTflite(std::span<const uint8_t> bytes, const std::string& name) {
  try {
    if (Status s = checkContainer(bytes); !s) return s;
    return buildGraph(*tflite::GetModel(bytes.data()), name, bytes.size());
  } catch (const std::bad_alloc&) {
    return Result<Graph>::failure("out of memory while importing");
  } catch (const std::exception& e) {
    return Result<Graph>::failure(std::string("import failed: ") + e.what());
  }
}

Result<Graph> importTfliteFile(const std::string& path) {
  try {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status)) return Result<Graph>::failure("no such file");
    if (!std::filesystem::is_regular_file(status)) {
      return Result<Graph>::failure("not a regular file");
    }
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) return Result<Graph>::failure("cannot read: " + ec.message());
    if (size > kMaxFileBytes) return Result<Graph>::failure("file larger than 1 GiB");
    std::ifstream in(path, std::ios::binary);
    if (!in) return Result<Graph>::failure("cannot open for reading");
    std::vector<uint8_t> bytes(size);
    in.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(size));
    if (!in && size > 0) return Result<Graph>::failure("read error");
    return importTflite(bytes, std::filesystem::path(path).stem().string());
  } catch (const std::exception& e) {
    return Result<Graph>::failure(std::string("cannot read: ") + e.what());
  }
}

}  // namespace tinyforge
