#include "engine/io/tflite_import.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <new>

#include "engine/io/tflite_options.h"
#include "engine/validate.h"
#include "tflite_subset_generated.h"

namespace tinyforge {
namespace {

constexpr size_t kMaxFileBytes = size_t(1) << 30;

Result<DType> mapType(tflite::TensorType t) {
  switch (t) {
    case tflite::TensorType::INT8: return DType::kInt8;
    case tflite::TensorType::INT32: return DType::kInt32;
    case tflite::TensorType::FLOAT32: return DType::kFloat32;
    case tflite::TensorType::UINT8: return DType::kUInt8;
    case tflite::TensorType::INT16: return DType::kInt16;
    case tflite::TensorType::INT64: return DType::kInt64;
    case tflite::TensorType::BOOL: return DType::kBool;
    default: break;
  }
  return Result<DType>::failure("unsupported tensor type " + std::to_string(int(t)));
}

std::string tensorWhere(size_t i, const tflite::Tensor* t) {
  return "tensor " + std::to_string(i) + (t && t->name() ? " '" + t->name()->str() + "'" : "");
}

Status readQuant(const tflite::QuantizationParameters* q, const std::string& where, Tensor* out) {
  if (!q || !q->scale() || q->scale()->size() == 0) return Status::ok();
  const auto* scale = q->scale();
  const auto* zp = q->zero_point();
  if (!zp || zp->size() != scale->size()) {
    return Status::error(where + ": " + std::to_string(scale->size()) + " scales but " +
                         std::to_string(zp ? zp->size() : 0) + " zero points");
  }
  out->quant.scale.assign(scale->begin(), scale->end());
  // A hostile file may store the int64 vector 4-byte aligned only: copy bytes, never load int64*.
  out->quant.zeroPoint.resize(zp->size());
  std::memcpy(out->quant.zeroPoint.data(), zp->Data(), zp->size() * sizeof(int64_t));
  out->quant.axis = q->quantized_dimension();
  return Status::ok();
}

Status readTensor(const tflite::Model& model, const tflite::Tensor* src, size_t index, Tensor* out) {
  const std::string where = tensorWhere(index, src);
  if (!src) return Status::error(where + ": missing");
  out->name = src->name() ? src->name()->str() : "tensor_" + std::to_string(index);
  if (src->shape()) {
    if (src->shape()->size() > 6) {
      return Status::error(where + ": rank " + std::to_string(src->shape()->size()) + ", at most 6 supported");
    }
    out->shape.assign(src->shape()->begin(), src->shape()->end());
  }
  Result<DType> type = mapType(src->type());
  if (!type) return Status::error(where + ": " + type.error());
  out->type = type.value();
  if (Status s = readQuant(src->quantization(), where, out); !s) return s;
  const uint32_t b = src->buffer();
  const auto* buffers = model.buffers();
  if (b != 0) {
    if (!buffers || b >= buffers->size()) {
      return Status::error(where + ": buffer index " + std::to_string(b) + " out of range (" +
                           std::to_string(buffers ? buffers->size() : 0) + " buffers)");
    }
    const tflite::Buffer* buf = buffers->Get(b);
    if (buf && buf->offset() > 1) {
      return Status::error(where + ": buffer " + std::to_string(b) +
                           " uses the >2 GB external offset form, which is not supported");
    }
    if (buf && buf->data() && buf->data()->size() > 0) {
      out->isConstant = true;
      out->data.assign(buf->data()->begin(), buf->data()->end());
    }
  }
  return Status::ok();
}

Status readIndices(const flatbuffers::Vector<int32_t>* v, size_t tensorCount, bool allowAbsent,
                   const std::string& where, std::vector<TensorId>* out) {
  if (!v) return Status::ok();
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

Status readOperator(const tflite::Model& model, const tflite::Operator* src, int32_t index,
                    const Graph& g, Op* op) {
  const std::string where = "op " + std::to_string(index);
  if (!src) return Status::error(where + ": missing");
  const auto* codes = model.operator_codes();
  if (!codes || src->opcode_index() >= codes->size()) {
    return Status::error(where + ": opcode index " + std::to_string(src->opcode_index()) +
                         " out of range (" + std::to_string(codes ? codes->size() : 0) + " codes)");
  }
  const tflite::OperatorCode* code = codes->Get(src->opcode_index());
  const int32_t builtin = std::max<int32_t>(code->builtin_code(), code->deprecated_builtin_code());
  Result<OpKind> kind = mapOpKind(builtin, index);
  if (!kind) return kind.status();
  op->kind = kind.value();
  if (Status s = readIndices(src->inputs(), g.tensors.size(), true, where + " input", &op->inputs); !s) return s;
  if (Status s = readIndices(src->outputs(), g.tensors.size(), false, where + " output", &op->outputs); !s) return s;
  if (op->outputs.empty()) return Status::error(where + " " + opKindName(op->kind) + ": no outputs");
  op->name = g.tensor(op->outputs[0]).name;
  return readTfliteOptions(*src, index, op);
}

Result<Graph> buildGraph(const tflite::Model& model, const std::string& name) {
  if (!model.subgraphs() || model.subgraphs()->size() == 0) {
    return Result<Graph>::failure("model has no subgraphs");
  }
  const tflite::SubGraph* sg = model.subgraphs()->Get(0);
  Graph g;
  g.name = name;
  if (model.description()) g.description = model.description()->str();
  if (sg->tensors()) {
    g.tensors.resize(sg->tensors()->size());
    for (size_t i = 0; i < g.tensors.size(); ++i) {
      if (Status s = readTensor(model, sg->tensors()->Get(flatbuffers::uoffset_t(i)), i, &g.tensors[i]); !s) return s;
    }
  }
  if (Status s = readIndices(sg->inputs(), g.tensors.size(), false, "graph input", &g.inputs); !s) return s;
  if (Status s = readIndices(sg->outputs(), g.tensors.size(), false, "graph output", &g.outputs); !s) return s;
  if (sg->operators()) {
    g.ops.resize(sg->operators()->size());
    for (size_t i = 0; i < g.ops.size(); ++i) {
      if (Status s = readOperator(model, sg->operators()->Get(flatbuffers::uoffset_t(i)), int32_t(i), g, &g.ops[i]); !s) return s;
    }
  }
  if (Status s = validateGraph(g); !s) return s;
  return g;
}

}  // namespace

Result<Graph> importTflite(std::span<const uint8_t> bytes, const std::string& name) {
  if (bytes.empty()) return Result<Graph>::failure("empty file");
  if (bytes.size() < 8) {
    return Result<Graph>::failure("too small to be a .tflite file (" + std::to_string(bytes.size()) + " bytes)");
  }
  if (bytes.size() > kMaxFileBytes) return Result<Graph>::failure("file larger than 1 GiB");
  if (!tflite::ModelBufferHasIdentifier(bytes.data())) {
    std::string id;
    for (size_t i = 4; i < 8; ++i) id += (bytes[i] >= 32 && bytes[i] < 127) ? char(bytes[i]) : '?';
    return Result<Graph>::failure("not a .tflite file (identifier '" + id + "', expected 'TFL3')");
  }
  flatbuffers::Verifier verifier(bytes.data(), bytes.size(), /*max_depth=*/64, /*max_tables=*/4000000);
  if (!tflite::VerifyModelBuffer(verifier)) {
    return Result<Graph>::failure("corrupt .tflite file: the flatbuffer verifier rejected it (truncated or damaged)");
  }
  try {
    return buildGraph(*tflite::GetModel(bytes.data()), name);
  } catch (const std::bad_alloc&) {
    return Result<Graph>::failure("out of memory while importing");
  } catch (const std::exception& e) {
    return Result<Graph>::failure(std::string("import failed: ") + e.what());
  }
}

Result<Graph> importTfliteFile(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) return Result<Graph>::failure("no such file");
  if (!std::filesystem::is_regular_file(status)) return Result<Graph>::failure("not a regular file");
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return Result<Graph>::failure("cannot read: " + ec.message());
  if (size > kMaxFileBytes) return Result<Graph>::failure("file larger than 1 GiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Result<Graph>::failure("cannot open for reading");
  std::vector<uint8_t> bytes(size);
  in.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(size));
  if (!in && size > 0) return Result<Graph>::failure("read error");
  return importTflite(bytes, std::filesystem::path(path).stem().string());
}

}  // namespace tinyforge
