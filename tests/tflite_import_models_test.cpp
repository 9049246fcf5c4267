// The .tflite importer on the real models of ../shared: they import and match the golden
// manifests, and damage patched into them at known places gives the expected one-line errors.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <map>

#include "engine/io/tflite_import.h"
#include "tests/golden_data.h"
#include "tests/shared_data.h"
#include "tflite_subset_generated.h"

namespace tinyforge {
namespace {

// The import fails with a single line that contains `fragment`.
void expectError(const std::vector<uint8_t>& bytes, const std::string& fragment) {
  Result<Graph> g = importTflite(bytes);
  ASSERT_FALSE(g.ok()) << "expected an error containing '" << fragment << "'";
  EXPECT_NE(g.error().find(fragment), std::string::npos) << g.error();
  EXPECT_EQ(g.error().find('\n'), std::string::npos) << g.error();
}

std::vector<uint8_t> readModel(const std::string& stem) {
  return test::readFileBytes(test::sharedDir() / "models" / (stem + ".tflite"));
}

TEST(TfliteImportModels, EveryModelImportsWithTheManifestOps) {
  TINYFORGE_REQUIRE_SHARED();
  for (const std::string& stem : test::sharedModelStems()) {
    SCOPED_TRACE(stem);
    Result<Graph> g = importTfliteFile((test::sharedDir() / "models" / (stem + ".tflite")).string());
    ASSERT_TRUE(g.ok()) << g.error();
    EXPECT_EQ(g.value().name, stem);
    const nlohmann::json manifest = test::readManifest(stem);
    ASSERT_EQ(g.value().ops.size(), manifest["operators"].size());
    std::map<std::string, int> expectedCounts, counts;
    for (const auto& op : manifest["operators"]) {
      const auto i = op["index"].get<size_t>();
      ++expectedCounts[op["op"].get<std::string>()];
      ++counts[opKindName(g.value().ops[i].kind)];
      EXPECT_EQ(g.value().ops[i].inputs, op["inputs"].get<std::vector<TensorId>>());
      EXPECT_EQ(g.value().ops[i].outputs, op["outputs"].get<std::vector<TensorId>>());
    }
    EXPECT_EQ(counts, expectedCounts);
    for (const auto& t : manifest["cases"][0]["tensors"]) {
      const Tensor& tensor = g.value().tensor(t["index"].get<TensorId>());
      EXPECT_EQ(tensor.shape, t["shape"].get<std::vector<int32_t>>());
      EXPECT_EQ(tensor.name, t["name"].get<std::string>());
      EXPECT_EQ(dtypeName(tensor.type), t["dtype"].get<std::string>());
      if (t.contains("scale")) {
        EXPECT_FLOAT_EQ(tensor.scale(), t["scale"].get<float>());
        EXPECT_EQ(tensor.zeroPoint(), t["zero_point"].get<int32_t>());
      }
    }
    EXPECT_EQ(g.value().inputs, manifest["subgraph_inputs"].get<std::vector<TensorId>>());
    EXPECT_EQ(g.value().outputs, manifest["subgraph_outputs"].get<std::vector<TensorId>>());
  }
}

// A copy of a model's bytes, patched at positions found in the original's parsed tables.
struct Patch {
  const tflite::Model& model;
  const std::vector<uint8_t>& original;
  std::vector<uint8_t> bytes;

