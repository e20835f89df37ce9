#pragma once
// The `airace` command line. Exit status: 0 success, 2 bad input (scenario, options, files),
// 1 an internal error.

namespace airace {
int run_cli(int argc, char** argv);
}
