// `airace serve` in a build without the seminar server (CMake's AIRACE_SERVE; docs/install.md):
// the command exists and says what the build lacked.
#include <cstdio>

#include "sim/serve/server.hpp"

namespace airace::serve {

int command_serve(const ServeArgs&) {
  std::fprintf(stderr,
               "airace serve: this airace was built without the seminar server (missing: %s). "
               "Install what is missing (bash scripts/setup.sh does) and build again; every other "
               "command works in this build.\n",
               AIRACE_SERVE_MISSING);
  return 2;
}

}  // namespace airace::serve
