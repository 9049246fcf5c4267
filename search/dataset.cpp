#include "search/dataset.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>

namespace tinyforge {
namespace {

// Reads a whole file, gunzipping when it is gzip (zlib reads plain files transparently).
Result<std::vector<uint8_t>> readMaybeGzip(const std::string& path, size_t maxBytes) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return Result<std::vector<uint8_t>>::failure(path + ": no such file");
  std::unique_ptr<gzFile_s, int (*)(gzFile)> f(gzopen(path.c_str(), "rb"), gzclose);
  if (!f) return Result<std::vector<uint8_t>>::failure(path + ": cannot open");
  std::vector<uint8_t> out;
  std::vector<uint8_t> chunk(1 << 20);
  for (;;) {
    const int n = gzread(f.get(), chunk.data(), unsigned(chunk.size()));
    if (n < 0) return Result<std::vector<uint8_t>>::failure(path + ": corrupt gzip data");
    if (n == 0) break;
    out.insert(out.end(), chunk.begin(), chunk.begin() + n);
    if (out.size() > maxBytes) return Result<std::vector<uint8_t>>::failure(path + ": larger than expected");
  }
  return out;
}

uint32_t bigEndian32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

constexpr size_t kMaxDatasetBytes = size_t(1) << 31;

}  // namespace

Result<Dataset> loadIdx(const std::string& imagesPath, const std::string& labelsPath) {
  Result<std::vector<uint8_t>> images = readMaybeGzip(imagesPath, kMaxDatasetBytes);
  if (!images) return images.status();
  Result<std::vector<uint8_t>> labels = readMaybeGzip(labelsPath, kMaxDatasetBytes);
  if (!labels) return labels.status();
  const auto& im = images.value();
  const auto& lb = labels.value();
  if (im.size() < 16 || bigEndian32(im.data()) != 0x00000803u) {
    return Result<Dataset>::failure(imagesPath + ": not an IDX image file (magic 0x00000803 expected)");
  }
  if (lb.size() < 8 || bigEndian32(lb.data()) != 0x00000801u) {
    return Result<Dataset>::failure(labelsPath + ": not an IDX label file (magic 0x00000801 expected)");
  }
  const uint64_t n = bigEndian32(im.data() + 4), rows = bigEndian32(im.data() + 8), cols = bigEndian32(im.data() + 12);
  if (rows == 0 || cols == 0 || rows > 4096 || cols > 4096 || 16 + n * rows * cols != im.size()) {
    return Result<Dataset>::failure(imagesPath + ": header says " + std::to_string(n) + " images of " +
                                    std::to_string(rows) + "x" + std::to_string(cols) + ", file has " +
                                    std::to_string(im.size() - 16) + " data bytes");
  }
  if (bigEndian32(lb.data() + 4) != n || lb.size() != 8 + n) {
    return Result<Dataset>::failure(labelsPath + ": " + std::to_string(lb.size() - 8) + " labels for " +
                                    std::to_string(n) + " images");
  }
  Dataset d;
  d.height = int32_t(rows);
  d.width = int32_t(cols);
  d.channels = 1;
  d.images.assign(im.begin() + 16, im.end());
  d.labels.assign(lb.begin() + 8, lb.end());
  d.classes = d.labels.empty() ? 0 : int32_t(*std::max_element(d.labels.begin(), d.labels.end())) + 1;
  return d;
}

Result<Dataset> loadFashionMnist(DatasetSplit split, const std::string& dir) {
  const std::string prefix = split == DatasetSplit::kTrain ? "train" : "t10k";
  auto pick = [&](const std::string& name) {
    const std::filesystem::path plain = std::filesystem::path(dir) / name;
    std::error_code ec;
    return std::filesystem::exists(plain.string() + ".gz", ec) ? plain.string() + ".gz" : plain.string();
  };
  Result<Dataset> d = loadIdx(pick(prefix + "-images-idx3-ubyte"), pick(prefix + "-labels-idx1-ubyte"));
  if (!d && !std::filesystem::exists(dir)) {
    return Result<Dataset>::failure(d.error() + " (install the Debian package dataset-fashion-mnist)");
  }
  return d;
}