  template <typename T>
  void put(const void* at, T value, long delta = 0) {
    const long pos = static_cast<const uint8_t*>(at) - original.data() + delta;
    std::memcpy(bytes.data() + pos, &value, sizeof value);
  }
  const tflite::Tensor* tensor(uint32_t i) const {
    return model.subgraphs()->Get(0)->tensors()->Get(i);
  }
  const tflite::Operator* op(uint32_t i) const {
    return model.subgraphs()->Get(0)->operators()->Get(i);
  }
};

// Where a scalar field is stored, or nullptr when the file leaves it at its default.
template <typename T>
const uint8_t* fieldAt(const T* table, flatbuffers::voffset_t field) {
  return reinterpret_cast<const flatbuffers::Table*>(table)->GetAddressOf(field);
}

// The first tensor with constant data.
uint32_t firstConstant(const tflite::Model& m) {
  const auto* tensors = m.subgraphs()->Get(0)->tensors();
  for (uint32_t i = 0; i < tensors->size(); ++i) {
    const auto* t = tensors->Get(i);
    const auto* data = m.buffers()->Get(t->buffer())->data();
    if (t->buffer() != 0 && data && data->size() > 0 && t->shape()->size() > 0) return i;
  }
  return 0;
}

// Patches a copy of a real model; returns the expected message fragment ("" = not applicable).
using Mutation = std::function<std::string(Patch*)>;

std::string label(const Patch& p, uint32_t i) {
  return "tensor " + std::to_string(i) + " '" + p.tensor(i)->name()->str() + "'";
}

std::vector<Mutation> tensorMutations() {
  return {
      [](Patch* p) {
        const uint32_t c = firstConstant(p->model);
        p->put(p->tensor(c)->shape()->Data(), int32_t(-3));
        return label(*p, c) + ": dimension -3";
      },
      [](Patch* p) {
        p->put(p->tensor(firstConstant(p->model))->shape()->Data(), int32_t(0x7fffffff));
        return std::string("GiB tensor limit");
      },
      [](Patch* p) {
        p->put(p->tensor(firstConstant(p->model))->shape()->Data(), uint32_t(7), -4);
        return std::string("rank 7, at most 6");
      },
      [](Patch* p) {
        p->put(fieldAt(p->tensor(firstConstant(p->model)), tflite::Tensor::VT_BUFFER), 60000u);
        return std::string("buffer index 60000 out of range");
      },
      [](Patch* p) {
        const uint32_t c = firstConstant(p->model);
        const auto* data = p->model.buffers()->Get(p->tensor(c)->buffer())->data();
        p->put(data->Data(), uint32_t(data->size() - 1), -4);
        return label(*p, c) + ": buffer has " + std::to_string(data->size() - 1) + " bytes, shape";
      },
      [](Patch* p) {
        for (uint32_t i = 0; i < p->model.subgraphs()->Get(0)->tensors()->size(); ++i) {
          if (const uint8_t* type = fieldAt(p->tensor(i), tflite::Tensor::VT_TYPE)) {
            p->put(type, int8_t(tflite::TensorType::FLOAT16));
            return label(*p, i) + ": unsupported tensor type FLOAT16";
          }
        }
        return std::string();
      },
  };
}

std::vector<Mutation> structureMutations() {
  return {
      [](Patch* p) {
        std::memcpy(p->bytes.data() + 4, "TFL2", 4);
        return std::string("identifier 'TFL2'");
      },
      [](Patch* p) {
        p->bytes.resize(p->bytes.size() / 2);
        return std::string("verifier");
      },
      [](Patch* p) {
        const auto* code = p->model.operator_codes()->Get(p->op(0)->opcode_index());
        const uint8_t* dep = fieldAt(code, tflite::OperatorCode::VT_DEPRECATED_BUILTIN_CODE);
        const uint8_t* full = fieldAt(code, tflite::OperatorCode::VT_BUILTIN_CODE);
        if (dep) p->put(dep, int8_t(117));
        if (full) p->put(full, int32_t(117));
        return std::string(dep || full ? "unsupported operator HARD_SWISH (builtin code 117) at op 0"
                                       : "");
      },
      [](Patch* p) {
        p->put(p->model.operator_codes()->Data(), 0u, -4);
        return std::string("out of range (0 operator codes)");
      },
      [](Patch* p) {  // op 0 reads the last op's output
        const auto* ops = p->model.subgraphs()->Get(0)->operators();
        p->put(p->op(0)->inputs()->Data(), ops->Get(ops->size() - 1)->outputs()->Get(0));
        return std::string("is not produced before this op");
      },
      [](Patch* p) {  // op 0 reads its own output
        p->put(p->op(0)->inputs()->Data(), p->op(0)->outputs()->Get(0));
        return std::string("is not produced before this op");
      },
      [](Patch* p) {
        p->put(p->model.subgraphs()->Get(0)->inputs()->Data(), int32_t(999));
        return std::string("graph input refers to tensor 999");
      },
      [](Patch* p) {
        p->put(p->model.subgraphs()->Get(0)->outputs()->Data(), int32_t(-2));
        return std::string("graph output refers to tensor -2");
      },
      [](Patch* p) {
        p->put(p->model.subgraphs()->Data(), 0u, -4);
        return std::string("no subgraphs");
      },
  };
}

TEST(TfliteImportModels, MutatedRealModelsGiveOneLineErrors) {
  TINYFORGE_REQUIRE_SHARED();
  std::vector<Mutation> mutations = tensorMutations();
  for (Mutation& m : structureMutations()) mutations.push_back(std::move(m));
  for (const std::string& stem : test::sharedModelStems()) {
    const std::vector<uint8_t> original = readModel(stem);
    const tflite::Model* model = tflite::GetModel(original.data());
    int skipped = 0;
    for (size_t i = 0; i < mutations.size(); ++i) {
      Patch patch{*model, original, original};
      const std::string fragment = mutations[i](&patch);
      SCOPED_TRACE(stem + " mutation " + std::to_string(i) + ": " + fragment);
      if (fragment.empty()) {
        ++skipped;  // e.g. an OperatorCode that stores neither code field (ADD = 0)
        continue;
      }
      expectError(patch.bytes, fragment);
    }
    EXPECT_LE(skipped, 1) << stem;
  }
}

TEST(TfliteImportModels, EveryByteOfHelloWorldDamagedIsHandled) {
  TINYFORGE_REQUIRE_SHARED();
  const std::vector<uint8_t> original = readModel("tflm_hello_world_int8");
  for (size_t i = 0; i < original.size(); ++i) {
    for (uint8_t value : {uint8_t(original[i] ^ 0x80), uint8_t(0xff)}) {
      std::vector<uint8_t> bytes = original;
      bytes[i] = value;
      Result<Graph> g = importTflite(bytes);
      if (!g.ok()) {
        EXPECT_EQ(g.error().find('\n'), std::string::npos) << g.error();
      }
    }
    Result<Graph> cut = importTflite(std::span<const uint8_t>(original.data(), i));
    if (!cut.ok()) {
      EXPECT_EQ(cut.error().find('\n'), std::string::npos) << cut.error();
    }
  }
}

}  // namespace
}  // namespace tinyforge
