// Datasets: IDX (gzip or plain) and CIFAR-10 readers, clear errors, deterministic splits, and the
// real Fashion-MNIST files from Debian's dataset-fashion-mnist.
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "search/dataset.h"
#include "tests/shared_data.h"

namespace tinyforge {
namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> be32(uint32_t v) { return {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)}; }

void writeFile(const fs::path& p, const std::vector<uint8_t>& bytes, bool gzip) {
  if (gzip) {
    gzFile f = gzopen(p.c_str(), "wb");
    gzwrite(f, bytes.data(), unsigned(bytes.size()));
    gzclose(f);
  } else {
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  }
}

// 3 images of 2x2, labels 0, 2, 1.
void writeIdx(const fs::path& dir, bool gzip, int labelCount = 3) {
  std::vector<uint8_t> im = be32(0x803), n = be32(3), r = be32(2), c = be32(2);
  im.insert(im.end(), n.begin(), n.end());
  im.insert(im.end(), r.begin(), r.end());
  im.insert(im.end(), c.begin(), c.end());
  for (uint8_t v = 0; v < 12; ++v) im.push_back(v);
  std::vector<uint8_t> lb = be32(0x801), ln = be32(uint32_t(labelCount));
  lb.insert(lb.end(), ln.begin(), ln.end());
  for (int i = 0; i < labelCount; ++i) lb.push_back(uint8_t(i == 1 ? 2 : i == 2 ? 1 : 0));
  writeFile(dir / "images", im, gzip);
  writeFile(dir / "labels", lb, gzip);
}

fs::path tempDir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("tinyforge_dataset_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

TEST(Dataset, ReadsIdxPlainAndGzip) {
  for (bool gzip : {false, true}) {
    const fs::path d = tempDir(gzip ? "gz" : "plain");
    writeIdx(d, gzip);
    Result<Dataset> ds = loadIdx((d / "images").string(), (d / "labels").string());
    ASSERT_TRUE(ds.ok()) << ds.error();
    EXPECT_EQ(ds.value().size(), 3u);
    EXPECT_EQ(ds.value().height, 2);
    EXPECT_EQ(ds.value().classes, 3);
    EXPECT_EQ(ds.value().image(2)[3], 11);
    EXPECT_EQ(ds.value().labels[1], 2);
  }
}

TEST(Dataset, MalformedFilesNameThePath) {
  const fs::path d = tempDir("bad");
  writeIdx(d, false, 2);  // 2 labels for 3 images
  Result<Dataset> ds = loadIdx((d / "images").string(), (d / "labels").string());
  ASSERT_FALSE(ds.ok());
  EXPECT_NE(ds.error().find((d / "labels").string() + ": 2 labels for 3 images"), std::string::npos) << ds.error();
  ds = loadIdx((d / "missing").string(), (d / "labels").string());
  ASSERT_FALSE(ds.ok());
  EXPECT_NE(ds.error().find("missing: no such file"), std::string::npos) << ds.error();
  writeFile(d / "junk", std::vector<uint8_t>(40, 7), false);
  ds = loadIdx((d / "junk").string(), (d / "labels").string());
  ASSERT_FALSE(ds.ok());
  EXPECT_NE(ds.error().find("not an IDX image file"), std::string::npos) << ds.error();
  writeIdx(d, false);
  std::vector<uint8_t> truncated(20);
  std::ifstream((d / "images"), std::ios::binary).read(reinterpret_cast<char*>(truncated.data()), 20);
  writeFile(d / "images", truncated, false);
  ds = loadIdx((d / "images").string(), (d / "labels").string());
  ASSERT_FALSE(ds.ok());
  EXPECT_NE(ds.error().find("header says 3 images"), std::string::npos) << ds.error();
  Result<Dataset> none = loadFashionMnist(DatasetSplit::kTrain, "/nonexistent/fmnist");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().find("dataset-fashion-mnist"), std::string::npos) << none.error();
}

TEST(Dataset, ReadsCifar10Records) {
  const fs::path d = tempDir("cifar");
  std::vector<uint8_t> rec(2 * 3073);
  for (size_t i = 0; i < rec.size(); ++i) rec[i] = uint8_t(i % 251);
  rec[0] = 3;
  rec[3073] = 9;
  writeFile(d / "batch.bin", rec, false);
  Result<Dataset> ds = loadCifar10({(d / "batch.bin").string()});
  ASSERT_TRUE(ds.ok()) << ds.error();
  ASSERT_EQ(ds.value().size(), 2u);
  EXPECT_EQ(ds.value().labels[1], 9);
  // Pixel 0 of image 0: R, G, B from the three planes.
  EXPECT_EQ(ds.value().image(0)[0], rec[1]);
  EXPECT_EQ(ds.value().image(0)[1], rec[1 + 1024]);
  EXPECT_EQ(ds.value().image(0)[2], rec[1 + 2048]);
  rec.pop_back();
  writeFile(d / "short.bin", rec, false);
  EXPECT_FALSE(loadCifar10({(d / "short.bin").string()}).ok());
}

TEST(Dataset, SplitIsDeterministicAndDisjoint) {
  const DataSplit a = splitTrainValidation(1000, 0.1, 7), b = splitTrainValidation(1000, 0.1, 7);
  EXPECT_EQ(a.train, b.train);
  EXPECT_EQ(a.validation, b.validation);
  EXPECT_EQ(a.validation.size(), 100u);
  std::set<uint32_t> all(a.train.begin(), a.train.end());
  for (uint32_t v : a.validation) EXPECT_TRUE(all.insert(v).second);
  EXPECT_EQ(all.size(), 1000u);
  EXPECT_NE(splitTrainValidation(1000, 0.1, 8).validation, a.validation);
}

TEST(Dataset, DebianFashionMnist) {
  if (!fs::exists(kFashionMnistDir)) {
    if (test::runningInCi()) FAIL() << "CI=true but dataset-fashion-mnist is not installed";
    GTEST_SKIP() << "dataset-fashion-mnist not installed (make test installs it)";
  }
  Result<Dataset> train = loadFashionMnist(DatasetSplit::kTrain);
  Result<Dataset> test = loadFashionMnist(DatasetSplit::kTest);
  ASSERT_TRUE(train.ok()) << train.error();
  ASSERT_TRUE(test.ok()) << test.error();
  EXPECT_EQ(train.value().size(), 60000u);
  EXPECT_EQ(test.value().size(), 10000u);
  EXPECT_EQ(train.value().height, 28);
  EXPECT_EQ(train.value().width, 28);
  EXPECT_EQ(train.value().classes, 10);
  std::vector<int> perClass(10, 0);
  for (uint8_t l : test.value().labels) ++perClass[l];
  for (int c : perClass) EXPECT_EQ(c, 1000);  // Fashion-MNIST's test set is balanced
}

}  // namespace
}  // namespace tinyforge
