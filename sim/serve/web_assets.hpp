#pragma once
// The page airace serve sends (sim/serve/web/) and Debian's Chart.js, embedded at build time
// by cmake/embed_files.cmake: the program needs no file at run time and nothing from the
// internet.

#include <cstddef>

namespace airace::serve {

struct WebAsset {
  const char* path;  // as requested, e.g. "/app.js"
  const char* type;  // Content-Type
  const unsigned char* data;
  std::size_t size;
};

extern const WebAsset kWebAssets[];
extern const std::size_t kWebAssetCount;

}  // namespace airace::serve
