#include "engine/firmware/embedded.h"

#include <algorithm>
#include <cstring>

namespace tinyforge {

const EmbeddedFile* embeddedFile(const std::string& path) {
  size_t n = 0;
  const EmbeddedFile* files = embeddedFiles(&n);
  for (size_t i = 0; i < n; ++i) {
    if (path == files[i].path) return &files[i];
  }
  return nullptr;
}

std::vector<const EmbeddedFile*> embeddedFilesUnder(const std::string& prefix) {
  size_t n = 0;
  const EmbeddedFile* files = embeddedFiles(&n);
  std::vector<const EmbeddedFile*> out;
  for (size_t i = 0; i < n; ++i) {
    if (std::strncmp(files[i].path, prefix.c_str(), prefix.size()) == 0) out.push_back(&files[i]);
  }
  std::sort(out.begin(), out.end(),
            [](const EmbeddedFile* a, const EmbeddedFile* b) { return std::strcmp(a->path, b->path) < 0; });
  return out;
}

}  // namespace tinyforge
