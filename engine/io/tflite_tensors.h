// Internal to the importer: TFLite tensors -> Tensor, with every size checked before any copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/graph.h"
#include "engine/status.h"

namespace tflite {
struct Model;
struct Tensor;
}  // namespace tflite

namespace tinyforge {

// Bytes the importer may allocate for one file. FlatBuffers lets many offsets share one table,
// so a small hostile file can name the same large buffer or string a million times; every copy
// is charged here and the import stops when the budget runs out.
class ImportBudget {
 public:
  explicit ImportBudget(size_t fileBytes)
      : m_limit(4 * uint64_t(fileBytes) + (uint64_t(64) << 20)), m_left(m_limit) {}
  // False (and nothing charged) when `bytes` would exceed what is left.
  bool take(uint64_t bytes) {
    if (bytes > m_left) return false;
    m_left -= bytes;
    return true;
  }
  // "import needs more than 80 MiB for a 4 MiB file (tables shared many times?)"
  std::string exceeded() const;

 private:
  uint64_t m_limit;
  uint64_t m_left;
};

// Reads tensor `index` of subgraph 0: type, shape (rank <= 6, no negative dimension, at most
// kMaxTensorBytes), quantization and constant data, whose size must equal shape x dtype size.
Status readTfliteTensor(const tflite::Model& model, const tflite::Tensor* src, size_t index,
                        ImportBudget* budget, Tensor* out);

}  // namespace tinyforge
