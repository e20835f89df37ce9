// libFuzzer target: sweep files (tests/fuzz/README.md).
#include "tests/fuzz/fuzz_loaders.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  airace::fuzz::sweep_input(data, size);
  return 0;
}