Result<Dataset> loadCifar10(const std::vector<std::string>& batchPaths) {
  constexpr size_t kRecord = 1 + 3 * 32 * 32;
  Dataset d;
  d.height = d.width = 32;
  d.channels = 3;
  d.classes = 10;
  for (const std::string& path : batchPaths) {
    Result<std::vector<uint8_t>> bytes = readMaybeGzip(path, kMaxDatasetBytes);
    if (!bytes) return bytes.status();
    const auto& b = bytes.value();
    if (b.empty() || b.size() % kRecord != 0) {
      return Result<Dataset>::failure(path + ": " + std::to_string(b.size()) +
                                      " bytes is not a whole number of CIFAR-10 records (3073 bytes)");
    }
    for (size_t r = 0; r < b.size() / kRecord; ++r) {
      const uint8_t* rec = b.data() + r * kRecord;
      if (rec[0] > 9) return Result<Dataset>::failure(path + ": record " + std::to_string(r) + " has label " + std::to_string(rec[0]));
      d.labels.push_back(rec[0]);
      for (size_t px = 0; px < 32 * 32; ++px) {  // planar RGB -> interleaved HWC
        for (size_t c = 0; c < 3; ++c) d.images.push_back(rec[1 + c * 1024 + px]);
      }
    }
  }
  return d;
}

DataSplit splitTrainValidation(size_t count, double validationFraction, uint64_t seed) {
  std::vector<uint32_t> idx(count);
  for (size_t i = 0; i < count; ++i) idx[i] = uint32_t(i);
  uint64_t state = seed;
  auto next = [&state] {
    state += 0x9E3779B97F4A7C15ull;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  for (size_t i = count; i > 1; --i) std::swap(idx[i - 1], idx[size_t(next() % i)]);
  const auto validation = size_t(double(count) * std::clamp(validationFraction, 0.0, 1.0));
  DataSplit s;
  s.train.assign(idx.begin(), idx.end() - long(validation));
  s.validation.assign(idx.end() - long(validation), idx.end());
  return s;
}

Dataset resizeDataset(const Dataset& d, int32_t height, int32_t width) {
  if (height == d.height && width == d.width) return d;
  Dataset r;
  r.height = height;
  r.width = width;
  r.channels = d.channels;
  r.classes = d.classes;
  r.labels = d.labels;
  r.images.resize(d.size() * r.imageBytes());
  const double sy = double(d.height) / height, sx = double(d.width) / width;
  for (size_t n = 0; n < d.size(); ++n) {
    const uint8_t* in = d.image(n);
    uint8_t* out = r.images.data() + n * r.imageBytes();
    for (int32_t y = 0; y < height; ++y) {
      const double fy = std::clamp((y + 0.5) * sy - 0.5, 0.0, double(d.height - 1));
      const int32_t y0 = int32_t(fy), y1 = std::min(y0 + 1, d.height - 1);
      for (int32_t x = 0; x < width; ++x) {
        const double fx = std::clamp((x + 0.5) * sx - 0.5, 0.0, double(d.width - 1));
        const int32_t x0 = int32_t(fx), x1 = std::min(x0 + 1, d.width - 1);
        const double wy = fy - y0, wx = fx - x0;
        for (int32_t c = 0; c < d.channels; ++c) {
          auto at = [&](int32_t yy, int32_t xx) { return double(in[(size_t(yy) * size_t(d.width) + size_t(xx)) * size_t(d.channels) + size_t(c)]); };
          const double v = (1 - wy) * ((1 - wx) * at(y0, x0) + wx * at(y0, x1)) + wy * ((1 - wx) * at(y1, x0) + wx * at(y1, x1));
          out[(size_t(y) * size_t(width) + size_t(x)) * size_t(d.channels) + size_t(c)] = uint8_t(std::lround(std::clamp(v, 0.0, 255.0)));
        }
      }
    }
  }
  return r;
}

}  // namespace tinyforge
