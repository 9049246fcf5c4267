// evaluateInt8: the int8 graph's accuracy on a dataset with the engine's own host executor.
#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "engine/executor.h"
#include "search/dataset.h"
#include "search/float_net.h"

namespace tinyforge {

Result<Int8Evaluation> evaluateInt8(const Graph& graph, const Dataset& data, const std::vector<uint32_t>& indices,
                                    int threads) {
  std::vector<uint32_t> all = indices;
  if (all.empty()) {
    all.resize(data.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = uint32_t(i);
  }
  if (graph.inputs.size() != 1 || graph.tensor(graph.inputs[0]).byteSize() != int64_t(data.imageBytes())) {
    return Status::error("the model's input does not take " + std::to_string(data.height) + "x" +
                         std::to_string(data.width) + "x" + std::to_string(data.channels) + " images");
  }
  Int8Evaluation e;
  e.predictions.assign(all.size(), -1);
  std::atomic<size_t> next{0};
  std::mutex failure;
  Status firstError = Status::ok();
  auto worker = [&] {
    std::vector<uint8_t> input(data.imageBytes());
    for (size_t k = next++; k < all.size(); k = next++) {
      const uint8_t* image = data.image(all[k]);
      for (size_t i = 0; i < input.size(); ++i) input[i] = uint8_t(int8_t(int(image[i]) + kInputZeroPoint));
      Result<TensorValues> r = runGraph(graph, {input});
      if (!r) {
        std::lock_guard<std::mutex> lock(failure);
        if (firstError) firstError = r.status();
        return;
      }
      const std::vector<uint8_t>& out = r.value()[size_t(graph.outputs[0])];
      int32_t best = 0;
      for (size_t c = 1; c < out.size(); ++c) {
        if (int8_t(out[c]) > int8_t(out[size_t(best)])) best = int32_t(c);
      }
      e.predictions[k] = best;
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < std::max(1, threads); ++t) pool.emplace_back(worker);
  for (std::thread& t : pool) t.join();
  if (!firstError) return firstError;
  size_t correct = 0;
  for (size_t k = 0; k < all.size(); ++k) correct += e.predictions[k] == int32_t(data.labels[all[k]]);
  e.accuracy = all.empty() ? 0.0 : double(correct) / double(all.size());
  return e;
}

}  // namespace tinyforge
