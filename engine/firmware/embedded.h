// Files compiled into the engine (kernels, firmware templates, device profiles), so exports
// need nothing from the source tree at run time.
//
//   const std::string* c = embeddedFile("engine/kernels/tfk_conv2d.c");
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace tinyforge {

struct EmbeddedFile {
  const char* path;  // relative to the source tree, e.g. "resources/devices/stm32f746.json"
  const char* data;
  size_t size;
};

const EmbeddedFile* embeddedFiles(size_t* count);
// nullptr when no embedded file has that path.
const EmbeddedFile* embeddedFile(const std::string& path);
// Embedded files whose path starts with `prefix`, sorted by path.
std::vector<const EmbeddedFile*> embeddedFilesUnder(const std::string& prefix);

}  // namespace tinyforge
