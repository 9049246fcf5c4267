// A deterministic mutation driver for the importer fuzz target, for builds without libFuzzer:
//   fuzz_tflite_import_asan CORPUS_DIR [MUTATIONS] [SEED]
// Runs every corpus file, then MUTATIONS inputs made by mutating corpus files (bit flips, byte
// sets, truncations, chunk duplication and splicing, 32-bit fields overwritten with huge or
// negative values). Built with ASan + UBSan, so any memory error aborts the run.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

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

void mutate(std::vector<uint8_t>* b, const std::vector<std::vector<uint8_t>>& corpus, Rng* rng) {
  const int steps = 1 + int(rng->below(4));
  for (int i = 0; i < steps && !b->empty(); ++i) {
    const size_t pos = rng->below(b->size());
    switch (rng->below(7)) {
      case 0: (*b)[pos] ^= uint8_t(1u << rng->below(8)); break;
      case 1: (*b)[pos] = uint8_t(rng->next()); break;
      case 2: (*b)[pos] = rng->below(2) ? 0xFF : 0x00; break;
      case 3: b->resize(pos); break;
      case 4: {
        const size_t len = std::min<size_t>(1 + rng->below(64), b->size() - pos);
        std::vector<uint8_t> chunk(b->begin() + long(pos), b->begin() + long(pos + len));
        b->insert(b->begin() + long(rng->below(b->size())), chunk.begin(), chunk.end());
        break;
      }
      case 5: {
        const auto& other = corpus[rng->below(corpus.size())];
        if (other.empty()) break;
        const size_t from = rng->below(other.size());
        const size_t len = std::min<size_t>(1 + rng->below(256), other.size() - from);
        for (size_t k = 0; k < len && pos + k < b->size(); ++k) (*b)[pos + k] = other[from + k];
        break;
      }
      default: {
        static const uint32_t kValues[] = {0xFFFFFFFFu, 0x7FFFFFFFu, 0x80000000u, 0x10000u,
                                           0u, 1u, 0xFFFFFFF0u, 0x40000000u};
        const size_t at = pos & ~size_t(3);
        if (at + 4 > b->size()) break;
        const uint32_t v = kValues[rng->below(8)];
        for (int k = 0; k < 4; ++k) (*b)[at + size_t(k)] = uint8_t(v >> (8 * k));
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR [MUTATIONS] [SEED]\n", argv[0]);
    return 2;
  }
  const long mutations = argc > 2 ? std::atol(argv[2]) : 3000;
  Rng rng{argc > 3 ? std::strtoull(argv[3], nullptr, 10) | 1 : 0x9E3779B97F4A7C15ull};
  std::vector<std::vector<uint8_t>> corpus;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(argv[1])) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(corpus.back().data(), corpus.back().size());
  }
  if (corpus.empty()) {
    std::fprintf(stderr, "empty corpus %s\n", argv[1]);
    return 2;
  }
  for (long i = 0; i < mutations; ++i) {
    std::vector<uint8_t> input = corpus[rng.below(corpus.size())];
    mutate(&input, corpus, &rng);
    LLVMFuzzerTestOneInput(input.data(), input.size());
  }
  std::printf("fuzz: %zu corpus files and %ld mutated inputs, no crash\n", corpus.size(), mutations);
  return 0;
}
