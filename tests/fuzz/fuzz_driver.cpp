// A deterministic mutation driver for the importer fuzz target, for builds without libFuzzer:
//   fuzz_tflite_import_asan CORPUS_DIR [MUTATIONS] [SEED]
// Runs every corpus file (README.md and other *.md skipped), then MUTATIONS inputs made by
// mutating corpus files (bit flips, byte sets, truncations, chunk duplication and splicing,
// 32-bit words overwritten with huge, negative or small values, words copied from elsewhere in
// the file). Built with ASan + UBSan, so any memory error or undefined behaviour aborts the run.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_outcome.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

using Bytes = std::vector<uint8_t>;

struct Rng {
  uint64_t s;
  uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  size_t below(size_t n) { return n ? size_t(next() % n) : 0; }
};

// Values that reach the interesting branches: sizes and offsets past the end, negative indices,
// small tensor/buffer/opcode indices, the >127 op-code marker.
constexpr uint32_t kWords[] = {0xFFFFFFFFu, 0x7FFFFFFFu, 0x80000000u, 0x10000u, 0u, 1u,
                               2u,          3u,          7u,          127u,     0xFFFFFFF0u,
                               0x40000000u};

void putWord(Bytes* b, size_t at, uint32_t v) {
  if (at + 4 <= b->size()) std::memcpy(b->data() + at, &v, 4);
}

void spliceFrom(Bytes* b, size_t pos, const Bytes& other, Rng* rng) {
  if (other.empty()) return;
  const size_t from = rng->below(other.size());
  const size_t len = std::min<size_t>(1 + rng->below(256), other.size() - from);
  for (size_t k = 0; k < len && pos + k < b->size(); ++k) (*b)[pos + k] = other[from + k];
}

void duplicateChunk(Bytes* b, size_t pos, Rng* rng) {
  const size_t len = std::min<size_t>(1 + rng->below(64), b->size() - pos);
  const Bytes chunk(b->begin() + long(pos), b->begin() + long(pos + len));
  b->insert(b->begin() + long(rng->below(b->size())), chunk.begin(), chunk.end());
}

void mutate(Bytes* b, const std::vector<Bytes>& corpus, Rng* rng) {
  const int steps = 1 + int(rng->below(4));
  for (int i = 0; i < steps && !b->empty(); ++i) {
    const size_t pos = rng->below(b->size());
    const size_t word = pos & ~size_t(3);
    switch (rng->below(8)) {
      case 0: (*b)[pos] ^= uint8_t(1u << rng->below(8)); break;
      case 1: (*b)[pos] = uint8_t(rng->next()); break;
      case 2: (*b)[pos] = rng->below(2) ? 0xFF : 0x00; break;
      case 3: b->resize(pos); break;
      case 4: duplicateChunk(b, pos, rng); break;
      case 5: spliceFrom(b, pos, corpus[rng->below(corpus.size())], rng); break;
      case 6: putWord(b, word, kWords[rng->below(std::size(kWords))]); break;
      default: {
        uint32_t v = 0;
        const size_t from = rng->below(b->size()) & ~size_t(3);
        if (from + 4 <= b->size()) std::memcpy(&v, b->data() + from, 4);
        putWord(b, word, v);
      }
    }
  }
}

std::vector<Bytes> readCorpus(const char* dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() != ".md") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<Bytes> corpus;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return corpus;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR [MUTATIONS] [SEED]\n", argv[0]);
    return 2;
  }
  const long mutations = argc > 2 ? std::atol(argv[2]) : 3000;
  Rng rng{argc > 3 ? std::strtoull(argv[3], nullptr, 10) | 1 : 0x9E3779B97F4A7C15ull};
  const std::vector<Bytes> corpus = readCorpus(argv[1]);
  if (corpus.empty()) {
    std::fprintf(stderr, "empty corpus %s\n", argv[1]);
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  long counts[3] = {0, 0, 0};
  for (long i = -long(corpus.size()); i < mutations; ++i) {
    Bytes input = i < 0 ? corpus[size_t(i + long(corpus.size()))] : corpus[rng.below(corpus.size())];
    if (i >= 0) mutate(&input, corpus, &rng);
    LLVMFuzzerTestOneInput(input.data(), input.size());
    ++counts[int(lastFuzzOutcome())];
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("fuzz: %zu corpus files + %ld mutated inputs in %.2f s: %ld imported, %ld rejected "
              "by the file checks, %ld rejected on content; no crash\n",
              corpus.size(), mutations, seconds, counts[int(FuzzOutcome::kImported)],
              counts[int(FuzzOutcome::kRejectedFile)], counts[int(FuzzOutcome::kRejectedContent)]);
  return 0;
}
