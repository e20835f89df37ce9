// Feeds files to a fuzz target's entry point without libFuzzer: the regression inputs and the
// seed corpus run through every build this way (CTest), sanitizer presets included.
//
//   fuzz_replay scenario|sweep PATH...   (a PATH that is a folder: every file under it)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_loaders.hpp"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc < 3 || (std::strcmp(argv[1], "scenario") != 0 && std::strcmp(argv[1], "sweep") != 0)) {
    std::fprintf(stderr, "usage: fuzz_replay scenario|sweep PATH...\n");
    return 2;
  }
  auto* const target = std::strcmp(argv[1], "scenario") == 0 ? &airace::fuzz::scenario_input
                                                              : &airace::fuzz::sweep_input;
  std::vector<fs::path> files;
  for (int i = 2; i < argc; ++i) {
    const fs::path p = argv[i];
    if (fs::is_directory(p)) {
      for (const auto& e : fs::recursive_directory_iterator(p))
        if (e.is_regular_file()) files.push_back(e.path());
    } else if (fs::is_regular_file(p)) {
      files.push_back(p);
    } else {
      std::fprintf(stderr, "fuzz_replay: no file or folder '%s'\n", argv[i]);
      return 2;
    }
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    std::printf("%s ... ", f.c_str());
    std::fflush(stdout);
    const auto start = std::chrono::steady_clock::now();
    target(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    std::printf("ok (%.3f s)\n", took.count());
  }
  std::printf("%zu inputs, no finding\n", files.size());
  return 0;
}
