// Image classification datasets: Fashion-MNIST / MNIST (IDX, gzip or not) and CIFAR-10 (binary),
// a deterministic validation split carved from the training set.
//
//   Result<Dataset> train = loadFashionMnist(DatasetSplit::kTrain);   // Debian's package files
//   DataSplit s = splitTrainValidation(train.value().size(), 0.1, /*seed=*/1);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/status.h"

namespace tinyforge {

struct Dataset {
  int32_t height = 0, width = 0, channels = 0;
  int32_t classes = 0;
  std::vector<uint8_t> images;  // N x H x W x C, 0..255
  std::vector<uint8_t> labels;  // N
  size_t size() const { return labels.size(); }
  size_t imageBytes() const { return size_t(height) * size_t(width) * size_t(channels); }
  const uint8_t* image(size_t i) const { return images.data() + i * imageBytes(); }
};

enum class DatasetSplit { kTrain, kTest };

// Where Debian's dataset-fashion-mnist puts the files.
constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// IDX image file (magic 0x00000803, N x rows x cols) and label file (0x00000801, N), each
// gzip-compressed or not. Errors name the file and what is wrong.
Result<Dataset> loadIdx(const std::string& imagesPath, const std::string& labelsPath);
// {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] in `dir` (Fashion-MNIST and MNIST layout).
Result<Dataset> loadFashionMnist(DatasetSplit split, const std::string& dir = kFashionMnistDir);
// CIFAR-10 binary batches: records of 1 label byte + 3072 bytes (R, G, B planes of 32 x 32).
Result<Dataset> loadCifar10(const std::vector<std::string>& batchPaths);

// The images resized to height x width (bilinear, half-pixel centres, rounded to 0..255): how a
// network searched at a lower resolution sees the data, in training and on the device.
Dataset resizeDataset(const Dataset& data, int32_t height, int32_t width);

struct DataSplit {
  std::vector<uint32_t> train, validation;  // indices into the training set
};
// A seeded shuffle (splitmix64 + Fisher-Yates), then the last `validationFraction` for validation.
DataSplit splitTrainValidation(size_t count, double validationFraction, uint64_t seed);

}  // namespace tinyforge
