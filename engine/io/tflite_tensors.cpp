#include "engine/io/tflite_tensors.h"

#include <cstring>

#include "engine/validate.h"
#include "tflite_subset_generated.h"

namespace tinyforge {
namespace {

constexpr size_t kMaxRank = 6;
constexpr size_t kMaxNameInMessage = 80;

std::string sizeText(uint64_t bytes) {
  if (bytes % (uint64_t(1) << 30) == 0) return std::to_string(bytes >> 30) + " GiB";
  return std::to_string((bytes + (uint64_t(1) << 20) - 1) >> 20) + " MiB";
}

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
  const std::string name = tflite::EnumNameTensorType(t);
  return Result<DType>::failure("unsupported tensor type " +
                                (name.empty() ? std::to_string(int(t)) : name));
}

// Tensor names end up in every later message and in generated C: no control characters.
std::string cleanName(const flatbuffers::String* s, size_t index) {
  if (!s) return "tensor_" + std::to_string(index);
  std::string name = s->str();
  for (char& c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return name;
}

std::string tensorLabel(size_t index, const std::string& name) {
  const bool cut = name.size() > kMaxNameInMessage;
  return "tensor " + std::to_string(index) + " '" + name.substr(0, kMaxNameInMessage) +
         (cut ? "...'" : "'");
}

// shape x element size in bytes; negative dimensions and sizes above kMaxTensorBytes fail.
Result<int64_t> shapeBytes(const Tensor& t, const std::string& where) {
  int64_t bytes = dtypeSize(t.type);
  bool empty = false;
  for (int32_t d : t.shape) {
    if (d < 0) {
      return Result<int64_t>::failure(where + ": dimension " + std::to_string(d) + " in shape " +
                                      shapeString(t.shape));
    }
    if (d == 0) {
      empty = true;
      continue;
    }
    if (bytes > kMaxTensorBytes / d) {
      return Result<int64_t>::failure(where + ": shape " + shapeString(t.shape) + " " +
                                      dtypeName(t.type) + " exceeds the " +
                                      sizeText(uint64_t(kMaxTensorBytes)) + " tensor limit");
    }
    bytes *= d;
  }
  return empty ? 0 : bytes;
}

Status readQuant(const tflite::QuantizationParameters* q, const std::string& where,
                 ImportBudget* budget, Tensor* out) {
  if (!q || !q->scale() || q->scale()->size() == 0) return Status::ok();
  const auto* scale = q->scale();
  const auto* zp = q->zero_point();
  const size_t n = scale->size();
  if (!zp || zp->size() != n) {
    return Status::error(where + ": " + std::to_string(n) + " scales but " +
                         std::to_string(zp ? zp->size() : 0) + " zero points");
  }
  if (!budget->take(uint64_t(n) * (sizeof(float) + sizeof(int64_t)))) {
    return Status::error(where + ": " + budget->exceeded());
  }
  // quantized_dimension is not checked against the shape: real files store 3 (the depthwise
  // weights' axis) on rank-1 biases. The ops check scale counts against their channels.
  out->quant.scale.assign(scale->begin(), scale->end());
  // A hostile file may store the int64 vector 4-byte aligned only: copy bytes, never load int64*.
  out->quant.zeroPoint.resize(n);
  std::memcpy(out->quant.zeroPoint.data(), zp->Data(), n * sizeof(int64_t));
  out->quant.axis = q->quantized_dimension();
  return Status::ok();
}

// Constant data: buffer 0 or an empty buffer means an activation.
Status readData(const tflite::Model& model, uint32_t b, int64_t needed, const std::string& where,
                ImportBudget* budget, Tensor* out) {
  if (b == 0) return Status::ok();
  const auto* buffers = model.buffers();
  if (!buffers || b >= buffers->size()) {
    return Status::error(where + ": buffer index " + std::to_string(b) + " out of range (" +
                         std::to_string(buffers ? buffers->size() : 0) + " buffers)");
  }
  const tflite::Buffer* buf = buffers->Get(b);
  if (!buf) return Status::ok();
  if (buf->offset() > 1) {
    return Status::error(where + ": buffer " + std::to_string(b) +
                         " uses the >2 GB external offset form, which is not supported");
  }
  const auto* data = buf->data();
  if (!data || data->size() == 0) return Status::ok();
  if (int64_t(data->size()) != needed) {
    return Status::error(where + ": buffer has " + std::to_string(data->size()) + " bytes, shape " +
                         shapeString(out->shape) + " " + dtypeName(out->type) + " needs " +
                         std::to_string(needed));
  }
  if (!budget->take(data->size())) return Status::error(where + ": " + budget->exceeded());
  out->isConstant = true;
  out->data.assign(data->begin(), data->end());
  return Status::ok();
}

}  // namespace

std::string ImportBudget::exceeded() const {
  return "import needs more than " + sizeText(m_limit) +
         " of memory for this file (the same tables referenced many times?)";
}

Status readTfliteTensor(const tflite::Model& model, const tflite::Tensor* src, size_t index,
                        ImportBudget* budget, Tensor* out) {
  if (!src) return Status::error("tensor " + std::to_string(index) + ": missing");
  const uint64_t nameBytes = src->name() ? src->name()->size() : 0;
  if (!budget->take(sizeof(Tensor) + nameBytes)) {
    return Status::error("tensor " + std::to_string(index) + ": " + budget->exceeded());
  }
  out->name = cleanName(src->name(), index);
  const std::string where = tensorLabel(index, out->name);
  Result<DType> type = mapType(src->type());
  if (!type) return Status::error(where + ": " + type.error());
  out->type = type.value();
  if (const auto* shape = src->shape()) {
    if (shape->size() > kMaxRank) {
      return Status::error(where + ": rank " + std::to_string(shape->size()) + ", at most " +
                           std::to_string(kMaxRank) + " supported");
    }
    out->shape.assign(shape->begin(), shape->end());
  }
  Result<int64_t> bytes = shapeBytes(*out, where);
  if (!bytes) return bytes.status();
  if (Status s = readQuant(src->quantization(), where, budget, out); !s) return s;
  return readData(model, src->buffer(), bytes.value(), where, budget, out);
}

}  // namespace tinyforge
