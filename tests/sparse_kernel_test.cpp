// The sparse fully connected kernel against the dense reference kernel, byte for byte.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "engine/kernels/tfk.h"

namespace tinyforge {
namespace {

TEST(SparseKernel, FullyConnectedMatchesTheDenseReference) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 40; ++trial) {
    const int32_t units = 1 + int32_t(rng() % 24), depth = 1 + int32_t(rng() % 300), batches = 1 + int32_t(rng() % 3);
    const double density = double(rng() % 100) / 100.0;
    std::vector<int8_t> w(size_t(units) * size_t(depth)), in(size_t(batches) * size_t(depth));
    std::vector<int32_t> bias(static_cast<size_t>(units));
    for (auto& v : w) v = double(rng() % 1000) < density * 1000 ? int8_t(int(rng() % 256) - 128) : 0;
    for (auto& v : in) v = int8_t(int(rng() % 256) - 128);
    for (auto& b : bias) b = int32_t(rng() % 20001) - 10000;
    const bool perChannel = trial % 2 == 0;
    std::vector<int32_t> mult(perChannel ? size_t(units) : 1), shift(mult.size());
    for (size_t i = 0; i < mult.size(); ++i) {
      mult[i] = 1073741824 + int32_t(rng() % 1000000000);
      shift[i] = -int32_t(rng() % 10) - 1;
    }
    const tfk_channel_quant q = {mult.data(), shift.data(), perChannel ? 1 : 0};
    const tfk_fc_params p = {int32_t(rng() % 256) - 128, int32_t(rng() % 256) - 128, -128, 127};
    std::vector<int8_t> dense(size_t(batches) * size_t(units)), sparse(dense.size());
    tfk_fully_connected_s8(&p, &q, batches, depth, units, in.data(), w.data(), bias.data(), dense.data());
    std::vector<uint16_t> rowStart, cols;
    std::vector<int8_t> vals;
    for (int32_t u = 0; u < units; ++u) {
      rowStart.push_back(uint16_t(cols.size()));
      for (int32_t j = 0; j < depth; ++j) {
        if (w[size_t(u) * size_t(depth) + size_t(j)] == 0) continue;
        cols.push_back(uint16_t(j));
        vals.push_back(w[size_t(u) * size_t(depth) + size_t(j)]);
      }
    }
    rowStart.push_back(uint16_t(cols.size()));
    std::vector<int32_t> folded(static_cast<size_t>(units));
    tfk_fold_input_offset(p.input_offset, w.data(), units, depth, bias.data(), folded.data());
    tfk_fully_connected_sparse_s8(&p, &q, batches, depth, units, in.data(), rowStart.data(), cols.data(),
                                  vals.data(), folded.data(), sparse.data());
    ASSERT_EQ(dense, sparse) << "trial " << trial << " density " << density;
  }
}

}  // namespace
}  // namespace tinyforge
