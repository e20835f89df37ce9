// `airace serve` in a build without the seminar server (CMake's AIRACE_SERVE; docs/install.md):
// the command exists and says what the build lacked.
#include <cstdio>

#include "sim/serve/server.hpp"

namespace airace::serve {

int command_serve(const ServeArgs&) {
  std::fprintf(stderr,
               "airace serve: this airace was built without the seminar server (%s); every "
               "other command works in this build. To build it in: install Boost and Chart.js "
               "(bash scripts/setup.sh does) and configure with AIRACE_SERVE=AUTO or ON "
               "(docs/install.md).\n",
               AIRACE_SERVE_WHY);
  return 2;
}

}  // namespace airace::serve
